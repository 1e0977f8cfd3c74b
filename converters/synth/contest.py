"""Synthetic rows in the contest's exact surface formats, value ranges and solution notations.

The answers here are computed by this module's own formulas, independently of
`converters.rules.compute`, so tests can use it as an oracle.
"""
from __future__ import annotations

import decimal
import random
from decimal import Decimal
from fractions import Fraction
from typing import Callable, Iterator

# Shares of the de-duplicated contest train.json (percent), from the reference table.
SHARES: dict[str, float] = {
    "arithmetic": 65.46, "linear": 7.30, "sqrt": 7.15, "power": 7.14, "function": 3.65,
    "mean": 3.59, "competition": 1.82, "area": 1.58, "discount": 1.14, "sales": 1.14,
    "mass": 0.02, "fraction": 0.01,
}


class _Draws(random.Random):
    """The row stream, plus a side stream for `short_numbers` so every other draw stays as without it."""

    def __init__(self, seed: int, short: float = 0.0, ops: str = "+-*/") -> None:
        super().__init__(seed)
        self.short, self.ops = short, ops
        self.side = random.Random(f"short-{seed}") if short else None


def _money(rng: random.Random, lo: float, hi: float) -> str:
    value = rng.uniform(lo, hi)
    side = getattr(rng, "side", None)
    if side is not None and hi >= 1000 and side.random() < rng.short:
        # an amount with a shorter integer part, each length as likely as the others
        digits = side.randint(1, len(str(int(hi))) - 2)
        value = side.uniform(10 ** (digits - 1), 10 ** digits - 0.005)
        value = -value if lo < 0 and side.random() < 0.5 else value
    return f"{value:.2f}"


def _arithmetic(rng: random.Random) -> tuple[str, str]:
    a, op = _money(rng, -10000, 10000), rng.choice(getattr(rng, "ops", "+-*/"))
    b = _money(rng, -10000, 10000)
    while op == "/" and Decimal(b) == 0:
        b = _money(rng, -10000, 10000)
    x, y = Decimal(a), Decimal(b)
    value = {"+": x + y, "-": x - y, "*": x * y, "/": x / y}[op]
    return f"计算 {a} {op} {b} 等于多少？", f"{a} {op} {b} = {value}"


def _linear(rng: random.Random) -> tuple[str, str]:
    m = rng.choice([i for i in range(-100, 101) if i])
    n = rng.randint(-100, 100)
    return f"解方程 {m}x + {n} = 0", f"方程的解为：{-n / m}"


def _sqrt(rng: random.Random) -> tuple[str, str]:
    x = _money(rng, 0, 10000)
    return f"计算 {x} 的平方根？", f"√{x} = {Decimal(x).sqrt()}"


def _power(rng: random.Random) -> tuple[str, str]:
    x, k = _money(rng, -1000, 1000), rng.randint(0, 5)
    if k == 0 and Decimal(x) == 0:
        x = "1.00"
    return f"计算 {x} 的 {k} 次方？", f"{x}^{k} = {Decimal(x) ** k}"


def _function(rng: random.Random) -> tuple[str, str]:
    a, b, x = rng.randint(1, 100), rng.randint(1, 100), _money(rng, 0.1, 10)
    return f"当 x = {x} 时，求函数 y = {a}x^{b} 的值", f"函数的值为：{Decimal(a) * Decimal(x) ** b}"


def _mean(rng: random.Random) -> tuple[str, str]:
    data = [rng.randint(1, 100) for _ in range(rng.randint(3, 10))]
    return f"求以下数据的平均值：{data}", f"平均值为 {sum(data) / len(data)}"


def _area(rng: random.Random) -> tuple[str, str]:
    a, b = rng.randint(1, 100), rng.randint(1, 100)
    return f"一个长方形的长为 {a} 厘米，宽为 {b} 厘米，请计算其面积。", f"面积为 {a * b} 平方厘米"


def _discount(rng: random.Random) -> tuple[str, str]:
    a, b = rng.randint(1, 100), rng.randint(1, 100)
    # int / int is the nearest float to the exact value, as the contest shows it
    return f"商品原价为 {a} 元，打折后的价格为 {b} 元，请计算打折的折扣比例。", repr((a - b) * 100 / a)


def _sales(rng: random.Random) -> tuple[str, str]:
    a, b = rng.randint(1, 100), rng.randint(1, 100)
    # int / int is the nearest float to the exact value (18.26, not 11 + 11 * 66 / 100)
    return f"去年销售额为 {a} 万元，今年销售额增加了 {b}%，请计算今年的销售额。", repr((a * 100 + a * b) / 100)


