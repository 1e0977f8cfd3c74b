"""`mathtune score` and `mathtune squad …`: parsers and commands."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

from evaluation.cli.common import FMT

SHOW_ERRORS = 20


def _print_errors(errors: list[str]) -> None:
    for e in errors[:SHOW_ERRORS]:
        print(e)
    if len(errors) > SHOW_ERRORS:
        print(f"… and {len(errors) - SHOW_ERRORS} more unusable rows")


def _out_dir(path: str | None, inputs: list[str | None]) -> Path:
    """Inputs readable and the output folder usable (created), before any work."""
    from fileio.reading import open_input
    from training.run.logs import out_folder

    for name in filter(None, inputs):
        open_input(name).close()
    return out_folder(path or Path(inputs[0]).parent)


def read_gold(path: str) -> tuple[list[dict], list[str]]:
    """Gold rows in file order ({problem, category, gold}) and the reader's located errors."""
    from converters.synth.problem_sets import read_problems
    from evaluation.inference.predict import gold_of

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # the reader prints bad rows; they belong after the headline
        rows = read_problems(path)
    gold = []
    for row in rows:
        category, answer = (row.get("category"), row["gold"]) if "gold" in row else gold_of(row)
        gold.append({"problem": row["problem"], "category": category, "gold": answer})
    return gold, printed.getvalue().splitlines()


def load_predictions(path: str, gold_path: str | None) -> tuple[list[dict], list[str], dict]:
    """Rows to score (each with `where`), located errors, and what was done to them."""
    from fileio.errors import InputError
    from fileio.reading import read_rows
    from evaluation.scoring.mindformers_output import is_mindformers_result, read_generations, strip_echo

    errors: list = []
    mindformers = is_mindformers_result(path)
    if mindformers:
        if not gold_path:
            raise InputError(f"{path}: MindFormers' text_generation_result needs --gold (the rows it was predicted "
                             "from, in the same order)")
        texts, errors = read_generations(path)
        rows = [{"where": w, "generation": t} for w, t in texts]
    else:
        rows = [dict(r, where=f"{path}:{line}") for line, r in read_rows(path, errors, fields=())]
        if not rows:
            raise InputError(f"{path}: no prediction rows" + (f" ({errors[0]})" if errors else ""))
    notes = {"input": "mindformers text_generation_result" if mindformers else "rows", "echo_stripped": 0}
    errors = [str(e) for e in errors]
    if gold_path:
        gold, gold_errors = read_gold(gold_path)
        errors += gold_errors
        if len(gold) != len(rows):
            first = f" (first unusable gold row: {gold_errors[0]})" if gold_errors else ""
            raise InputError(f"{path}: {len(rows)} predictions but {gold_path} has {len(gold)} usable gold rows; "
                             f"they are paired by order{first}")
        for row, g in zip(rows, gold):
            row.update({k: v for k, v in g.items() if v is not None})
    rows = [r for r in rows if not (mindformers and r["generation"] is None)]  # already reported
    for row in rows:
        for field in ("generation", "prediction"):
            if isinstance(row.get(field), str) and isinstance(row.get("problem"), str):
                row[field], stripped = strip_echo(row[field], row["problem"])
                notes["echo_stripped"] += stripped
    return rows, errors, notes


def cmd_score(a) -> int:
    from fileio.atomic import write_json, write_jsonl
    from evaluation.scoring.score import format_score, plot_score, score_rows

    out = _out_dir(a.out_dir, [a.predictions, a.gold])
    rows, errors, notes = load_predictions(a.predictions, a.gold)
    result = score_rows(rows, a.mode)
    errors += [f"{r['where']}: {r['reason']}" for r in result["rejected"]]
    result.update(notes, unusable=len(errors))
    print(format_score(result))
    from evaluation.inference.sampled_answers import format_samples, sample_metrics

    if (sampled := sample_metrics(rows, a.mode)) is not None:  # rows from `predict --samples k`
        result["samples"] = sampled
        print(format_samples(sampled))
    if notes["echo_stripped"]:
        print(f"echoed prompt removed from {notes['echo_stripped']} of {len(rows)} outputs")
    if errors:
        print(f"{len(errors)} unusable rows (not scored):")
        _print_errors(errors)
    write_json(out / "score.json", result)
    write_jsonl(out / "scored.jsonl", ({k: v for k, v in r.items() if k != "where"} for r in rows if "rule" in r))
    plot_score(result, out / "accuracy.png")
    print(f"wrote {out / 'score.json'}, {out / 'scored.jsonl'} and {out / 'accuracy.png'}")
    return 1 if errors else 0


def add_score_parser(sub) -> None:
    s = sub.add_parser("score", help="accuracy overall and per category, error kinds, table and PNG",
                       description="Scores `mathtune predict` JSONL (fields answer, generation or prediction, and "
                                   "gold), or MindFormers' text_generation_result.txt paired by order with --gold. "
                                   "Echoed prompts are removed; cut-off outputs are read by the rules in "
                                   "evaluation/scoring/extract.py.", formatter_class=FMT)
    s.add_argument("predictions", help="JSONL/JSON rows, or MindFormers' text_generation_result.txt")
    s.add_argument("--gold", help="rows the predictions were made from, same order (JSONL or conversations JSON); "
                                  "their gold answers and categories are used")
    s.add_argument("--mode", choices=["exact", "rel", "contest", "pal", "math"], default="exact",
                   help="exact: equal at the gold's shown precision; rel: 1e-6 relative; contest: 0.01 absolute; "
                        "pal: under 1e-3 absolute (PAL's GSM-Hard rule); math: every row judged symbolically "
                        "(math-verify: LaTeX, fractions, radicals, intervals, sets), as rows whose gold is not a "
                        "plain number always are")
    s.add_argument("--out", "--out-dir", dest="out_dir", help="default: beside the predictions")
    s.set_defaults(func=cmd_score)


