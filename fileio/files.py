"""Reading rows with located errors, and atomic writes."""
from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable, Iterator


class InputError(ValueError):
    """A whole input cannot be used (missing, unreadable, wrong format)."""


@dataclass(frozen=True)
class RowError:
    """One bad input line; printed as `file:line: reason`."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


_UMASK = os.umask(0o022)
os.umask(_UMASK)
MAX_FIELD_CHARS = 100_000  # longer text is not a contest row; it would only slow the regexes down


def _check_fields(obj: Any, fields: tuple[str, ...]) -> str | None:
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
        if _special(Path(key)) == "stream":
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
        from fileio.sniff import BOM, refuse_compressed  # sniff imports this module

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
            problem = _check_fields(obj, fields)
            if problem:
                errors.append(RowError(path, lineno, problem))
                continue
            yield lineno, obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def loads(text: str) -> Any:
    """json.loads that refuses NaN/Infinity, nesting too deep to decode, and lone surrogates.

    Every failure is a ValueError whose message can follow `file:line: `.
    """
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
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
        from fileio.sniff import refuse_compressed  # sniff imports this module

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
        problem = _check_fields(obj, fields)
        if problem:
            errors.append(RowError(path, index, f"item {index}: {problem}"))
            continue
        yield index, obj


def check_output(path: str | os.PathLike, kind: str = "file") -> None:
    """Refuse an output path that cannot be written, before any work (InputError, one line).

    `kind` is "file", "dir" (a directory to create or fill) or "any". Writability is tried, not
    guessed from permission bits: root passes os.access() under /proc but cannot create files there.
    """
    text = os.fspath(path)
    p = Path(text)
    if not text:
        raise InputError("an output path is empty")
    if text == "-":
        raise InputError("-: give a file name (or /dev/stdout)")
    if p.is_symlink():  # written through to what it names (see atomic_path)
        try:
            os.stat(p)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputError(f"{text}: too many levels of symbolic links") from None
            if not Path(os.path.realpath(p)).parent.is_dir():
                raise InputError(f"{text}: a symbolic link to {os.path.realpath(p)}, whose folder does not exist") from None
        p = Path(os.path.realpath(p))
    if kind == "file" and (text.endswith(os.sep) or p.is_dir()):
        raise InputError(f"{text}: is a directory; give a file name")
    if kind == "file" and _special(p, refuse=True):  # /dev/null, /dev/stdout, a FIFO: written into
        return
    if kind == "dir" and p.exists() and not p.is_dir():
        raise InputError(f"{text}: exists and is not a directory")
    base = p if kind != "file" and p.is_dir() else p.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise InputError(f"{text}: cannot write: {base} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".mathtune-probe-", dir=base)
    except OSError as exc:
        raise InputError(f"{text}: cannot write in {base}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(probe)


def _special(path: Path, refuse: bool = False) -> str | None:
    """"stream" for a character device or named pipe (read once, or written into), "device" for a block
    device or socket (with `refuse`, InputError: never a file to replace), None for a regular file, a
    link to one, or nothing."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream"
    if stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        if refuse:
            raise InputError(f"{path}: is a block device or socket, not a file; give a file name")
        return "device"
    return None


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary sibling path; rename it onto `path` only if the block succeeds.

    The rename replaces a regular file. A symbolic link keeps pointing where it did (the file it names
    is replaced); a character device or named pipe (`/dev/null`, `/dev/stdout`) gets the bytes written
    into it, never a file in its place; a block device or socket is refused (InputError)."""
    path = Path(path)
    if _special(path, refuse=True) == "stream":
        with tempfile.TemporaryDirectory(prefix=".mathtune-out-") as tmp:
            yield Path(tmp) / path.name
            with open(Path(tmp) / path.name, "rb") as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst)
        return
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual permissions
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        readable(tmp_path)  # again: a writer may have made its own file (MindSpore's are 0400 or 0600)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def readable(path: str | os.PathLike) -> None:
    """Give a file (or a folder and everything under it) the modes the umask allows, e.g. 0644 / 0755.

    MindSpore writes checkpoints 0400 and MindRecord files 0600, unreadable to the rest of a team.
    """
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):  # another rank may replace its files meanwhile
        if path.is_symlink():
            return
        if path.is_dir():
            os.chmod(path, 0o777 & ~_UMASK)
            for sub in path.iterdir():
                readable(sub)
        elif path.is_file():
            executable = os.stat(path).st_mode & 0o100
            os.chmod(path, (0o777 if executable else 0o666) & ~_UMASK)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w") -> Iterator[IO]:
    """Open a temporary sibling for writing; it replaces `path` only when the block succeeds."""
    with atomic_path(path) as tmp:
        # a lone surrogate that got this far is written as the JSON escape `\\udxxx`, not a crash
        text = {} if "b" in mode else {"encoding": "utf-8", "errors": "backslashreplace"}
        with open(tmp, mode, **text) as handle:
            yield handle


def write_json(path: str | os.PathLike, obj: Any, indent: int | None = 2) -> None:
    """Write JSON (UTF-8, not ASCII-escaped) atomically."""
    with atomic_open(path) as handle:
        json.dump(obj, handle, ensure_ascii=False, indent=indent)
        handle.write("\n")


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict]) -> int:
    """Write JSON Lines atomically; return the row count."""
    count = 0
    with atomic_open(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False))
            handle.write("\n")
            count += 1
    return count


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
