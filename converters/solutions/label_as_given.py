"""`--labels given`: train a rounded label as it is, with a program that prints exactly that label.

The exact program's last line `print(E)` becomes `x = E` and a line that rounds x the way the
label was rounded (converters.rules.rounding names the rule), formatted with the label's decimals.
The program is run once here; when it does not print the label (a float a few ulps off has no
clean rule), the row keeps the exact answer.
"""
from __future__ import annotations

from converters.solutions.pot import FRACTION_PROGRAMS, program, run_in_process
from converters.rules.rounding import label_decimal


def _decimals(label: str) -> int:
    exp = label_decimal(label).as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def _format_line(rule: str, label: str, fraction: bool) -> str | None:
    """The print line for x rounded by `rule` and shown like `label`; None if no clean one."""
    name, _, at = rule.partition(":")
    k = _decimals(label)
    if name == "float":
        return "print(float(x))"
    q = int(at or 0)
    exact_dec = "(Decimal(x.numerator) / x.denominator)" if fraction else "Decimal(x)"
    if q > 0:  # E notation with fewer significant digits, e.g. 2.77E+34
        if name != "half-even" or "e" not in label.lower():
            return None
        mantissa = label.lower().split("e")[0].lstrip("-")
        digits = len(mantissa.replace(".", "").lstrip("0")) or 1
        letter = "E" if "E" in label else "e"
        return f"print(f'{{{exact_dec}:.{digits - 1}{letter}}}')"
    d = -q
    if name == "half-even":
        value = f"float(round(x, {d}))" if fraction else f"round(x, {d})"
        return f"print(f'{{{value}:.{k}f}}')"
    if name == "half-up":
        return f"print(f'{{{exact_dec}.quantize(Decimal(\"1e{q}\"), ROUND_HALF_UP):.{k}f}}')"
    if name == "float-round":
        return f"print(f'{{round(float(x), {d}):.{k}f}}')"
    return None


def given_program(category: str, args: tuple[str, ...], rule: str, label: str) -> str | None:
    """A program printing `label` from the exact value, or None when none prints it exactly."""
    if category == "fraction" or label_decimal(label) is None:
        return None
    fraction = category in FRACTION_PROGRAMS
    *head, last = program(category, args, fractions=True).split("\n")
    line = _format_line(rule, label, fraction)
    if line is None or not (last.startswith("print(") and last.endswith(")")):
        return None
    imports = []
    if "ROUND_HALF_UP" in line:
        head = [h for h in head if h != "from decimal import Decimal"]
        imports.append("from decimal import ROUND_HALF_UP, Decimal")
    elif "Decimal" in line and "from decimal import Decimal" not in head:
        imports.append("from decimal import Decimal")
    code = "\n".join([*imports, *head, f"x = {last[len('print('):-1]}", line])
    try:
        printed = run_in_process(code)
    except (ArithmeticError, ValueError, OverflowError):
        return None
    return code if printed == label else None


def given_line(solution: str, expected: str, label: str) -> str:
    """The solution line with the computed value replaced by the label (its last occurrence)."""
    head, sep, tail = solution.rpartition(expected)
    return f"{head}{label}{tail}" if sep else label

