"""LoRA in a checkpoint: its A/B pairs, folded into the weights or taken out, and an adapter folder with its
config. Pure functions over {name: numpy array}."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from fileio.atomic import write_json
from training.checkpoints.params import CheckpointError, load_params, model_weights, save_params

LORA_A, LORA_B = ".mindpet_delta_lora_a", ".mindpet_delta_lora_b"


def lora_pairs(params: dict[str, np.ndarray]) -> dict[str, tuple[str, str]]:
    """base weight name → (A name, B name) for every LoRA-adapted projection."""
    pairs = {}
    for name in params:
        if name.endswith(LORA_A) and ".adam" not in name and not name.startswith(("adam_", "accu_")):
            module = name[: -len(LORA_A)]
            b = module + LORA_B
            if b not in params:
                raise CheckpointError(f"{name} has no matching {b}")
            pairs[module + ".weight"] = (name, b)
    return pairs


def merge_lora(params: dict[str, np.ndarray], alpha: float, rank: int) -> dict[str, np.ndarray]:
    """W + (α/r)·B@A for every adapted projection; the LoRA tensors are dropped.

    α and r must be the run's own (MindFormers' merge script defaults the scale to 1, which is wrong
    for α 16, r 8). Shapes are checked: A [r, in], B [out, r], W [out, in].
    """
    pairs = lora_pairs(params)
    if not pairs:
        raise CheckpointError("no LoRA tensors (…mindpet_delta_lora_a/_b) in the checkpoint")
    merged = {k: v for k, v in model_weights(params).items() if LORA_A not in k and LORA_B not in k}
    scale = alpha / rank
    for weight, (a_name, b_name) in pairs.items():
        if weight not in merged:
            raise CheckpointError(f"LoRA tensors for {weight} but no base weight of that name")
        a, b, w = params[a_name], params[b_name], merged[weight]
        if a.shape[0] != rank or b.shape[1] != rank:
            raise CheckpointError(f"{a_name} has rank {a.shape[0]}, the config says lora_rank {rank}")
        if (b.shape[0], a.shape[1]) != w.shape:
            raise CheckpointError(f"{weight} is {w.shape} but B@A is {(b.shape[0], a.shape[1])}")
        merged[weight] = (w.astype(np.float32) + scale * (b.astype(np.float32) @ a.astype(np.float32))).astype(w.dtype)
    return merged


def folded_weights(params: dict[str, np.ndarray], pet: dict | None) -> dict[str, np.ndarray]:
    """The model's weights of a checkpoint: its LoRA folded in with the run's α and r when it has one,
    optimizer state dropped."""
    if any("mindpet_delta_lora" in k for k in params):
        params = merge_lora(params, pet["lora_alpha"], pet["lora_rank"])
    return model_weights(params)


def extract_lora(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Only the LoRA tensors of the network (no optimizer moments)."""
    pairs = lora_pairs(params)
    if not pairs:
        raise CheckpointError("no LoRA tensors (…mindpet_delta_lora_a/_b) in the checkpoint")
    return {name: params[name] for a_b in pairs.values() for name in a_b}


def adapter_config(pet: dict, model_cfg: dict) -> dict:
    return {"peft_type": "LORA", "r": int(pet["lora_rank"]), "lora_alpha": pet["lora_alpha"],
            "lora_dropout": pet.get("lora_dropout", 0.0), "target_modules": pet.get("target_modules"),
            "base_model": {k: model_cfg.get(k) for k in ("hidden_size", "num_layers", "num_heads", "n_kv_heads",
                                                         "intermediate_size", "vocab_size")}}


def write_adapter(params: dict[str, np.ndarray], pet: dict, model_cfg: dict, out_dir: str | os.PathLike) -> Path:
    out = Path(out_dir)
    save_params(extract_lora(params), out / "adapter.ckpt")
    write_json(out / "adapter_config.json", adapter_config(pet, model_cfg))
    return out


def read_adapter(adapter_dir: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    adapter_dir = Path(adapter_dir)
    cfg_path = adapter_dir / "adapter_config.json"
    if not cfg_path.is_file():
        raise CheckpointError(f"{cfg_path}: missing (an adapter folder holds adapter.ckpt + adapter_config.json)")
    return load_params(adapter_dir / "adapter.ckpt"), json.loads(cfg_path.read_text(encoding="utf-8"))
