"""Varied phrasings of the contest's categories for training (`data synth --phrasings varied`).

Each row is a contest.py contest problem said another way — Chinese and English, questions and
commands, units and small stories around the numbers — and carries its category, the formula
arguments and the gold from contest.py's own formula, so no rule has to read the new wording
(converters.solutions.rows_with_gold checks and completes it). These templates are kept apart from
converters.synth.reworded's, which stay a test of generalisation: tests/test_phrasings.py proves that
no skeleton (numbers replaced by #) is shared.
"""
from __future__ import annotations

import decimal
import random
import re
from typing import Iterator

from converters.answers.number import last_number
from converters.rules.categories import categorise
from converters.synth.contest import GENERATORS

# {name} fields per category; see _fields for what each holds.
TEMPLATES: dict[str, list[str]] = {
    "add": [
        "{a} 和 {b} 合起来是多少？",
        "求 {a} 与 {b} 相加的结果。",
        "{a} 再加 {b}，得数是几？",
        "How much is {a} plus {b}?",
        "What is the total of {a} and {b}?",
        "Find {a} + {b}.",
        "Work out {a} + {b} for me.",
        "把 {a} 和 {b} 加在一起。",
    ],
    "sub": [
        "{a} 减 {b} 得多少？",
        "{a} 比 {b} 多多少？",
        "求差：{a} − {b}。",
        "How much is {a} minus {b}?",
        "Take {b} away from {a}. What remains?",
        "Find the difference {a} - {b}.",
        "What is {a} less {b}?",
        "用 {a} 去减 {b}，差是多少？",
    ],
    "mul": [
        "{a} 乘 {b} 得多少？",
        "求 {a} 和 {b} 的乘积。",
        "{a} 的 {b} 倍是多少？",
        "Multiply {a} by {b}.",
        "What is the product of {a} and {b}?",
        "Find {a} × {b}.",
        "How much is {a} multiplied by {b}?",
        "计算乘法：{a} × {b}。",
    ],
    "div": [
        "{a} 除以 {b} 得多少？",
        "求 {a} 被 {b} 除的商。",
        "{a} 里面有几个 {b}？",
        "Divide {a} by {b}.",
        "What is {a} divided by {b}?",
        "Find the quotient {a} ÷ {b}.",
        "How many times does {b} go into {a}?",
        "计算除法：{a} ÷ {b}。",
    ],
    "linear": [
        "求方程 {m}x {n} = {rhs} 的解。",
        "x 满足 {m}x {n} = {rhs}，x 等于多少？",
        "当 {m}x {n} = {rhs} 时，x 是几？",
        "方程 {m}x {n} = {rhs} 中的 x 是多少？",
        "Find x if {m}x {n} = {rhs}.",
        "What value of x makes {m}x {n} = {rhs} true?",
        "Given {m}x {n} = {rhs}, find x.",
        "x is a number with {m}x {n} = {rhs}. What is x?",
    ],
    "sqrt": [
        "求 {x} 的平方根。",
        "√{x} 等于多少？",
        "哪个非负数的平方等于 {x}？",
        "Take the square root of {x}.",
        "Compute sqrt({x}).",
        "What number squared gives {x}?",
        "Give the square root of {x}.",
        "{x} 的平方根是几？",
    ],
    "power": [
        "{x} 的 {k} 次幂是多少？",
        "求 {x} 的 {k} 次乘方。",
        "{k} 个 {x} 相乘得多少？",
        "What is {x} to the power {k}?",
        "Compute {x} ** {k}.",
        "Find the {k}th power of {x}.",
        "Multiply {x} by itself so that there are {k} factors. What is the result?",
        "算一算 {x}^{k}。",
    ],
    "function": [
        "已知 y = {a}x^{b}，x = {x} 时 y 等于多少？",
        "把 x = {x} 代入 y = {a}x^{b}，求 y。",
        "设 f(x) = {a}x^{b}，求 f({x}) 的值。",
        "函数 y = {a}·x^{b}，自变量取 {x}，函数值为多少？",
        "Let y = {a}x^{b}. Find y when x = {x}.",
        "Plug x = {x} into y = {a}x^{b}.",
        "For g(x) = {a}x^{b}, compute g({x}).",
        "What does y = {a}x^{b} give at x = {x}?",
    ],
    "mean": [
        "算出 {zh_items} 的平均值。",
        "{zh_items} 这几个数平均是多少？",
        "数据 {zh_items} 的平均数为多少？",
        "Average these numbers: {items}.",
        "Compute the arithmetic mean of {items}.",
        "The scores were {items}. What was the average score?",
        "What is the average value of {items}?",
        "一组同学的得分是 {zh_items}，平均分是多少？",
    ],
    "area": [
        "长方形的长是 {a} 厘米，宽是 {b} 厘米，它的面积是多少平方厘米？",
        "一块长 {a} 厘米、宽 {b} 厘米的长方形纸片，面积多大？",
        "长方形两边分别为 {a} 厘米和 {b} 厘米，求面积。",
        "一个矩形长 {a} cm，宽 {b} cm，面积是多少？",
        "Find the area of a {a} cm by {b} cm rectangle.",
        "A rectangular card measures {a} cm by {b} cm. How many square centimetres is it?",
        "What is the area of a rectangle with length {a} cm and width {b} cm?",
        "A garden bed is {a} cm long and {b} cm wide. Find its area.",
    ],
    "discount": [
        "原价 {a} 元的商品现价 {b} 元，便宜了百分之几？",
        "一本书原来卖 {a} 元，现在卖 {b} 元，价格下降了百分之多少？",
        "商品由 {a} 元打折为 {b} 元，求折扣的百分比。",
        "原价 {a} 元，折后 {b} 元，降了百分之几？",
        "An item that cost {a} yuan now costs {b} yuan. What percent off is that?",
        "The original price was {a} yuan and the sale price is {b} yuan. Find the discount in percent.",
        "A shirt marked {a} yuan sells for {b} yuan. By what percent was the price cut?",
        "What percentage discount takes a price of {a} yuan down to {b} yuan?",
    ],
    "sales": [
        "去年营业额 {a} 万元，今年增长 {b}%，今年营业额是多少万元？",
        "某公司去年卖出 {a} 万元，今年增长了 {b}%，今年卖出多少万元？",
        "销售额从去年的 {a} 万元增长 {b}%，今年是多少万元？",
        "去年 {a} 万元，今年涨了 {b}%，算出今年的数额。",
        "Last year's revenue was {a} ten-thousand yuan; it rose {b}% this year. What is this year's revenue?",
        "A shop sold {a} ten-thousand yuan of goods last year and {b}% more this year. How much this year?",
        "Revenue of {a} ten-thousand yuan increases by {b} percent. What is the new revenue?",
        "Sales of {a} ten-thousand yuan grow {b}%. Work out the new sales figure.",
    ],
    "mass": [
        "密度为 {d} 克每立方厘米、体积为 {v} 立方厘米的物体有多重？",
        "一个物体体积 {v} 立方厘米，密度 {d} 克/立方厘米，质量是多少克？",
        "已知密度 {d} g/cm³，体积 {v} cm³，求质量。",
        "每立方厘米 {d} 克的材料做成 {v} 立方厘米的零件，零件重多少克？",
        "A block has density {d} g/cm³ and volume {v} cm³. How many grams does it weigh?",
        "Find the mass of {v} cm³ of a material whose density is {d} g/cm³.",
        "What is the mass in grams of an object of volume {v} cm³ and density {d} g/cm³?",
        "Density {d} grams per cubic centimetre, volume {v} cubic centimetres: what is the mass?",
    ],
    "fraction": [
        "约分：{n}/{d}。",
        "{n}/{d} 约分后是多少？",
        "把分数 {n}/{d} 写成最简形式。",
        "Simplify the fraction {n}/{d}.",
        "Write {n}/{d} in simplest form.",
        "What is {n}/{d} in lowest terms?",
        "Cancel common factors in {n}/{d}.",
        "分数 {n}/{d} 的最简形式是什么？",
    ],
}
_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "×": "mul", "÷": "div"}


