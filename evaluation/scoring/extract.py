"""Pulling the answer out of free model output, and comparing it with the gold answer.

Pure functions: no model needed to test them. Contest runs stopped at `max_new_tokens` (20–128),
so many outputs end mid-number: `8230.71 - 2598.23 = 5632.48 8230` (gold 5632.48). The last
number is then a fragment, so the answer is looked for in this order (`extract_with_rule` names
the rule that fired):

1. `boxed`: the last `\\boxed{…}`.
2. `####`: the number after the last `####`.
3. `answer line`: the number right after the last answer marker (`=`, `≈`, `答案`, `答案是`,
   `为`/`为：` as in `平均值为 47.66`, `方程的解为：-0.55`, `answer is`, `answer:`) that ends a
   statement. A number followed by an operator (`= 12 + 3 …`) or a variable (`y = 57x^54`) is not
   a result; whatever follows the result without a marker (` 8230`, a unit, a restarted line) is
   a trailing fragment and is ignored, and so is a new contest-style problem the model went on to
   write after its first result (`计算 12.5 * 3 等于多少？ 12.5 * 3 = 37.5`).
4. `first equation`: when that last result runs to the very end of the output and is the start of
   an earlier result (the model began the same line again and was cut: `= 5632.48 8230.71 -
   2598.23 = 56`), the result of the first completed equation instead.
5. `last number`: the last number (or integer fraction `5/6`) anywhere.

Numbers with more than MAX_EXPONENT as exponent (or MAX_DIGITS digits) are not built as exact
Fractions: `1e999999999` would take minutes; such answers are compared as text.
"""
from __future__ import annotations

import re
from fractions import Fraction

from converters.answers.expression import extract_boxed
from converters.answers.number import INT_FRACTION, LATEX_FRAC, NUM, NUMBER_RE, clean, last_number, shown_precision, \
    to_exact

MODES = ("exact", "rel", "contest", "pal", "math")
RULES = ("boxed", "####", "answer line", "first equation", "last number")

_MARKER = re.compile(r"(?:=|＝|≈|答案(?:是|为)?|(?<!因)为|(?:结果|值|解)是|(?i:answer|result)(?:\s++is)?)"
                     r"\s*+[:：]?\s*+\$?\s*+")
_VALUE = re.compile(rf"{INT_FRACTION}|{NUM}")
_CUT_EXPONENT = re.compile(r"[eE][+-]?")
# The stems of the contest's problems: a base model often goes on to write a new problem of its own
_NEW_PROBLEM = re.compile(r"计算 [^\n？]{1,80}?(?:等于多少|的平方根|次方)？|解方程 |求以下数据的平均值|当 x = [^\n，]{1,20}?时，求函数"
                          r"|一个长方形的长为|商品原价为|去年销售额为|某物体的密度为|将分数 ")
_OPERATORS = "+*/×÷^=("


def extract_answer(text: str) -> str | None:
    """The answer in a model's output, by the rules of the module docstring."""
    return extract_with_rule(text)[0]


def extract_with_rule(text: str) -> tuple[str | None, str | None]:
    """(answer, name of the rule that found it); (None, None) when there is no number."""
    if not text:
        return None, None
    boxed = extract_boxed(text)
    if boxed is not None:
        frac = LATEX_FRAC.fullmatch(boxed.replace(" ", ""))
        if frac:
            return f"{frac.group(1)}/{frac.group(2)}", "boxed"
        inner = _last(boxed)
        plain = inner is not None and NUMBER_RE.fullmatch(boxed.replace(" ", "").lstrip("$"))
        return (inner if plain else boxed), "boxed"
    marker = text.rfind("####")
    if marker >= 0:
        found = _last(text[marker:])
        if found is not None:
            return found, "####"
    found, rule = _answer_line(text)
    if found is not None:
        return found, rule
    found = _last(text)
    return (found, "last number") if found is not None else (None, None)


