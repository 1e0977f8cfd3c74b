"""A Hugging Face Llama folder (config.json, safetensors, tokenizer.json) → MindFormers checkpoint + model dir.

The inverse of `export_hf`: names are mapped back (same row layout, no permutation: HF and
MindFormers both rotate the halves of each head), tied embeddings keep one matrix, and the check
compares MindFormers' logits with the numpy reference over the original files.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np

from fileio.atomic import atomic_path, write_json
from fileio.errors import InputError
from training.checkpoints.hf_export import rename

_LAYER = re.compile(r"^model\.layers\.\d+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj|input_layernorm|"
                    r"post_attention_layernorm)\.weight$")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
# numpy has no bfloat16: BF16 is read as uint16 and widened by hand (safetensors.numpy refuses it)
_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": np.uint16}


def mf_name(name: str) -> str:
    """A Hugging Face Llama name → MindFormers' name (inverse of training.checkpoints.hf_export.hf_name)."""
    return rename(name, to_hf=False)


def read_hf_config(folder: Path) -> dict:
    path = folder / "config.json"
    if not path.is_file():
        raise InputError(f"{folder}: no config.json (a Hugging Face model folder?)")
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None
    archs = cfg.get("architectures") or []
    if cfg.get("model_type") != "llama" or (archs and "LlamaForCausalLM" not in archs):
        raise InputError(f"{path}: architecture {archs or cfg.get('model_type')!r}; only Llama "
                         "(model_type llama, LlamaForCausalLM) converts to MindFormers' Llama")
    unsupported = [k for k in ("attention_bias", "mlp_bias") if cfg.get(k)]
    if cfg.get("hidden_act", "silu") != "silu":
        unsupported.append(f"hidden_act {cfg['hidden_act']}")
    if cfg.get("rope_scaling"):
        unsupported.append(f"rope_scaling {cfg['rope_scaling']}")
    head_dim = cfg.get("head_dim")
    if head_dim and head_dim * cfg["num_attention_heads"] != cfg["hidden_size"]:
        unsupported.append(f"head_dim {head_dim} != hidden_size / heads")
    if unsupported:
        raise InputError(f"{path}: not supported by MindFormers' Llama here: {', '.join(map(str, unsupported))}")
    return cfg


def _first(value):
    return value[0] if isinstance(value, list) else value


def model_config(cfg: dict, tok_cfg: dict | None = None) -> dict:
    """MindFormers LlamaConfig values from config.json (pad: config, else the tokenizer's, else EOS)."""
    eos = _first(cfg.get("eos_token_id"))
    pad = cfg.get("pad_token_id")
    if pad is None:
        pad = (tok_cfg or {}).get("pad_token_id", eos)
    return {"hidden_size": cfg["hidden_size"], "num_layers": cfg["num_hidden_layers"],
            "num_heads": cfg["num_attention_heads"],
            "n_kv_heads": cfg.get("num_key_value_heads") or cfg["num_attention_heads"],
            "intermediate_size": cfg["intermediate_size"], "vocab_size": cfg["vocab_size"],
            "rms_norm_eps": float(cfg.get("rms_norm_eps", 1e-6)), "theta": float(cfg.get("rope_theta", 10000.0)),
            "tie_word_embeddings": bool(cfg.get("tie_word_embeddings", False)),
            "bos_token_id": _first(cfg.get("bos_token_id")), "eos_token_id": eos, "pad_token_id": pad}


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """One .safetensors file as float32 arrays (8-byte header length, JSON header, raw little-endian data;
    memory-mapped, so only the float32 copies take memory)."""
    try:
        with open(path, "rb") as handle:
            size = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(size))
        total = path.stat().st_size
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a safetensors file ({exc})") from None
    out, base = {}, 8 + size
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise InputError(f"{path}: tensor {name} has dtype {info['dtype']} (expected F32, F16, BF16)")
        dtype = np.dtype(dtype).newbyteorder("<")
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if end - begin != count * dtype.itemsize or base + end > total:
            raise InputError(f"{path}: tensor {name} does not fit the file (truncated download?)")
        arr = np.memmap(path, dtype=dtype, mode="r", offset=base + begin, shape=(count,)) if count else \
            np.zeros(0, dtype)
        if info["dtype"] == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        out[name] = arr.astype(np.float32).reshape(info["shape"])
    return out


def read_hf_weights(folder: Path) -> dict[str, np.ndarray]:
    """All tensors of model.safetensors, or of the shards model.safetensors.index.json lists."""
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        files = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
    elif (folder / "model.safetensors").is_file():
        files = ["model.safetensors"]
    else:
        found = sorted(p.name for p in folder.glob("*.safetensors"))
        if not found:
            raise InputError(f"{folder}: no *.safetensors weights (pytorch_model.bin is not read: convert it "
                             "with transformers' save_pretrained(safe_serialization=True))")
        files = found
    tensors: dict[str, np.ndarray] = {}
    for name in files:
        if not (folder / name).is_file():
            raise InputError(f"{folder / name}: listed in the index but missing")
        tensors.update(_read_safetensors(folder / name))
    return tensors


def to_mindformers(tensors: dict[str, np.ndarray], mc: dict) -> dict[str, np.ndarray]:
    """MindFormers' names and the shapes a model of `mc` needs; a tied lm_head is dropped."""
    from training.checkpoints.params import check_fits

    keep = {k: v for k, v in tensors.items() if not k.endswith("rotary_emb.inv_freq")}  # older files keep it
    if mc["tie_word_embeddings"]:
        keep.pop("lm_head.weight", None)
    unknown = [k for k in keep if k not in ("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight")
               and not _LAYER.match(k)]
    if unknown:
        raise InputError(f"tensors a Llama does not have: {unknown[:3]}")
    out = {mf_name(k): v for k, v in keep.items()}
    check_fits(out, expected_shapes(mc))
    return out


