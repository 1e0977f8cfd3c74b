"""The text-only figure beside the programs-run one, and which step a wrong `steps` answer got wrong.

A judge that runs no code (the contest's, MindFormers' predict) reads the model's own text. `predict`
keeps that text as `text_generation` when it runs programs; without programs (`--no-execute`, or a
model that writes none) the answer already is the text's. A row whose answer came from a program and
that has no `text_generation` (an older prediction file) has no text-only answer: the figure is then
not given rather than guessed.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from converters.rules.categories import categorise
from converters.solutions.compact_check import check_compact
from converters.solutions.steps_check import check_steps
from evaluation.scoring import symbolic
from evaluation.scoring.extract import extract_with_rule, is_correct

OPENERS = {"+", "-", "×", "÷", "√"}
JUDGED = {"programs run": "programs run", "text only": "text only (a judge that runs no code)",
          "as given": "answers as given (how they were found is not recorded)"}


def from_program(row: dict) -> bool:
    """The row's answer is a program's output, or a vote over samples one of which is."""
    if row.get("answer_from") == "program":
        return True
    samples = row.get("samples") if row.get("answer_from") == "vote" else None
    return isinstance(samples, list) and any(isinstance(s, dict) and s.get("answer_from") == "program"
                                             for s in samples)


def text_answer(row: dict) -> tuple[bool, str | None]:
    """(measurable, the answer a text-only judge reads)."""
    if isinstance(row.get("text_generation"), str):
        return True, extract_with_rule(row["text_generation"])[0]
    if from_program(row):
        return False, None
    return True, row.get("answer")


def judged(rows: list[dict]) -> str:
    """How the main figure was judged: `programs run` when any answer is a program's output, `as given`
    when some answer came in an `answer` field that does not say where it came from, else `text only`."""
    if any(from_program(r) for r in rows):
        return "programs run"
    if any(r.get("rule") == "given" for r in rows):
        return "as given"
    return "text only"


def _steps_text(row: dict) -> str | None:
    text = row.get("text_generation") if isinstance(row.get("text_generation"), str) else row.get("generation")
    if not isinstance(text, str):
        return None
    text = text.strip("\n")
    return text if text.startswith("= ") else None


def failing_step(row: dict) -> str | None:
    """The kind of the first wrong step of a `steps` or `compact` answer (None: neither, or no wrong step)."""
    text = _steps_text(row)
    if text is None or not isinstance(row.get("problem"), str):
        return None
    parsed = categorise(row["problem"])
    if parsed.error or parsed.category in ("competition", "other"):
        return None
    lines = text.split("\n")
    check = check_steps if any(line in OPENERS for line in lines) else check_compact
    error = check(parsed.category, parsed.args, text)
    return error.kind if error else None


def text_only(rows: list[dict], mode: str, golds: list[list[str]]) -> dict | None:
    """Accuracy per category judged on the text alone, with the failing step kinds of wrong steps
    answers; None when some row has no text-only answer."""
    per = defaultdict(lambda: {"n": 0, "correct": 0})
    failing: Counter = Counter()
    by_cat: dict[str, Counter] = defaultdict(Counter)
    for row, gold in zip(rows, golds):
        measurable, answer = text_answer(row)
        if not measurable:
            return None
        if row.get("symbolic"):
            text = row.get("text_generation")
            pred = symbolic.from_text(text) if isinstance(text, str) else symbolic.from_value(answer)
            right = bool(pred) and symbolic.judge(pred, symbolic.parsed_golds(gold))
        else:
            right = any(is_correct(answer, g, mode) for g in gold)
        cat = row.get("category") if isinstance(row.get("category"), str) and row["category"] else "unknown"
        per[cat]["n"] += 1
        per[cat]["correct"] += right
        if not right:
            kind = failing_step(row)
            if kind:
                failing[kind] += 1
                by_cat[cat][kind] += 1
    n = sum(v["n"] for v in per.values())
    correct = sum(v["correct"] for v in per.values())
    return {"n": n, "correct": correct, "accuracy": correct / n if n else 0.0,
            "categories": {c: {**v, "accuracy": v["correct"] / v["n"]} for c, v in per.items()},
            "failing_steps": dict(failing.most_common()),
            "failing_steps_by_category": {c: dict(v.most_common()) for c, v in by_cat.items()}}