def _fields(category: str, args: tuple[str, ...]) -> tuple[str, dict]:
    """(template group, named fields) for a contest problem's arguments."""
    if category == "arithmetic":
        a, op, b = args
        return _OPS[op], {"a": a, "b": b}
    if category == "linear":
        m, sign, n, rhs = args
        n = n[1:] if n.startswith("-") else n
        sign = {"+": "-", "-": "+"}[sign] if args[2].startswith("-") else sign
        return category, {"m": m or "1", "n": f"{sign} {n}", "rhs": rhs}
    if category == "mean":
        return category, {"items": ", ".join(args), "zh_items": "、".join(args)}
    names = {"sqrt": "x", "power": "x k", "function": "x a b", "area": "a b", "discount": "a b",
             "sales": "a b", "mass": "d v", "fraction": "n d"}[category].split()
    return category, dict(zip(names, args))


def phrase(category: str, args: tuple[str, ...], rng: random.Random) -> str:
    """One varied phrasing of a contest problem's computation."""
    group, fields = _fields(category, args)
    return rng.choice(TEMPLATES[group]).format(**fields)


def phrased_rows(n: int, seed: int = 0, categories: list[str] | None = None) -> Iterator[dict]:
    """`n` rows {problem, solution, category, args, gold}, categories taken in turn.

    The solution is contest.py's contest solution line and the gold its last number (synth's own
    formula); `args` are what the contest rules read from the contest wording."""
    rng = random.Random(seed)
    names = categories or list(TEMPLATES.keys() - _OPS.values()) + ["arithmetic"]
    names = sorted(names)
    with decimal.localcontext(decimal.Context()):
        for i in range(n):
            category = names[i % len(names)]
            problem, solution = GENERATORS[category](rng)
            parsed = categorise(problem)
            gold = last_number(solution, fractions=category == "fraction")
            yield {"problem": phrase(category, parsed.args, rng), "solution": solution, "category": category,
                   "args": list(parsed.args), "gold": gold}


def skeleton(text: str) -> str:
    """A problem's wording with every number (and every list of numbers) as one `#`."""
    text = re.sub(r"\{[a-z_]+\}", "#", text)
    text = re.sub(r"-?\d+(?:\.\d+)?", "#", text)
    text = re.sub(r"#(?:\s*(?:,|、|and|和)\s*#)+", "#", text)
    return " ".join(text.lower().split())
