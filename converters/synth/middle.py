"""Middle-school computations (`data synth --kind middle`): fraction arithmetic with mixed operations, square
roots, logarithms, trigonometric values and percentages, in Chinese and English phrasings.

Each row's answer is exact, from sympy; its worked solution ends in `\\boxed{answer}` after the whole
computation written in the LaTeX subset that `converters.solutions.competition` turns into a sympy program, so
`data prepare --style program` gives each row a program. `synth_middle` keeps a row only when that program
(`converters.solutions.competition.program_for`, which runs it) prints the answer.
"""
from __future__ import annotations

import random
from typing import Callable, Iterable, Iterator

from converters.read.benchsets import normalise
from converters.solutions.competition import program_for
from converters.answers.expression import parse_value

KINDS = ("ms-fraction", "ms-root", "ms-log", "ms-trig", "ms-percent")
_OPS = {"+": ("+", "+"), "-": ("-", "-"), "*": ("\\times", "×"), "/": ("\\div", "÷")}


def _latex(value) -> str:
    import sympy

    return sympy.latex(value)


def _frac(p: int, q: int) -> tuple[str, str]:
    """(LaTeX, plain) of p/q as written in a problem."""
    return f"\\frac{{{p}}}{{{q}}}", f"{p}/{q}"


def _fraction(rng: random.Random):
    terms = [(p, rng.choice([q for q in range(2, 13) if q != p])) for p in (rng.randint(1, 9) for _ in range(rng.choice((2, 3))))]
    ops = [rng.choice("+-*/") for _ in terms[1:]]
    latex, plain = _frac(*terms[0])
    python = f"Rational({terms[0][0]}, {terms[0][1]})"
    for op, (p, q) in zip(ops, terms[1:]):
        tex, text = _frac(p, q)
        latex += f" {_OPS[op][0]} {tex}"
        plain += f" {_OPS[op][1]} {text}"
        python += f" {op} Rational({p}, {q})"
    value = parse_value(python)[0]  # precedence by Python's grammar, values by the whitelisted walk
    zh = [f"计算 {plain} 的值。", f"{plain} 等于多少？", f"求 {plain}，结果写成最简分数。"]
    en = [f"Compute ${latex}$.", f"What is ${latex}$? Express your answer as a common fraction.",
          f"Evaluate ${latex}$ exactly."]
    return zh, en, latex, value, "Multiplication and division come before addition and subtraction."


def _root(rng: random.Random):
    import sympy

    m = rng.choice((2, 3, 5, 6, 7, 10, 11))
    a, b = rng.randint(2, 9), rng.randint(2, 9)
    if rng.random() < 0.5:
        latex, plain, value = f"\\sqrt{{{a * a * m}}}", f"√{a * a * m}", a * sympy.sqrt(m)
        step = f"\\sqrt{{{a * a} \\cdot {m}}}"
        zh = [f"化简 {plain}。", f"把 {plain} 化成最简二次根式。"]
        en = [f"Simplify ${latex}$.", f"Write ${latex}$ in simplest radical form."]
    else:
        latex = f"\\sqrt{{{a * a * m}}} + \\sqrt{{{b * b * m}}}"
        plain, value = f"√{a * a * m} + √{b * b * m}", (a + b) * sympy.sqrt(m)
        step = f"\\sqrt{{{a * a} \\cdot {m}}} + \\sqrt{{{b * b} \\cdot {m}}}"
        zh = [f"计算 {plain}。", f"化简 {plain} 的结果是多少？"]
        en = [f"Simplify ${latex}$.", f"Compute ${latex}$ in simplest radical form."]
    return zh, en, step, value, f"Take the square factors out: ${latex} = {step}$."


def _log(rng: random.Random):
    import sympy

    base = rng.randint(2, 10)
    top = max(k for k in range(1, 21) if base ** k <= 10**6)
    k, j = rng.randint(1, top), rng.randint(1, top)
    form = rng.randrange(3)
    if form == 0:
        latex, plain, step, value = f"\\log_{{{base}}} {base ** k}", f"log_{base} {base ** k}", \
            f"\\log_{{{base}}} {base}^{{{k}}}", sympy.Integer(k)
    else:
        sign, op = (1, "+") if form == 1 else (-1, "-")
        latex = f"\\log_{{{base}}} {base ** k} {op} \\log_{{{base}}} {base ** j}"
        plain = f"log_{base} {base ** k} {op} log_{base} {base ** j}"
        step = f"\\log_{{{base}}} {base}^{{{k}}} {op} \\log_{{{base}}} {base}^{{{j}}}"
        value = sympy.Integer(k + sign * j)
    zh = [f"计算 {plain} 的值。", f"求 {plain}。"]
    en = [f"Evaluate ${latex}$.", f"What is ${latex}$?"]
    return zh, en, step, value, f"Write each number as a power of {base}."


