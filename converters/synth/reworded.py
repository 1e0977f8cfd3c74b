"""A reworded test set: the contest's kinds of computation in phrasings its data never uses.

Every problem carries its exact gold answer and category, so `mathtune score` needs no
rules to read it. A model that only learned the contest's templates fails here; a
pretrained model that learned to turn a question into a program should not.
"""
from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction
from typing import Callable

Maker = Callable[[random.Random], tuple[str, Decimal | Fraction | int]]


def _num(rng: random.Random, lo: int, hi: int, places: int) -> str:
    return f"{rng.uniform(lo, hi):.{places}f}" if places else str(rng.randint(lo, hi))


def _arithmetic(rng: random.Random) -> tuple[str, Decimal]:
    a, b = _num(rng, 1, 500, rng.choice([0, 1, 2])), _num(rng, 1, 500, rng.choice([0, 1]))
    x, y = Decimal(a), Decimal(b)
    return rng.choice([
        (f"请问 {a} 乘以 {b} 是多少？", x * y),
        (f"{a} 加上 {b} 的和是多少？", x + y),
        (f"从 {a} 里减去 {b}，还剩多少？", x - y),
        (f"What is {a} times {b}?", x * y),
        (f"Add {a} and {b}.", x + y),
        (f"What do you get when you subtract {b} from {a}?", x - y),
        (f"{a} 与 {b} 的积等于几？", x * y),
        (f"Compute the sum of {a} and {b}.", x + y),
    ])


def _linear(rng: random.Random) -> tuple[str, Decimal]:
    m, x = rng.choice([i for i in range(-9, 10) if i]), rng.randint(-20, 20)
    c = m * x
    return rng.choice([
        (f"Solve {m}x - {-c} = 0" if c < 0 else f"Solve {m}x + {c} = 0", Decimal(-x)),
        (f"Solve for x: {m}x = {c}", Decimal(x)),
        (f"已知 {m}x = {c}，求 x。", Decimal(x)),
        (f"如果 {m} 乘以一个数等于 {c}，这个数是多少？", Decimal(x)),
    ])


def _sqrt(rng: random.Random) -> tuple[str, Decimal]:
    r = Decimal(_num(rng, 1, 99, rng.choice([0, 1])))
    s = r * r
    return rng.choice([
        (f"What is the square root of {s}?", r),
        (f"{s} 开平方等于多少？", r),
        (f"求 {s} 的算术平方根。", r),
        (f"Find √{s}.", r),
    ])


def _power(rng: random.Random) -> tuple[str, Decimal]:
    x, k = Decimal(_num(rng, 1, 30, rng.choice([0, 1]))), rng.randint(2, 4)
    word = {2: "平方", 3: "立方", 4: "四次方"}[k]
    return rng.choice([
        (f"{x} 的{word}是多少？", x ** k),
        (f"What is {x} raised to the power of {k}?", x ** k),
        (f"Calculate {x}^{k}.", x ** k),
        (f"把 {x} 自乘 {k} 次方，结果是多少？", x ** k),
    ])


def _function(rng: random.Random) -> tuple[str, Decimal]:
    a, b, x = rng.randint(2, 9), rng.randint(2, 3), Decimal(_num(rng, 1, 5, 1))
    return rng.choice([
        (f"If f(x) = {a}x^{b}, what is f({x})?", a * x ** b),
        (f"函数 y = {a}x^{b} 在 x 取 {x} 时的函数值是多少？", a * x ** b),
        (f"Evaluate y = {a}x^{b} at x = {x}.", a * x ** b),
    ])


def _mean(rng: random.Random) -> tuple[str, Decimal]:
    data = [rng.randint(1, 100) for _ in range(rng.randint(3, 6))]
    value = Decimal(repr(sum(data) / len(data)))  # the contest's notation: Python's float
    return rng.choice([
        (f"这几个数的平均数是多少：{'、'.join(map(str, data))}？", value),
        (f"Find the average of {', '.join(map(str, data[:-1]))} and {data[-1]}.", value),
        (f"What is the mean of the numbers {', '.join(map(str, data))}?", value),
    ])


