"""`mathtune yaml derive`: adapt a preset to a card count and a data set, explaining every value."""
from __future__ import annotations

from pathlib import Path

from training.config.errors import ConfigError
from training.config.loader import global_batch
from training.config.yamledit import read_yaml, write_yaml


def _note(node, key: str, value, why: str, notes: list[str], path: str) -> None:
    old = node.get(key)
    node[key] = value
    node.yaml_add_eol_comment(f"derived: {why}", key)
    notes.append(f"{path + '.' if path else ''}{key}: {old!r} → {value!r}  ({why})")


def derive(src: str, cards: int, data: str | None, out: str, max_model_parallel: int | None = None) -> list[str]:
    """Write `out`: `src` with parallel degrees, batch sizes, seq_length and save steps derived."""
    if cards < 1:
        raise ConfigError("--cards must be at least 1")
    y = read_yaml(src)
    notes: list[str] = []
    pc, par, runner = y["parallel_config"], y["parallel"], y["runner_config"]
    mp0 = int(pc.get("model_parallel", 1))
    micro = int(pc.get("micro_batch_num", 1))
    accum = int(runner.get("gradient_accumulation_steps", 1) or 1)
    total = global_batch(y)
    mp = min(max_model_parallel or max(mp0, 1), cards)
    while cards % mp:
        mp -= 1
    dp = cards // mp
    if total % (dp * micro * accum):
        raise ConfigError(f"global batch {total} does not divide over data_parallel {dp}")
    per_card = total // (dp * micro * accum)
    _note(pc, "model_parallel", mp, f"{cards} card(s); the preset splits weights over {mp0}", notes, "parallel_config")
    _note(pc, "data_parallel", dp, f"{cards} cards / model_parallel {mp}", notes, "parallel_config")
    _note(runner, "batch_size", per_card, f"global batch {total} kept: {per_card} × dp {dp} × micro {micro}"
          f"{f' × accum {accum}' if accum > 1 else ''}", notes, "runner_config")
    y["train_dataset"]["batch_size"] = per_card
    parallel = cards > 1
    _note(y, "use_parallel", parallel, "more than one card" if parallel else "a single card", notes, "")
    if not parallel:
        _note(par, "parallel_mode", 0, "no parallelism on one card", notes, "parallel")
        _note(par, "full_batch", False, "one card reads its own batches", notes, "parallel")
        _note(par, "enable_parallel_optimizer", False, "nothing to shard on one card", notes, "parallel")
    elif mp > 1:
        _note(par, "parallel_mode", 1, f"model_parallel {mp} needs semi-auto parallel", notes, "parallel")
    if data:
        from converters.encode.mindrecord import read_meta

        meta = read_meta(data)
        mc = y["model"]["model_config"]
        _note(mc, "seq_length", meta["seq_length"], f"{Path(data).name} has rows of {meta['row_length']} = "
              f"seq_length + 1", notes, "model.model_config")
        steps = max(meta["rows"] // total, 1)
        epochs = int(runner.get("epochs", 1))
        for cb in y.get("callbacks") or []:
            if cb.get("type") == "CheckpointMonitor":
                _note(cb, "save_checkpoint_steps", steps, f"one epoch: {meta['rows']} rows / {total} "
                      f"= {steps} steps; {epochs} epochs = {steps * epochs} steps", notes, "callbacks[CheckpointMonitor]")
        y["train_dataset"]["data_loader"]["dataset_dir"] = str(data)
        if meta["rows"] % total:
            notes.append(f"note: {meta['rows'] % total} rows do not fill a last batch and are dropped "
                         f"(drop_remainder); `mathtune data select --multiple-of {total}` avoids that")
    write_yaml(out, y)
    return notes
