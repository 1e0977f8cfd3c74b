"""Reading inputs: JSON Lines or JSON arrays as rows with located errors, whole JSON documents, logs, pipes."""
from __future__ import annotations

import gzip
import io
import json
import math
import os
import re
from pathlib import Path
from typing import IO, Any, Iterator

from fileio.errors import InputError, RowError
from fileio.sniff import BOM, GZIP_MAGIC, file_kind, refuse_compressed

MAX_FIELD_CHARS = 100_000  # longer text is not a contest row; it would only slow the regexes down


def check_fields(obj: Any, fields: tuple[str, ...]) -> str | None:
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__}"
    for name in fields:
        if name not in obj:
            return f"missing field '{name}'"
        value = obj[name]
        if isinstance(value, float) and not math.isfinite(value):
            return f"field '{name}' is {value!r}, not a string"
        if not isinstance(value, str):
            return f"field '{name}' is {type(value).__name__}, not a string"
        if len(value) > MAX_FIELD_CHARS:
            return f"field '{name}' is {len(value)} characters long (limit {MAX_FIELD_CHARS})"
    return None


MAX_STREAM = 1 << 30  # bytes read from a pipe (a pipe is kept in memory: it can be read only once)
_STREAMS: dict[str, bytes] = {}


def _stream_bytes(path: str) -> bytes:
    if path not in _STREAMS:
        with open(path, "rb") as handle:
            data = handle.read(MAX_STREAM + 1)
        if len(data) > MAX_STREAM:
            raise InputError(f"{path}: more than {MAX_STREAM >> 20} MiB from a pipe or device; save it to a file")
        _STREAMS[path] = data
    return _STREAMS[path]


def open_input(path: str | os.PathLike, mode: str = "rb", **kwargs: Any) -> IO:
    """Open an input file; InputError naming the file when it cannot be read. A pipe (`<(…)`, /dev/stdin)
    is read once and kept, so every later open of the same name reads it again from the start (a second
    open of `/dev/fd/63` would find it drained)."""
    key = os.fspath(path)
    try:
        if file_kind(Path(key)) == "stream":
            data = io.BytesIO(_stream_bytes(key))
            if "b" in mode:
                return data
            return io.TextIOWrapper(data, encoding=kwargs.get("encoding") or "utf-8",
                                    errors=kwargs.get("errors") or "strict", newline=kwargs.get("newline"))
        return open(path, mode, **kwargs)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_rows(
    path: str | os.PathLike, errors: list[RowError], fields: tuple[str, ...] = ("problem", "solution")
) -> Iterator[tuple[int, dict]]:
    """Yield `(line, row)` from a JSON Lines file (or a JSON array); bad lines go to `errors`.

    Raises InputError when the file itself cannot be read.
    """
    path = str(path)
    with open_input(path) as handle:
        head = handle.read(4096)
        refuse_compressed(path, head)
        handle.seek(len(BOM) if head.startswith(BOM) else 0)
        if head.removeprefix(BOM).lstrip().startswith(b"["):
            try:
                text = handle.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
            yield from _read_array(path, text, errors, fields)
            return
        for lineno, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                errors.append(RowError(path, lineno, f"not UTF-8 ({exc.reason} at byte {exc.start})"))
                continue
            if not line.strip():
                continue
            try:
                obj = loads(line)
            except ValueError as exc:
                errors.append(RowError(path, lineno, f"invalid JSON: {exc}"))
                continue
            problem = check_fields(obj, fields)
            if problem:
                errors.append(RowError(path, lineno, problem))
                continue
            yield lineno, obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


# one decoder for every line: json.loads(text, parse_constant=…) builds a new one each call, which
# cost a fifth of reading 550k rows
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def loads(text: str) -> Any:
    """json.loads that refuses NaN/Infinity, nesting too deep to decode, and lone surrogates.

    Every failure is a ValueError whose message can follow `file:line: `.
    """
    try:
        obj = _DECODER.decode(text)
    except RecursionError:  # the C scanner recurses once per '[' or '{'
        raise ValueError("too deeply nested") from None
    if _SURROGATE.search(text):  # only then can a string hold half a UTF-16 pair
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"a lone surrogate {exc.object[exc.start]!a} is not Unicode text") from None
    return obj


def load_json(path: str | os.PathLike) -> Any:
    """One whole JSON document; InputError naming the file for anything that makes it unusable."""
    with open_input(path) as handle:
        data = handle.read()
    try:
        refuse_compressed(path, data[:8])
        return loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise InputError(f"{path}: invalid JSON: {exc}") from None


def _read_array(path: str, text: str, errors: list[RowError], fields: tuple[str, ...]):
    try:
        items = loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: invalid JSON array: {exc}") from None
    if not isinstance(items, list):
        raise InputError(f"{path}: expected a JSON array or JSON Lines")
    for index, obj in enumerate(items, start=1):
        problem = check_fields(obj, fields)
        if problem:
            errors.append(RowError(path, index, f"item {index}: {problem}"))
            continue
        yield index, obj


def open_log(path: str | os.PathLike) -> IO:
    """A log to read as text (bad bytes replaced); a gzip'd one (rotated, archived) is decompressed."""
    with open_input(path) as probe:
        gzipped = probe.read(2) == GZIP_MAGIC
    if gzipped:
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open_input(path, "r", encoding="utf-8", errors="replace")


_SKIP = object()


def iter_json_array(path: str | os.PathLike, chunk_chars: int = 1 << 20,
                    errors: list[RowError] | None = None) -> Iterator[tuple[int, Any]]:
    """Yield `(line, item)` from a JSON array file without loading it whole.

    Memory stays bounded by the largest item plus one chunk. With `errors`, an item holding a
    lone surrogate is reported there and skipped; syntax errors end the file (InputError).
    """
    path = str(path)
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    with open_input(path, "r", encoding="utf-8-sig") as handle:
        buf, pos, line, started, eof = "", 0, 1, False, False

        def refill() -> bool:
            nonlocal buf, pos
            try:
                more = handle.read(chunk_chars)
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}: not UTF-8 text ({exc.reason})") from None
            buf, pos = buf[pos:] + more, 0
            return bool(more)

        while True:
            skip = _SEPARATORS.match(buf, pos).end()
            line += buf.count("\n", pos, skip)
            pos = skip
            if len(buf) - pos < 64 and not eof:
                eof = not refill()
                continue
            if pos == len(buf):
                raise InputError(f"{path}:{line}: the JSON array is not closed with ']'"
                                 if started else f"{path}: empty file, expected a JSON array")
            if not started:
                if buf[pos] != "[":
                    raise InputError(f"{path}:{line}: expected a JSON array")
                started, pos = True, pos + 1
                continue
            if buf[pos] == "]":
                return
            try:
                item, end = decoder.raw_decode(buf, pos)
            except RecursionError:
                raise InputError(f"{path}:{line}: too deeply nested") from None
            except ValueError as exc:
                if not eof:  # the item may just be cut by the chunk boundary
                    eof = not refill()
                    continue
                raise InputError(f"{path}:{line}: invalid JSON: {getattr(exc, 'msg', exc)}") from None
            if errors is not None and _SURROGATE.search(buf, pos, end):
                try:
                    loads(buf[pos:end])
                except ValueError as exc:
                    errors.append(RowError(path, line, str(exc)))
                    item = _SKIP
            if item is not _SKIP:
                yield line, item
            line += buf.count("\n", pos, end)
            pos = end


_SEPARATORS = re.compile(r"[\s,]*")
