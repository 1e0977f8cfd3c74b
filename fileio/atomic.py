"""Writing outputs atomically: a temporary sibling renamed over the target only when the write succeeds,
output paths checked before any work, and file modes others can read."""
from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from fileio.errors import InputError
from fileio.sniff import file_kind

UMASK = os.umask(0o022)
os.umask(UMASK)


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
    if kind == "file" and file_kind(p, refuse=True):  # /dev/null, /dev/stdout, a FIFO: written into
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


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary sibling path; rename it onto `path` only if the block succeeds.

    The rename replaces a regular file. A symbolic link keeps pointing where it did (the file it names
    is replaced); a character device or named pipe (`/dev/null`, `/dev/stdout`) gets the bytes written
    into it, never a file in its place; a block device or socket is refused (InputError)."""
    path = Path(path)
    if file_kind(path, refuse=True) == "stream":
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
    os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes 0600; give the file the usual permissions
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
            os.chmod(path, 0o777 & ~UMASK)
            for sub in path.iterdir():
                readable(sub)
        elif path.is_file():
            executable = os.stat(path).st_mode & 0o100
            os.chmod(path, (0o777 if executable else 0o666) & ~UMASK)


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