def _results(text: str) -> list[tuple[str, bool, int]]:
    """(value, open, end) for every number right after an answer marker that ends a statement;
    open: it runs to the end of the text (possibly cut there)."""
    out = []
    for m in _MARKER.finditer(text):
        v = _VALUE.match(text, m.end())
        if v is None:
            continue
        rest = text[v.end():v.end() + 3]
        after = rest.lstrip(" ")
        if after[:1] in tuple(_OPERATORS) or after[:1] in ("-", "−") and after[1:2] == " " and rest[:1] == " ":
            continue  # `= 12 + 3 …`: a step of a longer expression, not a result
        cut = v.end() == len(text) or bool(_CUT_EXPONENT.fullmatch(text[v.end():v.end() + 3]))
        if not cut and rest[:1].isascii() and rest[:1].isalpha():
            continue  # `y = 57x^54`: a term with its variable
        out.append((clean(v.group(0)), cut, v.end()))
    return out


def _answer_line(text: str) -> tuple[str | None, str | None]:
    results = _results(text)
    if not results:
        return None, None
    new_problem = _NEW_PROBLEM.search(text, results[0][2])
    if new_problem:  # the model went on to write (and answer) a problem of its own
        results = [r for r in results if r[2] <= new_problem.start()]
    last, cut, _ = results[-1]
    if cut:
        complete = [value for value, is_cut, _ in results[:-1] if not is_cut]
        if any(value != last and value.startswith(last) for value in complete):
            return complete[0], "first equation"  # the same line begun again and cut mid-number
    return last, "answer line"


def _last(text: str) -> str | None:
    return last_number(text, fractions=True)


def is_correct(pred: str | None, gold: str, mode: str = "exact") -> bool:
    """exact: equal once rounded (half-even) to the gold's shown precision; rel: within 1e-6
    relative; contest: within 0.01 absolute (how the contest's judges scored); pal: less than
    1e-3 apart (PAL's rule for GSM-Hard, whose golds are floats like 3.3333333333333335)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose from {MODES}")
    gold = str(gold)
    p, g = to_exact(pred), to_exact(gold)
    if p is None or g is None:
        return pred is not None and _normal(str(pred)) == _normal(gold)
    if mode == "exact":
        exponent = shown_precision(gold)
        if exponent is None or not isinstance(exponent, int) or exponent >= 0 and "." not in gold and "e" not in gold.lower():
            return p == g
        quantum = Fraction(10) ** exponent  # bounded: to_exact refused larger exponents
        return round(p / quantum) * quantum == g
    if mode == "rel":
        return abs(p - g) <= Fraction(1, 10**6) * abs(g) if g else abs(p) <= Fraction(1, 10**12)
    if mode == "pal":
        return abs(p - g) < Fraction(1, 1000)
    if mode == "math":  # numbers on both sides; otherwise the row is judged by evaluation.scoring.symbolic
        return p == g
    return abs(p - g) <= Fraction(1, 100)


def _normal(text: str) -> str:
    return re.sub(r"\s+|\\[,!;]|\$|\\left|\\right", "", text).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")


def error_kind(pred: str | None, gold: str, mode: str = "exact") -> str:
    """For a wrong answer: no answer, wrong sign, precision only, or wrong."""
    if pred is None:
        return "no answer"
    gold = str(gold)
    p, g = to_exact(pred), to_exact(gold)
    if p is not None and g is not None:
        # negate the text, not the number: str() of a 18,000-digit int raises
        if g != 0 and is_correct(_negated(pred), gold, mode):
            return "wrong sign"
        # close, or the gold rounded as the answer shows it (-0.56 for -0.5555555555555556)
        if g != 0 and (abs(p - g) <= Fraction(1, 1000) * abs(g) or is_correct(gold, pred, "exact")):
            return "precision only"
    return "wrong"


def _negated(answer: str) -> str:
    answer = answer.strip().replace("−", "-")
    return answer[1:] if answer.startswith("-") else "-" + answer
