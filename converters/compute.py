"""Exact answers, in the contest's own notation, for every Chinese category.

The contest generator used Python's `decimal` (28 significant digits) for the computation category,
roots, powers and function values, and plain float division (shown with `repr`) for equations,
means, discounts and sales. Each function here mirrors one formula; `converters.pot` prints the
same formula as a program, and the tests check the two agree.
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
OPS = {"+": "+", "-": "-", "*": "*", "/": "/", "×": "*", "÷": "/"}


class ComputeError(ValueError):
    """The operands have no answer (division by zero, 0^0, overflow)."""


class Answer(NamedTuple):
    value: str  # the answer alone, e.g. "-18343656.3870"
    solution: str  # the whole solution line as the contest writes it


def _int_or_decimal(text: str) -> int | Decimal:
    return int(text) if re.fullmatch(r"-?\d+", text) else Decimal(text)


def _float_div(num: int | float, den: int | float) -> str:
    if den == 0:
        raise ComputeError("division by zero")
    return repr(num / den)


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
    coef = _int_or_decimal(m or "1")
    const = _int_or_decimal(n)
    if sign == "-":
        const = -const
    right = _int_or_decimal(rhs)
    if coef == 0:
        raise ComputeError("no unique solution: the coefficient of x is 0")
    coef, const, right = (float(v) if isinstance(v, Decimal) else v for v in (coef, const, right))
    value = _float_div(-const, coef) if right == 0 else _float_div(right - const, coef)
    return Answer(value, f"方程的解为：{value}")


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
    data = [_int_or_decimal(item) for item in items]
    data = [float(v) if isinstance(v, Decimal) else v for v in data]
    value = _float_div(sum(data), len(data))
    return Answer(value, f"平均值为 {value}")


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


def _floats(*texts: str) -> list[int | float]:
    return [float(v) if isinstance(v, Decimal) else v for v in map(_int_or_decimal, texts)]


def discount(original: str, discounted: str) -> Answer:
    """(a − b) / a · 100 in float arithmetic, in that order."""
    a, b = _floats(original, discounted)
    if a == 0:
        raise ComputeError("division by zero: the original price is 0")
    value = repr((a - b) / a * 100)
    return Answer(value, value)


def sales(last_year: str, percent: str) -> Answer:
    """a + a · b / 100 in float arithmetic, in that order."""
    a, b = _floats(last_year, percent)
    value = repr(a + a * b / 100)
    return Answer(value, value)


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
