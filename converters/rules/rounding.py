"""Is a label the exact answer rounded? Real files round labels in several ways, none of them wrong.

A rule names how the label was made from the exact value, so that `--labels given` can print
the label the same way: `half-even:Q`, `half-up:Q` (rounded at 10^Q), `float-round:Q` (Python's
`round()` on the float, e.g. -0.575 → -0.57), `float` (the float repr of the exact value) or
`float-near` (a float a few ulps off, from float arithmetic in another order).
"""
from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction

MAX_EXPONENT = 400  # labels beyond float range are not roundings worth a 10^Q this large
MAX_LABEL_CHARS = 64  # a rounded label is short; longer ones would only cost big-integer time
NEAR_ULPS = 4


def _round_half_up(x: Fraction) -> int:
    whole = math.floor(abs(x) + Fraction(1, 2))
    return whole if x >= 0 else -whole


def _at(x: Fraction, q: int, rule: str) -> Fraction:
    scale = Fraction(10) ** q
    scaled = x / scale
    whole = round(scaled) if rule == "half-even" else _round_half_up(scaled)
    return whole * scale


def label_decimal(label: str) -> Decimal | None:
    try:
        value = Decimal(label)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def rounding_rule(label: str, exact: Fraction) -> str | None:
    """How `label` rounds `exact`, or None when it is not a rounding of it."""
    if len(label) > MAX_LABEL_CHARS or "/" in label:
        return None
    value = label_decimal(label)
    if value is None:
        return None
    try:
        as_float = float(exact)
    except OverflowError:
        as_float = math.inf
    if repr(as_float) == label:
        return "float"
    target = Fraction(value)
    q = value.as_tuple().exponent
    if not isinstance(q, int) or abs(q) > MAX_EXPONENT:
        return None
    # `42684380.0` is an integer shown with `.0`: try its own quantum and up to the units
    digits = "".join(map(str, value.as_tuple().digits))
    top = max(q, min(0, q + len(digits) - len(digits.rstrip("0")))) if value else max(q, 0)
    for at in range(q, top + 1):
        for rule in ("half-even", "half-up"):
            if _at(exact, at, rule) == target:
                return f"{rule}:{at}"
    if not math.isfinite(as_float):
        return None
    for at in range(q, top + 1):
        if at <= 0 and round(as_float, -at) == float(value):
            return f"float-round:{at}"
    if float(value) == as_float:
        return "float"
    if abs(float(value) - as_float) <= NEAR_ULPS * math.ulp(as_float):
        return "float-near"
    return None
