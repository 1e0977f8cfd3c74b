"""The primitive blocks of the `steps` style: column arithmetic a small model can learn in text.

Every number inside a block is written least-significant digit first, zero-padded to a width fixed
by the block's place in the solution (not by the operands' values), one token per digit. So the digit
a step writes sits at a fixed distance from each digit it depends on — the same column one or more
lines up, or the column just before — and a transformer finds them by relative position alone.
Every carry and borrow is written out, so each digit is a function of at most four digits above it.

A block starts with a line naming its operation; its lines are `TAG DIGITS`:

    +            a = x, b = y; c: carry into each column; s: the sum
    -            a, b; k: borrow into each column, one more entry for the borrow out; d = a - b;
                 when the borrow out is 1 (a < b): j: borrows of 0 - d; n: the complement = b - a
    ×            a = x; per digit of y, most significant first: y: y's digits, those used as `_`;
                 a again; m: carry into each column of a·digit; p: a·digit; c: carries of 10·s + p; s
    ÷            per digit of the dividend: x: its digits, those used as `_`; r: 10·rest + digit, where
                 rest = the previous step's r - p (so its digits follow from that step's r, p and k);
                 b = divisor; m, pQ: divisor·Q (Q the quotient digit, in the tag); k: borrows of r - p;
                 q: the quotient's digits so far, most significant first, then `_`
    √            per pair of digits: x: the digits, those used as `_`; r: 100·rest + pair (rest as in ÷); c: carries of
                 10·(e + D) + D (e and D the previous step's); eD: the trial divisor 20·root + D;
                 m, p: e·D; k: borrows of r - p; q: the root's digits so far, then `_`
Rows that mark progress (x, y, q) keep their width too, so every step of a block has the same length.

The checker (`converters.solutions.steps_check`) replays each of these rules on the written digits.
"""
from __future__ import annotations


def rev(n: int, width: int) -> str:
    """n least-significant digit first, zero-padded to `width`."""
    text = str(n)
    if n < 0 or len(text) > width:
        raise ValueError(f"{n} does not fit {width} digits")
    return text.zfill(width)[::-1]


class Tape:
    """Lines of a solution, with the primitive blocks that append to it."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def say(self, line: str) -> None:
        self.lines.append(line)

    def row(self, tag: str, digits: str) -> None:
        self.lines.append(f"{tag} {digits}")

    def add(self, x: int, y: int, width: int) -> int:
        total = x + y
        xs, ys, sums = rev(x, width), rev(y, width), rev(total, width)  # fits, or raise before writing
        self.say("+")
        self.row("a", xs)
        self.row("b", ys)
        self.row("c", _add_carries(xs, ys))
        self.row("s", sums)
        return total

    def sub(self, x: int, y: int, width: int) -> int:
        """x - y; when negative, the block ends with the complement (y - x) and returns -(y - x)."""
        xs, ys = rev(x, width), rev(y, width)
        diff, borrows = _borrows(xs, ys)
        self.say("-")
        self.row("a", xs)
        self.row("b", ys)
        self.row("k", borrows)
        self.row("d", diff)
        if borrows[-1] == "0":
            return x - y
        back, borrows2 = _borrows("0" * width, diff)
        self.row("j", borrows2)
        self.row("n", back)
        return x - y

    def mul(self, x: int, y: int, width: int, ydigits: int) -> int:
        """x·y by Horner's rule over y's `ydigits` digits (zero-padded), most significant first."""
        xs, yd = rev(x, width), str(y).zfill(ydigits)
        if len(yd) > ydigits:
            raise ValueError(f"{y} has more than {ydigits} digits")
        rev(x * y, width)
        self.say("×")
        acc = 0
        for i, digit in enumerate(yd):
            d = int(digit)
            part = x * d
            self.row("y", _used(yd, i))
            self.row("a", xs)
            self.row("m", _mul_carries(xs, d))
            self.row("p", rev(part, width))
            shifted = rev(acc * 10, width)
            self.row("c", _add_carries(shifted, rev(part, width)))
            acc = acc * 10 + part
            self.row("s", rev(acc, width))
        return acc

    def div(self, x: int, y: int, xdigits: int, width: int) -> int:
        """floor(x / y) by long division over x's `xdigits` digits (zero-padded); `width` holds 10·y."""
        if y <= 0:
            raise ValueError("the divisor must be positive")
        xd = str(x).zfill(xdigits)
        if len(xd) > xdigits or len(str(10 * y)) > width:
            raise ValueError(f"{x} ÷ {y} does not fit")
        self.say("÷")
        rest, quotient = 0, ""
        for i, digit in enumerate(xd):
            self.row("x", _used(xd, i))
            r = rest * 10 + int(digit)
            q = r // y
            ys, rs, ps = rev(y, width), rev(r, width), rev(y * q, width)
            self.row("r", rs)
            self.row("b", ys)
            self.row("m", _mul_carries(ys, q))
            self.row(f"p{q}", ps)
            self.row("k", _borrows(rs, ps)[1])
            rest = r - y * q
            quotient += str(q)
            self.row("q", quotient.ljust(xdigits, "_"))
        return int(quotient)

    def sqrt(self, x: int, pairs: int, width: int) -> int:
        """floor(√x) digit by digit over x's `pairs` pairs of digits (zero-padded)."""
        xd = str(x).zfill(2 * pairs)
        if len(xd) > 2 * pairs:
            raise ValueError(f"{x} has more than {2 * pairs} digits")
        self.say("√")
        rest, root, prev_e, prev_d = 0, 0, 0, 0
        for i in range(pairs):
            self.row("x", _used(xd, 2 * i))
            r = rest * 100 + int(xd[2 * i:2 * i + 2])
            self.row("r", rev(r, width))
            base = prev_e + prev_d  # = 2·root
            d = max(k for k in range(10) if (base * 10 + k) * k <= r)
            e = base * 10 + d
            self.row("c", _add_carries(rev(prev_e, width), rev(prev_d, width)))
            self.row(f"e{d}", rev(e, width))
            self.row("m", _mul_carries(rev(e, width), d))
            self.row("p", rev(e * d, width))
            self.row("k", _borrows(rev(r, width), rev(e * d, width))[1])
            rest, root, prev_e, prev_d = r - e * d, root * 10 + d, e, d
            self.row("q", str(root).zfill(i + 1).ljust(pairs, "_"))
        return root


def _used(digits: str, n: int) -> str:
    """The first n digits marked used: a row keeps its width, so each digit keeps its column."""
    return "_" * n + digits[n:]


def _borrows(xs: str, ys: str) -> tuple[str, str]:
    """(difference digits, borrows into each column + the borrow out), both least significant first."""
    out, borrows, borrow = [], [], 0
    for a, b in zip(xs, ys):
        borrows.append(borrow)
        v = int(a) - int(b) - borrow
        borrow = 1 if v < 0 else 0
        out.append(v % 10)
    borrows.append(borrow)
    return "".join(map(str, out)), "".join(map(str, borrows))


def _mul_carries(xs: str, d: int) -> str:
    carries, carry = [], 0
    for a in xs:
        carries.append(carry)
        carry = (int(a) * d + carry) // 10
    return "".join(map(str, carries))


def _add_carries(xs: str, ys: str) -> str:
    carries, carry = [], 0
    for a, b in zip(xs, ys):
        carries.append(carry)
        carry = (int(a) + int(b) + carry) // 10
    return "".join(map(str, carries))
