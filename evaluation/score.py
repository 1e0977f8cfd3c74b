"""`mathtune score`: accuracy overall and per category, error kinds, a table and a bar chart."""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from pathlib import Path

from converters.categories import CATEGORIES
from converters.plotting import figure, save_png
from evaluation.extract import MODES, error_kind, extract_answer, is_correct


def score_rows(rows: list[dict], mode: str = "exact") -> dict:
    """rows: {category, gold, prediction or answer}. Adds `correct` and `error` to each row."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose from {MODES}")
    per = defaultdict(lambda: {"n": 0, "correct": 0})
    errors: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        pred = row.get("answer") if "answer" in row else extract_answer(row.get("prediction", ""))
        row["answer"] = pred
        row["correct"] = is_correct(pred, row["gold"], mode)
        row["error"] = None if row["correct"] else error_kind(pred, row["gold"], mode)
        cat = row.get("category") or "unknown"
        per[cat]["n"] += 1
        per[cat]["correct"] += row["correct"]
        if row["error"]:
            errors[cat][row["error"]] += 1
    total = sum(v["n"] for v in per.values())
    right = sum(v["correct"] for v in per.values())
    order = [c for c in [*CATEGORIES, "other", "unknown"] if c in per] + sorted(set(per) - set(CATEGORIES) - {"other", "unknown"})
    table = [{"category": c, "n": per[c]["n"], "correct": per[c]["correct"],
              "accuracy": per[c]["correct"] / per[c]["n"], "errors": dict(errors[c])} for c in order]
    return {"mode": mode, "n": total, "correct": right, "accuracy": right / total if total else 0.0,
            "categories": table}


def format_score(result: dict) -> str:
    lines = [f"{'category':<12} {'n':>6} {'correct':>8} {'accuracy':>9}  errors", "-" * 64]
    for c in result["categories"]:
        errs = ", ".join(f"{k} {v}" for k, v in sorted(c["errors"].items()))
        lines.append(f"{c['category']:<12} {c['n']:>6} {c['correct']:>8} {100 * c['accuracy']:>8.2f}%  {errs}")
    lines.append(f"{'overall':<12} {result['n']:>6} {result['correct']:>8} {100 * result['accuracy']:>8.2f}%"
                 f"  (mode {result['mode']})")
    return "\n".join(lines)


def plot_score(result: dict, path: str | os.PathLike, title: str = "") -> Path:
    cats = result["categories"]
    fig, ax = figure(max(6, 0.7 * len(cats) + 2), 4)
    bars = ax.bar([f"{c['category']}\nn={c['n']}" for c in cats], [100 * c["accuracy"] for c in cats],
                  color="#4477aa")
    for bar, c in zip(bars, cats):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 1, f"{100 * c['accuracy']:.1f}",
                ha="center", fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_ylabel("accuracy (%)")
    ax.set_title(title or f"accuracy {100 * result['accuracy']:.2f}% overall ({result['mode']} match, n={result['n']})")
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
    return save_png(fig, path)
