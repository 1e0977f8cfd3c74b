"""`mathtune score`: accuracy overall and per category, error kinds, the extraction rules that
fired, a table and a bar chart.

A row whose gold is not a plain number (a competition answer: `\\dfrac{1}{16}`, `(-\\infty, 3]`), or every
row with `--mode math`, is judged symbolically (`evaluation.scoring.symbolic`, math-verify).

A row is scored from `answer` (already extracted, e.g. a program's output; a sentence there is read
like free text), else from the text in `generation` or `prediction` (extracted here); its gold is `gold` (or any of `answers`). Numbers
and one-element lists are taken as text; anything else makes the row unusable, and unusable rows
are returned with their reason, never dropped silently.
"""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from pathlib import Path

from converters.rules.categories import CATEGORIES
from fileio.plotting import figure, save_png
from converters.answers.number import canonical, to_exact
from evaluation.scoring.extract import MODES, error_kind, extract_with_rule, is_correct
from evaluation.scoring import symbolic
from evaluation.scoring.textonly import JUDGED, judged, text_only

FIELDS = ("answer", "generation", "prediction")


class RowProblem(ValueError):
    """Why one row cannot be scored."""


def _text(value, name: str) -> str:
    if isinstance(value, bool):
        raise RowProblem(f"field '{name}' is {value}, not text or a number")
    if isinstance(value, (int, float)):
        try:
            return canonical(value)  # a JSON 145.0 is the gold 145, as `data bench` writes it
        except ValueError:
            raise RowProblem(f"field '{name}' is {value!r}, not a finite number") from None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return value[0]  # MindFormers keeps texts in one-element lists
    raise RowProblem(f"field '{name}' is a {type(value).__name__}, not text or a number")


def answer_of(row: dict) -> tuple[str | None, str]:
    """(answer, how it was found): `given` (or the row's `answer_from`) for an `answer` field, else the rule
    (`none` when the text holds no number)."""
    if not any(row.get(f) is not None for f in FIELDS):
        present = [f for f in FIELDS if f in row]
        raise RowProblem(f"field '{present[0]}' is null" if present else
                         "no 'answer', 'generation' or 'prediction' field")
    reextract = row.get("answer_from") == "text" and row.get("generation") is not None
    if row.get("answer") is not None and not reextract:
        answer = _text(row["answer"], "answer")
        # a number, a compact expression, or one sympy value (`Rational(1, 16)`: not a sentence to read `16` from)
        if to_exact(answer) is not None or len(answer.split()) < 2 or symbolic.is_expression(answer):
            source = row.get("answer_from")  # `program`, `vote` (majority of samples), …
            return answer, source if isinstance(source, str) and source != "text" else "given"
        found, rule = extract_with_rule(answer)  # a sentence: `The answer is 12.`
        return found, rule or "none"
    name = "generation" if row.get("generation") is not None else "prediction"
    answer, rule = extract_with_rule(_text(row[name], name))
    return answer, rule or "none"


def golds_of(row: dict) -> list[str]:
    """The gold answers of a row as text: `gold`, else `answers`."""
    if row.get("gold") is not None:
        value = row["gold"]
        return [_text(v, "gold") for v in value] if isinstance(value, list) and value else [_text(value, "gold")]
    if isinstance(row.get("answers"), list) and row["answers"]:
        return [_text(v, "answers") for v in row["answers"]]
    raise RowProblem("no gold answer (field 'gold')")


def _judge_symbolic(row: dict, golds: list[str]) -> tuple[str | None, str]:
    """Sets `correct`, `error` (and `symbolic`) of a row judged by math-verify; (answer shown, rule)."""
    parsed = symbolic.parsed_golds(golds)
    given = row.get("answer") is not None and row.get("answer_from") != "text"
    if given:
        pred, rule = symbolic.from_value(_text(row["answer"], "answer")), row.get("answer_from") or "given"
    else:
        name = "generation" if row.get("generation") is not None else "prediction"
        pred, rule = symbolic.from_text(_text(row[name], name)), symbolic.RULE
    row["correct"] = bool(pred) and symbolic.judge(pred, parsed)
    row["error"] = None if row["correct"] else ("wrong" if pred else "no answer")
    row["symbolic"] = True
    return symbolic.shown(pred) if pred else None, rule if isinstance(rule, str) else "given"


