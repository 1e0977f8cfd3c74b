"""Sampling for the KV-cache decoder, self-consistency voting and pass@k (pure functions).

Each sequence draws from its own numpy Generator seeded by (seed, row, sample), so a sample is
the same whatever batch it was decoded in. Temperature 0 (or top-k 1) is greedy.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from math import comb
from typing import Callable, Sequence

import numpy as np


MIN_TEMPERATURE = 1e-4


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0  # 0: no cut
    seed: int = 0

    def __post_init__(self):
        if not (self.temperature >= 0 and 0 < self.top_p <= 1 and self.top_k >= 0):  # NaN fails too
            raise ValueError("need temperature ≥ 0, 0 < top-p ≤ 1 and top-k ≥ 0")

    @property
    def greedy(self) -> bool:
        # below 1e-4 the scaled logits overflow float64 and the draw is the argmax anyway
        return self.temperature < MIN_TEMPERATURE or self.top_k == 1

    def rngs(self, keys: Sequence[Sequence[int]]) -> list[np.random.Generator]:
        """One Generator per sequence, from (seed, *key) — e.g. key (row, sample)."""
        return [np.random.default_rng([self.seed, *key]) for key in keys]


def next_tokens(logits: np.ndarray, sampling: Sampling | None, rngs: Sequence[np.random.Generator] | None) -> np.ndarray:
    """The next token of each row of `logits` [B, V]: argmax when greedy, else a draw from the
    temperature-scaled distribution cut to the top-k tokens and then to the top-p mass."""
    if sampling is None or sampling.greedy:
        return logits.argmax(-1)
    out = np.empty(len(logits), dtype=np.int64)
    for i, row in enumerate(logits):
        z = row.astype(np.float64) / sampling.temperature
        order, p = _kept(z, sampling)
        cum = np.cumsum(p)
        out[i] = order[min(int(np.searchsorted(cum, rngs[i].random() * cum[-1], side="right")), len(cum) - 1)]
    return out


CANDIDATES = (64, 1024)  # top-p looks at this many of the likeliest tokens first; all of them only if it must


def _kept(z: np.ndarray, sampling: Sampling) -> tuple[np.ndarray, np.ndarray]:
    """(tokens, probabilities) that remain after the top-k and top-p cuts, likeliest first, ties by token id
    (the order of a stable sort of all of z, which a sampling step cannot afford: 49k tokens per row). The
    same tokens as the full sort, up to rounding: top-p normalises by a sum taken in another order."""
    if sampling.top_k:
        order = _likeliest(z, sampling.top_k)
        p = np.exp(z[order] - z[order[0]])
        p /= p.sum()
        return _top_p(order, p, sampling.top_p)
    if sampling.top_p < 1:
        total = np.exp(z - z.max()).sum()
        for m in CANDIDATES:
            order = _likeliest(z, m)
            p = np.exp(z[order] - z[order[0]]) / total
            if len(order) == len(z) or int(np.searchsorted(np.cumsum(p), sampling.top_p)) < len(order):
                return _top_p(order, p, sampling.top_p)  # the top-p prefix lies within these candidates
    order = _likeliest(z, len(z))
    p = np.exp(z[order] - z[order[0]])
    return _top_p(order, p / p.sum(), sampling.top_p)


def _likeliest(z: np.ndarray, m: int) -> np.ndarray:
    """The first m of `np.argsort(-z, kind="stable")`, sorting only m values."""
    if m >= len(z):
        return np.argsort(-z, kind="stable")
    kth = np.partition(z, len(z) - m)[len(z) - m]  # the m-th largest value
    above = np.flatnonzero(z > kth)
    chosen = np.concatenate([above, np.flatnonzero(z == kth)[: m - len(above)]])  # ties: lowest ids first
    if len(chosen) < m:  # NaN logits: partition counts them as largest, a sort puts them last
        return np.argsort(-z, kind="stable")[:m]
    return chosen[np.lexsort((chosen, -z[chosen]))]


def _top_p(order: np.ndarray, p: np.ndarray, top_p: float) -> tuple[np.ndarray, np.ndarray]:
    if top_p >= 1:
        return order, p
    keep = int(np.searchsorted(np.cumsum(p), top_p)) + 1  # smallest prefix with mass ≥ p
    return order[:keep], p[:keep] / p[:keep].sum()


def majority_vote(answers: Sequence[str | None], key: Callable[[str], object] | None = None) -> str | None:
    """The most frequent non-empty answer (answers with equal `key`, e.g. the same exact number,
    count as one); ties go to the one that appeared first, and the first spelling is returned."""
    def norm(a: str) -> object:
        got = key(a) if key else None
        return a if got is None else got

    given = [a for a in answers if a is not None and a != ""]
    counts = Counter(norm(a) for a in given)
    if not counts:
        return None
    best = max(counts.values())
    return next(a for a in given if counts[norm(a)] == best)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples of which c are correct (Chen et al. 2021): 1 - C(n-c, k)/C(n, k)."""
    if not 0 < k <= n or not 0 <= c <= n:
        raise ValueError(f"need 0 < k ≤ n and 0 ≤ c ≤ n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)
