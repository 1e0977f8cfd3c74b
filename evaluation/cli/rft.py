"""`mathtune data rft`: verified programs from sampled predictions → rows `data prepare` trains on.

Registered under `data` by mathtune/cli.py, but defined here: it reads prediction rows and judges
them with `score`'s rule, which converters may not import."""
from __future__ import annotations

import argparse
import sys

SHOWN = 20
HELP = ("verified programs from `predict --samples k` output → training rows (rejection-sampling fine-tuning)")
DESCRIPTION = (
    "For each problem, keep the distinct programs (whitespace and comments ignored) whose sandboxed output "
    "equals the gold under `mathtune score`'s rule (--mode). Programs that print a constant (`print(42)`), or "
    "that use no number the problem states, are dropped even when right: they are right by luck or memory, "
    "not verified reasoning. A row without `samples` (plain predict) counts as one sample. Rows are "
    "{problem, solution, category, code, gold, source: rft:<source>#<sample>}, the layout `data gsm8k-pot` "
    "writes: mix them into `data prepare` (e.g. `data prepare rft.jsonl contest.jsonl#4000 --style pot`), "
    "which trains on each program as it is. Bad rows are reported as file:line: reason (exit 1); the rest "
    "are used.")


def _prediction_rows(paths: list[str], errors: list[str]):
    """(`file:line`, row) of every prediction file in turn; unreadable lines go to `errors`."""
    from fileio.reading import read_rows

    for path in paths:
        bad: list = []
        yield from ((f"{path}:{line}", row) for line, row in read_rows(path, bad, fields=()))
        errors.extend(str(e) for e in bad)


def _show_errors(errors: list[str]) -> int:
    """The first SHOWN bad rows on stderr; the exit code (1 when some rows were left out)."""
    for e in errors[:SHOWN]:
        print(e, file=sys.stderr)
    if len(errors) > SHOWN:
        print(f"… and {len(errors) - SHOWN} more unusable rows", file=sys.stderr)
    return 1 if errors else 0


def cmd_rft(a) -> int:
    from fileio.atomic import write_json, write_jsonl
    from fileio.errors import InputError
    from evaluation.rft.rows import Tally, collect

    if a.max_per_problem < 1:
        raise InputError("--max-per-problem must be at least 1")
    errors: list[str] = []
    tally, seen = Tally(), {}
    out = []
    for item in collect(_prediction_rows(a.predictions, errors), tally, seen, a.max_per_problem, a.mode):
        (errors.append if isinstance(item, str) else out.append)(item)
    if not tally.problems and errors:
        raise InputError(f"no usable prediction rows ({errors[0]})")
    write_jsonl(a.out, out)
    summary = tally.summary()
    print(f"{summary['problems']} problems, {summary['solved']} with ≥1 verified program "
          f"({100 * summary['solved'] / max(summary['problems'], 1):.1f}%), {summary['kept']} programs kept → {a.out}")
    print("samples: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["samples"].items(), key=lambda kv: -kv[1])))
    print(f"{'category':<12} {'problems':>8} {'solved':>7} {'kept':>6}")
    for cat, c in summary["categories"].items():
        print(f"{cat:<12} {c['problems']:>8} {c['solved']:>7} {c['kept']:>6}")
    if a.report:
        write_json(a.report, {"inputs": a.predictions, "mode": a.mode, "max_per_problem": a.max_per_problem,
                              **summary, "bad_rows": errors})
    return _show_errors(errors)


def cmd_dpo_pairs(a) -> int:
    from fileio.atomic import write_json, write_jsonl
    from fileio.errors import InputError
    from evaluation.rft.pairs import PairTally, make_pairs

    if a.max_per_problem < 1:
        raise InputError("--max-per-problem must be at least 1")
    errors: list[str] = []
    tally = PairTally()
    out = []
    for item in make_pairs(_prediction_rows(a.predictions, errors), tally, a.max_per_problem, a.mode):
        (errors.append if isinstance(item, str) else out.append)(item)
    if not tally.problems and errors:
        raise InputError(f"no usable prediction rows ({errors[0]})")
    write_jsonl(a.out, out)
    summary = tally.summary()
    print(f"{summary['problems']} problems, {summary['with_pairs']} with a right and a wrong sample, "
          f"{summary['pairs']} pairs → {a.out}")
    print("samples: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["samples"].items(), key=lambda kv: -kv[1])))
    if a.report:
        write_json(a.report, {"inputs": a.predictions, "mode": a.mode, "max_per_problem": a.max_per_problem,
                              **summary, "bad_rows": errors})
    return _show_errors(errors)


def add_data_step(data_parser: argparse.ArgumentParser) -> None:
    """Add `rft` and `dpo-pairs` to the `data` group's subcommands."""
    from evaluation.scoring.extract import MODES

    steps = next(a for a in data_parser._actions if isinstance(a, argparse._SubParsersAction))
    p = steps.add_parser("dpo-pairs", help="preference pairs from `predict --samples k` output (for `mathtune dpo`)",
                         description="For each problem, a sampled answer whose program's sandboxed output equals the "
                                     "gold (`mathtune score`'s rule; no constant prints, numbers from the problem) "
                                     "against one that does not (a wrong answer, a failing or unclosed program, no "
                                     "program). Rows: {problem, chosen, rejected, gold, source}.",
                         formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("predictions", nargs="+", help="`mathtune predict --samples k --temperature T` JSONL")
    p.add_argument("--out", required=True, help="pairs (JSONL)")
    p.add_argument("--max-per-problem", type=int, default=2, help="pairs kept per problem")
    p.add_argument("--mode", choices=MODES, default="exact", help="how an output must equal the gold")
    p.add_argument("--report", help="save the counts as JSON")
    p.set_defaults(func=cmd_dpo_pairs)
    p = steps.add_parser("rft", help=HELP, description=DESCRIPTION,
                         formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("predictions", nargs="+", help="`mathtune predict` JSONL (best with --samples k --temperature T)")
    p.add_argument("--out", required=True, help="training rows (JSONL)")
    p.add_argument("--max-per-problem", type=int, default=4, help="distinct verified programs kept per problem")
    p.add_argument("--mode", choices=MODES, default="exact",
                   help="how an output must equal the gold (as in `mathtune score`)")
    p.add_argument("--report", help="save the counts as JSON")
    p.set_defaults(func=cmd_rft)
