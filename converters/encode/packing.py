"""Packing several short samples into one row, and the attention mask that keeps them apart.

Each sample keeps its own BOS … EOS and its own labels (its BOS is never a label), so no loss term
predicts one sample's token from the end of another. A packed row also records which sample each
position belongs to (`segment_ids`: 1, 2, … and 0 for padding); training turns that into a
block-diagonal causal mask, so a position sees only earlier positions of its own sample. Boundaries
are recorded rather than found at EOS tokens because some chat formats (ChatML) end every turn with
the EOS token. Rotary embeddings are relative, so a sample at an offset computes as at position 0.
"""
from __future__ import annotations

import bisect
from typing import Iterable, Iterator, NamedTuple

import numpy as np


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


class PackedRow(NamedTuple):
    ids: list[int]
    labels: list[int]
    segments: list[int]  # per position: 1 for the first sample, 2 for the second, …


def pack_rows(samples: Iterable[tuple[list[int], list[int]]], capacity: int,
              window: int = 4096) -> Iterator[PackedRow]:
    """Concatenate (ids, labels) samples into rows of ≤ capacity tokens, a window at a time.

    Memory stays bounded by `window` samples, whatever the data set size.
    """
    buffer: list[tuple[list[int], list[int]]] = []

    def flush() -> Iterator[PackedRow]:
        for group in best_fit_decreasing([len(s[0]) for s in buffer], capacity):
            row = PackedRow([], [], [])
            for n, i in enumerate(group, start=1):
                row.ids.extend(buffer[i][0])
                row.labels.extend(buffer[i][1])
                row.segments.extend([n] * len(buffer[i][0]))
            yield row
        buffer.clear()

    for sample in samples:
        buffer.append(sample)
        if len(buffer) >= window:
            yield from flush()
    if buffer:
        yield from flush()


def pack(samples: Iterable[tuple[list[int], list[int]]], capacity: int,
         window: int = 4096) -> Iterator[tuple[list[int], list[int]]]:
    """`pack_rows` without the segment ids: (ids, labels) rows."""
    for row in pack_rows(samples, capacity, window):
        yield row.ids, row.labels


def packed_attention_mask(segment_ids: np.ndarray) -> np.ndarray:
    """[batch, seq_length + 1] segment ids → [batch, 1, seq, seq] uint8 mask, 1 = may NOT attend.

    Rows are seq_length + 1 long and the model reads the first seq_length positions as its input, so
    the mask covers those. Position i may attend to j when j ≤ i and both are in the same segment
    (padding, segment 0, only sees padding). The layout and polarity are those of the causal mask
    MindFormers' Llama hands to flash attention (uint8, [batch, 1, seq, seq], 1 = masked out).
    """
    seg = np.asarray(segment_ids)[:, :-1]
    seq = seg.shape[1]
    same = seg[:, :, None] == seg[:, None, :]
    allowed = same & np.tri(seq, dtype=bool)[None]
    return (~allowed).astype(np.uint8)[:, None]
