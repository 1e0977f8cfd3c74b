"""Competition rows as conversations: the given worked solution (CoT), and a sympy program where the
solution's last computation can be written as one and its value is the boxed answer.

The program is the solution's own final computation (`$\\frac{3}{4} \\cdot 2^{3} = \\boxed{6}$` →
`value = Rational(3, 4) * Integer(2)**3`), translated from a small LaTeX subset (numbers, + − × ÷, fractions,
roots, powers, π, brackets, logarithms `\\log_{b}`, sin/cos/tan of degrees); a bare number is not a computation and gets no program. Its value is computed
by the whitelisted walk of `converters.answers.expression` (no eval) and must equal the boxed answer by
math-verify; tests run such programs in the sandbox and see the same value printed.
"""
from __future__ import annotations

import re

from converters.answers.expression import equivalent, parse_latex, parse_value

MAX_EXPR = 200
_WINDOW = 2000
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", re.S)
_COMMANDS = {r"\cdot": "*", r"\times": "*", r"\div": "/", r"\pi": "pi", r"\left": "", r"\right": "",
             r"\!": "", r"\,": "", r"\ ": ""}
_FRAC_INT = re.compile(r"\\[dt]?frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_SQRT_N = re.compile(r"\\sqrt\s*\[(\d+)\]\s*\{([^{}]*)\}")
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_POWER = re.compile(r"\^\s*\{([^{}]*)\}")
_RATIONAL = re.compile(r"Rational\(\d+, \d+\)")
_INTEGER = re.compile(r"(?<![\w.])(\d+)(?![\w.])")
_DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.])")
_LOG = re.compile(r"\\log_\{?(\d+)\}?\s*(\d+(?:\^\{\d+\}|\^\d)?)")
_TRIG = re.compile(r"\\(sin|cos|tan)\s*\(?(\d+)\)?\s*\^\s*\{?\\circ\}?")
_ALLOWED = re.compile(r"[\d\s.,+\-*/()]|pi|sqrt|root|log|sin|cos|tan|rad|Rational|Integer")


def last_computation(solution: str) -> str | None:
    """The LaTeX of the last step before `\\boxed{…}`: the part of its formula after the previous `=`."""
    at = solution.rfind("\\boxed")
    if at < 0:
        return None
    # the formula holding the box starts shortly before it (a step is ≤ MAX_EXPR characters): scanning a
    # window keeps a solution full of unclosed `\[` linear; a pairing the window gets wrong is caught below,
    # as its value must equal the answer
    start = max(0, at - _WINDOW)
    solution, at = solution[start:at + _WINDOW], at - start
    formula = None
    for m in _MATH.finditer(solution):
        if m.start() <= at < m.end():
            formula = next(g for g in m.groups() if g is not None)
    if formula is None:
        return None
    head = formula[: formula.rfind("\\boxed")]
    parts = [p.strip() for p in head.split("=")]
    if len(parts) < 2 or not parts[-1] == "":
        return None  # `… = \boxed{}` is what a computation looks like
    step = parts[-2]
    return step if step and len(step) <= MAX_EXPR else None


def to_python(latex: str) -> str | None:
    """The LaTeX subset as a sympy expression in Python (exact: integers as `Integer`), else None."""
    text = _TRIG.sub(r"\1(rad(\2))", latex)  # degrees
    text = _LOG.sub(r"log(\2, \1)", text)
    for command, python in _COMMANDS.items():
        text = text.replace(command, python)
    text = _FRAC_INT.sub(r"Rational(\1, \2)", text)
    for _ in range(20):  # innermost first; nesting beyond 20 is not a step of a solution
        new = _FRAC.sub(r"((\1)/(\2))", text)
        new = _SQRT_N.sub(r"root(\2, \1)", new)
        new = _SQRT.sub(r"sqrt(\1)", new)
        new = _POWER.sub(r"**(\1)", new)
        if new == text:
            break
        text = new
    text = text.replace("^", "**").replace("{", "(").replace("}", ")")
    rest = _ALLOWED.sub("", text)
    if rest.strip() or not re.search(r"[+\-*/]|sqrt|root|log|sin|cos|tan", text):
        return None  # a name, a command left over, or no operation at all
    # Python's 3/4, (1+2)/4 and 2**-1 are floats: where a / or a negative power is left outside Rational(…),
    # every bare integer becomes a sympy Integer (int ** positive int is exact as it is)
    if re.search(r"/|\*\*\s*\(?\s*-", _RATIONAL.sub("", text)):
        text = _exact_integers(text)
    text = _DECIMAL.sub(_decimal, text)
    text = re.sub(r"(?<=[\d)])\s*(?=[(A-Za-z])", "*", text)  # 2\sqrt{3}, (1)(2): implicit products
    return " ".join(text.split())


def _exact_integers(text: str) -> str:
    """Every bare integer literal as Integer(n), leaving the literal arguments of Rational(p, q) alone."""
    parts, last = [], 0
    for m in _RATIONAL.finditer(text):
        parts += [_INTEGER.sub(r"Integer(\1)", text[last:m.start()]), m.group(0)]
        last = m.end()
    return "".join(parts) + _INTEGER.sub(r"Integer(\1)", text[last:])


def _decimal(m: re.Match) -> str:
    whole, frac = m.group(1).split(".")
    return f"Rational({int(whole + frac)}, {10 ** len(frac)})"


def program_for(solution: str, answer: str) -> tuple[str, str] | None:
    """(a sympy program printing the solution's last computation, what it printed) when that is the answer;
    else None. The program is run once, here, after the bounded walk has shown its value is the answer."""
    step = last_computation(solution)
    python = to_python(step) if step else None
    if python is None:
        return None
    value = parse_value(python)
    gold = parse_latex(answer)
    if not value or not gold or not equivalent(gold, value):
        return None
    code = f"from sympy import *\n\nvalue = {python}\nprint(latex(value))"
    out = _printed(code)
    return (code, out) if out is not None and equivalent(gold, parse_latex(out)) else None


def _printed(program: str) -> str | None:
    """What one of `program_for`'s programs prints, by running it here (our own code, from the whitelisted
    translation above; a model's programs go through evaluation's sandbox); None if it fails."""
    from converters.solutions.pot import run_in_process

    try:
        return run_in_process(program)
    except Exception:  # noqa: BLE001 - a translation sympy cannot evaluate is just not a program
        return None