def _mass(rng: random.Random) -> tuple[str, str]:
    d, v = rng.randint(1, 10), rng.randint(1, 10)
    return f"某物体的密度为 {d} 克/立方厘米，体积为 {v} 立方厘米，请计算该物体的质量。", f"{d * v} 克"


def _fraction(rng: random.Random) -> tuple[str, str]:
    n = rng.randint(1, 9)
    d = rng.randint(n + 1, 10)
    return f"将分数 {n}/{d} 进行简化。", f"最简化的形式为：{Fraction(n, d)}"


def _competition(rng: random.Random) -> tuple[str, str]:
    kind = rng.randrange(4)
    if kind == 0:
        a, b, c = rng.randint(2, 9), rng.randint(2, 4), rng.randint(2, 20)
        value = a**b - 2 * c
        return (f"What is the value of $${a}^{b} - 2 \\cdot {c}$$?",
                f"We have ${a}^{b} = {a**b}$ and $2 \\cdot {c} = {2 * c}$, so the value is "
                f"${a**b} - {2 * c} = \\boxed{{{value}}}$.")
    if kind == 1:
        g = rng.randint(2, 12)
        p, q = g * rng.randint(1, 9), g * rng.randint(10, 19)
        f = Fraction(p, q)
        return (f"Simplify $\\frac{{{p}}}{{{q}}}$.",
                f"Both numbers are divisible by {g}, and the result is "
                f"$\\boxed{{\\frac{{{f.numerator}}}{{{f.denominator}}}}}$.")
    if kind == 2:
        x, a, b = rng.randint(-20, 20), rng.randint(2, 9), rng.randint(-30, 30)
        return (f"If $${a}x + {b} = {a * x + b}$$, what is the value of $x$?",
                f"Subtracting {b} gives ${a}x = {a * x}$, so $x = \\boxed{{{x}}}$.")
    g = rng.randint(2, 15)
    p, q = g * rng.randint(2, 20), g * rng.randint(21, 40)
    d = _gcd(p, q)
    return (f"What is the greatest common divisor of ${p}$ and ${q}$?",
            f"Using the Euclidean algorithm, $\\gcd({p}, {q}) = \\boxed{{{d}}}$.")


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


GENERATORS: dict[str, Callable[[random.Random], tuple[str, str]]] = {
    "arithmetic": _arithmetic, "linear": _linear, "sqrt": _sqrt, "power": _power,
    "function": _function, "mean": _mean, "competition": _competition, "area": _area,
    "discount": _discount, "sales": _sales, "mass": _mass, "fraction": _fraction,
}


OPS = "+-*/"


def valid_ops(ops: str) -> bool:
    """Operators `arithmetic` can draw: some of + - * /."""
    return bool(ops) and not set(ops) - set(OPS)


def synth_rows(
    n: int, seed: int = 0, shares: dict[str, float] | None = None, duplicate_share: float = 0.0,
    with_category: bool = False, short_numbers: float = 0.0, ops: str = "+-*/",
) -> Iterator[dict]:
    """Yield `n` rows `{"problem", "solution"}` (plus `"category"` when asked).

    `duplicate_share` of the rows repeat an earlier row, as the raw contest file does.
    `short_numbers` of the amounts in `arithmetic`, `sqrt` and `power` get a shorter integer part than
    the contest's uniform draw gives (1–3 digits in arithmetic, 1–2 in power, each length equally likely):
    training data in which a 2-digit operand is not a 1-in-100 rarity. `ops`: the operators `arithmetic`
    draws from (`"+-"`: the short rows that teach the steps style's column layout fastest).
    """
    if not valid_ops(ops):
        raise ValueError(f"ops {ops!r}: expected some of + - * /")
    rng = _Draws(seed, short_numbers, ops)
    shares = shares or SHARES
    names, weights = list(shares), list(shares.values())
    seen: list[dict] = []
    with decimal.localcontext(decimal.Context()):  # Python's defaults: 28 significant digits
        for _ in range(n):
            if seen and rng.random() < duplicate_share:
                yield dict(rng.choice(seen))
                continue
            name = rng.choices(names, weights)[0]
            problem, solution = GENERATORS[name](rng)
            row = {"problem": problem, "solution": solution}
            if with_category:
                row["category"] = name
            if duplicate_share:
                seen.append(row)
            yield row