def expected_shapes(mc: dict) -> dict[str, tuple]:
    h, inter, vocab = mc["hidden_size"], mc["intermediate_size"], mc["vocab_size"]
    kv = h // mc["num_heads"] * mc["n_kv_heads"]
    shapes = {"model.tok_embeddings.embedding_weight": (vocab, h), "model.norm_out.weight": (h,)}
    if not mc["tie_word_embeddings"]:
        shapes["lm_head.weight"] = (vocab, h)
    for i in range(mc["num_layers"]):
        p = f"model.layers.{i}."
        shapes.update({p + "attention.wq.weight": (h, h), p + "attention.wk.weight": (kv, h),
                       p + "attention.wv.weight": (kv, h), p + "attention.wo.weight": (h, h),
                       p + "feed_forward.w1.weight": (inter, h), p + "feed_forward.w3.weight": (inter, h),
                       p + "feed_forward.w2.weight": (h, inter), p + "attention_norm.weight": (h,),
                       p + "ffn_norm.weight": (h,)})
    return shapes


def read_hf_model(folder: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict, dict[str, np.ndarray]]:
    """(MindFormers params, model_config, original HF tensors) of a Hugging Face Llama folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"not a folder: {folder}")
    cfg = read_hf_config(folder)
    tok_cfg_path = folder / "tokenizer_config.json"
    tok_cfg = json.loads(tok_cfg_path.read_text(encoding="utf-8")) if tok_cfg_path.is_file() else {}
    mc = model_config(cfg, _pad_id(folder, tok_cfg))
    raw = read_hf_weights(folder)
    return to_mindformers(raw, mc), mc, raw


def _pad_id(folder: Path, tok_cfg: dict) -> dict:
    """{'pad_token_id': id} when tokenizer_config.json names a pad token tokenizer.json knows."""
    pad = tok_cfg.get("pad_token")
    pad = pad.get("content") if isinstance(pad, dict) else pad
    if pad is None or not (folder / "tokenizer.json").is_file():
        return {}
    from tokenizers import Tokenizer

    token_id = Tokenizer.from_file(str(folder / "tokenizer.json")).token_to_id(pad)
    return {} if token_id is None else {"pad_token_id": token_id}


PRESET = Path(__file__).resolve().parents[2] / "yaml" / "cpu_smollm2_135m_lora.yaml"


def write_train_config(mc: dict, out: Path, preset: Path = PRESET) -> Path | None:
    """The CPU LoRA preset with the model's shape in model_config (keys it sets lose their comments)."""
    from training.config.yamledit import read_yaml, write_yaml

    if not preset.is_file():
        return None
    data = read_yaml(preset)
    model = data["model"]["model_config"]
    for key, value in mc.items():
        model[key] = value
        model.ca.items.pop(key, None)  # the preset's comments describe SmolLM2, not this model
    data["trainer"]["model_name"] = "llama_from_hf"
    for callback in data.get("callbacks") or []:
        if callback.get("type") == "CheckpointMonitor":
            callback["prefix"] = "llama_lora"
    data.yaml_set_start_comment(f"derived by `mathtune ckpt from-hf` from {preset.name}: model_config from "
                                "config.json; train with --ckpt model.ckpt beside this file")
    write_yaml(out / "train_config.yaml", data)
    return out / "train_config.yaml"


def verify(params: dict[str, np.ndarray], raw: dict[str, np.ndarray], mc: dict, folder: Path,
           prompt: str = "The capital of France is") -> dict:
    """Max |logit difference| between MindFormers and the numpy reference over the original tensors."""
    from training.model.build import converted_logits
    from training.model.reference import llama_logits

    if (folder / "tokenizer.json").is_file():
        from tokenizers import Tokenizer

        ids = Tokenizer.from_file(str(folder / "tokenizer.json")).encode(prompt, add_special_tokens=False).ids
    else:
        ids = [i for i in range(1, 9) if i != mc["pad_token_id"]]  # MindFormers ignores pad inputs
    ours = converted_logits(params, mc, ids)
    ref_weights = {k: v for k, v in raw.items() if not (mc["tie_word_embeddings"] and k == "lm_head.weight")}
    ref = llama_logits(ref_weights, mc, ids, rope="half")
    return {"positions": len(ids), "max_abs_diff": float(np.abs(ours - ref).max()),
            "next_token_id": int(np.argmax(ours[-1])), "reference_next_token_id": int(np.argmax(ref[-1]))}


def convert(folder: str | os.PathLike, out_dir: str | os.PathLike, check: bool = True) -> dict:
    """Write model.ckpt, model_config.json, the tokenizer files, train_config.yaml and conversion.json."""
    from training.checkpoints.params import save_params
    from training.model.build import require_close

    folder, out = Path(folder), Path(out_dir)
    params, mc, raw = read_hf_model(folder)
    if not (folder / "tokenizer.json").is_file():
        raise InputError(f"{folder}: no tokenizer.json (predict and data preparation need it)")
    report = {"source": str(folder), "model_config": mc, "tensors": len(params),
              "parameters": int(sum(v.size for v in params.values()))}
    if check:
        report["check"] = verify(params, raw, mc, folder)
        require_close(report["check"])
    out.mkdir(parents=True, exist_ok=True)
    for name in TOKENIZER_FILES:
        if (folder / name).is_file():
            with atomic_path(out / name) as tmp:
                shutil.copyfile(folder / name, tmp)
    save_params(params, out / "model.ckpt")
    write_json(out / "model_config.json", mc)
    config = write_train_config(mc, out)
    report["train_config"] = str(config) if config else None
    write_json(out / "conversion.json", report)
    return report
