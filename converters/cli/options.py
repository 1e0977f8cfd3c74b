"""argparse types that refuse out-of-range values at parse time: one line, exit 2, before any work."""
from __future__ import annotations

import argparse
from typing import Callable

from converters.encode.render import MAX_SEQ_LENGTH

MAX_SHARDS = 1000  # MindRecord's own limit on shard_num
MAX_ROWS = 10**9  # counts of rows and problems: far above any data set here, far below an overflow
MAX_SYNTH_PER_CATEGORY = 10**6  # synthetic problems per category: beyond that a category's space runs dry


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An int in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r:.40}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low}..{high}, got {value}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its messages
    return parse


def share(text: str) -> float:
    """A share in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r:.40}") from None
    if not 0 <= value <= 1:  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected a share in 0..1, got {text:.40}")
    return value


def seq_length(text: str) -> int | str:
    """'auto' or a token count in 1..MAX_SEQ_LENGTH."""
    return "auto" if text == "auto" else bounded_int(1, MAX_SEQ_LENGTH)(text)
