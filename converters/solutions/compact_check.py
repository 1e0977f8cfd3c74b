"""The checker of the `compact` style: every line must equal the problem's value, the last within 3 places.

Independent of the writer (`converters.solutions.compact`): each line is evaluated exactly by the step checker's
own expression parser. The first line must restate the problem (as in `steps`); each middle line is one
more chunk done and must keep the value exactly (`chunk`); the last is `= VALUE`, exact, or the value cut
after 3 places where the problem divides or takes a root. `fraction` and `function` are checked as
`steps` (their layout is the same).
"""
from __future__ import annotations

from decimal import Decimal

from converters.solutions.steps_check import TRUNCATED, Expr, check_steps, close, final_value, header_value
from converters.solutions.steps_replay import Fail, StepError, first_wrong

KINDS = ("layout", "restate", "chunk", "answer")
_TRUNCATING = ("linear", "sqrt", "mean", "discount")


def _check(category: str, args: tuple[str, ...], lines: list[str]) -> None:
    header, gold = header_value(category, args, lines)
    for at, line in enumerate(lines[1:-1], start=2):
        if not line.startswith("= "):
            raise Fail(at, "layout", f"a line of working starts '= ', not {line[:20]!r}")
        try:
            value = Expr(line[2:]).value()
        except (ValueError, ArithmeticError) as e:
            raise Fail(at, "chunk", f"cannot be read: {e}") from None
        if not close(value, header):
            raise Fail(at, "chunk", f"{line[2:]} is {value:.10g}, not {header:.10g}")
    value = final_value(lines[-1], len(lines))
    cut = category in _TRUNCATING or (category == "arithmetic" and "÷" in lines[0])
    if cut:
        places = max(0, -value.as_tuple().exponent)
        if places > 3 or not (0 <= abs(header) - abs(value) < Decimal(TRUNCATED)) or \
                (value < 0) != (header < 0) and value != 0:
            raise Fail(len(lines), "answer", f"{value} is not {header:.6f} cut after 3 places")
    elif value != gold:
        raise Fail(len(lines), "answer", f"{value} is not {gold}")


def check_compact(category: str, args: tuple[str, ...], response: str) -> StepError | None:
    """None when every line of `response` holds; else the first wrong one."""
    if category in ("fraction", "function"):
        return check_steps(category, args, response)
    return first_wrong(_check, category, args, response)
