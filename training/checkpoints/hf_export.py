"""MindFormers' Llama names and Hugging Face's, both ways, and a checkpoint exported as a Hugging Face
folder (safetensors + config.json)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from fileio.atomic import atomic_path, write_json
from training.checkpoints.lora import lora_pairs
from training.checkpoints.params import CheckpointError, model_weights


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