def cmd_squad_build(a) -> int:
    import sys

    from fileio.atomic import write_jsonl
    from evaluation.scoring.squad import build_items

    errors: list[str] = []
    n = write_jsonl(a.out, build_items(a.dev, errors))
    print(f"wrote {n} SQuAD items (first question of each paragraph) to {a.out}")
    for line in errors[:20]:
        print(line, file=sys.stderr)
    if errors:
        print(f"{len(errors)} paragraph(s) could not be read; the rest were written", file=sys.stderr)
    return 1 if errors else 0


def _squad_report(official: dict, mf: dict, a, errors: list[str]) -> int:
    from evaluation.scoring.squad import gate

    print(f"official SQuAD v1.1:      F1 {official['F1']:.3f}  EM {official['EM']:.3f}  (n={official['n']})")
    print(f"MindFormers EmF1Metric:   F1 {mf['F1']:.3f}  EM {mf['EM']:.3f}  (n={mf['n']})")
    if errors:
        print(f"{len(errors)} unusable entries (not scored):")
        _print_errors(errors)
    code = 1 if errors else 0
    if a.baseline_f1 is None or a.baseline_em is None:
        return code
    ok, text = gate(mf if a.gate_metric == "mindformers" else official, a.baseline_f1, a.baseline_em, a.ratio)
    print(f"{text} [{a.gate_metric} metric]")
    return code if ok else 1


def _squad_rows(path: str) -> tuple[list[str], list[list[str]], list[str]]:
    """Predictions and gold answers of `mathtune predict` rows; located reasons for unusable rows."""
    from fileio.errors import InputError
    from fileio.reading import read_rows

    errors: list = []
    preds, golds = [], []
    for line, row in read_rows(path, errors, fields=()):
        text = next((row[f] for f in ("generation", "prediction") if f in row), None)
        answers = row.get("answers") or ([row["gold"]] if row.get("gold") is not None else None)
        if not isinstance(text, str):
            reason = "no 'generation' or 'prediction' text" if text is None else "the prediction is not text"
        elif not isinstance(answers, list) or not all(isinstance(x, str) for x in answers):
            reason = "no gold answer ('answers' list or 'gold' text)"
        else:
            preds.append(text)
            golds.append(answers)
            continue
        errors.append(f"{path}:{line}: {reason}")
    if not preds:
        raise InputError(f"{path}: no usable SQuAD prediction rows" + (f" ({errors[0]})" if errors else ""))
    return preds, golds, [str(e) for e in errors]


def cmd_squad_score(a) -> int:
    from evaluation.scoring.squad import mf_scores, official_scores

    preds, golds, errors = _squad_rows(a.predictions)
    return _squad_report(official_scores(preds, golds), mf_scores(preds, [g[0] for g in golds]), a, errors)


def cmd_squad_log(a) -> int:
    from evaluation.scoring.squad import mf_scores, official_scores, read_eval_log

    preds, labels, printed, errors = read_eval_log(a.log)
    ours = mf_scores(preds, labels)
    if printed:
        same = abs(printed["F1"] - ours["F1"]) < 1e-6 and abs(printed["EM"] - ours["EM"]) < 1e-6 and printed["n"] == ours["n"]
        print(f"the log printed:          F1 {printed['F1']:.3f}  EM {printed['EM']:.3f}  (n={printed['n']})"
              f" — {'same as' if same else 'DIFFERENT from'} the recomputation")
    # the log keeps one label per item, so the official metric here has one gold answer each
    official = official_scores(preds, [[label] for label in labels])
    return _squad_report(official, ours, a, [str(e) for e in errors])


def add_squad_parser(sub) -> None:
    q = sub.add_parser("squad", help="SQuAD v1.1 retention: build the set, score (official and MindFormers), gate")
    qs = q.add_subparsers(dest="step", required=True, metavar="STEP")
    b = qs.add_parser("build", help="dev-v1.1.json → the contest's set (first question of each paragraph)",
                      formatter_class=FMT)
    b.add_argument("--dev", required=True)
    b.add_argument("--out", required=True)
    b.set_defaults(func=cmd_squad_build)

    def gate_args(p):
        p.add_argument("--baseline-f1", type=float, help="the base model's F1 (Llama3-8B: 59.87)")
        p.add_argument("--baseline-em", type=float, help="the base model's EM (Llama3-8B: 44.17)")
        p.add_argument("--ratio", type=float, default=0.9)
        p.add_argument("--gate-metric", choices=["mindformers", "official"], default="mindformers",
                       help="which metric the gate uses (the contest's numbers are MindFormers')")

    sc = qs.add_parser("score", help="score `mathtune predict` output on the SQuAD set", formatter_class=FMT)
    sc.add_argument("predictions", help="JSONL rows with generation (or prediction) and answers (or gold)")
    gate_args(sc)
    sc.set_defaults(func=cmd_squad_score)
    lg = qs.add_parser("from-log", help="recompute a MindFormers eval log's totals from its pred/label blocks",
                       description="Reads both layouts MindFormers has printed: `pred is: [...]` / `label is: [...]` "
                                   "on one line each, or each tag with its value on the next line.",
                       formatter_class=FMT)
    lg.add_argument("log")
    gate_args(lg)
    lg.set_defaults(func=cmd_squad_log)