def _area(rng: random.Random) -> tuple[str, int]:
    a, b = rng.randint(2, 90), rng.randint(2, 90)
    return rng.choice([
        (f"长 {a} 米、宽 {b} 米的长方形，面积是多少平方米？", a * b),
        (f"A rectangle is {a} cm long and {b} cm wide. What is its area in square centimetres?", a * b),
    ])


def _discount(rng: random.Random) -> tuple[str, Decimal]:
    a = rng.choice([20, 40, 50, 80, 100, 200])
    b = a - a * rng.choice([5, 10, 20, 25, 30, 50]) // 100
    value = Decimal(a - b) / a * 100
    return rng.choice([
        (f"一件衣服从 {a} 元降到 {b} 元，降价的百分比是多少？", value),
        (f"A price falls from {a} yuan to {b} yuan. By what percentage was it reduced?", value),
    ])


def _sales(rng: random.Random) -> tuple[str, Decimal]:
    a, p = rng.randint(10, 99), rng.choice([5, 10, 12, 20, 25, 40])
    value = a + Decimal(a) * p / 100
    return rng.choice([
        (f"某店去年卖了 {a} 万元，今年比去年多卖 {p}%，今年卖了多少万元？", value),
        (f"Sales were {a} thousand dollars last year and grew by {p}% this year. What are this year's sales?",
         value),
    ])


def _mass(rng: random.Random) -> tuple[str, int]:
    d, v = rng.randint(2, 12), rng.randint(2, 30)
    return rng.choice([
        (f"一块金属体积是 {v} 立方厘米，每立方厘米重 {d} 克，它一共重多少克？", d * v),
        (f"An object with density {d} g/cm³ has a volume of {v} cm³. What is its mass in grams?", d * v),
    ])


def _fraction(rng: random.Random) -> tuple[str, Fraction]:
    g, n = rng.randint(2, 9), rng.randint(1, 11)
    d = rng.randint(n + 1, 12)
    return rng.choice([
        (f"Reduce {n * g}/{d * g} to lowest terms.", Fraction(n, d)),
        (f"把 {n * g}/{d * g} 化成最简分数。", Fraction(n, d)),
    ])


MAKERS: dict[str, Maker] = {
    "arithmetic": _arithmetic, "linear": _linear, "sqrt": _sqrt, "power": _power, "function": _function,
    "mean": _mean, "area": _area, "discount": _discount, "sales": _sales, "mass": _mass, "fraction": _fraction,
}
# Arithmetic is two thirds of the contest, so it keeps a large share here too.
WEIGHTS = {"arithmetic": 5, "linear": 2, "sqrt": 1, "power": 1, "function": 1, "mean": 1,
           "area": 1, "discount": 1, "sales": 1, "mass": 1, "fraction": 1}


def gold_text(value: Decimal | Fraction | int) -> str:
    """The exact answer as text: fractions as p/q, decimals without trailing zeros."""
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value.numerator)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def reworded_rows(n: int = 200, seed: int = 0) -> list[dict]:
    """`n` rows {problem, gold, category}, distinct problems, categories in WEIGHTS' proportions."""
    rng = random.Random(seed)
    names = list(WEIGHTS)
    total = sum(WEIGHTS.values())
    quotas = {c: n * WEIGHTS[c] // total for c in names}
    for c in names[: n - sum(quotas.values())]:
        quotas[c] += 1
    rows, seen = [], set()
    for category in names:
        made = 0
        while made < quotas[category]:
            problem, value = MAKERS[category](rng)
            if problem not in seen:
                seen.add(problem)
                rows.append({"problem": problem, "gold": gold_text(value), "category": category})
                made += 1
    rng.shuffle(rows)
    return rows
