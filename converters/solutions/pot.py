"""Program-of-thought: a short standard-library program whose printed output is the answer.

Each program spells out the formula of the same name in `converters.rules.compute`.
"""
from __future__ import annotations

import contextlib
import io
import re
from typing import Callable

from converters.rules.compute import OPS

FENCE_CODE, FENCE_OUTPUT, FENCE_END = "```python\n", "```output\n", "```\n"
OBSERVATION_RE = re.compile(r"```output\n.*?\n```\n?", re.S)
_INT = re.compile(r"-?\d+")


def _dec(x: str) -> str:
    return f"Decimal('{x}')"


def _exact(*xs: str, fractions: bool = False) -> tuple[list[str], str, str]:
    """Literals for exact arithmetic: ints as they are, else Fractions shown as a float at the end
    (with `fractions`, Fractions throughout and the exact result printed as it is).

    Returns (literals, import line, wrapper around the result)."""
    if all(_INT.fullmatch(x) for x in xs) and not fractions:
        return list(xs), "", "{}"  # int / int is already the nearest float to the exact value
    lits = [(f"Fraction({x})" if fractions else x) if _INT.fullmatch(x) else f"Fraction('{x}')" for x in xs]
    return lits, _FRAC, "{}" if fractions else "float({})"


def _neg(x: str) -> str:
    return x[1:] if x.startswith("-") else "-" + x


_DEC = "from decimal import Decimal\n"
_FRAC = "from fractions import Fraction\n"


def _arithmetic(a: str, op: str, b: str) -> str:
    return f"{_DEC}print({_dec(a)} {OPS[op]} {_dec(b)})"


def _linear(m: str, sign: str, n: str, rhs: str, fractions: bool = False) -> str:
    n = _neg(n) if sign == "-" else n
    if float(rhs) == 0:
        (m, n), imp, show = _exact(m or "1", n, fractions=fractions)
        return f"{imp}m, n = {m}, {n}\nprint({show.format('-n / m')})"
    (m, n, c), imp, show = _exact(m or "1", n, rhs, fractions=fractions)
    return f"{imp}m, n, c = {m}, {n}, {c}\nprint({show.format('(c - n) / m')})"


def _sqrt(x: str) -> str:
    return f"{_DEC}print({_dec(x)}.sqrt())"


def _power(x: str, k: str) -> str:
    return f"{_DEC}print({_dec(x)} ** {int(k)})"


def _function(x: str, a: str, b: str) -> str:
    return f"{_DEC}print({_dec(a or '1')} * {_dec(x)} ** {int(b)})"


def _mean(*items: str, fractions: bool = False) -> str:
    data, imp, show = _exact(*items, fractions=fractions)
    return f"{imp}data = [{', '.join(data)}]\nprint({show.format('sum(data) / len(data)')})"


def _product(a: str, b: str) -> str:
    if _INT.fullmatch(a) and _INT.fullmatch(b):
        return f"print({a} * {b})"
    return f"{_DEC}print({_dec(a)} * {_dec(b)})"


def _discount(a: str, b: str, fractions: bool = False) -> str:
    (a, b), imp, show = _exact(a, b, fractions=fractions)
    return f"{imp}a, b = {a}, {b}\nprint({show.format('(a - b) * 100 / a')})"


def _sales(a: str, b: str, fractions: bool = False) -> str:
    (a, b), imp, show = _exact(a, b, fractions=fractions)
    return f"{imp}a, b = {a}, {b}\nprint({show.format('(a * 100 + a * b) / 100')})"


def _fraction(n: str, d: str) -> str:
    return f"from fractions import Fraction\nprint(Fraction({int(n)}, {int(d)}))"


PROGRAMS: dict[str, Callable[..., str]] = {
    "arithmetic": _arithmetic, "linear": _linear, "sqrt": _sqrt, "power": _power,
    "function": _function, "mean": _mean, "area": _product, "discount": _discount,
    "sales": _sales, "mass": _product, "fraction": _fraction,
}


FRACTION_PROGRAMS = ("linear", "mean", "discount", "sales")


def program(category: str, args: tuple[str, ...], fractions: bool = False) -> str:
    """The program for a categorised Chinese problem (`fractions`: the four float-repr categories
    compute a Fraction and print it unrounded, for converters.solutions.label_as_given to round)."""
    if fractions and category in FRACTION_PROGRAMS:
        return PROGRAMS[category](*args, fractions=True)
    return PROGRAMS[category](*args)


def pot_response(code: str, output: str, final: str) -> str:
    """The flattened single-turn form: code block, output block, final answer line."""
    return f"{FENCE_CODE}{code}\n{FENCE_END}{FENCE_OUTPUT}{output}\n{FENCE_END}{final}"


def run_in_process(code: str) -> str:
    """Run a trusted generated program here and return what it printed (without the last newline).

    Only for programs this package wrote; model output goes through evaluation's sandbox.
    """
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "<pot>", "exec"), {"__name__": "__pot__"})  # noqa: S102 - our own code
    return buffer.getvalue().rstrip("\n")
