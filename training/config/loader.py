"""Run configs: the one loader, filling values from the data, and checks before a long run.

A typo in an 8B config should fail here in a second, not after an hour on the NPUs.
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path

from fileio.errors import InputError
from training.config.errors import ConfigError
from training.config.keys import lora_keys, model_keys, old_layout


def load_config(path: str | os.PathLike):
    """A YAML file → MindFormerConfig (MindFormers' own loader, attribute access)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config not found: {path}")
    from mindformers import MindFormerConfig

    try:
        return MindFormerConfig(str(path))
    except Exception as exc:  # the loader raises yaml and plain errors alike
        raise ConfigError(f"{path}: cannot load: {exc}") from None


def _unknown(keys, known, where: str) -> list[str]:
    problems = []
    for key in keys:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            problems.append(f"unknown key {where}.{key}" + (f" (did you mean {close[0]}?)" if close else ""))
    return problems


def lora_block(cfg) -> dict | None:
    """The LoRA settings of a config, or None when it trains every parameter."""
    pet = cfg.model.model_config.get("pet_config")
    if not pet:
        return None
    return dict(pet)


def check_config(cfg, train_data: str | None = None) -> list[str]:
    """Every problem found, as sentences; empty when the run may start."""
    from training.config.registry import check_types, pet_types

    problems = check_types(cfg) + old_layout(cfg)
    model_cfg = cfg.model.model_config
    problems += _unknown(model_cfg.keys(), model_keys(), "model.model_config")
    pet = model_cfg.get("pet_config")
    if pet:
        if "type" in pet and "pet_type" not in pet:
            problems.append("model.model_config.pet_config has 'type' but no 'pet_type': MindFormers ignores "
                            "'type: LoraConfig' there and trains every parameter; write 'pet_type: lora'")
        elif pet.get("pet_type") != "lora" and (pet.get("pet_type") is None or pet["pet_type"] in pet_types()):
            # (a pet_type MindFormers does not know is named by training.config.registry)
            problems.append(f"model.model_config.pet_config.pet_type is {pet.get('pet_type')!r}; only 'lora' is supported")
        problems += _unknown([k for k in pet.keys() if k != "type"], lora_keys(), "model.model_config.pet_config")
        for key, kind in (("lora_rank", int), ("lora_alpha", (int, float)), ("lora_dropout", (int, float))):
            if key in pet and (not isinstance(pet[key], kind) or isinstance(pet[key], bool)):
                problems.append(f"model.model_config.pet_config.{key} must be a number, got {pet[key]!r}")
    for key in ("rms_norm_eps", "theta", "scaling_factor"):
        if key in model_cfg and (isinstance(model_cfg[key], (str, bool)) or model_cfg[key] is None):
            problems.append(f"model.model_config.{key} must be a number, got {model_cfg[key]!r}"
                            + (" (YAML reads 1e-05 as text: write 1.0e-5)" if isinstance(model_cfg[key], str) else ""))
    for key in ("seq_length", "hidden_size", "num_layers", "num_heads", "vocab_size"):
        if not isinstance(model_cfg.get(key), int) or model_cfg.get(key) <= 0:
            problems.append(f"model.model_config.{key} must be a positive integer, got {model_cfg.get(key)!r}")
    if isinstance(model_cfg.get("hidden_size"), int) and isinstance(model_cfg.get("num_heads"), int) \
            and model_cfg.num_heads > 0 and model_cfg.hidden_size % model_cfg.num_heads:
        problems.append(f"hidden_size {model_cfg.hidden_size} is not divisible by num_heads {model_cfg.num_heads}")
    if train_data is not None:
        problems += check_data(cfg, train_data)
    return problems


def check_data(cfg, train_data: str) -> list[str]:
    """The MindRecord fits the model: row length, vocabulary, special ids, enough rows for a step."""
    from converters.encode.mindrecord import read_meta

    path = Path(train_data)
    if not path.exists():
        return [f"train data not found: {path}"]
    try:
        meta = read_meta(path)
    except InputError as exc:
        return [str(exc)]
    problems = []
    model_cfg = cfg.model.model_config
    if meta["row_length"] != model_cfg.seq_length + 1:
        problems.append(f"{path} has rows of {meta['row_length']} tokens but model seq_length is "
                        f"{model_cfg.seq_length} (needs rows of seq_length + 1 = {model_cfg.seq_length + 1})")
    tok = meta["tokenizer"]
    fit = " (a config for this tokenizer, or train --fit-model-to-data to build the model from the data)"
    if tok.get("vocab_size", 0) > model_cfg.vocab_size:
        problems.append(f"the data's tokenizer has {tok['vocab_size']} ids but vocab_size is {model_cfg.vocab_size}"
                        + fit)
    if tok.get("pad_id") is not None and tok["pad_id"] != model_cfg.pad_token_id:
        problems.append(f"pad_token_id {model_cfg.pad_token_id} differs from the data's pad id {tok['pad_id']}" + fit)
    batch = global_batch(cfg)
    if meta["rows"] < batch:
        problems.append(f"{path} has {meta['rows']} rows, fewer than one global batch of {batch}")
    return problems


def data_misfit(cfg, tok_meta: dict) -> str | None:
    """How the data's tokenizer does not fit the model (more ids than vocab_size, another pad id), or None."""
    model_cfg = cfg.model.model_config
    found = []
    if tok_meta.get("vocab_size", 0) > model_cfg.vocab_size:
        found.append(f"the data's tokenizer has {tok_meta['vocab_size']} ids but vocab_size is {model_cfg.vocab_size}")
    if tok_meta.get("pad_id") is not None and tok_meta["pad_id"] != model_cfg.pad_token_id:
        found.append(f"pad_token_id {model_cfg.pad_token_id} differs from the data's pad id {tok_meta['pad_id']}")
    return "; ".join(found) or None


def global_batch(cfg) -> int:
    """Rows per step: batch_size × data_parallel (when parallel) × micro_batch_num × gradient accumulation.

    Plain mapping access, so it serves a MindFormerConfig and a ruamel tree alike.
    """
    runner = cfg["runner_config"]
    parallel = cfg.get("parallel_config") or {}
    dp = int(parallel.get("data_parallel", 1)) if cfg.get("use_parallel") else 1
    return (int(runner["batch_size"]) * dp * int(parallel.get("micro_batch_num", 1))
            * int(runner.get("gradient_accumulation_steps", 1) or 1))


def fill_from_data(cfg, train_data: str, fit_model: bool = False) -> list[str]:
    """Set seq_length and BOS/EOS ids from the MindRecord's metadata; say what changed.

    vocab_size and the pad id (the loss ignores inputs equal to it) define the model: they are
    changed only with `fit_model`, otherwise a mismatch is left for `check_data` to refuse.
    """
    from converters.encode.mindrecord import read_meta

    meta = read_meta(train_data)
    model_cfg = cfg.model.model_config
    notes = []

    def put(key, value, why):
        if model_cfg.get(key) != value:
            notes.append(f"model.model_config.{key}: {model_cfg.get(key)!r} → {value!r} ({why})")
            model_cfg[key] = value

    put("seq_length", meta["seq_length"], f"rows of {meta['row_length']} = seq_length + 1")
    tok = meta["tokenizer"]
    if fit_model and model_cfg.get("vocab_size", 0) < tok["vocab_size"]:
        put("vocab_size", tok["vocab_size"], "--fit-model-to-data: the data's tokenizer")
    if fit_model:
        put("pad_token_id", tok["pad_id"], "--fit-model-to-data: the data's tokenizer")
    for key, meta_key in (("bos_token_id", "bos_id"), ("eos_token_id", "eos_id")):
        put(key, tok[meta_key], "the data's tokenizer")
    cfg.train_dataset.data_loader.dataset_dir = str(train_data)
    return notes
