"""Token-length histogram and padding efficiency of a MindRecord, printed and plotted."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from fileio.plotting import figure, save_png
from converters.encode.mindrecord import read_meta
from converters.encode.render import IGNORE


def mindrecord_stats(path: str | os.PathLike) -> dict:
    """Read every row back and measure real tokens, supervised positions and sample lengths."""
    import mindspore.dataset as ds

    meta = read_meta(path)
    pad, eos = meta["tokenizer"]["pad_id"], meta["tokenizer"]["eos_id"]
    data = ds.MindDataset(str(path), columns_list=["input_ids", "labels"], shuffle=False)
    rows = real = supervised = positions = 0
    lengths: list[int] = []
    for item in data.create_tuple_iterator(output_numpy=True):
        ids, labels = item
        # The last EOS ends the real tokens; pad may equal EOS for some tokenizers.
        ends = np.flatnonzero(ids == eos)
        used = int(ends[-1]) + 1 if ends.size else int(np.count_nonzero(ids != pad))
        starts = [0] + [int(e) + 1 for e in ends[:-1]]
        lengths.extend(int(e) + 1 - s for s, e in zip(starts, ends))
        rows += 1
        real += used
        supervised += int(np.count_nonzero(labels != IGNORE))
        positions += ids.size
    return {"path": str(path), "rows": rows, "samples": len(lengths), "row_length": meta["row_length"],
            "packed": meta["packed"], "real_token_share": real / max(positions, 1),
            "supervised_share": supervised / max(positions, 1),
            "mean_length": float(np.mean(lengths)) if lengths else 0.0,
            "p99_length": float(np.percentile(lengths, 99)) if lengths else 0.0,
            "max_length": max(lengths, default=0), "lengths": lengths}


def format_stats(s: dict) -> str:
    return (f"{s['path']}: {s['rows']} rows of {s['row_length']} tokens, {s['samples']} samples"
            f"{' (packed)' if s['packed'] else ''}\n"
            f"  sample length mean {s['mean_length']:.1f}, p99 {s['p99_length']:.0f}, max {s['max_length']}\n"
            f"  real tokens {100 * s['real_token_share']:.1f}% of positions, "
            f"supervised {100 * s['supervised_share']:.1f}%")


def plot_stats(s: dict, out_png: str | os.PathLike) -> Path:
    """Histogram of sample lengths with the row length marked; written atomically."""
    fig, ax = figure(7, 4)
    ax.hist(s["lengths"], bins=min(100, max(10, len(set(s["lengths"])))), color="#4477aa")
    ax.axvline(s["row_length"], color="#cc3311", linestyle="--", label=f"row length {s['row_length']}")
    ax.set_xlabel("tokens per sample")
    ax.set_ylabel("samples")
    ax.set_title(f"{Path(s['path']).name}: real tokens {100 * s['real_token_share']:.1f}%, "
                 f"supervised {100 * s['supervised_share']:.1f}%")
    ax.legend()
    return save_png(fig, out_png)
