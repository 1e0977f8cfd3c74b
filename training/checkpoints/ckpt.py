"""Checkpoint tools: LoRA merge/extract, export to the Hugging Face layout, shard merging.

The transforms are pure functions over {name: numpy array}; reading and writing .ckpt files is
kept to `load_params` / `save_params`, which check names and shapes and write atomically.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from fileio.atomic import atomic_path, readable, write_json
from fileio.errors import InputError

LORA_A, LORA_B = ".mindpet_delta_lora_a", ".mindpet_delta_lora_b"
MODEL_PREFIXES = ("model.", "lm_head.")


class CheckpointError(InputError):
    """A checkpoint that does not fit what was asked (names, shapes, LoRA settings)."""


def load_params(path: str | os.PathLike) -> dict[str, np.ndarray]:
    import mindspore as ms

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        return {k: v.asnumpy() for k, v in ms.load_checkpoint(str(path)).items()}
    except (RuntimeError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a MindSpore checkpoint ({str(exc).splitlines()[0]})") from None


def save_params(params: dict[str, np.ndarray], out: str | os.PathLike) -> Path:
    """Write a .ckpt atomically (MindSpore appends .ckpt to names without it, so the temp name has it)."""
    import mindspore as ms

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial.ckpt")
    try:
        ms.save_checkpoint([{"name": k, "data": ms.Tensor(v)} for k, v in params.items()], str(tmp))
        readable(tmp)  # MindSpore leaves it 0400
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def model_weights(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drop optimizer states, step counters and loss scale: keep the network's own weights."""
    return {k: v for k, v in params.items() if k.startswith(MODEL_PREFIXES)}


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


def check_fits(params: dict[str, np.ndarray], expected: dict[str, tuple]) -> None:
    """Refuse parameters whose names or shapes differ from a model's (lists the first few)."""
    missing = sorted(set(expected) - set(params))
    extra = sorted(set(params) - set(expected))
    wrong = [f"{k}: {params[k].shape} != {expected[k]}" for k in expected if k in params
             and tuple(params[k].shape) != tuple(expected[k])]
    if missing or extra or wrong:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} (e.g. {missing[:3]})")
        if extra:
            parts.append(f"unexpected {len(extra)} (e.g. {extra[:3]})")
        if wrong:
            parts.append(f"wrong shape {len(wrong)} (e.g. {wrong[:3]})")
        raise CheckpointError("checkpoint does not fit the model: " + "; ".join(parts))


# --- Hugging Face layout -------------------------------------------------------------------
# One table, read both ways: (MindFormers' name part, Hugging Face's name part). Whole names are
# anchored (^…$); the others are dotted fragments inside a layer's name.
NAME_PAIRS = [("^model.tok_embeddings.embedding_weight$", "^model.embed_tokens.weight$"),
              ("^model.norm_out.weight$", "^model.norm.weight$"),
              ("^lm_head.weight$", "^lm_head.weight$"),
              (".attention.wq.", ".self_attn.q_proj."), (".attention.wk.", ".self_attn.k_proj."),
              (".attention.wv.", ".self_attn.v_proj."), (".attention.wo.", ".self_attn.o_proj."),
              (".feed_forward.w1.", ".mlp.gate_proj."), (".feed_forward.w2.", ".mlp.down_proj."),
              (".feed_forward.w3.", ".mlp.up_proj."), (".attention_norm.", ".input_layernorm."),
              (".ffn_norm.", ".post_attention_layernorm.")]


def rename(name: str, to_hf: bool) -> str:
    """A Llama parameter name in the other library's naming (the row layout is the same: no permutation)."""
    for mf, hf in NAME_PAIRS:
        src, dst = (mf, hf) if to_hf else (hf, mf)
        if src.startswith("^"):
            if name == src[1:-1]:
                return dst[1:-1]
        elif src in name:
            name = name.replace(src, dst)
    return name


def hf_name(name: str) -> str:
    """MindFormers' Llama name → the Hugging Face Llama name."""
    return rename(name, to_hf=True)


def hf_config(mc: dict) -> dict:
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": mc["hidden_size"],
            "intermediate_size": mc["intermediate_size"], "num_attention_heads": mc["num_heads"],
            "num_key_value_heads": mc.get("n_kv_heads") or mc["num_heads"], "num_hidden_layers": mc["num_layers"],
            "vocab_size": mc["vocab_size"], "rms_norm_eps": mc.get("rms_norm_eps", 1e-5),
            "rope_theta": float(mc.get("theta", 10000)), "max_position_embeddings": mc.get("seq_length", 2048),
            "tie_word_embeddings": bool(mc.get("tie_word_embeddings", False)), "hidden_act": "silu",
            "bos_token_id": mc.get("bos_token_id"), "eos_token_id": mc.get("eos_token_id"),
            "pad_token_id": mc.get("pad_token_id"), "torch_dtype": "float32"}


