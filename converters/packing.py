"""Packing several short samples into one row.

Each sample keeps its own BOS … EOS and its own labels (its BOS is never a label), so no loss term
predicts one sample's token from the end of another. Attention isolation comes from the EOS
boundaries: training builds a block-diagonal mask from them (the same rule as MindFormers'
`eod_reset`: a position after an EOS sees nothing before it). Rotary embeddings are relative, so a
sample at an offset computes the same as at position 0.
"""
from __future__ import annotations

import bisect
from typing import Iterable, Iterator


def best_fit_decreasing(lengths: list[int], capacity: int) -> list[list[int]]:
    """Group sample indices into bins of total length ≤ capacity (longest first, tightest bin).

    Bins are kept by free room in a sorted list, so each placement is a bisection, not a scan.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    bins: list[list[int]] = []
    by_room: dict[int, list[int]] = {}  # free room → bins with exactly that room
    rooms: list[int] = []  # sorted distinct rooms that have bins
    for i in order:
        size = lengths[i]
        if size > capacity:
            raise ValueError(f"sample {i} has {size} tokens, more than a row of {capacity}")
        at = bisect.bisect_left(rooms, size)
        if at < len(rooms):
            room = rooms[at]
            b = by_room[room].pop()
            if not by_room[room]:
                del by_room[room]
                rooms.pop(at)
            bins[b].append(i)
        else:
            b, room = len(bins), capacity
            bins.append([i])
        left = room - size
        if left not in by_room:
            by_room[left] = []
            bisect.insort(rooms, left)
        by_room[left].append(b)
    return bins


def pack(samples: Iterable[tuple[list[int], list[int]]], capacity: int,
         window: int = 4096) -> Iterator[tuple[list[int], list[int]]]:
    """Concatenate (ids, labels) samples into rows of ≤ capacity tokens, a window at a time.

    Memory stays bounded by `window` samples, whatever the data set size.
    """
    buffer: list[tuple[list[int], list[int]]] = []

    def flush() -> Iterator[tuple[list[int], list[int]]]:
        for group in best_fit_decreasing([len(s[0]) for s in buffer], capacity):
            ids, labels = [], []
            for i in group:
                ids.extend(buffer[i][0])
                labels.extend(buffer[i][1])
            yield ids, labels
        buffer.clear()

    for sample in samples:
        buffer.append(sample)
        if len(buffer) >= window:
            yield from flush()
    if buffer:
        yield from flush()
