"""Replaying the blocks of a `steps` solution row by row, on the digits as written.

Independent of the writer (`converters.solutions.steps_tape`): each rule of its docstring is applied again here
to what the text says, and a number a block starts from must be one the header or an earlier block
produced. `converters.solutions.steps_check` drives it.
"""
from __future__ import annotations

import re
from typing import NamedTuple

_ROW = re.compile(r"([a-z])(\d?) ([0-9_]+)")


class StepError(NamedTuple):
    line: int  # 1-based, in the response
    kind: str
    detail: str


class Fail(Exception):
    """The first wrong step (its StepError is args[0])."""

    def __init__(self, line: int, kind: str, detail: str):
        super().__init__(StepError(line, kind, detail))


def first_wrong(check, category: str, args: tuple[str, ...], response: str) -> StepError | None:
    """Run a checker `check(category, args, lines)` that raises Fail: None, or the first wrong step;
    text no rule foresaw is a `layout` error, never a traceback."""
    try:
        check(category, args, response.split("\n"))
    except Fail as failure:
        return failure.args[0]
    except (ValueError, ArithmeticError, IndexError) as e:
        return StepError(1, "layout", f"unreadable: {e}")
    return None


def _digits(text: str) -> list[int]:
    return [int(c) for c in text]


def _value(text: str) -> int:
    return int(text[::-1])