def score_rows(rows: list[dict], mode: str = "exact") -> dict:
    """Adds `answer`, `rule`, `correct` and `error` to each usable row; unusable rows are listed
    under `rejected` ({where, reason}) and not counted."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose from {MODES}")
    per = defaultdict(lambda: {"n": 0, "correct": 0})
    errors: dict[str, Counter] = defaultdict(Counter)
    rules: Counter = Counter()
    rejected, usable, usable_golds = [], [], []
    for index, row in enumerate(rows, start=1):
        try:
            pred, rule = answer_of(row)
            golds = golds_of(row)
        except RowProblem as exc:
            rejected.append({"where": row.get("where") or f"row {index}", "reason": str(exc)})
            continue
        if symbolic.is_symbolic(golds, mode) or symbolic.is_expression(pred):
            try:
                pred, rule = _judge_symbolic(row, golds)
            except ValueError as exc:
                rejected.append({"where": row.get("where") or f"row {index}", "reason": str(exc)})
                continue
        else:
            row["correct"] = any(is_correct(pred, g, mode) for g in golds)
            row["error"] = None if row["correct"] else error_kind(pred, golds[0], mode)
        row["answer"], row["rule"] = pred, rule
        usable.append(row)
        usable_golds.append(golds)
        rules[rule] += 1
        cat = row.get("category") if isinstance(row.get("category"), str) and row["category"] else "unknown"
        per[cat]["n"] += 1
        per[cat]["correct"] += row["correct"]
        if row["error"]:
            errors[cat][row["error"]] += 1
    total = sum(v["n"] for v in per.values())
    right = sum(v["correct"] for v in per.values())
    order = [c for c in [*CATEGORIES, "other", "unknown"] if c in per] + sorted(set(per) - set(CATEGORIES) - {"other", "unknown"})
    table = [{"category": c, "n": per[c]["n"], "correct": per[c]["correct"],
              "accuracy": per[c]["correct"] / per[c]["n"], "errors": dict(errors[c])} for c in order]
    how = judged(usable)
    text = text_only(usable, mode, usable_golds)
    if text is not None:
        for entry in table:
            entry["text_accuracy"] = text["categories"].get(entry["category"], {}).get("accuracy")
    return {"mode": mode, "n": total, "correct": right, "accuracy": right / total if total else 0.0,
            "judged": how, "text_only": text,
            "rules": dict(rules.most_common()), "rejected": rejected, "categories": table}


def headline(result: dict) -> str:
    """The main figure with how it was judged, and the text-only one beside it when they differ."""
    how = result.get("judged", "programs run")
    line = (f"accuracy {100 * result['accuracy']:.2f}% {JUDGED[how]} ({result['correct']}/{result['n']} correct, "
            f"mode {result['mode']})")
    text = result.get("text_only")
    if how == "programs run":
        line += (f"; text only (a judge that runs no code): {100 * text['accuracy']:.2f}% "
                 f"({text['correct']}/{text['n']})" if text else "; text only: not measured (predict again)")
    return line


def format_score(result: dict) -> str:
    """The headline (overall accuracy first), the per-category table and the rules that fired."""
    both = result.get("judged") == "programs run" and result.get("text_only")
    extra = f" {'text only':>9}" if both else ""
    lines = [headline(result), "", f"{'category':<12} {'n':>6} {'correct':>8} {'accuracy':>9}{extra}  errors",
             "-" * 74]
    for c in result["categories"]:
        errs = ", ".join(f"{k} {v}" for k, v in sorted(c["errors"].items()))
        text = f" {100 * c['text_accuracy']:>8.2f}%" if both and c.get("text_accuracy") is not None else ""
        lines.append(f"{c['category']:<12} {c['n']:>6} {c['correct']:>8} {100 * c['accuracy']:>8.2f}%{text}  {errs}")
    overall_text = f" {100 * result['text_only']['accuracy']:>8.2f}%" if both else ""
    lines.append(f"{'overall':<12} {result['n']:>6} {result['correct']:>8} {100 * result['accuracy']:>8.2f}%"
                 f"{overall_text}  (mode {result['mode']})")
    failing = (result.get("text_only") or {}).get("failing_steps")
    if failing:
        lines.append("first wrong step of wrong text answers (steps or compact style): "
                     + ", ".join(f"{k} {v}" for k, v in failing.items()))
    if result.get("rules"):
        lines.append("answers found by: " + ", ".join(f"{k} {v}" for k, v in result["rules"].items()))
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
