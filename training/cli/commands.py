"""`mathtune yaml …`, `mathtune train`, `mathtune launch`, `mathtune logs` (`mathtune ckpt …`: training/cli/ckpt.py)."""
from __future__ import annotations

import argparse
import os
import sys

from training.cli import ckpt as ckpt_cli

FMT = argparse.ArgumentDefaultsHelpFormatter


def cmd_yaml_show(a) -> int:
    from training.config.yamledit import show

    print(show(a.file, a.prefix))
    return 0


def cmd_yaml_diff(a) -> int:
    from training.config.yamledit import diff

    print(diff(a.a, a.b))
    return 0


def cmd_yaml_set(a) -> int:
    from training.config.yamledit import set_in_file

    for note in set_in_file(a.file, a.assignments, a.out):
        print(note)
    return 0


def cmd_yaml_derive(a) -> int:
    from training.config.derive import derive

    for note in derive(a.src, a.cards, a.data, a.out, a.max_model_parallel):
        print(note)
    print(f"wrote {a.out}")
    return 0


def cmd_yaml_check(a) -> int:
    from training.config.errors import ConfigError
    from training.config.loader import check_config, load_config
    from training.config.yamledit import read_yaml

    data = read_yaml(a.file)  # size, nesting and alias bounds before MindFormers' loader expands anything
    if not isinstance(data, dict):
        raise ConfigError(f"{a.file}: not a YAML mapping of sections")
    if not isinstance(data.get("model"), dict) or not isinstance(data["model"].get("model_config"), dict):
        raise ConfigError(f"{a.file}: no model.model_config section; not a MindFormers model config")
    problems = check_config(load_config(a.file), a.data)
    for p in problems:
        print(f"{a.file}: {p}", file=sys.stderr)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_yaml_migrate(a) -> int:
    from training.config.errors import ConfigError
    from training.config.loader import check_config, load_config
    from training.config.migrate import migrate_file

    changes, left = migrate_file(a.file, a.out)
    for change in changes:
        print(f"changed: {change}")
    for item in left:
        print(f"cannot migrate: {item}", file=sys.stderr)
    print(f"wrote {a.out} ({len(changes)} change(s), {len(left)} left to do by hand)")
    try:
        problems = check_config(load_config(a.out))
    except ConfigError as exc:  # MindFormers' loader refuses the file (a key left to do by hand)
        problems = [str(exc)]
    for p in problems:
        print(f"{a.out}: {p}", file=sys.stderr)
    print("yaml check: ok" if not problems else f"yaml check: {len(problems)} problem(s)")
    return 1 if left or problems else 0


def cmd_train(a) -> int:
    from training.run.train import TrainArgs, run_training

    if a.run_dir:  # one path, as every other command takes it
        a.logs_dir, a.run_name = os.path.split(os.path.normpath(a.run_dir))
        a.logs_dir = a.logs_dir or "."
    run_training(TrainArgs(config=a.config, train_data=a.train_data, run_name=a.run_name, logs_dir=a.logs_dir,
                           load_checkpoint=a.load_checkpoint, run_mode=a.run_mode,
                           use_parallel=a.use_parallel, device=a.device, resume=a.resume, epochs=a.epochs,
                           overrides=a.overrides, dry_run=a.dry_run, fit_model_to_data=a.fit_model_to_data,
                           verbose=a.verbose))
    return 0


def cmd_launch(a) -> int:
    from training.run.launch import Launch, run

    args = a.mathtune_args[1:] if a.mathtune_args[:1] == ["--"] else a.mathtune_args
    if not args:
        raise SystemExit("mathtune launch: give the mathtune command to run after --, e.g. -- train --config …")
    launch = Launch(workers=a.workers, script=a.entry_script, local_workers=a.local_workers,
                    master_addr=a.master_addr, master_port=a.master_port, node_rank=a.node_rank,
                    log_dir=a.log_dir, cluster_time_out=a.cluster_time_out)
    return run(launch, args, a.dry_run)


def cmd_logs(a) -> int:
    from pathlib import Path

    from fileio.reading import open_input
    from training.run.logs import out_folder, plot, read_log, summary, write_csv

    open_input(a.log).close()  # an unreadable log or output folder fails before any work
    out = out_folder(a.out_dir or Path(a.log).parent)
    rows, info = read_log(a.log)
    write_csv(rows, out / "loss.csv")
    plot(rows, out / "loss.png", title=Path(a.log).name)
    print(summary(rows, info))
    print(f"wrote {out / 'loss.csv'} and {out / 'loss.png'}")
    return 0


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected True or False, got {text!r}")


