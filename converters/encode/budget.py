"""Does a style fit the judge's length budget? Response lengths in Llama 3 tokens, per category.

The contest predicted with the raw problem, greedy, at most 128 new tokens. Two Llama 3 tokenizations
are counted: `single` (one token per digit: MindFormers' research Llama3Tokenizer, with which the
contest's MindRecords were made and its predictions decoded) and `meta` (Meta's pattern, up to three
digits a token).
"""
from __future__ import annotations

from collections import defaultdict

from converters.rules.categories import CATEGORIES, categorise
from converters.encode.tokenizers import Llama3Tokenizer

PATTERNS = ("single", "meta")


def _percentile(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def budget_table(rows: list[dict], budget: int = 128, path: str | None = None) -> list[dict]:
    """Per category (rows' `category`, else the problem's): n, median / p90 / max length in `single`
    tokens, and the share of responses within `budget` under each pattern (plus an `all` row)."""
    lengths: dict[str, dict[str, list[int]]] = {p: {} for p in PATTERNS}
    for pattern in PATTERNS:
        tok = Llama3Tokenizer(path, pattern)
        ids = tok.encode_batch([r["response"] for r in rows])
        per: dict[str, list[int]] = defaultdict(list)
        for row, seq in zip(rows, ids):
            per[row.get("category") or categorise(row.get("problem", "")).category].append(len(seq) + 1)  # + EOS
        lengths[pattern] = per
    order = [c for c in CATEGORIES if c in lengths["single"]] + sorted(set(lengths["single"]) - set(CATEGORIES))
    table = []
    for cat in order + ["all"]:
        got = {p: (sum(lengths[p].values(), []) if cat == "all" else lengths[p][cat]) for p in PATTERNS}
        single = got["single"]
        table.append({"category": cat, "n": len(single), "median": _percentile(single, 0.5),
                      "p90": _percentile(single, 0.9), "max": max(single),
                      **{f"fits_{p}": sum(n <= budget for n in got[p]) / len(got[p]) for p in PATTERNS}})
    return table


def format_budget(table: list[dict], budget: int) -> str:
    lines = [f"{'category':<12} {'n':>6} {'median':>7} {'p90':>6} {'max':>6}  ≤{budget} single  ≤{budget} meta",
             "-" * 66]
    for e in table:
        lines.append(f"{e['category']:<12} {e['n']:>6} {e['median']:>7} {e['p90']:>6} {e['max']:>6}  "
                     f"{100 * e['fits_single']:>10.1f}%  {100 * e['fits_meta']:>8.1f}%")
    lines.append("lengths in Llama 3 tokens, one per digit (MindFormers' Llama3Tokenizer), EOS included; "
                 "meta: up to 3 digits a token")
    return "\n".join(lines)
