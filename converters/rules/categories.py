"""Rule-based categorisation of contest problems into (category, operands).

Operands stay strings so that the exact digits the problem shows reach the computation and the
generated program unchanged.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from converters.rules.prompts import unwrap

# Display names in the order of the contest table (share of the de-duplicated train.json).
CATEGORIES: dict[str, str] = {
    "arithmetic": "直接计算 (+ − × ÷)",
    "linear": "一元一次方程",
    "sqrt": "平方根",
    "power": "乘方",
    "function": "函数值",
    "mean": "平均值",
    "competition": "competition (MATH-style; free-form with a \\boxed{} answer)",
    "area": "长方形面积",
    "discount": "折扣比例",
    "sales": "销售额",
    "mass": "质量",
    "fraction": "分数化简",
}
CHINESE_CATEGORIES = tuple(c for c in CATEGORIES if c != "competition")
# English competition problems (MATH style: LaTeX, a `\\boxed{}` answer); `converters.rules.verify` also puts here any
# other free-form problem whose solution has a `\\boxed{}` answer (`data synth --kind middle`'s Chinese rows)
COMPETITION = "competition"
OTHER = "other"

MAX_NUMBER_CHARS = 40  # a contest operand has at most ~8; longer ones are refused before computing
MAX_EXPONENT = 1000  # contest exponents are ≤ 100; a larger one would only burn time
MAX_LIST = 1000

# `\d` also matches full-width digits (７４６９); `−` is U+2212, the typeset minus. Operands are
# given back in ASCII (see _ascii) so that computations and programs see plain numbers.
NUM = r"[-−]?\d+(?:\.\d+)?"
_Q = r"\s*[？?。.]?\s*$"
_C = r"\s*[，,]\s*"

RULES: dict[str, re.Pattern] = {
    "arithmetic": re.compile(rf"^计算\s*({NUM})\s*([-+*/×÷−])\s*({NUM})\s*等于多少{_Q}"),
    "sqrt": re.compile(rf"^计算\s*({NUM})\s*的平方根{_Q}"),
    "power": re.compile(rf"^计算\s*({NUM})\s*的\s*(-?\d+)\s*次方{_Q}"),
    "linear": re.compile(rf"^解方程[：:]?\s*({NUM})?\s*\*?\s*x\s*([-+−])\s*({NUM})\s*=\s*({NUM}){_Q}"),
    "function": re.compile(
        rf"^当\s*x\s*=\s*({NUM})\s*时{_C}求函数\s*y\s*=\s*({NUM})?\s*\*?\s*x\s*\^\s*(-?\d+)\s*的值{_Q}"
    ),
    "mean": re.compile(rf"^求以下数据的平均值[：:]\s*\[([-−\d.,，\s]*)\]{_Q}"),
    "area": re.compile(rf"^一个长方形的长为\s*({NUM})\s*厘米{_C}宽为\s*({NUM})\s*厘米{_C}请计算其面积{_Q}"),
    "discount": re.compile(
        rf"^商品原价为\s*({NUM})\s*元{_C}打折后的价格为\s*({NUM})\s*元{_C}请计算打折的折扣比例{_Q}"
    ),
    "sales": re.compile(
        rf"^去年销售额为\s*({NUM})\s*万元{_C}今年销售额增加了\s*({NUM})\s*%{_C}请计算今年的销售额{_Q}"
    ),
    "mass": re.compile(
        rf"^某物体的密度为\s*({NUM})\s*克/立方厘米{_C}体积为\s*({NUM})\s*立方厘米{_C}请计算该物体的质量{_Q}"
    ),
    "fraction": re.compile(rf"^将分数\s*(-?\d+)\s*/\s*(-?\d+)\s*进行简化{_Q}"),
}

# The first two characters pick the few rules worth trying; anything else tries them all.
_BY_PREFIX: dict[str, tuple[str, ...]] = {
    "计算": ("arithmetic", "sqrt", "power"),
    "解方": ("linear",),
    "当 ": ("function",),
    "当x": ("function",),
    "求以": ("mean",),
    "一个": ("area",),
    "商品": ("discount",),
    "去年": ("sales",),
    "某物": ("mass",),
    "将分": ("fraction",),
}
_ALL = tuple(RULES)
_ORDER = {prefix: (*names, *(n for n in RULES if n not in names)) for prefix, names in _BY_PREFIX.items()}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2}")
_MEAN_ITEM = re.compile(rf"^{NUM}$")
_LIST_SEP = re.compile("[,，]")
# full-width ASCII forms (％ ＝ ＊ ／ ． ｘ ０…９) and the ideographic space, as an IME types them
_FULL_WIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}
# (not ，：？, which the rules read as they are)
_NEEDS_ASCII = re.compile("[\uff01-\uff0b\uff0d-\uff19\uff1b-\uff1e\uff20-\uff5e\u3000]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _ascii(arg: str) -> str:
    """Full-width (or any Unicode decimal) digits and the typeset minus as ASCII."""
    if not _NON_ASCII.search(arg):
        return arg
    return "".join("-" if c == "−" else str(int(c)) if c.isdecimal() else c for c in arg)


class Parsed(NamedTuple):
    category: str
    args: tuple[str, ...]
    problem: str  # the problem text with any prompt template removed
    error: str | None = None  # set when the rule matched but the operands are refused
    wrapper: str = "none"  # the prompt wrapper removed (see converters.rules.prompts.unwrap)


def categorise(text: str) -> Parsed:
    """Categorise one problem; unmatched problems are `other`, never dropped."""
    got = unwrap(text)
    if not got.extra:
        return _categorise(got.problem, got.wrapper)
    # instruction + input: the problem is usually the input, sometimes the instruction
    for candidate in (got.extra, got.problem, f"{got.problem}\n{got.extra}"):
        parsed = _categorise(candidate, got.wrapper)
        if parsed.category != OTHER:
            return parsed
    return parsed


def _categorise(problem: str, wrapper: str) -> Parsed:
    # the rules read ASCII; the problem is kept as written
    text = problem.translate(_FULL_WIDTH) if _NEEDS_ASCII.search(problem) else problem
    for name in _ORDER.get(text[:2], _ALL):
        match = RULES[name].match(text)
        if match:
            args = tuple("" if g is None else g for g in match.groups())
            if name == "mean":
                args = tuple(item.strip() for item in _LIST_SEP.split(args[0]))
            args = tuple(map(_ascii, args))
            return Parsed(name, args, problem, _refuse(name, args), wrapper)
    if not _CJK.search(problem) and _LATIN.search(problem):
        return Parsed("competition", (), problem, None, wrapper)
    return Parsed(OTHER, (), problem, None, wrapper)


def _refuse(category: str, args: tuple[str, ...]) -> str | None:
    """Why these operands are not computed (too big, malformed), or None."""
    for arg in args:
        if len(arg) > MAX_NUMBER_CHARS:
            return f"number with {len(arg)} characters (limit {MAX_NUMBER_CHARS})"
    if category == "power" and abs(int(args[1])) > MAX_EXPONENT:
        return f"exponent {args[1]} is beyond {MAX_EXPONENT}"
    if category == "function" and abs(int(args[2])) > MAX_EXPONENT:
        return f"exponent {args[2]} is beyond {MAX_EXPONENT}"
    if category == "mean":
        if len(args) > MAX_LIST:
            return f"{len(args)} numbers (limit {MAX_LIST})"
        bad = [a for a in args if not _MEAN_ITEM.match(a)]
        if bad:
            return f"not a number in the list: {bad[0]!r}"
    return None