def add_parser(sub, entry_script: str) -> None:
    """The training groups; `entry_script` is the file `mathtune launch` has msrun run on each worker."""
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
    p = ys.add_parser("migrate", help="rewrite a MindFormers 1.1-era config (the contest's) for MindFormers 1.9",
                      description="Prints each change, names what has no 1.9 equivalent, writes --out atomically "
                                  "(comments kept), then checks the result.", formatter_class=FMT)
    p.add_argument("file")
    p.add_argument("--out", required=True, help="the migrated config (may be FILE itself)")
    p.set_defaults(func=cmd_yaml_migrate)

    t = sub.add_parser("train", help="fine-tune or train with MindFormers (Ascend, or CPU with the documented patch)",
                       description="MindFormers' Trainer from a YAML. Flag names follow MindFormers' run script.",
                       formatter_class=FMT)
    t.add_argument("--config", required=True)
    # the second names are MindFormers' run_mindformer.py flags, accepted as they are
    t.add_argument("--data", "--train_dataset_dir", "--train-data", "--train_data", dest="train_data", required=True,
                   help="the training MindRecord")
    t.add_argument("--ckpt", "--load_checkpoint", "--load-checkpoint", dest="load_checkpoint",
                   help="the checkpoint to start from (e.g. a from-gguf model.ckpt)")
    t.add_argument("--run-mode", "--run_mode", dest="run_mode", choices=["finetune", "train"], default="finetune")
    t.add_argument("--use-parallel", "--use_parallel", dest="use_parallel", type=_bool, default=False)
    t.add_argument("--device", choices=["auto", "cpu", "ascend"], default="auto")
    t.add_argument("--run-dir", "--output_dir", dest="run_dir",
                   help="the run folder (default: LOGS_DIR/RUN_NAME)")
    t.add_argument("--run-name", default="run", help="without --run-dir: outputs go to LOGS_DIR/RUN_NAME")
    t.add_argument("--logs-dir", default="logs")
    t.add_argument("--epochs", type=int)
    t.add_argument("--resume", "--resume_training", action="store_true", help="continue from the run's last checkpoint")
    t.add_argument("--dry-run", action="store_true", help="resolve and check the config, do not train")
    t.add_argument("--fit-model-to-data", action="store_true",
                   help="let the data's tokenizer set vocab_size and pad_token_id (builds another model than the "
                        "config's); without it a mismatch is refused")
    t.add_argument("--verbose", action="store_true",
                   help="MindFormers' INFO lines on the terminal too (they always go to RUN/log/rank_N/info.log); "
                        "without it a progress bar shows the step, the loss and the time left")
    t.add_argument("overrides", nargs="*", metavar="key.path=value", help="config overrides, applied last")
    t.set_defaults(func=cmd_train)

    la = sub.add_parser("launch", help="run a mathtune command on several workers with msrun",
                        description="Builds and prints the msrun command, then runs it: "
                                    "mathtune launch --workers 4 -- train --config … --use_parallel True",
                        formatter_class=FMT)
    la.add_argument("--workers", type=int, required=True, help="workers in the whole job (all nodes)")
    la.add_argument("--local-workers", type=int, help="workers on this node (default: all)")
    la.add_argument("--master-addr", default="127.0.0.1")
    la.add_argument("--master-port", type=int, default=8118)
    la.add_argument("--node-rank", type=int, default=0)
    la.add_argument("--log-dir", default="logs/msrun", help="msrun writes worker_N.log and scheduler.log here")
    la.add_argument("--cluster-time-out", type=int, default=600)
    la.add_argument("--dry-run", action="store_true", help="print the command only")
    la.add_argument("mathtune_args", nargs=argparse.REMAINDER, help="-- then the mathtune command")
    la.set_defaults(func=cmd_launch, entry_script=entry_script)

    ckpt_cli.add_parser(sub)

    lg = sub.add_parser("logs", help="MindFormers training log → loss.csv + loss.png + summary",
                        description="Parse a MindFormers log (info.log or msrun's worker_N.log).", formatter_class=FMT)
    lg.add_argument("log")
    lg.add_argument("--out", "--out-dir", dest="out_dir", help="default: the log's folder")
    lg.set_defaults(func=cmd_logs)
