"""The step checker: replays a `steps` solution and names its first wrong step.

Independent of the writer (`converters.solutions.steps`): the header's expression is evaluated by this module's
own parser and compared with the problem's exact value, every block row is replayed on the digits as
written (`converters.solutions.steps_replay`), and the last line must put the last result's digits back with the
header's sign and within the style's precision. No training row with a wrong step is written (the
pipeline checks every one), and `score` tallies the first wrong step of each wrong text answer.
"""
from __future__ import annotations

import re
from decimal import Context, Decimal
from fractions import Fraction

from converters.rules.compute import solve
from converters.solutions.steps_replay import Fail, Replay, StepError, first_wrong

KINDS = ("restate", "layout", "copy", "cursor", "carry", "sum digit", "borrow", "difference digit",
         "partial product", "quotient digit", "root digit", "trial divisor", "bring down", "progress row",
         "gcd step", "answer")
_HI = Context(prec=80)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?|[-+×÷^√()])")
_VALUE = re.compile(r"-?\d+(?:\.\d+)?(?:E[+-]?\d+)?")
_GCD = re.compile(r"gcd\((\d+), (\d+)\)")
_BLOCKS = {"+": Replay.add, "-": Replay.sub, "×": Replay.mul, "÷": lambda r: r.div_or_root("÷"),
           "√": lambda r: r.div_or_root("√")}
TRUNCATED = 10**-3  # quotients and roots are cut after 3 places (converters.solutions.steps.DECIMALS)


class Expr:
    """`= -(7469.98 × 2455.65)` and the like, evaluated to 80 significant digits."""

    def __init__(self, text: str):
        self.tokens, pos = [], 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                raise ValueError(f"cannot read {text[pos:]!r}")
            self.tokens.append(m.group(1))
            pos = m.end()
        self.k = 0

    def peek(self) -> str | None:
        return self.tokens[self.k] if self.k < len(self.tokens) else None

    def take(self) -> str:
        if self.k >= len(self.tokens):
            raise ValueError("the expression ends early")
        self.k += 1
        return self.tokens[self.k - 1]

    def value(self) -> Decimal:
        v = self.sum()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r}")
        return v

    def sum(self) -> Decimal:
        v = self.product()
        while self.peek() in ("+", "-"):
            op, w = self.take(), self.product()
            v = _HI.add(v, w) if op == "+" else _HI.subtract(v, w)
        return v

    def product(self) -> Decimal:
        v = self.power()
        while self.peek() in ("×", "÷"):
            op, w = self.take(), self.power()
            v = _HI.multiply(v, w) if op == "×" else _HI.divide(v, w)
        return v

    def power(self) -> Decimal:
        v = self.atom()
        if self.peek() == "^":
            self.take()
            v = _HI.power(v, int(self.take()))
        return v

    def atom(self) -> Decimal:
        t = self.take()
        if t == "-":
            return -self.power()
        if t == "√":
            return _HI.sqrt(Decimal(self.take()))
        if t == "(":
            v = self.sum()
            if self.take() != ")":
                raise ValueError("unclosed (")
            return v
        return Decimal(t)


def close(x: Decimal, y: Decimal) -> bool:
    return abs(x - y) <= Decimal("1e-24") * max(Decimal(1), abs(y))


def _gold(category: str, args: tuple[str, ...]) -> Decimal:
    answer = solve(category, args)
    if answer.exact is not None:
        return _HI.divide(Decimal(answer.exact.numerator), Decimal(answer.exact.denominator))
    return Decimal(answer.value.replace("E", "e")) if "/" not in answer.value else Decimal(answer.rational.numerator)


def final_value(line: str, at: int) -> Decimal:
    if not line.startswith("= "):
        raise Fail(at, "answer", f"the last line should be '= VALUE', not {line!r}")
    if not _VALUE.fullmatch(line[2:]):  # Decimal and int would take 1_000
        raise Fail(at, "answer", f"{line[2:]!r} is not a number")
    return Decimal(line[2:])


