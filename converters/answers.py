"""Answer strings: pulling them out of solutions and comparing them as numbers."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
# `4,788` / `-18,343,656.387` in hand-written labels: whole groups of 3 only, so a list without
# spaces (`1,2`) and the contest's `[79, 69]` stay separate numbers
_GROUPED = r"(?<![\d,])-?\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(f"{_GROUPED}|{NUMBER}")
_FRACTION_RE = re.compile(rf"-?\d+\s*/\s*-?\d+|{_GROUPED}|{NUMBER}")


def last_number(text: str, fractions: bool = False) -> str | None:
    """The last number in `text` (a/b counts as one when `fractions`; thousands separators
    removed), or None."""
    found = (_FRACTION_RE if fractions else _NUMBER_RE).findall(text)
    return found[-1].replace(" ", "").replace(",", "") if found else None


def as_exact(text: str) -> Fraction | None:
    """'1.5', '2.7E+34', '5/6' → an exact Fraction; None if it is not a finite number."""
    try:
        if "/" in text:
            num, den = text.split("/")
            return Fraction(int(num), int(den))
        value = Decimal(text)
        return Fraction(value) if value.is_finite() else None
    except (ValueError, ZeroDivisionError, InvalidOperation):
        return None


def extract_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` (or `\\fbox{...}`), braces balanced; None if absent."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        return None
    depth = 0
    for i in range(brace, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[brace + 1 : i].strip()
    return None