def export_hf(params: dict[str, np.ndarray], mc: dict, out_dir: str | os.PathLike) -> Path:
    """A merged (LoRA-free) checkpoint → model.safetensors + config.json in `out_dir`."""
    from safetensors.numpy import save_file

    if lora_pairs(params):
        raise CheckpointError("the checkpoint still has LoRA tensors: run `mathtune ckpt merge-lora` first")
    weights = model_weights(params)
    if not weights:
        raise CheckpointError("no model weights (model.* / lm_head.*) in the checkpoint")
    tensors = {hf_name(k): np.ascontiguousarray(v.astype(np.float32)) for k, v in weights.items()}
    expected = 2 + 9 * mc["num_layers"] + (0 if mc.get("tie_word_embeddings") else 1)
    if len(tensors) != expected:
        raise CheckpointError(f"{len(tensors)} weights, but a {mc['num_layers']}-layer Llama has {expected}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "model.safetensors") as tmp:
        save_file(tensors, str(tmp), metadata={"format": "pt"})
    write_json(out / "config.json", hf_config(mc))
    return out


# --- per-rank shards ----------------------------------------------------------------------
_STEP = re.compile(r"-(\d+)_(\d+)\.ckpt$")


def _latest(rank_dir: Path) -> Path:
    found = sorted(rank_dir.glob("*.ckpt"), key=lambda p: tuple(map(int, _STEP.search(p.name).groups()))
                   if _STEP.search(p.name) else (0, 0))
    if not found:
        raise CheckpointError(f"{rank_dir}: no .ckpt files")
    return found[-1]


def strategy_devices(strategy_file: Path) -> int:
    """How many devices the strategy file describes (product of a layout's device matrix)."""
    from mindspore.train import node_strategy_pb2

    smap = node_strategy_pb2.ParallelStrategyMap()
    smap.ParseFromString(strategy_file.read_bytes())
    if not smap.parallel_layout_item:
        raise CheckpointError(f"{strategy_file}: no parameter layouts (not a parallel strategy file?)")
    return int(np.prod(list(smap.parallel_layout_item[0].parallel_layouts.dev_matrix[0].dim)))


def merge_shards(checkpoint_dir: str | os.PathLike, strategy: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Per-rank checkpoints (checkpoint_dir/rank_N/*.ckpt, the newest of each) → one full checkpoint.

    `strategy` is the strategy file MindFormers saved, or its folder of per-rank files (merged first,
    which pipeline-parallel runs need). Uses mindspore.transform_checkpoints.
    """
    import shutil
    import tempfile

    import mindspore as ms

    checkpoint_dir, strategy, out = Path(checkpoint_dir), Path(strategy), Path(out)
    ranks = sorted((p for p in checkpoint_dir.glob("rank_*") if p.is_dir()), key=lambda p: int(p.name[5:]))
    if not ranks:
        raise CheckpointError(f"{checkpoint_dir}: no rank_N folders")
    work = Path(tempfile.mkdtemp(prefix=".merge-", dir=out.parent if out.parent.exists() else None))
    try:
        if strategy.is_dir():
            files = sorted(strategy.glob("*.ckpt"))
            if not files:
                raise CheckpointError(f"{strategy}: no strategy files")
            merged = work / "strategy.ckpt"
            if len(files) == 1:
                shutil.copyfile(files[0], merged)
            else:
                ms.merge_pipeline_strategys(str(strategy), str(merged))
            strategy = merged
        elif not strategy.is_file():
            raise CheckpointError(f"strategy file not found: {strategy}")
        devices = strategy_devices(strategy)
        if devices != len(ranks):
            raise CheckpointError(f"the strategy describes {devices} devices but {checkpoint_dir} has {len(ranks)} ranks")
        src = work / "src"
        for rank_dir in ranks:
            (src / rank_dir.name).mkdir(parents=True)
            latest = _latest(rank_dir)
            os.symlink(latest.resolve(), src / rank_dir.name / latest.name)
        ms.transform_checkpoints(str(src), str(work / "dst"), "merged", str(strategy), None)
        result = work / "dst" / "rank_0" / "merged0.ckpt"
        if not result.exists():
            raise CheckpointError("transform_checkpoints produced no merged checkpoint")
        out.parent.mkdir(parents=True, exist_ok=True)
        readable(result)  # transform_checkpoints leaves it 0400
        os.replace(result, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
