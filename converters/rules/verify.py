"""Recompute every answer and compare it with the row's label.

`agree`: the label is the exact value (in any notation; for the float-repr categories, the
contest's repr of it). `rounded`: the label is the exact value rounded (see converters.rules.rounding),
kept by default. `disagree`: anything else.
"""
from __future__ import annotations

from typing import NamedTuple

from converters.answers.number import as_exact, last_number
from converters.answers.expression import extract_boxed
from converters.rules.categories import COMPETITION, OTHER, categorise
from converters.answers.expression import normalise, one_line, readable
from converters.rules.compute import FLOAT_NOTATION, ComputeError, solve
from converters.rules.rounding import rounding_rule

AGREE, ROUNDED, DISAGREE, UNPARSEABLE, UNCHECKED = "agree", "rounded", "disagree", "unparseable", "unchecked"
STATUSES = (AGREE, ROUNDED, DISAGREE, UNPARSEABLE, UNCHECKED)


class Checked(NamedTuple):
    category: str
    status: str
    problem: str  # prompt template removed
    label: str | None  # the answer the row's solution gives
    expected: str | None  # our recomputed answer (English: the boxed answer)
    solution: str | None  # our solution line in the contest's notation (English: as given)
    args: tuple[str, ...]
    reason: str = ""
    wrapper: str = "none"  # the prompt wrapper removed from the problem
    rounding: str = ""  # for `rounded`: how the label rounds the exact value


def _competition(problem: str, solution: str, wrapper: str) -> Checked:
    """A competition row: its `\\boxed{}` answer, normalised and proven readable (no recomputation: the
    problem is free text). `expected` is the normalised answer, `solution` the given worked solution."""
    boxed = extract_boxed(solution)
    if boxed is None:
        return Checked(COMPETITION, UNPARSEABLE, problem, None, None, solution, (), "no \\boxed{} answer in the solution",
                       wrapper)
    answer = normalise(boxed)
    if not readable(answer):
        return Checked(COMPETITION, UNPARSEABLE, problem, boxed, None, solution, (),
                       f"the boxed answer '{one_line(boxed)}' cannot be parsed (LaTeX)", wrapper)
    return Checked(COMPETITION, UNCHECKED, problem, boxed, answer, solution, (), "", wrapper)


def check(problem: str, solution: str) -> Checked:
    """Categorise, recompute and compare one row. Pure; never raises on row content."""
    parsed = categorise(problem)
    cat, args, text, wrapper = parsed.category, parsed.args, parsed.problem, parsed.wrapper
    if cat == COMPETITION:
        return _competition(text, solution, wrapper)
    if cat == OTHER and extract_boxed(solution) is not None:  # a free-form problem with a boxed answer
        return _competition(text, solution, wrapper)
    if cat == OTHER:
        return Checked(cat, UNPARSEABLE, text, None, None, None, args, "matches no category rule", wrapper)
    if parsed.error:
        return Checked(cat, UNPARSEABLE, text, None, None, None, args, parsed.error, wrapper)
    try:
        answer = solve(cat, args)
    except ComputeError as exc:
        return Checked(cat, UNPARSEABLE, text, None, None, None, args, str(exc), wrapper)
    label = last_number(solution, fractions=cat == "fraction")
    if label is None:
        return Checked(cat, DISAGREE, text, None, answer.value, answer.solution, args,
                       "the solution has no number", wrapper)
    if label == answer.value:  # most rows: no fractions needed
        return Checked(cat, AGREE, text, label, answer.value, answer.solution, args, "", wrapper)
    exact = answer.rational
    if as_exact(label) == exact:
        return Checked(cat, AGREE, text, label, answer.value, answer.solution, args, "", wrapper)
    rule = rounding_rule(label, exact)
    if rule == "float" and cat in FLOAT_NOTATION:  # the contest's own notation for these
        return Checked(cat, AGREE, text, label, answer.value, answer.solution, args, "", wrapper)
    if rule:
        return Checked(cat, ROUNDED, text, label, answer.value, answer.solution, args,
                       f"label {label} rounds {answer.value} ({rule})", wrapper, rule)
    return Checked(cat, DISAGREE, text, label, answer.value, answer.solution, args,
                   f"label {label} != computed {answer.value}", wrapper)
