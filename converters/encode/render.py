"""A conversation → token ids and labels, as MindFormers' qa preprocessing lays them out.

Row layout: [BOS] prompt response [EOS] [PAD…], length seq_length + 1 (the model shifts by one).
Labels copy the ids with -100 on the first position, the prompt and the padding. In PoT responses
the ```output``` block is what the interpreter returned, not what the model should learn to write,
so it is masked too (LLaMA-Factory masks observation turns the same way).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from converters.solutions.pot import OBSERVATION_RE

IGNORE = -100
VICUNA_SYSTEM = ("A chat between a curious user and an artificial intelligence assistant. "
                 "The assistant gives helpful, detailed, and polite answers to the user's questions.")
CHAT_FORMATS = ("vicuna", "plain", "chatml")
NO_BOS_FORMATS = ("chatml",)  # the format opens with its own <|im_start|>
LABEL_MODES = ("exact", "contest")


class Segment(NamedTuple):
    text: str
    trained: bool


def segments(prompt: str, response: str, chat: str = "vicuna", mask_observation: bool = True) -> list[Segment]:
    """Split a (human, gpt) pair into text pieces, each trained on or not.

    vicuna: `SYSTEM USER: {prompt} ASSISTANT: {response}`, the form of MindFormers' script;
    plain: `{prompt}\\n{response}`; chatml: SmolLM2/Qwen-style `<|im_start|>user …<|im_end|>` turns.
    """
    if chat == "vicuna":
        head, lead = f"{VICUNA_SYSTEM} USER: {prompt} ASSISTANT:", " "
    elif chat == "plain":
        head, lead = f"{prompt}\n", ""
    elif chat == "chatml":
        head, lead = f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n", ""
    else:
        raise ValueError(f"unknown chat format {chat!r}; choose from {CHAT_FORMATS}")
    parts = [Segment(head, False)]
    pos, text = 0, lead + response
    if mask_observation:
        for match in OBSERVATION_RE.finditer(text):
            parts.append(Segment(text[pos:match.start()], True))
            parts.append(Segment(match.group(0), False))
            pos = match.end()
    parts.append(Segment(text[pos:], True))
    return [p for p in parts if p.text]


def assemble(pieces: list[list[int]], trained: list[bool], bos: int | None, eos: int) -> tuple[list[int], list[int]]:
    """Token pieces → (ids, labels) without padding: BOS first (never a label; none when `bos` is
    None), EOS last (a label)."""
    ids, labels = ([bos], [IGNORE]) if bos is not None else ([], [])
    for toks, train in zip(pieces, trained):
        ids.extend(toks)
        labels.extend(toks if train else [IGNORE] * len(toks))
    ids.append(eos)
    labels.append(eos)
    labels[0] = IGNORE  # nothing precedes the first position, so it is never a label
    return ids, labels


def contest_labels(ids: list[int], instruction_tokens: int) -> list[int]:
    """Labels exactly as MindFormers' llama_preprocess.py (qa) computes them.

    It masks positions [1, n) where n is the token count of `prompt + ' ASSISTANT: '` tokenised
    alone — one position short of the prompt, so the first label is the space after the colon.
    """
    labels = list(ids)
    labels[0] = IGNORE
    for i in range(1, min(instruction_tokens, len(labels))):
        labels[i] = IGNORE
    return labels


def pad_row(ids: list[int], labels: list[int], length: int, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad to `length` (seq_length + 1); padding is never a label. Longer input is an error."""
    if len(ids) > length:
        raise ValueError(f"{len(ids)} tokens do not fit a row of {length}")
    row = np.full(length, pad, dtype=np.int32)
    lab = np.full(length, IGNORE, dtype=np.int32)
    row[: len(ids)] = ids
    lab[: len(labels)] = labels
    return row, lab


MAX_SEQ_LENGTH = 1 << 17  # 131,072 tokens: beyond any model here; a row is 8 bytes per position


def auto_seq_length(longest: int, multiple: int = 8) -> int:
    """Smallest multiple of `multiple` whose row (seq_length + 1) holds `longest` tokens."""
    need = max(longest - 1, 1)
    return -(-need // multiple) * multiple
