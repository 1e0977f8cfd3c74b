"""Rows that carry their own category and exact gold: no rule has to read the problem.

Two kinds flow through `data prepare` this way:
- phrasings (`data synth --phrasings varied`): `{problem, solution, category, args, gold}` —
  the contest category's formula on `args` recomputes the gold, and the contest program for
  that category is written as usual;
- GSM8K programs (`data gsm8k-pot`) and word problems (`data synth --kind word`): `{problem, solution,
  category: "word", code, gold, output}` — the program was run against the gold when the row was written
  (`output`: what it printed, e.g. `13.0` for a gold of 13); it is the response as is.
"""
from __future__ import annotations

import re

from converters.answers.number import as_exact
from converters.rules.compute import FLOAT_NOTATION, ComputeError, solve
from converters.solutions.pot import pot_response
from converters.rules.rounding import rounding_rule
from converters.rules.verify import AGREE, DISAGREE, ROUNDED, UNPARSEABLE, Checked

FIELDS = ("category", "args", "gold", "code", "output")
_ANNOTATION = re.compile(r"<<[^<>]*>>")


def is_given(row: dict) -> bool:
    """True for a row that carries its category, gold and either formula arguments or a program."""
    return (isinstance(row.get("category"), str) and isinstance(row.get("gold"), str)
            and (isinstance(row.get("code"), str) or isinstance(row.get("args"), list)))


def check_given(row: dict) -> Checked:
    """Check a given row against its own gold: the category's formula (args) or the verified program."""
    cat, gold, problem = row["category"], row["gold"], row["problem"]
    if isinstance(row.get("code"), str):
        return Checked(cat, AGREE, problem, gold, gold, gold, ())
    args = tuple(str(a) for a in row["args"])
    try:
        answer = solve(cat, args)
    except (ComputeError, KeyError, TypeError) as exc:
        why = f"unknown category {cat!r}" if isinstance(exc, KeyError) else str(exc)
        return Checked(cat, UNPARSEABLE, problem, gold, None, None, args, why)
    rule = "" if as_exact(gold) == answer.rational else rounding_rule(gold, answer.rational)
    if not rule or (rule == "float" and cat in FLOAT_NOTATION):  # the contest's notation for these
        return Checked(cat, AGREE, problem, gold, answer.value, answer.solution, args)
    if rule:
        return Checked(cat, ROUNDED, problem, gold, answer.value, answer.solution, args,
                       f"gold {gold} rounds {answer.value} ({rule})", "none", rule)
    return Checked(cat, DISAGREE, problem, gold, answer.value, answer.solution, args,
                   f"gold {gold} != computed {answer.value}")


def complete_program(row: dict, style: str) -> dict:
    """The response of a row that carries its program: `answer` the gold, `cot` the row's worked
    solution (calculator marks removed), `pot`/`program` the program and its output."""
    gold = row["gold"]
    if style == "answer":
        return {"response": gold, "final": gold}
    if style in ("cot", "steps", "compact"):  # a word problem's steps are its worked solution
        return {"response": _ANNOTATION.sub("", row["solution"]), "final": gold}
    output = row.get("output") if isinstance(row.get("output"), str) else gold  # what the program printed
    return {"response": pot_response(row["code"], output, gold if style == "pot" else ""), "code": row["code"],
            "output": output, "final": gold}
