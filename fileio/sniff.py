"""What a file is, from its first bytes: a UTF-8 byte-order mark, or a compressed or binary file
that users pass where JSON (or a text log) is expected. One clear line instead of an invalid-JSON
error per line."""
from __future__ import annotations

import gzip
import os
from typing import IO

from fileio.files import InputError, open_input

BOM = b"\xef\xbb\xbf"  # Windows editors start UTF-8 files with it; it is not part of the first row
# binary files users pass for JSON (a download, a Hugging Face dataset), by their first bytes
_BINARY = ((b"\x1f\x8b", "gzip-compressed; decompress it first (gunzip -k {path})"),
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


def open_log(path: str | os.PathLike) -> IO:
    """A log to read as text (bad bytes replaced); a gzip'd one (rotated, archived) is decompressed."""
    with open_input(path) as probe:
        gzipped = probe.read(2) == _BINARY[0][0]
    if gzipped:
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open_input(path, "r", encoding="utf-8", errors="replace")