def check_fraction(args: tuple[str, ...], lines: list[str]) -> None:
    if len(lines) != 3:
        raise Fail(len(lines), "layout", "a fraction takes 3 lines")
    n, d = int(args[0]), int(args[1])
    pairs = [(int(a), int(b)) for a, b in _GCD.findall(lines[0])]
    if not pairs or pairs[0] != (max(n, d), min(n, d)):
        raise Fail(1, "restate", f"should start gcd({max(n, d)}, {min(n, d)})")
    for (a, b), nxt in zip(pairs, pairs[1:]):
        if b == 0 or nxt != (b, a % b):
            raise Fail(1, "gcd step", f"gcd({a}, {b}) = gcd({b}, {a % b if b else '?'})")
    g = pairs[-1][0]
    if pairs[-1][1] != 0 or not lines[0].endswith(f"= {g}"):
        raise Fail(1, "gcd step", f"the chain should end gcd({g}, 0) = {g}")
    if lines[1] != f"{n} ÷ {g} = {n // g}, {d} ÷ {g} = {d // g}":
        raise Fail(2, "quotient digit", f"should be {n} ÷ {g} = {n // g}, {d} ÷ {g} = {d // g}")
    f = Fraction(n, d)
    if lines[2] != f"= {f.numerator}/{f.denominator}":
        raise Fail(3, "answer", f"should be = {f.numerator}/{f.denominator}")


def header_value(category: str, args: tuple[str, ...], lines: list[str]) -> tuple[Decimal, Decimal]:
    """(the first line's value, the problem's exact value): Fail unless the first line restates the
    problem as one expression of its own numbers with its value (shared by the `compact` checker)."""
    if len(lines) < 2 or not lines[0].startswith("= "):
        raise Fail(1, "layout", "a solution starts '= EXPRESSION' and ends '= VALUE'")
    try:
        header = Expr(lines[0][2:]).value()
    except (ValueError, ArithmeticError) as e:
        raise Fail(1, "restate", f"the expression cannot be read: {e}") from None
    gold = _gold(category, args)
    allowed = {a.lstrip("-−") for a in args} | {"1", "100", str(len(args))}
    stray = [n for n in _NUMBER.findall(lines[0]) if n not in allowed]
    if stray and category != "linear":  # linear may move a right-hand side across first
        raise Fail(1, "restate", f"{stray[0]} is not a number of the problem")
    if not close(header, gold):
        raise Fail(1, "restate", f"the expression is {header:.6g}, the problem's value {gold:.6g}")
    return header, gold


def _check(category: str, args: tuple[str, ...], lines: list[str]) -> None:
    if category == "fraction":
        return check_fraction(args, lines)
    header, gold = header_value(category, args, lines)
    replay = Replay(lines[:-1], _NUMBER.findall(lines[0]))
    while replay.i < len(lines) - 1:
        opener = lines[replay.i]
        if opener not in _BLOCKS:
            replay.fail("layout", f"expected a block (+ - × ÷ √), got {opener!r}")
        replay.i += 1
        _BLOCKS[opener](replay)
    value = final_value(lines[-1], len(lines))
    if replay.last is None:  # no working: the value must be the problem's, to the last digit
        if value != gold:
            raise Fail(len(lines), "answer", f"{value} is not {gold}")
        return
    kind, result = replay.last
    shown = int(lines[-1][2:].lstrip("-").replace(".", "") or 0)
    if shown != abs(result) or (value < 0) != (header < 0) and value != 0:
        raise Fail(len(lines), "answer", f"the last result is {result}, the value's sign {'-' if header < 0 else '+'}")
    if kind in "÷√" and category != "power":
        if not (0 <= abs(header) - abs(value) < Decimal(TRUNCATED)):
            raise Fail(len(lines), "answer", f"{value} is not {header:.6f} cut after 3 places")
    elif value != header:
        raise Fail(len(lines), "answer", f"{value} is not {header}")


def check_steps(category: str, args: tuple[str, ...], response: str) -> StepError | None:
    """None when every step of `response` holds; else the first wrong one."""
    return first_wrong(_check, category, args, response)
