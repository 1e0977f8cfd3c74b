"""Program-of-thought: a short standard-library program whose printed output is the answer.

Each program spells out the formula of the same name in `converters.compute`.
"""
from __future__ import annotations

import contextlib
import io
import re
from typing import Callable

from converters.compute import OPS

FENCE_CODE, FENCE_OUTPUT, FENCE_END = "```python\n", "```output\n", "```\n"
OBSERVATION_RE = re.compile(r"```output\n.*?\n```\n?", re.S)
_INT = re.compile(r"-?\d+")


def _dec(x: str) -> str:
    return f"Decimal('{x}')"


def _lit(x: str) -> str:
    """A Python literal with the value the contest's float formulas use."""
    return x if _INT.fullmatch(x) else repr(float(x))


def _neg(x: str) -> str:
    return x[1:] if x.startswith("-") else "-" + x


_DEC = "from decimal import Decimal\n"


def _arithmetic(a: str, op: str, b: str) -> str:
    return f"{_DEC}print({_dec(a)} {OPS[op]} {_dec(b)})"


def _linear(m: str, sign: str, n: str, rhs: str) -> str:
    n = _neg(n) if sign == "-" else n
    if float(rhs) == 0:
        return f"m, n = {_lit(m or '1')}, {_lit(n)}\nprint(-n / m)"
    return f"m, n, c = {_lit(m or '1')}, {_lit(n)}, {_lit(rhs)}\nprint((c - n) / m)"


def _sqrt(x: str) -> str:
    return f"{_DEC}print({_dec(x)}.sqrt())"


def _power(x: str, k: str) -> str:
    return f"{_DEC}print({_dec(x)} ** {int(k)})"


def _function(x: str, a: str, b: str) -> str:
    return f"{_DEC}print({_dec(a or '1')} * {_dec(x)} ** {int(b)})"


def _mean(*items: str) -> str:
    return f"data = [{', '.join(_lit(i) for i in items)}]\nprint(sum(data) / len(data))"


def _product(a: str, b: str) -> str:
    if _INT.fullmatch(a) and _INT.fullmatch(b):
        return f"print({a} * {b})"
    return f"{_DEC}print({_dec(a)} * {_dec(b)})"


def _discount(a: str, b: str) -> str:
    return f"a, b = {_lit(a)}, {_lit(b)}\nprint((a - b) / a * 100)"


def _sales(a: str, b: str) -> str:
    return f"a, b = {_lit(a)}, {_lit(b)}\nprint(a + a * b / 100)"


def _fraction(n: str, d: str) -> str:
    return f"from fractions import Fraction\nprint(Fraction({int(n)}, {int(d)}))"


PROGRAMS: dict[str, Callable[..., str]] = {
    "arithmetic": _arithmetic, "linear": _linear, "sqrt": _sqrt, "power": _power,
    "function": _function, "mean": _mean, "area": _product, "discount": _discount,
    "sales": _sales, "mass": _product, "fraction": _fraction,
}


def program(category: str, args: tuple[str, ...]) -> str:
    """The program for a categorised Chinese problem."""
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
