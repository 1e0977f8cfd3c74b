"""`mathtune train`: MindFormers' Trainer from a YAML, on Ascend or (patched) on CPU.

Everything a run needs to be repeated or evaluated is kept in `logs/<run>/`: the resolved
`config.yaml`, the data's `data.meta.json` (tokenizer, prompt template, chat format), MindFormers'
logs and the checkpoints.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from fileio.atomic import readable
from training.config.errors import ConfigError
from training.config.loader import check_config, fill_from_data, global_batch, load_config
from training.model.device import pick_device
from training.run.runfiles import last_checkpoint, resume_point


@dataclass
class TrainArgs:
    config: str
    train_data: str
    run_name: str = "run"
    logs_dir: str = "logs"
    load_checkpoint: str | None = None
    run_mode: str = "finetune"  # finetune | train
    use_parallel: bool = False
    device: str = "auto"  # auto | cpu | ascend
    resume: bool = False
    epochs: int | None = None
    overrides: list[str] = field(default_factory=list)  # key.path=value, applied last
    dry_run: bool = False
    fit_model_to_data: bool = False  # let the data's tokenizer set vocab_size and pad id (another model)
    verbose: bool = False  # MindFormers' INFO lines on the terminal too (always in the run's log/ folder)


def world_size() -> int:
    """Workers in this job (msrun sets MS_WORKER_NUM), 1 when not distributed."""
    return int(os.environ.get("MS_WORKER_NUM", os.environ.get("RANK_SIZE", "1")))


def rank_id() -> int:
    return int(os.environ.get("RANK_ID", os.environ.get("MS_NODE_ID", "0")) or 0)


def resolve(args: TrainArgs):
    """Load, fill and check the config; returns (config, notes). Raises ConfigError with every problem."""
    from training.config.yamledit import apply_overrides

    cfg = load_config(args.config)
    run_dir = (Path(args.logs_dir) / args.run_name).resolve()
    notes = []
    if Path(args.train_data).exists():
        from converters.encode.mindrecord import read_meta
        from training.run.runfiles import find_data_tokenizer

        find_data_tokenizer(read_meta(args.train_data)["tokenizer"], args.train_data)  # the run will copy it
        notes = fill_from_data(cfg, args.train_data, fit_model=args.fit_model_to_data)
        from training.run.packed_data import setup_packed

        notes += setup_packed(cfg, read_meta(args.train_data), args.train_data)
    cfg.output_dir = str(run_dir)
    cfg.run_mode = args.run_mode
    cfg.use_parallel = args.use_parallel
    if args.epochs is not None:
        cfg.runner_config.epochs = args.epochs
    device = pick_device(args.device)
    if device == "cpu":
        from training.model.cpu import apply_cpu_config

        notes += apply_cpu_config(cfg)
        if args.use_parallel:  # CPU runs data parallel only (semi-auto needs Ascend/GPU)
            cfg.parallel.parallel_mode = 0
            cfg.parallel.full_batch = False
            cfg.parallel.enable_parallel_optimizer = False
            cfg.parallel_config.data_parallel = world_size()
            cfg.parallel_config.model_parallel = 1
            cfg.parallel_config.pipeline_stage = 1
            notes.append(f"CPU: data parallel over {world_size()} workers")
    if args.resume:
        ckpt = resume_point(run_dir, rank_id())
        if ckpt is None:
            raise ConfigError(f"--resume: no checkpoint under {run_dir}/checkpoint/rank_{rank_id()}")
        # MindFormers 1.9 resumes from a directory of rank_N folders (a file path fails its checks); it
        # picks the checkpoint that rank_N/meta.json names and restores weights, optimizer state,
        # global step (so the lr schedule) and skips the batches already seen.
        cfg.load_checkpoint = str(run_dir / "checkpoint")
        cfg.resume_training = True
        notes.append(f"resuming from {ckpt}")
    elif args.load_checkpoint:
        if not Path(args.load_checkpoint).exists():
            raise ConfigError(f"checkpoint not found: {args.load_checkpoint}")
        cfg.load_checkpoint = str(args.load_checkpoint)
    notes += apply_overrides(cfg, args.overrides)
    notes += _set_save_steps(cfg, args.train_data)
    _refuse_misfit(cfg, args)
    problems = check_config(cfg, args.train_data)
    if problems:
        raise ConfigError(f"{args.config}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return cfg, notes, device


def _refuse_misfit(cfg, args: TrainArgs) -> None:
    """Data made with another tokenizer than the config's model is refused in one line, unless
    --fit-model-to-data asked for the model to follow the data (fill_from_data then did it)."""
    from converters.encode.mindrecord import read_meta
    from training.config.loader import data_misfit

    if not Path(args.train_data).exists():
        return
    misfit = data_misfit(cfg, read_meta(args.train_data)["tokenizer"])
    if misfit:
        raise ConfigError(f"{args.train_data} does not fit {args.config}: {misfit} (use a config made for this "
                          "tokenizer, or --fit-model-to-data to build the model from the data)")


def _set_save_steps(cfg, train_data: str) -> list[str]:
    """Save a checkpoint at the end of every epoch unless the config saves more often."""
    from converters.encode.mindrecord import read_meta

    if not Path(train_data).exists():
        return []
    rows = read_meta(train_data)["rows"]
    batch = global_batch(cfg)  # data_parallel, not the world size: with model parallel they differ
    steps = max(rows // batch, 1)
    notes = []
    for cb in cfg.get("callbacks") or []:
        if cb.get("type") == "CheckpointMonitor" and cb.get("save_checkpoint_steps", 0) > steps:
            notes.append(f"CheckpointMonitor.save_checkpoint_steps: {cb['save_checkpoint_steps']} → {steps} "
                         f"(one epoch = {rows} rows / {batch} per step)")
            cb["save_checkpoint_steps"] = steps
    return notes


def run_training(args: TrainArgs) -> dict:
    """Resolve, save the run's config and data metadata, then train. Returns a summary."""
    # msrun writes each worker's lines to its own log file; before anything here imports MindSpore
    quiet = not args.verbose and world_size() == 1
    if quiet:
        from training.run.progress import quiet_mindformers

        quiet_mindformers()
    cfg, notes, device = resolve(args)
    run_dir = Path(cfg.output_dir)
    for note in notes:
        print(f"config: {note}")
    from training.config.loader import lora_block
    from training.model.params import describe

    print(f"mathtune: {describe(cfg.model.model_config, lora_block(cfg))}", flush=True)
    if args.dry_run:
        print(f"dry run: config resolved and checked for {device}; not training (run folder: {run_dir})")
        return {"run_dir": str(run_dir), "device": device, "notes": notes}
    run_dir.mkdir(parents=True, exist_ok=True)
    if rank_id() == 0:
        _save_run_files(cfg, args, run_dir)
    if quiet:
        print(f"mathtune: MindFormers' log: {run_dir / 'log' / f'rank_{rank_id()}' / 'info.log'} "
              "(--verbose shows it here too)", flush=True)
    from mindformers import Trainer
    from mindformers.core.context import build_context

    build_context(cfg)
    if device == "cpu":
        from training.model.cpu import apply_cpu_patches

        apply_cpu_patches()
    start = time.perf_counter()
    trainer = Trainer(cfg)
    from training.run.packed_data import add_mask_step, is_packed

    if is_packed(cfg):
        add_mask_step(trainer)
        if device == "cpu":
            from training.model.cpu import apply_cpu_mask_patch

            apply_cpu_mask_patch()
    with _progress(run_dir, not quiet):
        if args.run_mode == "finetune" and cfg.load_checkpoint and not args.resume:
            trainer.finetune(finetune_checkpoint=cfg.load_checkpoint)
        else:
            trainer.train()
    took = time.perf_counter() - start
    for made in ("checkpoint", "strategy"):  # MindSpore writes checkpoints 0400: let the team read them
        if (run_dir / made).exists():
            readable(run_dir / made)
    ckpt = last_checkpoint(run_dir, rank_id())
    print(f"trained in {took:.0f}s on {device}; last checkpoint: {ckpt}")
    return {"run_dir": str(run_dir), "device": device, "seconds": took, "checkpoint": str(ckpt)}


def _progress(run_dir: Path, verbose: bool):
    """The loss bar on rank 0 (nothing with --verbose, where the loss lines themselves are shown)."""
    import contextlib

    if verbose or rank_id() != 0:
        return contextlib.nullcontext()
    from training.run.progress import LossBar

    return LossBar(run_dir / "log" / "rank_0" / "info.log")


def _save_run_files(cfg, args: TrainArgs, run_dir: Path) -> None:
    from fileio.atomic import atomic_open, write_json
    from converters.encode.mindrecord import read_meta

    from training.config.yamledit import dump_config

    with atomic_open(run_dir / "config.yaml") as handle:
        handle.write(dump_config(cfg))
    from training.run.runfiles import copy_tokenizer

    meta = read_meta(args.train_data)
    meta["tokenizer"] = copy_tokenizer(meta["tokenizer"], args.train_data, run_dir)
    write_json(run_dir / "data.meta.json", meta)
    write_json(run_dir / "train_args.json", dict(vars(args)))
