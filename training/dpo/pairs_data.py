"""Preference pairs ({problem, chosen, rejected}, `data dpo-pairs`) → token rows laid out as training laid out
its conversations: the prompt in the run's template and chat format, the answer's tokens the ones scored,
the interpreter's ```output``` block not (the model did not write it)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from converters.encode.render import IGNORE, NO_BOS_FORMATS, assemble, auto_seq_length, segments
from converters.rules.prompts import render_prompt


@dataclass
class PairRows:
    """ids [pairs, 2, seq + 1] (chosen, rejected), scored [pairs, 2, seq] (1.0 where token t+1 counts)."""
    ids: np.ndarray
    scored: np.ndarray
    kept: list[int]  # which input pairs these are (the others did not fit)


def encode_pairs(pairs: list[dict], tokenizer, chat: str, template: str,
                 seq_length: int | None = None) -> tuple[PairRows, list[tuple[int, str]], int]:
    """Token rows of every pair that fits `seq_length` (None: the longest pair's, rounded up to 8), the
    (index, reason) of the others, and the seq_length used."""
    bos = None if chat in NO_BOS_FORMATS else tokenizer.bos_id
    tokens = []
    for pair in pairs:
        prompt = render_prompt(pair["problem"], template)
        both = []
        for side in ("chosen", "rejected"):
            parts = segments(prompt, pair[side], chat)
            both.append(assemble(tokenizer.encode_batch([p.text for p in parts]), [p.trained for p in parts],
                                 bos, tokenizer.eos_id))
        tokens.append(both)
    if seq_length is None:
        seq_length = auto_seq_length(max((len(ids) for both in tokens for ids, _ in both), default=2))
    rows, masks, kept, skipped = [], [], [], []
    for i, both in enumerate(tokens):
        longest = max(len(ids) for ids, _ in both)
        if longest > seq_length + 1:
            skipped.append((i, f"{longest} tokens do not fit --seq-length {seq_length}"))
            continue
        row = np.full((2, seq_length + 1), tokenizer.pad_id, np.int32)
        mask = np.zeros((2, seq_length), np.float32)
        for j, (ids, labels) in enumerate(both):
            row[j, :len(ids)] = ids
            lab = np.asarray(labels[1:], np.int64)  # label of position t is the token at t + 1
            mask[j, :len(lab)] = lab != IGNORE
        rows.append(row)
        masks.append(mask)
        kept.append(i)
    shape = (0, 2, seq_length + 1)
    return PairRows(np.stack(rows) if rows else np.zeros(shape, np.int32),
                    np.stack(masks) if masks else np.zeros((0, 2, seq_length), np.float32), kept), skipped, seq_length
