"""A MindFormers LoRA adapter → PEFT's adapter_model.safetensors + adapter_config.json (Llama names).

MindFormers keeps A [r, in] and B [out, r] and computes x Aᵀ Bᵀ · α/r; PEFT's lora_A / lora_B
Linear weights have the same shapes and scaling (without rsLoRA), so the tensors copy over as they
are and only the names change: `model.layers.N.attention.wq.mindpet_delta_lora_a` →
`base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight` (PEFT drops the adapter name
"default" when it saves).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from fileio.atomic import atomic_path, write_json
from training.checkpoints.hf_export import hf_name
from training.checkpoints.lora import lora_pairs
from training.checkpoints.params import CheckpointError

PEFT_PREFIX = "base_model.model."
_LAYER = re.compile(r"^model\.layers\.(\d+)\.(.+)\.weight$")


def peft_tensors(params: dict[str, np.ndarray], rank: int) -> tuple[dict[str, np.ndarray], list[str], list[int]]:
    """(PEFT state dict, target module names, adapted layer indices) from a checkpoint's LoRA tensors."""
    pairs = lora_pairs(params)
    if not pairs:
        raise CheckpointError("no LoRA tensors (…mindpet_delta_lora_a/_b) in the checkpoint")
    out, per_layer = {}, {}
    for weight, (a_name, b_name) in sorted(pairs.items()):
        a, b = params[a_name], params[b_name]
        if a.shape[0] != rank or b.shape[1] != rank:
            raise CheckpointError(f"{a_name} has rank {a.shape[0]}, the config says lora_rank {rank}")
        hf = hf_name(weight)
        m = _LAYER.match(hf)
        if not m:
            raise CheckpointError(f"LoRA on {weight}: only the projections inside model.layers export to PEFT")
        per_layer.setdefault(int(m.group(1)), set()).add(m.group(2).rsplit(".", 1)[-1])
        module = PEFT_PREFIX + hf[: -len(".weight")]
        out[module + ".lora_A.weight"] = np.ascontiguousarray(a.astype(np.float32))
        out[module + ".lora_B.weight"] = np.ascontiguousarray(b.astype(np.float32))
    kinds = {frozenset(v) for v in per_layer.values()}
    if len(kinds) != 1:
        raise CheckpointError("LoRA adapts different projections in different layers; PEFT's target_modules "
                              "cannot say that")
    return out, sorted(next(iter(kinds))), sorted(per_layer)


def peft_config(pet: dict, targets: list[str], layers: list[int], num_layers: int,
                base_model: str | None) -> dict:
    """LoraConfig as PEFT writes it (every field, so older and newer PEFT read it alike)."""
    return {"alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": base_model, "bias": "none",
            "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
            "layers_pattern": None, "layers_to_transform": None if len(layers) == num_layers else layers,
            "lora_alpha": pet["lora_alpha"], "lora_dropout": float(pet.get("lora_dropout", 0.0)),
            "modules_to_save": None, "peft_type": "LORA", "r": int(pet["lora_rank"]), "rank_pattern": {},
            "revision": None, "target_modules": targets, "task_type": "CAUSAL_LM", "use_dora": False,
            "use_rslora": False}


def export_peft(params: dict[str, np.ndarray], pet: dict, mc: dict, out_dir: str | os.PathLike,
                base_model: str | None = None) -> Path:
    """Write adapter_model.safetensors + adapter_config.json into `out_dir`."""
    from safetensors.numpy import save_file

    tensors, targets, layers = peft_tensors(params, int(pet["lora_rank"]))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "adapter_model.safetensors") as tmp:
        save_file(tensors, str(tmp), metadata={"format": "pt"})
    write_json(out / "adapter_config.json", peft_config(pet, targets, layers, mc["num_layers"], base_model))
    return out