class Replay:
    def __init__(self, lines: list[str], header_numbers: list[str]):
        self.lines, self.i = lines, 1
        self.known = {int(n.replace(".", "")) for n in header_numbers}
        self.last: tuple[str, int] | None = None  # (block kind, result)

    def fail(self, kind: str, detail: str, line: int | None = None) -> None:
        raise Fail((self.i if line is None else line) + 1, kind, detail)

    def row(self, tag: str, width: int | None) -> tuple[int, str, str]:
        if self.i >= len(self.lines):
            self.fail("layout", f"the block ends before its row {tag}")
        m = _ROW.fullmatch(self.lines[self.i])
        if (not m or m.group(1) != tag or (width is not None and len(m.group(3)) != width)
                or "_" in m.group(3) and tag not in "xyq"):
            self.fail("layout", f"expected row {tag} of {width or 'n'} digits, got {self.lines[self.i]!r}")
        self.i += 1
        return self.i - 1, m.group(2), m.group(3)

    def known_value(self, value: int, at: int) -> None:
        if value == 0 or any(value % 10**k == 0 and value // 10**k in self.known for k in range(16)):
            return
        self.fail("copy", f"{value} is neither a number of the problem nor an earlier result", at)

    def check_column(self, at: int, kind: str, got: str, want: list[int]) -> None:
        for col, (g, w) in enumerate(zip(got, want)):
            if g != str(w):
                self.fail(kind, f"column {col}: {g}, should be {w}", at)

    def result(self, block: str, value: int) -> None:
        self.known.add(abs(value))
        self.last = (block, value)

    def add(self) -> None:
        at, _, a = self.row("a", None)
        width = len(a)
        bt, _, b = self.row("b", width)
        self.known_value(_value(a), at)
        self.known_value(_value(b), bt)
        self.result("+", self.sum_rows(a, b))

    def sum_rows(self, a: str, b: str) -> int:
        """The c and s rows of a + b (digits least significant first); the sum."""
        ct, _, c = self.row("c", len(a))
        st, _, s = self.row("s", len(a))
        carries, total, carry = [], [], 0
        for x, y in zip(_digits(a), _digits(b)):
            carries.append(carry)
            total.append((x + y + carry) % 10)
            carry = (x + y + carry) // 10
        self.check_column(ct, "carry", c, carries)
        self.check_column(st, "sum digit", s, total)
        if carry:
            self.fail("layout", "the sum overflows its row", st)
        return _value(s)

    def _sub(self, a: str, b: str, bt: str, dt: str) -> str:
        kt, _, k = self.row(bt, len(a) + 1)
        d_at, _, d = self.row(dt, len(a))
        borrows, diff, borrow = [], [], 0
        for x, y in zip(_digits(a), _digits(b)):
            borrows.append(borrow)
            diff.append((x - y - borrow) % 10)
            borrow = 1 if x - y - borrow < 0 else 0
        self.check_column(kt, "borrow", k, borrows + [borrow])
        self.check_column(d_at, "difference digit", d, diff)
        return d

    def sub(self) -> None:
        at, _, a = self.row("a", None)
        bt, _, b = self.row("b", len(a))
        self.known_value(_value(a), at)
        self.known_value(_value(b), bt)
        d = self._sub(a, b, "k", "d")
        if self.lines[self.i - 2].endswith("1"):  # borrow out: a < b, the complement follows
            n = self._sub("0" * len(a), d, "j", "n")
            self.result("-", -_value(n))
        else:
            self.result("-", _value(d))

    def _cursor(self, at: int, rows: str, first: str, used: int) -> None:
        if rows != "_" * used + first[used:]:
            self.fail("cursor", f"expected {'_' * used + first[used:]}", at)

    def _times_digit(self, at_m: int, m: str, at_p: int, p: str, a: str, q: int) -> None:
        carries, part, carry = [], [], 0
        for x in _digits(a):
            carries.append(carry)
            part.append((x * q + carry) % 10)
            carry = (x * q + carry) // 10
        self.check_column(at_m, "carry", m, carries)
        self.check_column(at_p, "partial product", p, part)
        if carry:
            self.fail("layout", "the product overflows its row", at_p)

    def mul(self) -> None:
        first, acc, a0, used = None, 0, None, -1
        while self.i < len(self.lines) and self.lines[self.i].startswith("y "):
            yt, _, y = self.row("y", None if first is None else len(first))
            at, _, a = self.row("a", None if a0 is None else len(a0))
            used += 1
            if first is None:
                first, a0 = y, a
                self._cursor(yt, y, y.replace("_", "0"), 0)
                self.known_value(int(y), yt)
                self.known_value(_value(a), at)
            self._cursor(yt, y, first, used)
            if a != a0:
                self.fail("copy", "the multiplicand row changed", at)
            mt, _, m = self.row("m", len(a))
            pt, _, p = self.row("p", len(a))
            self._times_digit(mt, m, pt, p, a, int(first[used]))
            acc = self.sum_rows("0" + _digits_str(acc, len(a))[:-1], p)  # 10·acc + p
        if first is None or used != len(first) - 1:
            self.fail("layout", "the multiplication stops before its last multiplier digit")
        self.result("×", acc)

    def div_or_root(self, block: str) -> None:
        step, first, rest, quotient, prev_e, prev_d = 0, None, 0, "", 0, 0
        per = 1 if block == "÷" else 2
        while self.i < len(self.lines) and self.lines[self.i].startswith("x "):
            xt, _, x = self.row("x", None if first is None else len(first))
            if first is None:
                first = x
                self._cursor(xt, x, x.replace("_", "0"), 0)
                self.known_value(int(x), xt)
            self._cursor(xt, x, first, per * step)
            rt, _, r = self.row("r", None)
            width = len(r)
            want_r = rest * 10**per + int(first[per * step:per * step + per])
            if _value(r) != want_r:
                self.fail("bring down", f"r should be {want_r}", rt)
            if block == "÷":
                bt, _, b = self.row("b", width)
                self.known_value(_value(b), bt)
                if step and b != self.lines[bt - 7].split(" ")[1]:
                    self.fail("copy", "the divisor row changed", bt)
                divisor = _value(b)
                if divisor == 0:
                    self.fail("copy", "division by zero", bt)
                mt, _, m = self.row("m", width)
                pt, q, p = self.row("p", width)
                digit, factor = int(q or 0), divisor
                if not (digit * divisor <= want_r < (digit + 1) * divisor):
                    self.fail("quotient digit", f"{digit}, should be {want_r // divisor}", pt)
                self._times_digit(mt, m, pt, p, b, digit)
            else:
                ct, _, c = self.row("c", width)
                self.check_column(ct, "carry", c, _carries(prev_e, prev_d, width))
                et, q, e = self.row("e", width)
                digit = int(q or 0)
                base = prev_e + prev_d
                if _value(e) != base * 10 + digit:
                    self.fail("trial divisor", f"should be {base * 10 + digit}", et)
                best = max(k for k in range(10) if (base * 10 + k) * k <= want_r)
                if digit != best:
                    self.fail("root digit", f"{digit}, should be {best}", et)
                mt, _, m = self.row("m", width)
                pt, _, p = self.row("p", width)
                self._times_digit(mt, m, pt, p, e, digit)
                factor, prev_e, prev_d = _value(e), _value(e), digit
            kt, _, k = self.row("k", width + 1)
            borrows, borrow = [], 0
            for u, v in zip(_digits(r), _digits(p)):
                borrows.append(borrow)
                borrow = 1 if u - v - borrow < 0 else 0
            self.check_column(kt, "borrow", k, borrows + [borrow])
            rest = want_r - digit * factor
            quotient += str(digit)
            qt, _, qrow = self.row("q", None)
            if qrow != quotient.ljust(len(qrow), "_") or len(qrow) * per != len(first):
                self.fail("progress row", f"should be {quotient.ljust(len(first) // per, '_')}", qt)
            step += 1
        if first is None or per * step != len(first):
            self.fail("layout", "the block stops before its last digit")
        self.result(block, int(quotient))


def _digits_str(n: int, width: int) -> str:
    return str(n).zfill(width)[::-1][:width]


def _carries(e: int, d: int, width: int) -> list[int]:
    out, carry = [], 0
    for x, y in zip(_digits(_digits_str(e, width)), _digits(_digits_str(d, width))):
        out.append(carry)
        carry = (x + y + carry) // 10
    return out
