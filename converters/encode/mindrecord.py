"""Conversations → MindRecord rows (`input_ids`, `labels`, int32) for MindFormers.

Streams: conversations are read, tokenised and written a batch at a time, so memory does not
grow with the data set. Data, `.db` index and `.meta.json` are one set: written into a new version
directory and swapped in whole by one rename (fileio/fileset.py), under a lock on the output.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from fileio.fileset import new_version
from fileio.errors import InputError, RowError
from fileio.reading import loads
from converters.encode.packing import pack_rows
from converters.solutions.pot import pot_response
from converters.rules.prompts import TEMPLATES
from converters.encode.render import (IGNORE, MAX_SEQ_LENGTH, NO_BOS_FORMATS, assemble, auto_seq_length, contest_labels,
                               pad_row, segments)
from converters.encode.rowwriter import RowWriter
from converters.encode.tokenizers import Tokenizer

SCHEMA = {"input_ids": {"type": "int32", "shape": [-1]}, "labels": {"type": "int32", "shape": [-1]}}
# packed rows also say which sample each position belongs to (1, 2, …; 0 = padding): training builds
# the block-diagonal attention mask from it (converters/encode/packing.py)
PACKED_SCHEMA = {**SCHEMA, "segment_ids": {"type": "int32", "shape": [-1]}}
META_SUFFIX = ".meta.json"
WRITE_BATCH = 2048


@dataclass
class EncodeOptions:
    chat: str = "vicuna"  # vicuna | plain
    label_mode: str = "exact"  # exact | contest (MindFormers' script, byte for byte)
    mask_observation: bool = True


@dataclass
class WriteStats:
    rows: int = 0
    samples: int = 0
    dropped_too_long: int = 0
    truncated: int = 0
    real_tokens: int = 0
    supervised: int = 0
    positions: int = 0
    lengths: list[int] = field(default_factory=list)  # histogram: count of samples per token length

    def add_length(self, n: int) -> None:
        if n >= len(self.lengths):
            self.lengths.extend([0] * (n + 1 - len(self.lengths)))
        self.lengths[n] += 1

    def summary(self) -> dict:
        pos = max(self.positions, 1)
        return {"rows": self.rows, "samples": self.samples, "dropped_too_long": self.dropped_too_long,
                "truncated": self.truncated, "real_token_share": round(self.real_tokens / pos, 4),
                "supervised_share": round(self.supervised / pos, 4)}


def read_conversations(path: str | os.PathLike,
                       errors: list[RowError] | None = None) -> Iterator[tuple[int, str, str]]:
    """Yield `(line, human, gpt)` from a conversations JSON array or JSON Lines (contest or
    tool-call form).

    A malformed item is `file:line: reason` in `errors` and skipped when `errors` is given;
    without it the first one raises InputError.
    """
    from converters.read.formats import kind_of, read_json_items

    sink: list[RowError] = errors if errors is not None else []
    for line, item in read_json_items(path, sink):
        if errors is None and sink:
            raise InputError(str(sink[0]))
        try:
            yield (line, *_conversation(item))
        except ValueError as exc:
            kind = kind_of(item)
            if kind not in (None, "conversations"):  # a raw row: say what to run, not only what is missing
                exc = ValueError(f"a row in the {kind} layout, not a conversation: `mathtune data prepare` (or check, "
                                 "complete and convert) turns rows into conversations")
            if errors is None:
                raise InputError(f"{path}:{line}: {exc}") from None
            errors.append(RowError(str(path), line, str(exc)))
    if errors is None and sink:
        raise InputError(str(sink[0]))


def _conversation(item) -> tuple[str, str]:
    """(human, gpt) of one conversations item; ValueError saying what is wrong with it."""
    turns = item.get("conversations") if isinstance(item, dict) else None
    if not isinstance(turns, list) or len(turns) < 2 or not all(isinstance(t, dict) for t in turns):
        raise ValueError("expected {'conversations': [human, gpt, ...]} with each turn an object")
    roles = [t.get("from") for t in turns]
    if roles[0] != "human" or any(not isinstance(t.get("value"), str) for t in turns):
        raise ValueError("the first turn must be from 'human' and every value a string")
    if roles[1:] == ["gpt"]:
        return turns[0]["value"], turns[1]["value"]
    if roles[1:] == ["function_call", "observation", "gpt"]:
        try:
            code = loads(turns[1]["value"])["arguments"]["code"]
        except (ValueError, KeyError, TypeError, IndexError):
            code = None
        if not isinstance(code, str):
            raise ValueError("the function_call turn is not JSON {\"arguments\": {\"code\": \"...\"}}")
        return turns[0]["value"], pot_response(code, turns[2]["value"], turns[3]["value"])
    raise ValueError(f"unsupported turn order {[str(r)[:20] for r in roles][:8]}")


def template_of(human: str) -> str:
    """The named prompt template that renders this human turn exactly (the most specific one), else 'none'."""
    best, best_len = "none", 0
    for name, fmt in TEMPLATES.items():
        head, tail = fmt.split("{problem}")
        if (head or tail) and len(head) + len(tail) > best_len and len(human) >= len(head) + len(tail) \
                and human.startswith(head) and human.endswith(tail):
            best, best_len = name, len(head) + len(tail)
    return best


class TemplateTally:
    """Counts the templates of the human turns that pass through, so the metadata can say which
    template the data was made with (predict must prompt the way the model learned)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def watch(self, triples: Iterable[tuple[int, str, str]]) -> Iterator[tuple[str, str]]:
        self.counts.clear()  # a second pass (--seq-length auto) counts afresh
        for _, human, gpt in triples:
            self.counts[template_of(human)] += 1
            yield human, gpt

    def meta(self) -> dict:
        """`template`: the one template every human turn uses, or None when they mix."""
        only = next(iter(self.counts)) if len(self.counts) == 1 else None
        return {"template": only, "templates_seen": dict(self.counts.most_common())}


