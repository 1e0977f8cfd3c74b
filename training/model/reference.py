"""A plain numpy Llama forward pass (float64), independent of MindSpore, for checking conversions.

Weights use the Hugging Face names. `rope="half"` rotates the two halves of each head (HF and
MindFormers); `rope="interleaved"` rotates adjacent pairs, which is what llama.cpp's row order
needs, so the GGUF file can be checked as it is, without our own un-permutation.
"""
from __future__ import annotations

import numpy as np


def _rms(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def _rotate(x: np.ndarray, theta: float, rope: str) -> np.ndarray:
    """x: [heads, seq, head_dim]."""
    _, seq, dim = x.shape
    freqs = theta ** (-np.arange(0, dim, 2) / dim)  # [dim/2]
    angles = np.arange(seq)[:, None] * freqs[None, :]  # [seq, dim/2]
    cos, sin = np.cos(angles), np.sin(angles)
    if rope == "half":
        a, b = x[..., : dim // 2], x[..., dim // 2:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * cos - b * sin
    out[..., 1::2] = a * sin + b * cos
    return out


def llama_logits(w: dict[str, np.ndarray], cfg: dict, ids: list[int], rope: str = "half") -> np.ndarray:
    """Logits [seq, vocab] for one sequence. cfg: hidden_size, num_heads, n_kv_heads, num_layers, theta, rms_norm_eps."""
    g = {k: v.astype(np.float64) for k, v in w.items()}
    heads, kv = cfg["num_heads"], cfg.get("n_kv_heads") or cfg["num_heads"]
    dim = cfg["hidden_size"] // heads
    eps, theta = cfg.get("rms_norm_eps", 1e-5), cfg.get("theta", 10000.0)
    x = g["model.embed_tokens.weight"][np.asarray(ids)]
    seq = len(ids)
    mask = np.triu(np.full((seq, seq), -np.inf), k=1)
    for i in range(cfg["num_layers"]):
        p = f"model.layers.{i}."
        h = _rms(x, g[p + "input_layernorm.weight"], eps)
        q = (h @ g[p + "self_attn.q_proj.weight"].T).reshape(seq, heads, dim).transpose(1, 0, 2)
        k = (h @ g[p + "self_attn.k_proj.weight"].T).reshape(seq, kv, dim).transpose(1, 0, 2)
        v = (h @ g[p + "self_attn.v_proj.weight"].T).reshape(seq, kv, dim).transpose(1, 0, 2)
        q, k = _rotate(q, theta, rope), _rotate(k, theta, rope)
        k, v = np.repeat(k, heads // kv, axis=0), np.repeat(v, heads // kv, axis=0)
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(dim) + mask
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        att = (scores / scores.sum(-1, keepdims=True)) @ v
        x = x + att.transpose(1, 0, 2).reshape(seq, heads * dim) @ g[p + "self_attn.o_proj.weight"].T
        h = _rms(x, g[p + "post_attention_layernorm.weight"], eps)
        gate = h @ g[p + "mlp.gate_proj.weight"].T
        x = x + ((gate / (1 + np.exp(-gate))) * (h @ g[p + "mlp.up_proj.weight"].T)) @ g[p + "mlp.down_proj.weight"].T
    x = _rms(x, g["model.norm.weight"], eps)
    head = g.get("lm_head.weight", g["model.embed_tokens.weight"])
    return x @ head.T
