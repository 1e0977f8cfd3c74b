"""Per-rank checkpoint shards of a parallel run merged into one file, with MindSpore's own transform."""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from fileio.atomic import readable
from training.checkpoints.params import CheckpointError


_STEP = re.compile(r"-(\d+)_(\d+)\.ckpt$")


def _latest(rank_dir: Path) -> Path:
    found = sorted(rank_dir.glob("*.ckpt"), key=lambda p: tuple(map(int, _STEP.search(p.name).groups()))
                   if _STEP.search(p.name) else (0, 0))
    if not found:
        raise CheckpointError(f"{rank_dir}: no .ckpt files")
    return found[-1]


def strategy_devices(strategy_file: Path) -> int:
    """How many devices the strategy file describes (product of a layout's device matrix)."""
    from mindspore.train import node_strategy_pb2

    smap = node_strategy_pb2.ParallelStrategyMap()
    smap.ParseFromString(strategy_file.read_bytes())
    if not smap.parallel_layout_item:
        raise CheckpointError(f"{strategy_file}: no parameter layouts (not a parallel strategy file?)")
    return int(np.prod(list(smap.parallel_layout_item[0].parallel_layouts.dev_matrix[0].dim)))


def merge_shards(checkpoint_dir: str | os.PathLike, strategy: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Per-rank checkpoints (checkpoint_dir/rank_N/*.ckpt, the newest of each) → one full checkpoint.

    `strategy` is the strategy file MindFormers saved, or its folder of per-rank files (merged first,
    which pipeline-parallel runs need). Uses mindspore.transform_checkpoints.
    """
    import shutil
    import tempfile

    import mindspore as ms

    checkpoint_dir, strategy, out = Path(checkpoint_dir), Path(strategy), Path(out)
    ranks = sorted((p for p in checkpoint_dir.glob("rank_*") if p.is_dir()), key=lambda p: int(p.name[5:]))
    if not ranks:
        raise CheckpointError(f"{checkpoint_dir}: no rank_N folders")
    work = Path(tempfile.mkdtemp(prefix=".merge-", dir=out.parent if out.parent.exists() else None))
    try:
        if strategy.is_dir():
            files = sorted(strategy.glob("*.ckpt"))
            if not files:
                raise CheckpointError(f"{strategy}: no strategy files")
            merged = work / "strategy.ckpt"
            if len(files) == 1:
                shutil.copyfile(files[0], merged)
            else:
                ms.merge_pipeline_strategys(str(strategy), str(merged))
            strategy = merged
        elif not strategy.is_file():
            raise CheckpointError(f"strategy file not found: {strategy}")
        devices = strategy_devices(strategy)
        if devices != len(ranks):
            raise CheckpointError(f"the strategy describes {devices} devices but {checkpoint_dir} has {len(ranks)} ranks")
        src = work / "src"
        for rank_dir in ranks:
            (src / rank_dir.name).mkdir(parents=True)
            latest = _latest(rank_dir)
            os.symlink(latest.resolve(), src / rank_dir.name / latest.name)
        ms.transform_checkpoints(str(src), str(work / "dst"), "merged", str(strategy), None)
        result = work / "dst" / "rank_0" / "merged0.ckpt"
        if not result.exists():
            raise CheckpointError("transform_checkpoints produced no merged checkpoint")
        out.parent.mkdir(parents=True, exist_ok=True)
        readable(result)  # transform_checkpoints leaves it 0400
        os.replace(result, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
