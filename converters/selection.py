"""De-duplication, stratified sampling by category, and trimming to a batch multiple."""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from typing import Callable, Iterable

from fileio.errors import InputError


def normalise_ws(text: str) -> str:
    return " ".join(text.split())


def dedup(rows: Iterable[dict], key: Callable[[dict], object]) -> list[dict]:
    """Keep the first row of every key, in order."""
    seen: set = set()
    kept = []
    for row in rows:
        k = key(row)
        if k not in seen:
            seen.add(k)
            kept.append(row)
    return kept


def dedup_both(rows: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """`dedup(rows, exact_key)` and `dedup(that, whitespace_key)` in one pass: both lists, the second
    without rebuilding the whitespace key of an exact duplicate or of text with nothing to normalise."""
    exact_seen: set = set()
    ws_seen: set = set()
    exact, kept = [], []
    for row in rows:
        problem, solution = row["problem"], row["solution"]
        k = (problem, solution)
        if k in exact_seen:
            continue
        exact_seen.add(k)
        exact.append(row)
        p, s = normalise_ws(problem), normalise_ws(solution)
        w = k if p == problem and s == solution else (p, s)  # an equal key hashes no new text
        if w not in ws_seen:
            ws_seen.add(w)
            kept.append(row)
    return exact, kept


def exact_key(row: dict) -> tuple[str, str]:
    return row["problem"], row["solution"]


def whitespace_key(row: dict) -> tuple[str, str]:
    return normalise_ws(row["problem"]), normalise_ws(row["solution"])


def allocate(counts: dict[str, int], n: int, minimum: int = 0, maximum: int | None = None) -> dict[str, int]:
    """How many rows to take per category: proportional to `counts`, within [minimum, maximum].

    Each category gets clamp(λ·count, minimum, maximum) for the one λ that makes the total `n`,
    so what a capped category cannot take is shared in proportion among the others; a category
    with fewer rows than the minimum gives all it has. Rounding keeps the total exact.
    """
    avail = {c: min(k, maximum) if maximum is not None else k for c, k in counts.items() if k > 0}
    if n >= sum(avail.values()):
        return dict(avail)
    floor = {c: min(minimum, a) for c, a in avail.items()}
    if sum(floor.values()) > n:
        raise InputError(f"--min-per-category {minimum} × {len(avail)} categories exceeds the sample size {n}")

    def shares(scale: float) -> dict[str, float]:
        return {c: min(max(scale * counts[c], floor[c]), avail[c]) for c in avail}

    lo, hi = 0.0, max(avail[c] / counts[c] for c in avail)
    for _ in range(100):  # the total is monotone in the scale: bisect
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sum(shares(mid).values()) < n else (lo, mid)
    quota = shares(hi)
    take = {c: int(q) for c, q in quota.items()}
    room = [c for c in take if take[c] < avail[c]]
    for c in sorted(room, key=lambda c: quota[c] - take[c], reverse=True)[: n - sum(take.values())]:
        take[c] += 1
    return take


def stratified_sample(rows: list[dict], n: int, seed: int = 0, minimum: int = 0,
                      maximum: int | None = None) -> list[dict]:
    """Sample `n` rows keeping category shares (see `allocate`), shuffled."""
    by_cat: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_cat[row["category"]].append(row)
    quota = allocate({c: len(v) for c, v in by_cat.items()}, n, minimum, maximum)
    rng = random.Random(seed)
    picked = [row for c in sorted(quota) for row in rng.sample(by_cat[c], quota[c])]
    rng.shuffle(picked)
    return picked


def trim_to_multiple(rows: list[dict], multiple: int) -> list[dict]:
    """Drop the fewest rows, from the largest category, so the count divides by `multiple`."""
    extra = len(rows) % multiple if multiple > 1 else 0
    if not extra:
        return rows
    largest = Counter(r["category"] for r in rows).most_common(1)[0][0]
    drop = set()
    for i in range(len(rows) - 1, -1, -1):
        if len(drop) == extra:
            break
        if rows[i]["category"] == largest:
            drop.add(i)
    return [r for i, r in enumerate(rows) if i not in drop]


def parse_source(spec: str) -> tuple[str, int | None]:
    """'train.json#5000' → ('train.json', 5000); 'train.json' → ('train.json', None)."""
    path, sep, count = spec.rpartition("#")
    if not sep:
        return spec, None
    if not count.isdigit():
        raise InputError(f"{spec!r}: the part after '#' must be a row count")
    return path, int(count)
