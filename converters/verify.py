"""Recompute every answer and compare it with the row's label."""
from __future__ import annotations

from typing import NamedTuple

from converters.answers import as_exact, extract_boxed, last_number
from converters.categories import OTHER, categorise
from converters.compute import ComputeError, solve

AGREE, DISAGREE, UNPARSEABLE, UNCHECKED = "agree", "disagree", "unparseable", "unchecked"
STATUSES = (AGREE, DISAGREE, UNPARSEABLE, UNCHECKED)


class Checked(NamedTuple):
    category: str
    status: str
    problem: str  # prompt template removed
    label: str | None  # the answer the row's solution gives
    expected: str | None  # our recomputed answer (English: the boxed answer)
    solution: str | None  # our solution line in the contest's notation (English: as given)
    args: tuple[str, ...]
    reason: str = ""


def check(problem: str, solution: str) -> Checked:
    """Categorise, recompute and compare one row. Pure; never raises on row content."""
    parsed = categorise(problem)
    cat, args, text = parsed.category, parsed.args, parsed.problem
    if cat == "english":
        boxed = extract_boxed(solution)
        status = UNCHECKED if boxed is not None else UNPARSEABLE
        reason = "" if boxed is not None else "no \\boxed{} answer in the solution"
        return Checked(cat, status, text, boxed, boxed, solution, args, reason)
    if cat == OTHER:
        return Checked(cat, UNPARSEABLE, text, None, None, None, args, "matches no category rule")
    if parsed.error:
        return Checked(cat, UNPARSEABLE, text, None, None, None, args, parsed.error)
    try:
        answer = solve(cat, args)
    except ComputeError as exc:
        return Checked(cat, UNPARSEABLE, text, None, None, None, args, str(exc))
    label = last_number(solution, fractions=cat == "fraction")
    if label is None:
        return Checked(cat, DISAGREE, text, None, answer.value, answer.solution, args,
                       "the solution has no number")
    if label == answer.value or as_exact(label) == as_exact(answer.value):
        return Checked(cat, AGREE, text, label, answer.value, answer.solution, args)
    return Checked(cat, DISAGREE, text, label, answer.value, answer.solution, args,
                   f"label {label} != computed {answer.value}")