def encode(pairs: Iterable[tuple[str, str]], tok: Tokenizer, opts: EncodeOptions,
           batch: int = 1024) -> Iterator[tuple[list[int], list[int]]]:
    """(human, gpt) pairs → unpadded (ids, labels), tokenising a batch of texts per call."""
    chunk: list[tuple[str, str]] = []
    for pair in pairs:
        chunk.append(pair)
        if len(chunk) == batch:
            yield from _encode_chunk(chunk, tok, opts)
            chunk = []
    if chunk:
        yield from _encode_chunk(chunk, tok, opts)


def _encode_chunk(chunk, tok: Tokenizer, opts: EncodeOptions):
    if opts.label_mode == "contest":
        if opts.chat != "vicuna":
            raise ValueError("label_mode 'contest' reproduces the vicuna script; use chat 'vicuna'")
        heads = [segments(p, r, "vicuna", False)[0].text + " " for p, r in chunk]
        wholes = [h + r for h, (_, r) in zip(heads, chunk)]
        encoded = tok.encode_batch(heads + wholes)
        n = len(chunk)
        for i in range(n):
            ids = [tok.bos_id, *encoded[n + i], tok.eos_id]
            yield ids, contest_labels(ids, len(encoded[i]))
        return
    if opts.label_mode != "exact":
        raise ValueError(f"unknown label mode {opts.label_mode!r}")
    parts = [segments(p, r, opts.chat, opts.mask_observation) for p, r in chunk]
    flat = tok.encode_batch([s.text for seg in parts for s in seg])
    bos = None if opts.chat in NO_BOS_FORMATS else tok.bos_id
    at = 0
    for seg in parts:
        pieces = flat[at: at + len(seg)]
        at += len(seg)
        yield assemble(pieces, [s.trained for s in seg], bos, tok.eos_id)


def _rows(samples, length: int, pad: int, packed: bool, truncate: bool, stats: WriteStats):
    """Padded rows of `length`, dropping (or truncating) samples that do not fit."""

    def fitting():
        for ids, labels in samples:
            stats.samples += 1
            stats.add_length(len(ids))
            if len(ids) > length:
                if not truncate:
                    stats.dropped_too_long += 1
                    continue
                stats.truncated += 1
                ids, labels = ids[:length], labels[:length]
            yield ids, labels

    source = pack_rows(fitting(), length) if packed else fitting()
    for sample in source:
        ids, labels = sample[0], sample[1]
        row, lab = pad_row(ids, labels, length, pad)
        stats.rows += 1
        stats.real_tokens += len(ids)
        stats.supervised += int(np.count_nonzero(lab != IGNORE))
        stats.positions += length
        if packed:
            segments = np.zeros(length, dtype=np.int32)
            segments[:len(ids)] = sample.segments
            yield {"input_ids": row, "labels": lab, "segment_ids": segments}
        else:
            yield {"input_ids": row, "labels": lab}


