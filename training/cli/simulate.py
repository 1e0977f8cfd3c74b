"""`mathtune simulate`: a simulated compile of one rank of a parallel run (see training/simulate/run.py)."""
from __future__ import annotations

import argparse


def _depths(text: str) -> list[int]:
    try:
        depths = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected depths like 2,4, got {text!r}") from None
    if not depths or len(set(depths)) != len(depths) or len(depths) > 2 or min(depths) < 1:
        raise argparse.ArgumentTypeError(f"expected one depth or two different ones like 2,4, got {text!r}")
    return depths


def cmd_simulate(a) -> int:
    from training.simulate.run import SimArgs, simulate

    report = simulate(SimArgs(config=a.config, data=a.data, layers=a.layers, rank=a.rank, cards=a.cards,
                              out_dir=a.out, seq_length=a.seq_length, timeout=a.timeout, stub=a.stub,
                              overrides=a.overrides, skip_checks=a.skip_checks))
    return 0 if report["fits"] is not False else 1


def add_parser(sub) -> None:
    p = sub.add_parser(
        "simulate", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="compile one rank of a parallel run under MindSpore's dryrun; per-rank peak memory (an estimate)",
        description="Compiles rank R's semi-auto-parallel graph (dp/mp/pp from the config) under MindSpore's "
                    "dryrun (MS_SIMULATION_LEVEL=1) at two depths, saves the strategy files and extrapolates "
                    "the peak memory linearly to the config's num_layers. Without CANN (a CPU machine) it uses "
                    "mathtune's stub CANN, a development aid. Exit 1 when the estimate does not fit "
                    "context.max_device_memory.")
    p.add_argument("--config", required=True)
    p.add_argument("--data", help="the training MindRecord (default: synthetic rows of the config's shape)")
    p.add_argument("--layers", type=_depths, default=[2, 4], help="the two depths to compile and extrapolate from (one depth: no extrapolation)")
    p.add_argument("--rank", type=int, default=0, help="the rank to compile")
    p.add_argument("--cards", type=int, help="ranks in the job (default: dp × mp × pp of the config)")
    p.add_argument("--seq-length", type=int, help="override seq_length (without --data; faster, smaller figures)")
    p.add_argument("--out", help="output folder (default: logs/simulate/<config>-<cards>p)")
    p.add_argument("--timeout", type=int, default=3600, help="seconds per compile")
    p.add_argument("--stub", choices=["auto", "yes", "no"], default="auto",
                   help="use the stub CANN: auto = when no CANN is installed")
    p.add_argument("--skip-checks", action="store_true",
                   help="compile even when the strategy checks fail, to see MindSpore's own refusal")
    p.add_argument("overrides", nargs="*", metavar="key.path=value", help="config overrides, applied first")
    p.set_defaults(func=cmd_simulate)
