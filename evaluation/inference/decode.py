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


# prompts prefilled in one go hold every token's activations (the MLP's are 2 x intermediate size floats
# a token): 2,048 tokens is 48 MB for SmolLM2, 230 MB for Llama3-8B, and already fills the matmuls
PREFILL_TOKENS = 2048


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
        # weights stay [out, in] as stored, multiplied as `x @ w.T`: OpenBLAS is up to 1.6x faster that way
        # for 2-30 rows (a small batch, a prompt) and no slower for one row or many
        self.embed = f32["model.tok_embeddings.embedding_weight"]
        self.head = f32.get("lm_head.weight", self.embed)  # tied: the embedding itself, no copy
        self.norm = f32["model.norm_out.weight"]
        self.w = []
        for i in range(self.layers):
            p = f"model.layers.{i}."
            self.w.append({"attn_norm": f32[p + "attention_norm.weight"], "ffn_norm": f32[p + "ffn_norm.weight"],
                           "qkv": np.concatenate([f32[p + "attention.wq.weight"], f32[p + "attention.wk.weight"],
                                                  f32[p + "attention.wv.weight"]], axis=0),
                           "wo": f32[p + "attention.wo.weight"],
                           "up": np.concatenate([f32[p + "feed_forward.w1.weight"],
                                                 f32[p + "feed_forward.w3.weight"]], axis=0),
                           "down": f32[p + "feed_forward.w2.weight"]})
        self.inter = mc["intermediate_size"]
        self.sqrt_dim = np.float32(np.sqrt(self.dim))

    def _rms(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return x / np.sqrt(np.add.reduce(x * x, axis=-1, keepdims=True) / x.shape[-1] + self.eps) * w

    def _angles(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """cos and sin of the rotary angles at positions `pos` ([..., n] → [..., n, 1, dim/2])."""
        ang = pos[..., None].astype(np.float32) * self.inv_freq
        return np.cos(ang)[..., None, :], np.sin(ang)[..., None, :]

    def _rope(self, x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
        """x: [..., n, heads, dim], rotated by `_angles` (half-split rotary)."""
        a, b = x[..., : self.dim // 2], x[..., self.dim // 2:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)

    def _mlp(self, x: np.ndarray, w: dict) -> np.ndarray:
        h = self._rms(x, w["ffn_norm"]) @ w["up"].T
        gate, up = h[..., : self.inter], h[..., self.inter:]
        act = np.exp(-gate)  # SiLU(gate) * up, in place: gate / (1 + e^-gate) * up
        act += 1.0
        np.divide(gate, act, out=act)
        act *= up
        return act @ w["down"].T

    def prefill(self, prompts: list[list[int]], cache_len: int) -> tuple[np.ndarray, list]:
        """Run whole prompts; returns each prompt's last-position logits [B, vocab] and the filled caches
        [(K [B, kv, cache_len, d], V)], one row per prompt. Prompts go through each matmul together, up to
        PREFILL_TOKENS tokens at a time (the activations of all their tokens are held at once)."""
        caches = [(np.zeros((len(prompts), self.kv, cache_len, self.dim), np.float32),
                   np.zeros((len(prompts), self.kv, cache_len, self.dim), np.float32)) for _ in self.w]
        logits, first, tokens = [], 0, 0
        for i, ids in enumerate(prompts):
            if i > first and tokens + len(ids) > PREFILL_TOKENS:
                logits.append(self._prefill_group(prompts[first:i], first, caches))
                first, tokens = i, 0
            tokens += len(ids)
        logits.append(self._prefill_group(prompts[first:], first, caches))
        return np.concatenate(logits), caches

    def _prefill_group(self, prompts: list[list[int]], row: int, caches: list) -> np.ndarray:
        lengths = [len(p) for p in prompts]
        ends = np.cumsum(lengths)
        starts = ends - lengths
        x = self.embed[np.concatenate([np.asarray(p, dtype=np.int64) for p in prompts])]  # [N, h]
        cos, sin = self._angles(np.concatenate([np.arange(n) for n in lengths]))
        group, n_all, qk_width = self.heads // self.kv, len(x), (self.heads + self.kv) * self.dim
        for w, (kc, vc) in zip(self.w, caches):
            qkv = self._rms(x, w["attn_norm"]) @ w["qkv"].T
            qk = self._rope(qkv[:, :qk_width].reshape(n_all, self.heads + self.kv, self.dim), cos, sin)
            v = qkv[:, qk_width:].reshape(n_all, self.kv, self.dim)
            att = np.empty((n_all, self.h), np.float32)
            for i, (a, n) in enumerate(zip(starts, lengths), start=row):  # each prompt over its own tokens
                kc[i, :, :n] = qk[a:a + n, self.heads:].transpose(1, 0, 2)
                vc[i, :, :n] = v[a:a + n].transpose(1, 0, 2)
                qg = qk[a:a + n, : self.heads].reshape(n, self.kv, group, self.dim).transpose(1, 2, 0, 3)
                mask = np.triu(np.full((n, n), -np.inf, dtype=np.float32), k=1)
                out = self._attend(qg, kc[i, :, None, :n], vc[i, :, None, :n], mask)  # [kv, g, n, d]
                att[a:a + n] = out.transpose(2, 0, 1, 3).reshape(n, self.h)
            x = x + att @ w["wo"].T
            x = x + self._mlp(x, w)
        return self._logits(x[ends - 1])

    def _attend(self, qg: np.ndarray, kc: np.ndarray, vc: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Queries over their cache, softmax(q·kᵀ/√d + mask)·v. A decode step: one query per sequence, qg
        [B, kv, g, d], kc/vc [B, kv, T, d], mask [B, 1, 1, T] or None. A prompt: qg [kv, g, n, d], kc/vc
        [kv, 1, n, d], the causal mask [n, n]."""
        scores = qg @ kc.transpose(0, 1, 3, 2) / self.sqrt_dim  # [B, kv, g, T]
        if mask is not None:
            scores += mask
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        return (scores / scores.sum(-1, keepdims=True)) @ vc  # [B, kv, g, d]

    def step(self, tokens: np.ndarray, pos: np.ndarray, caches: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """One new position for each sequence: tokens [B], pos [B]; caches [(K [B,kv,T,d], V)] updated."""
        bsz = len(tokens)
        x = self.embed[tokens]  # [B, h]
        group = self.heads // self.kv
        rows = np.arange(bsz)
        # attend over the filled part of the cache only: later slots are masked out for every sequence,
        # and reading them cost a third of a decode step at batch 100 (the cache is memory-bound)
        t_len = int(pos.max()) + 1
        # every sequence at the same position (always at batch 1): nothing to mask
        mask = None if pos.min() == pos.max() else (
            np.where(np.arange(t_len)[None, :] <= pos[:, None], 0.0, -np.inf).astype(np.float32)[:, None, None, :])
        cos, sin = self._angles(pos)  # once for all layers
        qk_width = (self.heads + self.kv) * self.dim
        for w, (k_all, v_all) in zip(self.w, caches):
            qkv = self._rms(x, w["attn_norm"]) @ w["qkv"].T
            # q and k rotated in one go: they are side by side in qkv
            qk = self._rope(qkv[:, :qk_width].reshape(bsz, self.heads + self.kv, self.dim), cos, sin)
            if mask is None:  # one position for all: a plain slice, cheaper than indexing by rows
                k_all[:, :, t_len - 1] = qk[:, self.heads:]
                v_all[:, :, t_len - 1] = qkv[:, qk_width:].reshape(bsz, self.kv, self.dim)
            else:
                k_all[rows, :, pos] = qk[:, self.heads:]
                v_all[rows, :, pos] = qkv[:, qk_width:].reshape(bsz, self.kv, self.dim)
            att = self._attend(qk[:, : self.heads].reshape(bsz, self.kv, group, self.dim), k_all[:, :, :t_len],
                               v_all[:, :, :t_len], mask)
            x = x + att.reshape(bsz, self.h) @ w["wo"].T
            x = x + self._mlp(x, w)
        return self._logits(x)

    def _logits(self, x: np.ndarray) -> np.ndarray:
        return self._rms(x, self.norm) @ self.head.T


def greedy(decoder: KVDecoder, prompts: list[list[int]], max_new_tokens: int, eos_id: int,
           min_new_tokens: int = 1, stop: Callable[[int, list[int]], bool] | None = None,
           on_token: Callable[[int], None] | None = None) -> list[list[int]]:
    """Greedy continuations of a batch of prompts (see `decode`)."""
    return decode(decoder, prompts, max_new_tokens, eos_id, min_new_tokens, stop, on_token)


def decode(decoder: KVDecoder, prompts: list[list[int]], max_new_tokens: int, eos_id: int,
           min_new_tokens: int = 1, stop: Callable[[int, list[int]], bool] | None = None,
           on_token: Callable[[int], None] | None = None, sampling: Sampling | None = None,
           rngs: list[np.random.Generator] | None = None, share_prefill: bool = True) -> list[list[int]]:
    """Continuations of a batch of prompts (each stops at EOS, at `stop`, or at the limit).

    `min_new_tokens` keeps EOS from ending an output before that many tokens (the contest saw empty
    outputs without it). `stop(i, tokens)` may end sequence i early, e.g. after a code block.
    Greedy unless `sampling` says otherwise; then prompt i draws from `rngs[i]`
    (default: sampling.rngs([[i]])). `share_prefill`: a prompt given several times is prefilled once.
    """
    if sampling is not None and not sampling.greedy and rngs is None:
        rngs = sampling.rngs([[i] for i in range(len(prompts))])
    if not prompts:
        return []
    cache_len = max(len(p) for p in prompts) + max_new_tokens
    outs: list[list[int]] = [[] for _ in prompts]
    done = [False] * len(prompts)
    logits, caches = prefill_once(decoder, prompts, cache_len) if share_prefill else decoder.prefill(prompts, cache_len)
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


def prefill_once(decoder: KVDecoder, prompts: list[list[int]], cache_len: int) -> tuple[np.ndarray, list]:
    """`decoder.prefill`, each distinct prompt once: k samples of one question share its prompt, and the
    prefill of GSM8K-length prompts was about 40% of a sampled batch's time. Rows are copied after, only
    the filled positions, layer by layer (the rest stays untouched zeros, as prefill leaves it)."""
    first: dict[tuple, int] = {}
    rows = [first.setdefault(tuple(p), len(first)) for p in prompts]
    if len(first) == len(prompts):
        return decoder.prefill(prompts, cache_len)
    logits, caches = decoder.prefill([list(p) for p in first], cache_len)
    idx, filled = np.asarray(rows), max(len(p) for p in first)
    for layer, pair in enumerate(caches):
        copies = []
        for part in pair:
            full = np.zeros((len(prompts), *part.shape[1:]), part.dtype)
            full[..., :filled, :] = part[idx, ..., :filled, :]
            copies.append(full)
        caches[layer] = tuple(copies)  # the distinct prompts' arrays of this layer go now
    return logits[idx], caches


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
