"""Chain-of-thought completions: the working shown, ending in the contest's solution line.

Multiplication is split into one partial product per digit of the second factor, as the
contest's best team did; the other categories show the formula with every number filled in.
"""
from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction
from math import gcd, isqrt

from converters.rules.compute import CTX, OPS

_EXACT = decimal.Context(prec=10_000, traps=[decimal.InvalidOperation, decimal.DivisionByZero])


def _scaled(x: Decimal) -> tuple[int, int]:
    """|x| as an integer and the number of decimals removed."""
    sign, digits, exp = x.as_tuple()
    places = max(0, -exp)
    return int(abs(x).scaleb(places)), places


def _sign_line(x: Decimal, y: Decimal, word: str) -> str:
    neg = (x < 0) != (y < 0)
    names = ("负数" if x < 0 else "正数", "负数" if y < 0 else "正数")
    return f"符号：{names[0]} {word} {names[1]}，结果为{'负数' if neg else '正数'}"


def _multiply(a: str, b: str, op: str, value: str) -> list[str]:
    x, y = Decimal(a), Decimal(b)
    p, pa = _scaled(x)
    q, pb = _scaled(y)
    lines = [_sign_line(x, y, "乘"), f"去掉小数点：{p} × {q}（共 {pa + pb} 位小数）"]
    total = 0
    for place, digit in enumerate(reversed(str(q))):
        if digit == "0":
            continue
        part = p * int(digit) * 10**place
        total += part
        lines.append(f"{p} × {int(digit) * 10**place} = {part}")
    lines.append(f"部分积相加：{total}")
    lines.append(f"放回 {pa + pb} 位小数并加上符号：{value}")
    return lines


def _divide(a: str, b: str, value: str) -> list[str]:
    x, y = Decimal(a), Decimal(b)
    p, pa = _scaled(x)
    q, pb = _scaled(y)
    shift = pb - pa
    lines = [_sign_line(x, y, "除以")]
    lines.append(f"去掉小数点：{p} ÷ {q}" + (f"，再乘以 10^{shift}" if shift else ""))
    whole, rest = divmod(p, q)
    lines.append(f"{p} ÷ {q} = {whole} 余 {rest}")
    lines.append(f"继续长除法，保留 28 位有效数字：{value}")
    return lines


def _arithmetic(args: tuple[str, ...], value: str) -> list[str]:
    a, op, b = args
    kind = OPS[op]
    if kind == "*":
        return _multiply(a, b, op, value)
    if kind == "/":
        return _divide(a, b, value)
    y = Decimal(b)
    if y < 0 and kind == "-":
        return [f"减去负数等于加上它的绝对值：{a} + {-y} = {value}"]
    if y < 0:
        return [f"加上负数等于减去它的绝对值：{a} - {-y} = {value}"]
    return [f"按小数位对齐后计算：{a} {kind} {b} = {value}"]


def _power(args: tuple[str, ...], value: str) -> list[str]:
    x, k = Decimal(args[0]), int(args[1])
    if k == 0:
        return ["任何非零数的 0 次方都等于 1"]
    lines, acc = [], x
    for step in range(2, k + 1):
        acc = _EXACT.multiply(acc, x)
        if step < k or str(acc) != value:
            lines.append(f"{args[0]}^{step} = {acc}")
    if k % 2 == 0 and x < 0:
        lines.insert(0, "负数的偶数次方为正数")
    if str(acc) != value:
        lines.append(f"保留 28 位有效数字：{value}")
    return lines or [f"{args[0]}^1 = {value}"]


def _sqrt(args: tuple[str, ...], value: str) -> list[str]:
    x = Decimal(args[0])
    root = isqrt(int(x))
    return [f"{root}² = {root * root} ≤ {args[0]} < {(root + 1) ** 2} = {root + 1}²，所以平方根在 {root} 和 {root + 1} 之间",
            f"用牛顿迭代求到 28 位有效数字：{value}"]


def _function(args: tuple[str, ...], value: str) -> list[str]:
    x, a, b = args
    a = a or "1"
    xb = CTX.power(Decimal(x), int(b))
    return [f"把 x = {x} 代入 y = {a}x^{b}", f"{x}^{b} = {xb}", f"y = {a} × {xb} = {value}"]


def _linear(args: tuple[str, ...], value: str) -> list[str]:
    m, sign, n, rhs = args
    m = m or "1"
    moved = Decimal(rhs) - (Decimal(n) if sign == "+" else -Decimal(n))
    return [f"移项：{m}x = {rhs} {'-' if sign == '+' else '+'} ({n}) = {moved}", f"x = {moved} / {m} = {value}"]


def _mean(args: tuple[str, ...], value: str) -> list[str]:
    total = sum(Decimal(a) for a in args)
    return [f"总和 = {' + '.join(args)} = {total}", f"个数 = {len(args)}",
            f"平均值 = {total} / {len(args)} = {value}"]


def _area(args: tuple[str, ...], value: str) -> list[str]:
    return [f"面积 = 长 × 宽 = {args[0]} × {args[1]} = {value}"]


def _mass(args: tuple[str, ...], value: str) -> list[str]:
    return [f"质量 = 密度 × 体积 = {args[0]} × {args[1]} = {value}"]


def _discount(args: tuple[str, ...], value: str) -> list[str]:
    a, b = args
    return [f"折扣比例 = (原价 - 现价) / 原价 × 100 = ({a} - {b}) / {a} × 100",
            f"= {Decimal(a) - Decimal(b)} / {a} × 100 = {value}"]


def _sales(args: tuple[str, ...], value: str) -> list[str]:
    a, b = args
    return [f"今年销售额 = 去年销售额 × (1 + 增长率) = {a} + {a} × {b} / 100",
            f"= {a} + {repr(float(a) * float(b) / 100)} = {value}"]


def _fraction(args: tuple[str, ...], value: str) -> list[str]:
    n, d = int(args[0]), int(args[1])
    g = gcd(n, d)
    if g == 1:
        return [f"{n} 和 {d} 的最大公约数是 1，已经是最简分数"]
    f = Fraction(n, d)
    return [f"{n} 和 {d} 的最大公约数是 {g}", f"分子分母同除以 {g}：{n}/{d} = {f}"]


STEPS = {
    "arithmetic": _arithmetic, "power": _power, "sqrt": _sqrt, "function": _function,
    "linear": _linear, "mean": _mean, "area": _area, "mass": _mass, "discount": _discount,
    "sales": _sales, "fraction": _fraction,
}


def cot_response(category: str, args: tuple[str, ...], value: str, solution: str) -> str:
    """Working lines under '计算过程：', then the contest's solution line."""
    lines = STEPS[category](args, value)
    return "计算过程：\n" + "\n".join(lines) + "\n" + solution
