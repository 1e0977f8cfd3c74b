"""Competition answers (MATH style): normalising a LaTeX answer, parsing it, and judging two as equal.

Parsing and judging are Hugging Face's `math-verify` (LaTeX to sympy, then equality with the field's
rules: fractions, radicals, π, degrees, percentages, intervals, sets and tuples, units stripped). A
program's printed value (`sqrt(3)/2`, `[2, 3]`, `Interval(-oo, 3)`) is read by a small whitelist walk of
Python's syntax tree into sympy — never `eval`, as the text comes from a model's program.

Every call is bounded: texts longer than MAX_CHARS are not parsed, and math-verify's own timeouts
(TIMEOUT seconds, by SIGALRM: call from the main thread) end a parse or a comparison that runs long.
"""
from __future__ import annotations

import ast
import logging
import math
import re
import threading

MAX_CHARS = 400  # a MATH answer is a few dozen characters; a longer one is not an answer
MAX_TEXT = 20_000  # of a model's free text, the end is read (where the answer is)
TIMEOUT = 2
MAX_POWER = 1000  # a program's `10**10**10` is not built
MAX_BITS = 100_000  # nor a power whose exact value would need more bits (`((10**1000)**1000)**1000`)

logging.getLogger("math_verify").setLevel(logging.CRITICAL)  # it logs every timeout with the whole text

_SPACES = re.compile(r"\\[,;:]|\\(?:q)?quad|~")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?![\d]))")
_APPROX = re.compile(r"^(?:\\approx|\\sim|≈)\s*")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°")


def one_line(text: str, limit: int = 80) -> str:
    """An answer as a message shows it: its first `limit` characters on one line, anything unprintable
    (a bidi override, a control character) as a visible `\\uXXXX`."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in " ".join(text[:limit].split()))


def normalise(answer: str) -> str:
    """A LaTeX answer in one spelling: no `$`, `\\left`/`\\right`, spacing commands, `\\dfrac`, degree
    signs or `\\$`; single spaces. The value is unchanged (math-verify reads both the same)."""
    if len(answer) > 4 * MAX_CHARS:  # not an answer; and the steps below stay linear on what they see
        answer = answer[: 4 * MAX_CHARS]
    text = _APPROX.sub("", answer.strip().strip("$").strip())
    text = _SPACES.sub(" ", text.replace("\\!", "")).replace("\\left", "").replace("\\right", "")
    text = text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\$", "")
    text = _DEGREES.sub("", text)
    text = re.sub(r"\s+", " ", text)
    text = _THOUSANDS.sub("", text)  # 29,322,216 (lists are written `3, -2`)
    return text.rstrip(" \t\n.").strip()


# answers math-verify is sure to read (integers, decimals, simple fractions and radicals): not parsed, as a
# parse costs ~6 ms and `data check` meets ~10k competition rows
_SIMPLE = re.compile(r"-?(?:\d+(?:\.\d+)?|\\frac\{-?\d+\}\{\d+\}|\d*\\sqrt\{\d+\}|\\frac\{\d*\\sqrt\{\d+\}\}\{\d+\}|\d*\\pi)")


def readable(answer: str) -> bool:
    """Whether a LaTeX answer can be parsed (cheaply for the simple forms)."""
    text = normalise(answer)
    return bool(_SIMPLE.fullmatch(text.replace(" ", ""))) or bool(parse_latex(text))


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _latex_config():
    from math_verify import LatexExtractionConfig

    return [LatexExtractionConfig()]


def parse_latex(answer: str) -> list:
    """math-verify's parse of a LaTeX answer (`[sympy value, text]`); [] when it cannot be read."""
    from math_verify import parse

    text = normalise(answer)
    if not text or len(text) > MAX_CHARS:
        return []
    timeout = TIMEOUT if _main_thread() else None
    return parse(f"${text}$", extraction_config=_latex_config(), fallback_mode="no_fallback", parsing_timeout=timeout)


def parse_text(text: str) -> list:
    """The answer math-verify finds in a model's free text (`\\boxed{}` first, then the last LaTeX or
    expression); [] when none."""
    from math_verify import parse

    timeout = TIMEOUT if _main_thread() else None
    return parse(text[-MAX_TEXT:], fallback_mode="no_fallback", parsing_timeout=timeout)


def parse_value(text: str) -> list:
    """A printed value: a Python/sympy expression (`sqrt(3)/2`, `[2, 3]`, `pi/2`, `Rational(1, 16)`), else
    LaTeX (`\\frac{1}{16}`, what `sympy.latex` prints); [] when it is neither."""
    text = text.strip()
    if not text or len(text) > MAX_CHARS:
        return []
    tree = _tree(text)
    if tree is None:
        return parse_latex(text)  # not Python: LaTeX, as `sympy.latex` prints
    value = _walk(tree)
    if value is None:
        return []  # Python, but not a value (`Interval(1, 2, 3, 4)`, a call it does not know)
    if getattr(value, "free_symbols", None):  # x as math-verify makes it (its assumptions), via LaTeX
        import sympy

        return parse_latex(sympy.latex(value))
    return [value, text]


