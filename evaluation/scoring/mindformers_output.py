"""MindFormers' predict output (`text_generation_result.txt`) and the prompt it echoes.

`run_mindformer.py --run_mode predict` writes `str(list)` of the pipeline's outputs, one dict per
batch: `[{'text_generation_text': ['<prompt><generation>', …]}, …]` on one line, in input order.
Files joined from several runs hold one such literal per line; both are read. The text starts
with the prompt as decoded (the bare problem, or the problem inside a template), which has to go
before the answer is looked for: its numbers are the problem's, not the answer's.
"""
from __future__ import annotations

import ast
import os
import re

from fileio.errors import InputError, RowError
from fileio.reading import open_input
from converters.rules.prompts import unwrap

KEY = "text_generation_text"
MAX_BYTES = 64 << 20  # ~10x a 2,067-item SQuAD run; literal_eval holds the whole tree in memory
_HEAD = re.compile(r"\s*\[?\s*\{\s*['\"]" + KEY + r"['\"]\s*:")
_TAILS = ("### Response:", "ASSISTANT:", "<|im_start|>assistant")
_TAIL_WINDOW = 300  # a template's tail follows the problem closely


def is_mindformers_result(path: str | os.PathLike) -> bool:
    with open_input(path) as handle:
        head = handle.read(4096).decode("utf-8", errors="replace")
    return bool(_HEAD.match(head))


def _literal(text: str):
    try:
        return ast.literal_eval(text)  # literals only: no names, calls or operators are evaluated
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise ValueError(f"not a Python literal ({type(exc).__name__}: {str(exc)[:80]})") from None


def read_generations(path: str | os.PathLike) -> tuple[list[tuple[str, str | None]], list[RowError]]:
    """[(where, text or None)] in file order, and the located problems (a None text has one)."""
    path = str(path)
    if os.path.getsize(path) > MAX_BYTES:
        raise InputError(f"{path}: larger than {MAX_BYTES >> 20} MiB; not a text_generation_result.txt")
    with open_input(path) as handle:
        try:
            text = handle.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    errors: list[RowError] = []
    try:
        located = [(1, _literal(text.strip()))]
    except ValueError:
        located = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    located.append((lineno, _literal(line.strip().rstrip(","))))
                except ValueError as exc:
                    errors.append(RowError(path, lineno, str(exc)))
    out: list[tuple[str, str | None]] = []
    item = 0
    for lineno, obj in located:
        for entry in obj if isinstance(obj, list) else [obj]:
            item += 1
            where = f"{path}:{lineno}: item {item}"
            texts = entry.get(KEY) if isinstance(entry, dict) else None
            if isinstance(texts, str):
                texts = [texts]
            if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
                reason = f"expected {{'{KEY}': [text, …]}}, got {type(entry).__name__}"
                errors.append(RowError(path, lineno, f"item {item}: {reason}"))
                out.append((where, None))  # keeps the rest paired with their gold rows
                continue
            out.extend((where if len(texts) == 1 else f"{where}.{k + 1}", t) for k, t in enumerate(texts))
    if not out:
        raise InputError(f"{path}: no '{KEY}' entries" + (f" ({errors[0]})" if errors else ""))
    return out, errors


_HEAD_WINDOW = 512  # an echo starts the output, after at most a template's head (~150 characters)


def _loose_end(text: str, needle: str) -> int | None:
    """End (in `text`) of an occurrence of `needle` that starts within the output's head, ignoring
    whitespace; linear time. Further in, the same text is the model's own (`print` holds a problem `r`)."""
    squeezed = "".join(needle.split())
    if not squeezed:
        return None
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    found = "".join(text[i] for i in positions).find(squeezed, 0, _HEAD_WINDOW + len(squeezed))
    return None if found < 0 else positions[found + len(squeezed) - 1] + 1


def strip_echo(text: str, problem: str | None) -> tuple[str, bool]:
    """(the generation without the echoed prompt, whether an echo was found and removed).

    The problem is looked for bare (a wrapped gold problem is unwrapped first) and as given; a
    template's tail (`### Response:`, `ASSISTANT:`) right after it goes too.
    """
    if not problem:
        return text, False
    for needle in dict.fromkeys([unwrap(problem).problem, problem.strip()]):
        end = _loose_end(text, needle)
        if end is not None:
            break
    else:
        return text, False
    rest = text[end:]
    window = rest[:_TAIL_WINDOW]
    for tail in _TAILS:
        at = window.find(tail)
        if at >= 0:
            return rest[at + len(tail):], True
    return rest, True
