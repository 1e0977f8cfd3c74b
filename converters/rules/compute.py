"""Exact answers, in the contest's own notation, for every Chinese category.

The contest generator used Python's `decimal` (28 significant digits) for the computation category,
roots, powers and function values, and shows equations, means, discounts and sales as a float
`repr`. Those four are computed here as exact fractions and shown as the repr of the nearest float
(`18.26`, not float arithmetic's `18.259999999999998`). Each function mirrors one formula;
`converters.solutions.pot` prints the same formula as a program, and the tests check the two agree.
"""
from __future__ import annotations

import decimal
import re
from decimal import Decimal
from fractions import Fraction
from typing import Callable, NamedTuple

# Python's default context, spelled out so a caller's context cannot change our answers.
CTX = decimal.Context(
    prec=28, rounding=decimal.ROUND_HALF_EVEN, Emin=-999999, Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
# sums of decimals, exact: a sum of n decimals has at most a few more digits than its longest term
EXACT = decimal.Context(prec=decimal.MAX_PREC, Emin=decimal.MIN_EMIN, Emax=decimal.MAX_EMAX,
                        traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Overflow])
OPS = {"+": "+", "-": "-", "*": "*", "/": "/", "×": "*", "÷": "/"}


class ComputeError(ValueError):
    """The operands have no answer (division by zero, 0^0, overflow)."""


class Answer(NamedTuple):
    value: str  # the answer alone, e.g. "-18343656.3870"
    solution: str  # the whole solution line as the contest writes it
    exact: Fraction | None = None  # the exact value when `value` is its float repr

    @property
    def rational(self) -> Fraction:
        """The value as a fraction (for 28-digit results, the 28-digit value)."""
        return self.exact if self.exact is not None else _fraction_of(self.value)


FLOAT_NOTATION = ("linear", "mean", "discount", "sales")  # the contest shows these as a float repr


def _fraction_of(text: str) -> Fraction:
    num, _, den = text.partition("/")
    return Fraction(int(num), int(den)) if den else Fraction(Decimal(num))


def _int_or_decimal(text: str) -> int | Decimal:
    return int(text) if re.fullmatch(r"-?\d+", text) else Decimal(text)


def _rational(text: str) -> Fraction:
    return Fraction(Decimal(text))


def _as_float(exact: Fraction) -> str:
    """The contest's notation for an exact value: the repr of the nearest float."""
    return repr(float(exact))


def arithmetic(a: str, op: str, b: str) -> Answer:
    x, y = Decimal(a), Decimal(b)
    kind = OPS[op]
    if kind == "+":
        value = CTX.add(x, y)
    elif kind == "-":
        value = CTX.subtract(x, y)
    elif kind == "*":
        value = CTX.multiply(x, y)
    else:
        value = CTX.divide(x, y)
    return Answer(str(value), f"{a} {op} {b} = {value}")


def linear(m: str, sign: str, n: str, rhs: str) -> Answer:
    """m·x ± n = rhs.  The contest writes `mx + n = 0` and answers with repr(-n / m)."""
    coef, const, right = _rational(m or "1"), _rational(n), _rational(rhs)
    if sign == "-":
        const = -const
    if coef == 0:
        raise ComputeError("no unique solution: the coefficient of x is 0")
    exact = (right - const) / coef
    # float division keeps the divisor's sign on zero: the contest writes -0.0 for -7x + 0 = 0
    value = ("-0.0" if coef < 0 else "0.0") if exact == 0 else _as_float(exact)
    return Answer(value, f"方程的解为：{value}", exact)


def sqrt(x: str) -> Answer:
    value = CTX.sqrt(Decimal(x))
    return Answer(str(value), f"√{x} = {value}")


def power(x: str, k: str) -> Answer:
    value = CTX.power(Decimal(x), int(k))
    return Answer(str(value), f"{x}^{k} = {value}")


def function(x: str, a: str, b: str) -> Answer:
    """y = a·x^b at x, as Decimal(a) * Decimal(x) ** b."""
    value = CTX.multiply(Decimal(a or "1"), CTX.power(Decimal(x), int(b)))
    return Answer(str(value), f"函数的值为：{value}")


def mean(*items: str) -> Answer:
    if not items:
        raise ComputeError("division by zero: the list is empty")
    total = Decimal(0)
    for item in items:  # in decimals, then one fraction: a Fraction per item cost 2 ms for 1,000 items
        total = EXACT.add(total, Decimal(item))
    exact = Fraction(total) / len(items)
    value = _as_float(exact)
    return Answer(value, f"平均值为 {value}", exact)


def _product(a: str, b: str) -> str:
    x, y = _int_or_decimal(a), _int_or_decimal(b)
    if isinstance(x, int) and isinstance(y, int):
        return str(x * y)
    return str(CTX.multiply(Decimal(a), Decimal(b)))


def area(length: str, width: str) -> Answer:
    value = _product(length, width)
    return Answer(value, f"面积为 {value} 平方厘米")


def mass(density: str, volume: str) -> Answer:
    value = _product(density, volume)
    return Answer(value, f"{value} 克")


def discount(original: str, discounted: str) -> Answer:
    """(a − b) / a · 100, exactly."""
    a, b = _rational(original), _rational(discounted)
    if a == 0:
        raise ComputeError("division by zero: the original price is 0")
    exact = (a - b) * 100 / a
    value = _as_float(exact)
    return Answer(value, value, exact)


def sales(last_year: str, percent: str) -> Answer:
    """a + a · b / 100, exactly."""
    a, b = _rational(last_year), _rational(percent)
    exact = a + a * b / 100
    value = _as_float(exact)
    return Answer(value, value, exact)


def fraction(num: str, den: str) -> Answer:
    if int(den) == 0:
        raise ComputeError("division by zero: the denominator is 0")
    value = str(Fraction(int(num), int(den)))
    return Answer(value, f"最简化的形式为：{value}")


SOLVERS: dict[str, Callable[..., Answer]] = {
    "arithmetic": arithmetic, "linear": linear, "sqrt": sqrt, "power": power, "function": function,
    "mean": mean, "area": area, "discount": discount, "sales": sales, "mass": mass, "fraction": fraction,
}


def solve(category: str, args: tuple[str, ...]) -> Answer:
    """The exact answer for a categorised problem; ComputeError when there is none."""
    try:
        return SOLVERS[category](*args)
    except ComputeError:
        raise
    except (decimal.DivisionByZero, ZeroDivisionError):
        raise ComputeError("division by zero") from None
    except decimal.Overflow:
        raise ComputeError("result overflows") from None
    except decimal.InvalidOperation:
        raise ComputeError("undefined (e.g. 0^0 or the root of a negative number)") from None
    except OverflowError:
        raise ComputeError("result overflows a float") from None
