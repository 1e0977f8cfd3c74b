"""Fixture helper: contest-style files in the layouts real users have (not a test module).

Rows come from `data synth`; each gets one prompt wrapper and one way real files round labels.
As a script, it turns `data synth` output into such a file (a contest conversations JSON array,
whatever the name says):

    mathtune data synth --balanced --n 2000 --out raw.jsonl
    PYTHONPATH=. python tests/real_layouts.py raw.jsonl contest_style.jsonl 84
"""
from __future__ import annotations

import json
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Iterable

from converters.solutions.label_as_given import given_line
from converters.synth.contest import synth_rows
from converters.rules.verify import check

VICUNA_HEAD = ("A chat between a curious user and an artificial intelligence assistant. "
               "The assistant gives helpful, detailed, and polite answers to the user's questions. USER: ")
WRAPPERS = {
    "none": "{problem}",
    "contest": ("Below is an instruction that describes a task. Write a response that appropriately "
                "completes the request.\n\n### Instruction:\n{problem}\n\n### Response:"),
    "grade-school": ("Below is an instruction that describes a grade school math problem. Write a response "
                     "that gives the correct answer.\n\n### Instruction:\n{problem}\n\n### Response:"),
    "short": "{problem}\n\n### Response:",
    "alpaca (other preamble)": ("You are a careful calculator. Solve the problem below.\n\n### Instruction:\n"
                                "{problem}\n\n### Response:"),
    "alpaca with ### Input:": ("Below is an instruction that describes a task, paired with an input.\n\n"
                               "### Instruction:\nSolve the math problem.\n\n### Input:\n{problem}\n\n### Response:"),
    "vicuna (USER:/ASSISTANT:)": VICUNA_HEAD + "{problem} ASSISTANT:",
}


def _round2(value: str, category: str) -> str | None:
    """Many teams rounded every answer to 2 decimals (half-even on the exact value)."""
    rounded = f"{round(Decimal(value), 2):.2f}"
    return rounded if Decimal(rounded) != Decimal(value) else None


def _half_up(value: str, category: str) -> str | None:
    rounded = str(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP))
    return rounded if Decimal(rounded) != Decimal(value) else None


def _integer_dot0(value: str, category: str) -> str | None:
    """Products rounded to an integer and shown as a float: 42684380.0 for 42684379.837."""
    if category not in ("arithmetic", "power", "area", "mass") or "E" in value:
        return None
    rounded = f"{round(Decimal(value))}.0"
    return rounded if Decimal(rounded) != Decimal(value) else None


def _float_repr(value: str, category: str) -> str | None:
    """The float repr of an exact value: 5.633537870511922e+67."""
    if category in ("linear", "mean", "discount", "sales", "fraction"):
        return None
    text = repr(float(Decimal(value)))
    return text if Decimal(text) != Decimal(value) else None


def _float_round(value: str, category: str) -> str | None:
    """Python's round() on the float: -0.575 → -0.57 where exact half-even gives -0.58."""
    if category == "fraction":
        return None
    rounded = repr(round(float(Decimal(value)), 2))
    return rounded if Decimal(rounded) != Decimal(value) else None


ROUNDINGS = {"exact": None, "2 decimals": _round2, "half-up": _half_up, ".0 integer": _integer_dot0,
             "float repr": _float_repr, "float round()": _float_round}


def relabel(row: dict, rounding: str) -> dict | None:
    """The row with its label rounded the named way (None when that rounding changes nothing)."""
    if rounding == "exact":
        return dict(row)
    c = check(row["problem"], row["solution"])
    if c.expected is None or c.category in ("competition", "fraction"):
        return None
    try:
        label = ROUNDINGS[rounding](c.expected, c.category)
    except (ArithmeticError, ValueError):  # e.g. 2 decimals of 2.7E+34 exceed 28 digits
        return None
    return None if label is None else dict(row, solution=given_line(row["solution"], c.expected, label))


def sales_float_artefact(a: int, b: int) -> dict:
    """A sales row labelled by float arithmetic, as the project used to compute it."""
    return {"problem": f"去年销售额为 {a} 万元，今年销售额增加了 {b}%，请计算今年的销售额。",
            "solution": repr(a + a * b / 100)}


def float_round_quirk() -> dict:
    """-0.25 × 2.30 = -0.575: round(-0.575, 2) gives -0.57, exact half-even -0.58."""
    return {"problem": "计算 -0.25 * 2.30 等于多少？", "solution": "-0.25 * 2.30 = -0.57"}


def contest_style_rows(n: int = 60, seed: int = 0, source: Iterable[dict] | None = None) -> list[dict]:
    """Rows cycling through every wrapper and rounding variant; each row records which.

    `source`: {problem, solution} rows (default: synthetic ones, balanced over the categories)."""
    out = []
    wrappers, roundings = list(WRAPPERS), list(ROUNDINGS)
    if source is None:
        source = synth_rows(20 * n, seed, shares=dict.fromkeys(
            ["arithmetic", "sqrt", "power", "function", "linear", "mean", "discount", "sales", "area"], 1.0))
    i = 0
    for row in source:
        if len(out) == n:
            break
        rounding = roundings[i % len(roundings)]
        got = relabel(row, rounding)
        if got is None:
            continue
        wrapper = wrappers[i % len(wrappers)]
        i += 1
        out.append({"problem": WRAPPERS[wrapper].format(problem=got["problem"]), "solution": got["solution"],
                    "wrapper": wrapper, "rounding": rounding})
    out.append({**sales_float_artefact(11, 66), "wrapper": "none", "rounding": "float artefact"})
    out.append({**float_round_quirk(), "wrapper": "none", "rounding": "float round()"})
    # and two labels that are wrong, not rounded
    out.append({"problem": "计算 1.00 / 3.00 等于多少？", "solution": "1.00 / 3.00 = 0.34", "wrapper": "none",
                "rounding": "wrong"})
    out.append({"problem": WRAPPERS["grade-school"].format(problem="计算 2.50 * 4.00 等于多少？"),
                "solution": "2.50 * 4.00 = 11.0", "wrapper": "grade-school", "rounding": "wrong"})
    return out


def conversations(rows: list[dict]) -> list[dict]:
    """The contest's conversations array: human = the (wrapped) problem, gpt = the solution."""
    return [{"id": str(i), "conversations": [{"from": "human", "value": r["problem"]},
                                              {"from": "gpt", "value": r["solution"]}]}
            for i, r in enumerate(rows, start=1)]


def write_conversations(path: str | Path, rows: list[dict]) -> Path:
    """One JSON array (indent 2, as the contest wrote it), under any name, e.g. train.jsonl."""
    Path(path).write_text(json.dumps(conversations(rows), ensure_ascii=False, indent=2), encoding="utf-8")
    return Path(path)


def write_jsonl(path: str | Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for r in rows:
            handle.write(json.dumps({"problem": r["problem"], "solution": r["solution"]}, ensure_ascii=False) + "\n")
    return Path(path)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as handle:
        synth = [json.loads(line) for line in handle if line.strip()]
    rows = contest_style_rows(int(sys.argv[3]) if len(sys.argv) > 3 else 84, source=synth)
    print(f"wrote {write_conversations(sys.argv[2], rows)} ({len(rows)} rows)")
