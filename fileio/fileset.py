"""Files that must change together — a MindRecord's data, `.db` index and `.meta.json` — swapped by one rename.

Layout beside `out` (e.g. `train.mindrecord`):

    .train.mindrecord.versions/v-XXXX/        every file of one complete write
    .train.mindrecord.versions/current        symlink → v-XXXX: the only thing a new write renames
    .train.mindrecord.versions/lock           flock: one writer at a time
    train.mindrecord, train.mindrecord.db, …  symlinks → .train.mindrecord.versions/current/<same name>

A reader opening any user-facing name goes through `current`, so it sees one version whole: killed at
any point, a write leaves the previous set or the new one, never a new index over old data. MindSpore
resolves the links (realpath) and finds the index and the other shards in the version directory.
"""
from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from fileio.atomic import UMASK, readable
from fileio.errors import InputError


def store_of(out: str | os.PathLike) -> Path:
    out = Path(out)
    return out.with_name(f".{out.name}.versions")


@contextlib.contextmanager
def locked(lock: Path, what: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive flock on the file `lock`; InputError at once if another writer of `what` has it."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~UMASK)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{what}: another process is writing it (lock {lock})") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock; the lock file stays (removing it would race)


_VERSION = re.compile(r"v-[A-Za-z0-9_]+(\.partial)?")  # what new_version makes: the only names it removes


@contextlib.contextmanager
def output_lock(out: str | os.PathLike) -> Iterator[Path]:
    """Hold the lock of `out`'s version store (one writer at a time); yields the store.

    A store that is a symbolic link (or not a directory) is refused: cleaning it would follow the link
    and remove what is there (a folder unpacked from elsewhere may carry such a link)."""
    store = store_of(out)
    if store.is_symlink() or store.exists() and not store.is_dir():
        raise InputError(f"{store}: is a symbolic link or not a directory; remove it (mathtune keeps its "
                         "versions there)")
    with locked(store / "lock", out):
        yield store


@contextlib.contextmanager
def new_version(out: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty directory for a whole new set of files named as they will appear beside `out`.

    When the block succeeds the set becomes current by one rename; when it fails (or the process
    dies) the previous set stays as it was, and the leftover is removed by the next write.
    """
    out = Path(out)
    if out.is_dir() and not out.is_symlink():
        raise InputError(f"{out}: is a directory; give a file name")
    with output_lock(out) as store:
        clean_stale(out)
        work = Path(tempfile.mkdtemp(prefix="v-", suffix=".partial", dir=store))
        os.chmod(work, 0o777 & ~UMASK)
        try:
            yield work
            _publish(out, store, work)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
            if _current(store) is None and all(e.name == "lock" or _VERSION.fullmatch(e.name) for e in store.iterdir()):
                shutil.rmtree(store, ignore_errors=True)  # a first write that failed leaves no trace


def clean_stale(out: Path) -> list[Path]:
    """Remove what crashed writes left: unpublished or superseded versions, and the hidden
    `.NAME.*.partial` folders of the one-file-at-a-time writer this replaced. Call under the lock."""
    store = store_of(out)
    current = _current(store)
    removed = []
    for entry in store.iterdir():
        if entry.name in ("lock", "current") or entry.name == current or not _VERSION.fullmatch(entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    name = glob.escape(out.name)
    for entry in [*out.parent.glob(f".{name}.*.partial"), *out.parent.glob(f".{name}*.link-*")]:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _members(out: Path) -> list[Path]:
    """Files beside `out` that belong to its set: `out`, its shards `out0…`, and their `.db` and `.meta.json`."""
    member = re.compile(re.escape(out.name) + r"\d*(\.db|\.meta\.json)?")
    return [p for p in out.parent.glob(f"{glob.escape(out.name)}*") if member.fullmatch(p.name)]


def _current(store: Path) -> str | None:
    try:
        return os.readlink(store / "current")
    except OSError:
        return None


def _link_target(store: Path, name: str) -> str:
    return f"{store.name}/current/{name}"


def _is_ours(path: Path, store: Path) -> bool:
    return path.is_symlink() and os.readlink(path).startswith(f"{store.name}/current/")


def _replace_with_link(path: Path, target: str) -> None:
    tmp = path.with_name(f".{path.name}.link-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, path)


def _adopt_plain_files(out: Path, store: Path, names: list[str]) -> None:
    """First write over files from before the version store: make them version `v-adopted`.

    Hard links keep every name readable at every instant, so even this step leaves a whole set."""
    plain = sorted({n for n in names + [p.name for p in _members(out)]
                    if (out.parent / n).is_file() and not (out.parent / n).is_symlink()})
    if not plain or _current(store) is not None:
        return
    adopted = store / "v-adopted"
    shutil.rmtree(adopted, ignore_errors=True)
    adopted.mkdir()
    for name in plain:
        try:
            os.link(out.parent / name, adopted / name)
        except OSError:  # a file system without hard links
            shutil.copy2(out.parent / name, adopted / name)
    _replace_with_link(store / "current", adopted.name)
    for name in plain:
        _replace_with_link(out.parent / name, _link_target(store, name))


def _publish(out: Path, store: Path, work: Path) -> None:
    names = sorted(os.listdir(work))
    if not names:
        raise InputError(f"{out}: nothing was written")
    readable(work)  # MindSpore's FileWriter makes its files 0600
    version = work.with_name(work.name[: -len(".partial")])
    os.rename(work, version)  # complete now; unreferenced until `current` points at it
    _adopt_plain_files(out, store, names)
    for name in names:  # links first: through the old `current` they show the old set (or nothing)
        link = out.parent / name
        if not _is_ours(link, store):
            _replace_with_link(link, _link_target(store, name))
    _replace_with_link(store / "current", version.name)  # the one rename that switches the whole set
    for link in out.parent.iterdir():  # names of an earlier set this one does not have (shards, …)
        if link.name not in names and _is_ours(link, store):
            link.unlink(missing_ok=True)
    for name in names:  # a member that had its own version store before this set took it over
        own = store_of(out.parent / name)
        if own != store and own.is_dir() and not own.is_symlink() and _is_ours(out.parent / name, store):
            shutil.rmtree(own, ignore_errors=True)
    clean_stale(out)


def flatten(work: Path) -> None:
    """Inside a version being written, turn members of a nested set (a MindRecord written there with
    its own `new_version`) into plain files, and drop the nested store: one set, one level."""
    real = work.resolve()
    for link in list(work.iterdir()):
        if link.is_symlink() and os.readlink(link).startswith("."):
            target = Path(os.path.realpath(link))
            if target.is_file() and real in target.parents:
                os.replace(target, link)
    for store in work.glob(".*.versions"):
        shutil.rmtree(store, ignore_errors=True)


def version_dir(out: str | os.PathLike) -> Path | None:
    """The directory holding the current set of `out`, or None when `out` is not a versioned set."""
    store = store_of(out)
    current = _current(store)
    return store / current if current else None
