"""`mathtune predict`, `mathtune score` (and, as they land, squad and gsm8k)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

FMT = argparse.ArgumentDefaultsHelpFormatter


def cmd_predict(a) -> int:
    from evaluation.predict import load_run, predict, read_problems
    from evaluation.sandbox import Limits

    model = load_run(a.run_dir, a.ckpt, a.tokenizer, a.template, a.chat)
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


def add_parser(sub) -> None:
    p = sub.add_parser("predict", help="answer problems with a trained run (programs run in the sandbox)",
                       description="Greedy generation with a CPU KV cache over the run's checkpoint; the prompt "
                                   "template and chat format come from the run's data.meta.json.",
                       formatter_class=FMT)
    p.add_argument("--run-dir", required=True, help="a `mathtune train` run folder (logs/RUN)")
    p.add_argument("--ckpt", help="default: the run's newest checkpoint")
    p.add_argument("--input", required=True, help="JSONL {problem, solution?} or a conversations JSON")
    p.add_argument("--out", required=True)
    p.add_argument("--tokenizer", help="override the tokenizer recorded with the data")
    p.add_argument("--template", help="override the prompt template recorded with the data")
    p.add_argument("--chat", choices=["vicuna", "plain"], help="override the chat format recorded with the data")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--limit", type=int, help="only the first N problems")
    p.add_argument("--no-execute", action="store_true", help="do not run generated programs")
    p.add_argument("--code-cpu-seconds", type=int, default=2)
    p.add_argument("--code-wall-seconds", type=float, default=5.0)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_predict)

    s = sub.add_parser("score", help="accuracy overall and per category, error kinds, table and PNG",
                       formatter_class=FMT)
    s.add_argument("predictions", help="JSONL from `mathtune predict`")
    s.add_argument("--mode", choices=["exact", "rel", "contest"], default="exact",
                   help="exact: equal at the gold's shown precision; rel: 1e-6 relative; contest: 0.01 absolute")
    s.add_argument("--out-dir", help="default: beside the predictions")
    s.set_defaults(func=cmd_score)
