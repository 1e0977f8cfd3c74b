"""Greedy generation with a KV cache on CPU over MindFormers Llama weights.

MindFormers' cached path needs Ascend kernels, and its uncached generate recomputes the whole
sequence for every token (~1.8 tokens/s for a 135M model). This decoder keeps keys and values per
layer and computes one new position per step, for a batch of prompts of different lengths, with
numpy's BLAS in float32. It reads the same checkpoint names as MindFormers (LoRA folded in first)
and is tested to give the same greedy tokens as MindFormers' own generate.
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from evaluation.inference.sampling import Sampling, next_tokens


class KVDecoder:
    """Llama forward, one position at a time, with per-sequence KV caches."""

    def __init__(self, params: dict[str, np.ndarray], mc: dict):
        self.h, self.heads = mc["hidden_size"], mc["num_heads"]
        self.kv = mc.get("n_kv_heads") or self.heads
        self.dim = self.h // self.heads
        self.layers = mc["num_layers"]
        self.eps = float(mc.get("rms_norm_eps", 1e-5))
        theta = float(mc.get("theta", 10000.0))
        self.inv_freq = (theta ** (-np.arange(0, self.dim, 2, dtype=np.float64) / self.dim)).astype(np.float32)
        f32 = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in params.items()}
        self.embed = f32["model.tok_embeddings.embedding_weight"]
        self.head_t = np.ascontiguousarray(f32.get("lm_head.weight", self.embed).T)
        self.norm = f32["model.norm_out.weight"]
        self.w = []
        for i in range(self.layers):
            p = f"model.layers.{i}."
            qkv = np.concatenate([f32[p + "attention.wq.weight"], f32[p + "attention.wk.weight"],
                                  f32[p + "attention.wv.weight"]], axis=0)
            up = np.concatenate([f32[p + "feed_forward.w1.weight"], f32[p + "feed_forward.w3.weight"]], axis=0)
            self.w.append({"attn_norm": f32[p + "attention_norm.weight"], "qkv_t": np.ascontiguousarray(qkv.T),
                           "wo_t": np.ascontiguousarray(f32[p + "attention.wo.weight"].T),
                           "ffn_norm": f32[p + "ffn_norm.weight"], "up_t": np.ascontiguousarray(up.T),
                           "down_t": np.ascontiguousarray(f32[p + "feed_forward.w2.weight"].T)})
        self.inter = mc["intermediate_size"]

    def _rms(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * w

    def _rope(self, x: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """x: [..., n, heads, dim]; pos: positions broadcastable to x[..., n]. Half-split rotary."""
        ang = pos[..., None].astype(np.float32) * self.inv_freq  # [..., n, dim/2]
        cos, sin = np.cos(ang)[..., None, :], np.sin(ang)[..., None, :]
        a, b = x[..., : self.dim // 2], x[..., self.dim // 2:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)

    def _mlp(self, x: np.ndarray, w: dict) -> np.ndarray:
        h = self._rms(x, w["ffn_norm"]) @ w["up_t"]
        gate, up = h[..., : self.inter], h[..., self.inter:]
        return (gate / (1.0 + np.exp(-gate)) * up) @ w["down_t"]

    def prefill(self, ids: list[int], cache_len: int) -> tuple[np.ndarray, list]:
        """Run a whole prompt; returns last-position logits and the filled caches."""
        n = len(ids)
        x = self.embed[np.asarray(ids)]  # [n, h]
        pos = np.arange(n)
        mask = np.triu(np.full((n, n), -np.inf, dtype=np.float32), k=1)
        caches = []
        group = self.heads // self.kv
        for w in self.w:
            qkv = self._rms(x, w["attn_norm"]) @ w["qkv_t"]
            q = qkv[:, : self.h].reshape(n, self.heads, self.dim)
            k = qkv[:, self.h: self.h + self.kv * self.dim].reshape(n, self.kv, self.dim)
            v = qkv[:, self.h + self.kv * self.dim:].reshape(n, self.kv, self.dim)
            q, k = self._rope(q, pos), self._rope(k, pos)
            kc = np.zeros((self.kv, cache_len, self.dim), np.float32)
            vc = np.zeros((self.kv, cache_len, self.dim), np.float32)
            kc[:, :n], vc[:, :n] = k.transpose(1, 0, 2), v.transpose(1, 0, 2)
            caches.append((kc, vc))
            qg = q.reshape(n, self.kv, group, self.dim).transpose(1, 2, 0, 3)  # [kv, g, n, d]
            scores = qg @ kc[:, None, :n].transpose(0, 1, 3, 2) / np.sqrt(self.dim) + mask
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            att = (scores / scores.sum(-1, keepdims=True)) @ vc[:, None, :n]  # [kv, g, n, d]
            x = x + att.transpose(2, 0, 1, 3).reshape(n, self.h) @ w["wo_t"]
            x = x + self._mlp(x, w)
        return self._rms(x[-1], self.norm) @ self.head_t, caches

    def step(self, tokens: np.ndarray, pos: np.ndarray, caches: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """One new position for each sequence: tokens [B], pos [B]; caches [(K [B,kv,T,d], V)] updated."""
        bsz = len(tokens)
        x = self.embed[tokens]  # [B, h]
        group = self.heads // self.kv
        rows = np.arange(bsz)
        # attend over the filled part of the cache only: later slots are masked out for every sequence,
        # and reading them cost a third of a decode step at batch 100 (the cache is memory-bound)
        t_len = int(pos.max()) + 1
        mask = np.where(np.arange(t_len)[None, :] <= pos[:, None], 0.0, -np.inf).astype(np.float32)  # [B, T]
        for w, (k_all, v_all) in zip(self.w, caches):
            qkv = self._rms(x, w["attn_norm"]) @ w["qkv_t"]
            q = qkv[:, : self.h].reshape(bsz, 1, self.heads, self.dim)
            k = qkv[:, self.h: self.h + self.kv * self.dim].reshape(bsz, 1, self.kv, self.dim)
            v = qkv[:, self.h + self.kv * self.dim:].reshape(bsz, self.kv, self.dim)
            q, k = self._rope(q, pos[:, None])[:, 0], self._rope(k, pos[:, None])[:, 0]
            k_all[rows, :, pos] = k
            v_all[rows, :, pos] = v
            kc, vc = k_all[:, :, :t_len], v_all[:, :, :t_len]
            qg = q.reshape(bsz, self.kv, group, self.dim)
            scores = qg @ kc.transpose(0, 1, 3, 2) / np.sqrt(self.dim) + mask[:, None, None, :]  # [B, kv, g, T]
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            att = (scores / scores.sum(-1, keepdims=True)) @ vc  # [B, kv, g, d]
            x = x + att.reshape(bsz, self.h) @ w["wo_t"]
            x = x + self._mlp(x, w)
        return self._rms(x, self.norm) @ self.head_t


def greedy(decoder: KVDecoder, prompts: list[list[int]], max_new_tokens: int, eos_id: int,
           min_new_tokens: int = 1, stop: Callable[[int, list[int]], bool] | None = None,
           on_token: Callable[[int], None] | None = None) -> list[list[int]]:
    """Greedy continuations of a batch of prompts (see `decode`)."""
    return decode(decoder, prompts, max_new_tokens, eos_id, min_new_tokens, stop, on_token)


def decode(decoder: KVDecoder, prompts: list[list[int]], max_new_tokens: int, eos_id: int,
           min_new_tokens: int = 1, stop: Callable[[int, list[int]], bool] | None = None,
           on_token: Callable[[int], None] | None = None, sampling: Sampling | None = None,
           rngs: list[np.random.Generator] | None = None) -> list[list[int]]:
    """Continuations of a batch of prompts (each stops at EOS, at `stop`, or at the limit).

    `min_new_tokens` keeps EOS from ending an output before that many tokens (the contest saw empty
    outputs without it). `stop(i, tokens)` may end sequence i early, e.g. after a code block.
    Greedy unless `sampling` says otherwise; then prompt i draws from `rngs[i]`
    (default: sampling.rngs([[i]])).
    """
    if sampling is not None and not sampling.greedy and rngs is None:
        rngs = sampling.rngs([[i] for i in range(len(prompts))])
    if not prompts:
        return []
    cache_len = max(len(p) for p in prompts) + max_new_tokens
    outs: list[list[int]] = [[] for _ in prompts]
    done = [False] * len(prompts)
    caches_each, first = [], []
    for ids in prompts:
        logits, caches = decoder.prefill(ids, cache_len)
        caches_each.append(caches)
        first.append(logits)
    caches = [(np.stack([c[layer][0] for c in caches_each]), np.stack([c[layer][1] for c in caches_each]))
              for layer in range(decoder.layers)]
    del caches_each
    logits = np.stack(first)
    pos = np.array([len(p) for p in prompts])
    active = list(range(len(prompts)))  # the prompt each row of the (shrinking) batch belongs to
    for n in range(max_new_tokens):
        if n < min_new_tokens:
            logits[:, eos_id] = -np.inf
        nxt = next_tokens(logits, sampling, [rngs[i] for i in active] if rngs is not None else None)
        for i, t in zip(active, nxt):
            if done[i]:
                continue
            if t == eos_id:
                done[i] = True
                continue
            outs[i].append(int(t))
            if on_token:
                on_token(1)
            if stop is not None and stop(i, outs[i]):
                done[i] = True
        if all(done) or n == max_new_tokens - 1:
            break
        # drop finished rows once a quarter of the batch has finished: a few long answers no longer
        # keep the whole batch computing to the token limit (each row draws from its own rng, so the
        # tokens are the same)
        keep = [row for row, i in enumerate(active) if not done[i]]
        if len(keep) <= 0.75 * len(active):
            idx = np.asarray(keep)
            caches = [(k[idx], v[idx]) for k, v in caches]
            nxt, pos, active = nxt[idx], pos[idx], [active[row] for row in keep]
        logits = decoder.step(nxt, pos, caches)
        pos = pos + 1
    return outs


def batches(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i: i + size]


class MindFormersDecoder:
    """MindFormers' own `generate`: with its KV cache on Ascend, without on CPU (slow; for checking)."""

    def __init__(self, params: dict[str, np.ndarray], mc: dict, device: str, seq_length: int):
        from training.model.cpu import CPU_MODEL_SETTINGS, cpu_argmax_patch
        from training.model.build import build_model, load_weights

        self.layers = mc["num_layers"]
        settings = {**mc, "seq_length": seq_length}
        if device == "cpu":
            settings.update(CPU_MODEL_SETTINGS)
        else:
            settings.update(use_past=True, is_dynamic=True)
        self.net = build_model(settings, lora=False)
        load_weights(self.net, params)
        if device == "cpu":
            cpu_argmax_patch(self.net)
        self.seq_length, self.pad = seq_length, int(mc.get("pad_token_id", 0))
        self.use_past = device != "cpu"

    def generate(self, prompts: list[list[int]], max_new_tokens: int, eos_id: int, min_new_tokens: int) -> list[list[int]]:
        outs = []
        for ids in prompts:  # one at a time: without the cache every row is recomputed anyway
            row = np.full((1, self.seq_length), self.pad, np.int32)
            row[0, : len(ids)] = ids
            new = min(max_new_tokens, self.seq_length - len(ids))
            out = self.net.generate(row, do_sample=False, max_new_tokens=new, min_new_tokens=min_new_tokens,
                                    use_past=self.use_past)
            toks = [int(t) for t in out[0][len(ids): len(ids) + new]]
            outs.append(toks[: toks.index(eos_id)] if eos_id in toks else toks)
        return outs
