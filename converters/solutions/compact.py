"""The `compact` style: the `steps` solution cut to fit the 8B judge's 128 new tokens.

Same first line (the problem as one expression on magnitudes) and last line (`= VALUE`, quotients and
roots cut after 3 places) as `converters.solutions.steps`; between them, instead of column blocks, at most a few
lines, each the same value written with one operation done as a larger learned chunk:

- `×` (arithmetic, area, mass): the multiplicand times each non-zero digit of the multiplier at its
  place (Goat's decomposition, one-digit products a 7B learns), summed in the last line;
- powers: `x^k = x^(k-1) × x` done one product a line (`= 156.25 × 12.5`);
- ÷ (arithmetic, linear): the operands as integers (decimal points removed), then the quotient;
- `mean`, `discount`, `sales`: the exact sum, difference or product first, then the division;
- `+`, `−`, `√`: the value in one step; `fraction` and `function` as in `steps`.

Every line equals the first exactly (`converters.solutions.compact_check` replays that); only the last may be a
truncated quotient or root. What the larger chunks cost a model that must learn them: docs/text-only.md.
"""
from __future__ import annotations

from decimal import Decimal

from converters.rules.compute import OPS
from converters.solutions.steps import steps_response, wrap


def _num(x: Decimal) -> str:
    """A Decimal without exponent or trailing zeros after the point: 30632490, 875.214."""
    text = format(x, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _partials(x: Decimal, y: Decimal) -> list[Decimal]:
    """|x| times each non-zero digit of |y| at its place, highest place first."""
    x, y = abs(x), abs(y)
    _, digits, exp = y.as_tuple()
    n = len(digits)
    return [x * d * Decimal(10) ** (exp + n - 1 - i) for i, d in enumerate(digits) if d]


def _products(x: Decimal, y: Decimal, negative: bool) -> list[str]:
    terms = _partials(x, y)
    if len(terms) < 2:
        return []
    return [wrap(" + ".join(_num(t) for t in terms), negative)]


def _quotient(num: Decimal, den: Decimal, negative: bool) -> list[str]:
    """The operands scaled to integers by the same power of ten (`compact_response` drops the line when
    it reads as the first)."""
    places = max(0, -num.as_tuple().exponent, -den.as_tuple().exponent)
    top, bottom = abs(num).scaleb(places), abs(den).scaleb(places)
    return [wrap(f"{_num(top)} ÷ {_num(bottom)}", negative)]


def _middle(category: str, args: tuple[str, ...]) -> list[str]:
    if category == "arithmetic":
        x, op, y = Decimal(args[0]), OPS[args[1]], Decimal(args[2])
        negative = (x < 0) != (y < 0) and x != 0
        if op == "*":
            return _products(x, y, negative)
        if op == "/":
            return _quotient(x, y, negative)
        return []
    if category in ("area", "mass"):
        x, y = Decimal(args[0]), Decimal(args[1])
        return _products(x, y, (x < 0) != (y < 0) and x != 0 and y != 0)
    if category == "power":
        x, k = Decimal(args[0]), int(args[1])
        negative = x < 0 and k % 2 == 1
        x, lines, acc = abs(x), [], abs(x)
        for j in range(2, k):
            acc *= x
            rest = f" × {_num(x)}^{k - j}" if k - j > 1 else f" × {_num(x)}"
            lines.append(wrap(f"{_num(acc)}{rest}", negative))
        return lines
    if category == "mean":
        total = sum(Decimal(v) for v in args)
        return [f"= {_num(total)} ÷ {len(args)}"]
    if category == "discount":
        a, b = Decimal(args[0]), Decimal(args[1])
        diff = a - b
        return [f"= {_num(abs(diff) * 100)} ÷ {args[0]}" if diff >= 0 else f"= -({_num(-diff * 100)} ÷ {args[0]})"]
    if category == "sales":
        a, b = Decimal(args[0]), Decimal(args[1])
        return [f"= {args[0]} + {_num(a * b)} ÷ 100"]
    return []


def compact_response(category: str, args: tuple[str, ...]) -> str:
    """The compact solution; NotImplementedError where `steps` does not cover the operands."""
    lines = steps_response(category, args).split("\n")
    if category in ("fraction", "function"):
        return "\n".join(lines)
    middle = [m for m in _middle(category, args) if m not in (lines[0], lines[-1])]
    return "\n".join([lines[0], *middle, lines[-1]])
