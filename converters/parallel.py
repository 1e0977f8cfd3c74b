"""One function over many rows in forked worker processes, results in row order.

The rows are inherited by the forked workers, not pickled to them; only the results travel back.
Below `MIN_ROWS`, or once MindSpore has started its threads (fork is unsafe then), the rows are
mapped in this process. The cyclic garbage collector is paused while rows are built: they hold only
strings, so they form no cycles, and collections triggered by allocation would rescan every live row
(~40% of a 550k-row run).
"""
from __future__ import annotations

import contextlib
import gc
import marshal
import multiprocessing
import sys
from typing import Callable, Iterator

MIN_ROWS = 20_000  # below this, starting workers costs more than it saves
_SHARED: list = []  # what the forked workers read
_FN: Callable | None = None


@contextlib.contextmanager
def bulk_rows():
    """Pause the cyclic garbage collector while building many row dicts."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(bounds: tuple[int, int]) -> bytes:
    # marshal: 5x faster than pickle for plain tuples of strings, and this is on the critical path
    with bulk_rows():
        return marshal.dumps([_FN(row) for row in _SHARED[bounds[0]:bounds[1]]])


def forked_map(fn: Callable, rows: list, workers: int = 2, progress: Callable[[int], None] | None = None,
               min_rows: int = MIN_ROWS) -> Iterator[list]:
    """Yield `[fn(row) for row in part]` for consecutive parts of `rows`, in order. `fn` needs no
    pickling (the workers inherit it); its results are built-in values (str, int, None, tuples, lists,
    dicts: what `marshal` carries)."""
    global _SHARED, _FN
    if workers <= 1 or len(rows) < min_rows or "mindspore" in sys.modules:
        step = 4096
        with bulk_rows():
            for lo in range(0, len(rows), step):
                part = [fn(row) for row in rows[lo:lo + step]]
                if progress:
                    progress(len(part))
                yield part
        return
    step = -(-len(rows) // (workers * 8))
    ranges = [(lo, min(lo + step, len(rows))) for lo in range(0, len(rows), step)]
    _SHARED, _FN = rows, fn
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for data in pool.imap(_run, ranges):
                with bulk_rows():
                    part = marshal.loads(data)
                if progress:
                    progress(len(part))
                yield part
    finally:
        _SHARED, _FN = [], None