_ANGLES = (30, 45, 60)


def _trig(rng: random.Random):
    import sympy

    parts, plain, value = [], [], sympy.Integer(0)
    for _ in range(rng.choice((1, 2))):
        f, angle, c = rng.choice(("sin", "cos", "tan")), rng.choice(_ANGLES), rng.randint(1, 4)
        head = "" if c == 1 else str(c)
        parts.append(f"{head}\\{f} {angle}^{{\\circ}}")
        plain.append(f"{head}{f}{angle}°")
        value += c * getattr(sympy, f)(sympy.pi * angle / 180)
    latex, text = " + ".join(parts), " + ".join(plain)
    zh = [f"求 {text} 的值。", f"计算 {text}。"]
    en = [f"Compute ${latex}$.", f"Find the exact value of ${latex}$."]
    return zh, en, latex, value, "Use the exact values at 30°, 45° and 60°."


def _percent(rng: random.Random):
    import sympy

    p, whole = rng.choice((5, 10, 12, 15, 20, 25, 30, 35, 40, 45, 60, 75, 80)), rng.randint(2, 400) * 5
    if rng.random() < 0.5:
        step, value = f"\\frac{{{p}}}{{100}} \\times {whole}", sympy.Rational(p * whole, 100)
        zh = [f"{whole} 的 {p}% 是多少？", f"求 {whole} 的百分之{p}。"]
        en = [f"What is ${p}\\%$ of ${whole}$?", f"Find {p} percent of {whole}."]
    else:
        step, value = f"{whole} \\times (1 + \\frac{{{p}}}{{100}})", sympy.Rational(whole * (100 + p), 100)
        zh = [f"一件商品原价 {whole} 元，涨价 {p}% 后是多少元？", f"{whole} 增加 {p}% 后是多少？"]
        en = [f"A price of ${whole}$ dollars rises by ${p}\\%$. What is the new price?",
              f"Increase {whole} by {p}%."]
    return zh, en, step, value, "A percentage is a number of hundredths."


GENERATORS: dict[str, Callable] = {"ms-fraction": _fraction, "ms-root": _root, "ms-log": _log, "ms-trig": _trig,
                                   "ms-percent": _percent}


def middle_row(kind: str, rng: random.Random) -> dict:
    """One problem of `kind`: {problem, solution, gold (LaTeX), category, language}."""
    zh, en, step, value, hint = GENERATORS[kind](rng)
    chinese = rng.random() < 0.5
    problem = rng.choice(zh if chinese else en)
    answer = _latex(value)
    lead = "先算乘除，后算加减。" if chinese and kind == "ms-fraction" else hint
    solution = f"{lead} $$ {step} = \\boxed{{{answer}}} $$"
    return {"problem": problem, "solution": solution, "gold": answer, "category": kind,
            "language": "zh" if chinese else "en"}


def synth_middle(n: int, seed: int = 0, kinds: Iterable[str] = KINDS, exclude: set[str] = frozenset(),
                 attempts: int = 50) -> Iterator[dict]:
    """`n` distinct rows, kinds in turn, none of whose problems is in `exclude` (compared as `data bench` does:
    lower case, single spaces); each row's program is run and prints its answer (a row whose program would
    not is never written)."""
    rng, kinds, seen = random.Random(seed), list(kinds), {normalise(p) for p in exclude}
    for i in range(n):
        for _ in range(attempts):
            row = middle_row(kinds[i % len(kinds)], rng)
            if normalise(row["problem"]) in seen:
                continue
            if program_for(row["solution"], row["gold"]) is None:  # it runs the program and checks what it printed
                continue
            seen.add(normalise(row["problem"]))
            yield row
            break
        else:
            raise ValueError(f"no new {kinds[i % len(kinds)]} problem in {attempts} draws: the space is used up")

