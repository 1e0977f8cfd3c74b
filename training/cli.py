"""`mathtune yaml …`, `mathtune train`, `mathtune launch`, `mathtune ckpt …`, `mathtune logs`."""
from __future__ import annotations

import argparse
import sys

FMT = argparse.ArgumentDefaultsHelpFormatter


def cmd_yaml_show(a) -> int:
    from training.yamledit import show

    print(show(a.file, a.prefix))
    return 0


def cmd_yaml_diff(a) -> int:
    from training.yamledit import diff

    print(diff(a.a, a.b))
    return 0


def cmd_yaml_set(a) -> int:
    from training.yamledit import set_in_file

    for note in set_in_file(a.file, a.assignments, a.out):
        print(note)
    return 0


def cmd_yaml_derive(a) -> int:
    from training.derive import derive

    for note in derive(a.src, a.cards, a.data, a.out, a.max_model_parallel):
        print(note)
    print(f"wrote {a.out}")
    return 0


def cmd_yaml_check(a) -> int:
    from training.config import check_config, load_config

    problems = check_config(load_config(a.file), a.data)
    for p in problems:
        print(f"{a.file}: {p}", file=sys.stderr)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_train(a) -> int:
    from training.train import TrainArgs, run_training

    run_training(TrainArgs(config=a.config, train_data=a.train_data, run_name=a.run_name, logs_dir=a.logs_dir,
                           load_checkpoint=a.load_checkpoint, run_mode=a.run_mode,
                           use_parallel=a.use_parallel, device=a.device, resume=a.resume, epochs=a.epochs,
                           overrides=a.overrides, dry_run=a.dry_run))
    return 0


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected True or False, got {text!r}")


def add_parser(sub) -> None:
    y = sub.add_parser("yaml", help="show, diff, set, derive and check YAML configs",
                       description="YAML configs as data: show, diff, set (comments kept), derive, check.")
    ys = y.add_subparsers(dest="step", required=True, metavar="STEP")
    p = ys.add_parser("show", help="print every key.path: value", formatter_class=FMT)
    p.add_argument("file")
    p.add_argument("--prefix", default="", help="only keys starting with this")
    p.set_defaults(func=cmd_yaml_show)
    p = ys.add_parser("diff", help="keys added (+), removed (-) and changed (~) from A to B", formatter_class=FMT)
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(func=cmd_yaml_diff)
    p = ys.add_parser("set", help="set key.path=value in place, keeping comments; refuses unknown keys and wrong types",
                      formatter_class=FMT)
    p.add_argument("file")
    p.add_argument("assignments", nargs="+", metavar="key.path=value")
    p.add_argument("--out", help="write here instead of in place")
    p.set_defaults(func=cmd_yaml_set)
    p = ys.add_parser("derive", help="adapt a preset to a card count and a MindRecord, explaining each value",
                      formatter_class=FMT)
    p.add_argument("--from", dest="src", required=True)
    p.add_argument("--cards", type=int, required=True)
    p.add_argument("--data", help="the training MindRecord (its .meta.json gives seq_length and rows)")
    p.add_argument("--max-model-parallel", type=int, help="cap model_parallel (default: the preset's)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_yaml_derive)
    p = ys.add_parser("check", help="check a config (and optionally its data) before a run", formatter_class=FMT)
    p.add_argument("file")
    p.add_argument("--data")
    p.set_defaults(func=cmd_yaml_check)

    t = sub.add_parser("train", help="fine-tune or train with MindFormers (Ascend, or CPU with the documented patch)",
                       description="MindFormers' Trainer from a YAML. Flag names follow MindFormers' run script.",
                       formatter_class=FMT)
    t.add_argument("--config", required=True)
    t.add_argument("--train_data", "--train-data", dest="train_data", required=True)
    t.add_argument("--load_checkpoint", "--load-checkpoint", dest="load_checkpoint")
    t.add_argument("--run_mode", "--run-mode", dest="run_mode", choices=["finetune", "train"], default="finetune")
    t.add_argument("--use_parallel", "--use-parallel", dest="use_parallel", type=_bool, default=False)
    t.add_argument("--device", choices=["auto", "cpu", "ascend"], default="auto")
    t.add_argument("--run-name", default="run", help="outputs go to LOGS_DIR/RUN_NAME")
    t.add_argument("--logs-dir", default="logs")
    t.add_argument("--epochs", type=int)
    t.add_argument("--resume", action="store_true", help="continue from the run's last checkpoint")
    t.add_argument("--dry-run", action="store_true", help="resolve and check the config, do not train")
    t.add_argument("overrides", nargs="*", metavar="key.path=value", help="config overrides, applied last")
    t.set_defaults(func=cmd_train)
