"""Problem sets: read problems from any row layout, and build held-out test sets."""
from __future__ import annotations

import decimal
import random
from typing import Iterable

from converters.rules.categories import categorise
from fileio.errors import InputError
from converters.read.formats import read_items
from converters.synth.contest import GENERATORS

CHINESE = [c for c in GENERATORS if c != "competition"]


def read_problems(path: str, fmt: str = "auto") -> list[dict]:
    """Problems from any row layout converters.read.formats reads, the prompt wrapper removed.

    A {problem, solution} row keeps its fields; other layouts give the answer as `reference`."""
    errors: list = []
    rows = []
    for line, r, kind in read_items(path, errors, fmt, need_solution=False):
        # the text categorise uses: with an `### Input:` part, the part that is the problem
        row = dict(r, problem=categorise(r["problem"]).problem, source=f"{path}:{line}")
        solution = row.pop("solution")
        if solution is not None:
            row["solution" if kind == "rows" else "reference"] = solution
        rows.append(row)
    for e in errors[:20]:
        print(e)
    if not rows:
        raise InputError(f"{path}: no problems" + (f" ({errors[0]})" if errors else ""))
    return rows


def held_out(per_category: int, seed: int, exclude: Iterable[str] = (),
             categories: Iterable[str] = CHINESE, tries: int = 50) -> list[dict]:
    """`per_category` synthetic rows of each category whose problems are not in `exclude`.

    Some categories have tiny problem spaces (the contest's `fraction` has 45 distinct
    problems, `mass` 100), so training may already hold all of them. Such a category is
    filled up with seen or repeated problems, marked `"seen": true`, rather than left short.
    Rows come shuffled, so the first N of them cover every category.
    """
    excluded = set(exclude)
    rng = random.Random(seed)
    rows: list[dict] = []
    with decimal.localcontext(decimal.Context()):
        for category in categories:
            fresh: dict[str, str] = {}
            spare: list[tuple[str, str]] = []
            for _ in range(per_category * tries):
                if len(fresh) == per_category:
                    break
                problem, solution = GENERATORS[category](rng)
                if problem in excluded or problem in fresh:
                    spare.append((problem, solution))
                else:
                    fresh[problem] = solution
            picked = [(p, s, False) for p, s in fresh.items()]
            picked += [(p, s, True) for p, s in spare[: per_category - len(picked)]]
            if len(picked) < per_category:
                raise InputError(f"held-out set: only {len(picked)} {category} problems after {per_category * tries} tries")
            rows += [{"problem": p, "solution": s, "category": category, "seen": seen} for p, s, seen in picked]
    rng.shuffle(rows)  # so that --limit N takes every category
    return rows
