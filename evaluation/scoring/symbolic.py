"""Judging a row symbolically (competition answers: LaTeX, sets, intervals, radicals, …) with math-verify.

A row is judged this way when its gold is not a plain number, or for every row with `--mode math`;
the contest's numeric modes judge the rest as before (`evaluation.scoring.extract`).
"""
from __future__ import annotations

import functools

from converters.answers.expression import equivalent, expression_line, one_line, parse_latex, parse_text, parse_value
from converters.answers.number import is_number, to_exact
from evaluation.scoring.extract import is_correct

RULE = "math-verify"




def is_symbolic(golds: list[str], mode: str) -> bool:
    """Whether math-verify judges the row: `--mode math`, or a gold that is not a plain number."""
    # `-2, 1` is a list (to_exact would read its last number), `1,234` a number
    return mode == "math" or any(not is_number(g) and (to_exact(g) is None or "," in g) for g in golds)


def is_expression(answer: str | None) -> bool:
    """An answer that is not a plain number but one sympy/LaTeX value (`Rational(1, 16)`, `sqrt(2)/2`): judged
    symbolically even against a numeric gold, as the numeric rules would read `16` out of it."""
    if answer is None or to_exact(answer) is not None or is_number(answer) or "\n" in answer.strip():
        return False
    return expression_line(answer) is not None  # Python/sympy or LaTeX; a sentence is not one


def parsed_golds(golds: list[str]) -> list[list]:
    """Each gold parsed; ValueError naming the first when none can be read."""
    parsed = [p for p in (_gold(g) for g in golds) if p]
    if not parsed:
        raise ValueError(f"gold answer '{one_line(golds[0])}' cannot be parsed as an answer (LaTeX or a number): unparseable")
    return parsed


def _gold(gold: str) -> list:
    return list(_parsed_gold(gold))


@functools.lru_cache(maxsize=4096)
def _parsed_gold(gold: str) -> tuple:
    """A gold parsed: a plain number exactly (math-verify reads `1e5` as e·5), anything else as LaTeX.
    Cached: `score` judges a row and then its text alone against the same gold (a parse is ~6 ms)."""
    exact = to_exact(gold) if is_number(gold) else None
    if exact is not None:
        import sympy

        return (sympy.Rational(exact.numerator, exact.denominator), gold)
    return tuple(parse_latex(gold))


def judge(pred: list, golds: list[list]) -> bool:
    return any(equivalent(g, pred) for g in golds)


def from_text(text: str | None) -> list:
    return parse_text(text) if isinstance(text, str) and text.strip() else []


def from_value(value: str | None) -> list:
    return parse_value(value) if isinstance(value, str) else []


def shown(pred: list) -> str | None:
    """The prediction as found in the text (math-verify keeps it beside the value)."""
    if not pred:
        return None
    text = next((p for p in pred if isinstance(p, str)), None)
    if text is None:
        import sympy

        text = sympy.latex(pred[0])
    return text


def value_correct(answer: str | None, golds: list[str], mode: str) -> bool:
    """One extracted answer (a program's output, a vote) against the golds: symbolically where the row
    is judged so, else by the numeric rule of `mode`."""
    if answer is None:
        return False
    if is_symbolic(golds, mode) or is_expression(str(answer)):
        try:
            return judge(from_value(str(answer)), parsed_golds(golds))
        except ValueError:  # the gold cannot be read: nothing equals it
            return False
    return any(is_correct(answer, g, mode) for g in golds)
