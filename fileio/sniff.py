"""What a file is: from its first bytes, a UTF-8 byte-order mark or a compressed or binary file
that users pass where JSON (or a text log) is expected; from its mode, a pipe or device. One clear line instead of an invalid-JSON
error per line."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from fileio.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"  # Windows editors start UTF-8 files with it; it is not part of the first row
# binary files users pass for JSON (a download, a Hugging Face dataset), by their first bytes
_BINARY = ((GZIP_MAGIC, "gzip-compressed; decompress it first (gunzip -k {path})"),
           (b"PK\x03\x04", "a zip archive; unpack it first (unzip {path})"),
           (b"\xfd7zXZ\x00", "xz-compressed; decompress it first (xz -dk {path})"),
           (b"BZh", "bzip2-compressed; decompress it first (bunzip2 -k {path})"),
           (b"\x28\xb5\x2f\xfd", "zstd-compressed; decompress it first (zstd -d {path})"),
           (b"PAR1", "a Parquet file; write it as JSON Lines first "
                     "(pandas.read_parquet(path).to_json(out, orient='records', lines=True, force_ascii=False))"))


def refuse_compressed(path: str | os.PathLike, head: bytes) -> None:
    """InputError when `head` (the file's first bytes) shows a compressed or binary file: one line,
    not an invalid-JSON error per line."""
    for magic, what in _BINARY:
        if head.startswith(magic):
            raise InputError(f"{path}: " + what.format(path=path))


def file_kind(path: Path, refuse: bool = False) -> str | None:
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