def output_files(out: str | os.PathLike, shards: int) -> list[Path]:
    out = Path(out)
    return [out] if shards == 1 else [out.with_name(f"{out.name}{i}") for i in range(shards)]


def write_mindrecord(samples: Iterable[tuple[list[int], list[int]]], out: str | os.PathLike,
                     seq_length: int, pad_id: int, meta: dict, shards: int = 1, packed: bool = False,
                     truncate: bool = False, progress=None, late_meta=None) -> WriteStats:
    """Write padded rows of seq_length + 1 to `out` (or `out0..N-1` with shards), atomically.

    `late_meta()`, when given, adds metadata known only once every sample was read (the template)."""
    from mindspore.mindrecord import FileWriter

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stats = WriteStats()
    # data, index and metadata are one set: written into a new version, swapped in by one rename
    with new_version(out) as work:
        writer = FileWriter(str(work / out.name), shard_num=shards, overwrite=True)
        writer.add_schema(PACKED_SCHEMA if packed else SCHEMA, "qa")
        rows, batch = RowWriter(writer, seq_length + 1), []
        for row in _rows(samples, seq_length + 1, pad_id, packed, truncate, stats):
            batch.append(row)
            if len(batch) == WRITE_BATCH:
                rows.write(batch)
                if progress is not None:
                    progress.update(len(batch))
                batch = []
        if batch:
            rows.write(batch)
            if progress is not None:
                progress.update(len(batch))
        if stats.rows == 0:
            raise InputError("no sample fits: nothing to write (raise --seq-length or use --truncate)")
        writer.commit()
        meta = {**meta, **(late_meta() if late_meta else {}),
                "seq_length": seq_length, "row_length": seq_length + 1, "packed": packed,
                "columns": list(PACKED_SCHEMA if packed else SCHEMA),
                "shards": shards, "files": [p.name for p in output_files(out, shards)], **stats.summary()}
        with open(work / (out.name + META_SUFFIX), "w", encoding="utf-8", errors="backslashreplace") as handle:
            json.dump(meta, handle, ensure_ascii=False, indent=2)
    return stats


def read_meta(out: str | os.PathLike) -> dict:
    """The `.meta.json` written beside a MindRecord by `write_mindrecord`."""
    path = Path(str(out) + META_SUFFIX)
    if not path.exists():
        raise InputError(f"{path}: no metadata beside the MindRecord (was it written by mathtune?)")
    return json.loads(path.read_text(encoding="utf-8"))


def read_back(out: str | os.PathLike, expect_rows: int, row_length: int, limit: int | None = None) -> int:
    """Open the file through `mindspore.dataset.MindDataset` and check row count and shapes."""
    import mindspore.dataset as ds

    data = ds.MindDataset(str(out), columns_list=["input_ids", "labels"], shuffle=False)
    size = data.get_dataset_size()
    if size != expect_rows:
        raise InputError(f"{out}: read back {size} rows, wrote {expect_rows}")
    for i, item in enumerate(data.create_dict_iterator(output_numpy=True)):
        if limit is not None and i >= limit:
            break
        for col in ("input_ids", "labels"):
            if item[col].dtype != np.int32 or item[col].shape != (row_length,):
                raise InputError(f"{out}: row {i} column {col} is {item[col].dtype}{item[col].shape}")
    return size


def longest_sample(pairs: Iterable[tuple[str, str]], tok: Tokenizer, opts: EncodeOptions) -> int:
    """Token count of the longest encoded sample (a first pass for --seq-length auto)."""
    return max((len(ids) for ids, _ in encode(pairs, tok, opts)), default=1)


def resolve_seq_length(value: str | int, pairs_factory, tok: Tokenizer, opts: EncodeOptions) -> tuple[int, str]:
    """An int, or 'auto' → the smallest multiple of 8 that fits every sample, with an explanation."""
    if str(value) != "auto":
        return int(value), f"seq_length {int(value)} (rows of {int(value) + 1} tokens)"
    longest = longest_sample(pairs_factory(), tok, opts)
    seq = auto_seq_length(longest)
    if seq > MAX_SEQ_LENGTH:  # one huge sample would make every row that long
        raise InputError(f"seq_length auto: the longest sample has {longest} tokens, more than {MAX_SEQ_LENGTH}; "
                         "give --seq-length N (longer samples are dropped, or cut with --truncate)")
    return seq, f"seq_length auto → {seq}: the longest sample has {longest} tokens, rows are seq_length + 1"