def expression_line(output: str) -> str | None:
    """The last non-empty line a program printed, when it is one math expression as sympy or LaTeX prints
    it (`sqrt(3)/2`, `[2, 3]`, `Interval(-oo, 3)`, `\\frac{1}{16}`), for the symbolic judge; None otherwise
    (then the text rules read the output: `16` is not the answer of `\\frac{1}{16}`)."""
    lines = [line.strip() for line in output.split("\n") if line.strip()]
    if not lines or len(lines[-1]) > MAX_CHARS:
        return None
    line = lines[-1]
    if "\\boxed" in line:
        return None  # the text rules read a box
    if "\\" in line:  # off the main thread (serve) math-verify has no timeout: simple forms only there
        return line if (_SIMPLE.fullmatch(normalise(line).replace(" ", "")) or _main_thread() and parse_latex(line)) \
            else None
    tree = _tree(line)
    if tree is None or _walk(tree) is None:
        return None
    known = {**_names(), **_functions()}
    names = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]
    if isinstance(tree, ast.Name) and tree.id not in known or any(len(n) > 1 and n not in known and n != "Interval" for n in names):
        return None  # `Done`, `total`: words, not an answer (single-letter variables are: `x**2 + 1`)
    return line


def equivalent(gold: list, pred: list) -> bool:
    """True when math-verify judges the parsed prediction equal to the parsed gold; an ordered gold (a
    tuple, or `(a, b)`, which it reads as an open interval) is never equal to an unordered set."""
    import sympy
    from math_verify import verify

    if not gold or not pred:
        return False
    ordered = isinstance(gold[0], sympy.Tuple) or (isinstance(gold[0], sympy.Interval) and gold[0].left_open
                                                    and gold[0].right_open)
    if ordered and isinstance(pred[0], sympy.FiniteSet):
        return False
    return bool(verify(gold, pred, timeout_seconds=TIMEOUT if _main_thread() else None))


class _Timeout(Exception):
    pass


def _tree(text: str) -> ast.expr | None:
    """The text as one Python expression (`^` read as `**`), or None when it is not Python."""
    try:
        return ast.parse(text.replace("^", "**"), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _walk(tree: ast.expr):
    """`_value` of a syntax tree, or None when it is not a value (any error, or over TIMEOUT)."""
    import signal

    def stop(signum, frame):
        raise _Timeout

    timed = _main_thread()
    if timed:
        previous = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    try:
        return _value(tree)
    except Exception:  # a timeout, or anything sympy raises (NotImplementedError for Interval(1, 2, 3, 4))
        return None
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _functions() -> dict:
    import sympy

    return {"sqrt": sympy.sqrt, "Rational": sympy.Rational, "Integer": sympy.Integer,
            "log": sympy.log, "ln": sympy.log, "exp": sympy.exp, "sin": sympy.sin, "cos": sympy.cos,
            "tan": sympy.tan, "rad": sympy.rad, "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan, "Abs": sympy.Abs,
            "abs": sympy.Abs, "root": sympy.root, "Interval": sympy.Interval, "FiniteSet": sympy.FiniteSet,
            "Union": sympy.Union, "Tuple": sympy.Tuple}


def _names() -> dict:
    import sympy

    return {"pi": sympy.pi, "E": sympy.E, "e": sympy.E, "oo": sympy.oo, "I": sympy.I}


def _bits(value) -> int:
    """Bits of the largest integer or fraction in a value (`sqrt(2)*2**999`: 1,000): what a power multiplies."""
    import sympy

    atoms = value.atoms(sympy.Rational) if hasattr(value, "atoms") else ()
    return max((max(int(q.p).bit_length(), int(q.q).bit_length()) for q in atoms), default=1)


def _value(node):
    """A sympy value from a whitelisted syntax tree: numbers, names (constants or symbols), + − × ÷ **,
    calls of the functions above, lists/sets (solution sets) and tuples."""
    import sympy

    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        if isinstance(node.value, float) and not math.isfinite(node.value):
            raise ValueError("not a finite number")  # `1e999` is not ∞
        return sympy.nsimplify(node.value) if isinstance(node.value, float) else sympy.Integer(node.value)
    if isinstance(node, ast.Name):
        return _names().get(node.id) or sympy.Symbol(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _value(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow):
            if right.is_number and abs(right) > MAX_POWER:
                raise ValueError("power too large")
            if right.is_number and _bits(left) * max(abs(right), 1) > MAX_BITS:
                raise ValueError("power too large")
            return left ** right
        ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
               ast.Div: lambda a, b: a / b}
        if type(node.op) in ops:
            return ops[type(node.op)](left, right)
    if isinstance(node, ast.Set):
        return sympy.FiniteSet(*(_value(e) for e in node.elts))
    if isinstance(node, (ast.List, ast.Tuple)):  # as printed, in order (solve's [2, 3] still equals `3, 2`)
        return sympy.Tuple(*(_value(e) for e in node.elts))
    if isinstance(node, ast.Call) and not node.keywords:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "Interval":
            name = f"Interval.{func.attr}"
        table = {**_functions(), "Interval.open": sympy.Interval.open, "Interval.Lopen": sympy.Interval.Lopen,
                 "Interval.Ropen": sympy.Interval.Ropen}
        if name in table:
            return table[name](*(_value(a) for a in node.args))
    raise ValueError(f"not a value: {ast.dump(node)[:60]}")


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
