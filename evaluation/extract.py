"""Pulling the answer out of free model output, and comparing it with the gold answer.

Pure functions: no model needed to test them.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction

from converters.answers import as_exact, extract_boxed

_NUMBER = r"[-−]?\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?|[-−]?\.\d+(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_FRACTION_RE = re.compile(rf"({_NUMBER})\s*/\s*({_NUMBER})")
_X_EQUALS = re.compile(rf"\bx\s*=\s*({_NUMBER}(?:\s*/\s*{_NUMBER})?)")
_LATEX_FRAC = re.compile(r"\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
MODES = ("exact", "rel", "contest")


def _clean(number: str) -> str:
    number = number.replace("−", "-")
    if "," in number:
        # 1,234 is a thousands separator; "1,2" is a list of numbers, not one number
        number = number.replace(",", "") if _THOUSANDS.match(number) else number.split(",")[-1]
    return number


def extract_answer(text: str) -> str | None:
    """The answer in a model's output: \\boxed{} first, then `#### n`, then the last number.

    Scientific notation (2.769E+34), fractions (5/6), `x = …`, and numbers followed by units
    (`4788 平方厘米`) come out as the number itself.
    """
    if not text:
        return None
    boxed = extract_boxed(text)
    if boxed is not None:
        frac = _LATEX_FRAC.fullmatch(boxed.replace(" ", ""))
        if frac:
            return f"{frac.group(1)}/{frac.group(2)}"
        inner = _last_number(boxed)
        return inner if inner is not None and _NUMBER_RE.fullmatch(boxed.replace(" ", "").lstrip("$")) else boxed
    marker = text.rfind("####")
    if marker >= 0:
        found = _last_number(text[marker:])
        if found is not None:
            return found
    return _last_number(text)


def _last_number(text: str) -> str | None:
    best, best_end = None, -1
    for m in _FRACTION_RE.finditer(text):
        if "." not in m.group(1) + m.group(2) and "e" not in (m.group(1) + m.group(2)).lower():
            best, best_end = f"{_clean(m.group(1))}/{_clean(m.group(2))}", m.end()
    for m in _NUMBER_RE.finditer(text):
        if m.end() > best_end:
            best, best_end = _clean(m.group(0)), m.end()
    return best


def to_exact(answer: str | None) -> Fraction | None:
    """An answer string as an exact number, or None when it is not one."""
    if answer is None:
        return None
    answer = answer.strip().replace(" ", "")
    frac = _LATEX_FRAC.fullmatch(answer)
    if frac:
        answer = f"{frac.group(1)}/{frac.group(2)}"
    return as_exact(_clean(answer)) if answer else None


def _shown_precision(gold: str) -> int | None:
    """The exponent of the gold's last shown digit (Decimal style), None for fractions."""
    if "/" in gold:
        return None
    try:
        return Decimal(_clean(gold)).as_tuple().exponent
    except InvalidOperation:
        return None


def is_correct(pred: str | None, gold: str, mode: str = "exact") -> bool:
    """exact: equal once rounded to the gold's shown precision; rel: within 1e-6 relative;
    contest: within 0.01 absolute (how the contest's judges scored)."""
    p, g = to_exact(pred), to_exact(gold)
    if p is None or g is None:
        return pred is not None and _normal(pred) == _normal(gold)
    if mode == "exact":
        exponent = _shown_precision(gold)
        if exponent is None or exponent >= 0 and "." not in gold and "e" not in gold.lower():
            return p == g
        quantum = Decimal(1).scaleb(exponent)
        try:
            rounded = (Decimal(p.numerator) / Decimal(p.denominator)).quantize(quantum, rounding=ROUND_HALF_EVEN)
        except InvalidOperation:
            return False
        return Fraction(rounded) == g
    if mode == "rel":
        return abs(p - g) <= Fraction(1, 10**6) * abs(g) if g else abs(p) <= Fraction(1, 10**12)
    if mode == "contest":
        return abs(p - g) <= Fraction(1, 100)
    raise ValueError(f"unknown mode {mode!r}; choose from {MODES}")


def _normal(text: str) -> str:
    return re.sub(r"\s+|\\[,!;]|\$|\\left|\\right", "", text).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")


def error_kind(pred: str | None, gold: str, mode: str = "exact") -> str:
    """For a wrong answer: no answer, wrong sign, precision only, or wrong."""
    if pred is None:
        return "no answer"
    p, g = to_exact(pred), to_exact(gold)
    if p is not None and g is not None:
        # negate the text, not the number: str() of a 18,000-digit int raises
        if g != 0 and is_correct(_negated(pred), gold, mode):
            return "wrong sign"
        if g != 0 and abs(p - g) <= Fraction(1, 1000) * abs(g):
            return "precision only"
    return "wrong"


def _negated(answer: str) -> str:
    answer = answer.strip().replace("−", "-")
    return answer[1:] if answer.startswith("-") else "-" + answer
