"""What the data steps print and report: wrappers stripped, rounding rules, why no row is left."""
from __future__ import annotations

from collections import Counter

from converters.rules.categories import OTHER

Steps = list[tuple[str, int, int]]  # (step, rows removed, rows left), as converters.pipeline records them


def wrapper_counts(rows: list[dict]) -> dict[str, int]:
    """How often each prompt wrapper was stripped, most common first."""
    return dict(Counter(r.get("wrapper", "none") for r in rows).most_common())


def format_wrappers(counts: dict[str, int]) -> str:
    stripped = {w: n for w, n in counts.items() if w != "none"}
    if not stripped:
        return "prompt wrappers stripped: none"
    return "prompt wrappers stripped: " + ", ".join(f"{w} × {n}" for w, n in stripped.items())


def rounding_counts(rows: list[dict]) -> dict[str, int]:
    """How often each rounding rule (converters.rules.rounding) made a `rounded` label."""
    return dict(Counter(r["rounding"] for r in rows if r.get("rounding")).most_common())


def format_roundings(counts: dict[str, int]) -> str:
    return "rounded labels by rule: " + (", ".join(f"{k} × {n}" for k, n in counts.items()) or "none")


def other_hint(rows: list[dict]) -> str | None:
    """A warning when at least half the rows match no category (a prompt this reader does not know?)."""
    others = sum(r["category"] == OTHER for r in rows)
    if not rows or 2 * others < len(rows):
        return None
    share = "all" if others == len(rows) else f"{others} of"
    return (f"mathtune: warning: {share} {len(rows)} rows matched no category: is the problem wrapped in a "
            "prompt this reader does not know?")


def why_empty(steps: Steps, rows: list[dict]) -> str:
    """Which step removed the last rows, with a hint at the likely cause."""
    for name, removed, left in steps:
        if left:
            continue
        if name == "input":
            return "no row was read from the inputs (empty, or every line failed: see errors.txt)"
        if name == "unparseable / other":
            others = sum(r["category"] == OTHER for r in rows)
            if others == removed:
                return (f"all {removed} rows matched no category: is the problem wrapped in a prompt "
                        "this reader does not know?")
            return f"all {removed} rows were unparseable or matched no category (see errors.txt)"
        if name.startswith("label disagrees"):
            return (f"all {removed} rows have a label that disagrees with the computed answer "
                    "(--keep-disagree trains on the computed answer)")
        if name.startswith("competition"):
            return f"all {removed} rows are English competition problems and --drop-competition leaves them out"
        return f"step '{name}' removed the last {removed} rows"
    return "no rows in the input"


def format_given(done: list[dict]) -> str | None:
    """With --labels given: how many rounded labels are trained as given, and how many could not be."""
    used = Counter(r["label_used"] for r in done if "label_used" in r)
    if not used:
        return None
    return (f"--labels given: {used['given']} rounded labels trained as given, {used['exact']} kept the exact "
            "answer (no program prints that label exactly)")
