"""Checkpoint files as {name: numpy array}: reading and writing .ckpt files (names and shapes checked,
written atomically and readable by others), the model's own weights, and whether parameters fit a model."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from fileio.atomic import readable
from fileio.errors import InputError

MODEL_PREFIXES = ("model.", "lm_head.")


class CheckpointError(InputError):
    """A checkpoint that does not fit what was asked (names, shapes, LoRA settings)."""


def load_params(path: str | os.PathLike) -> dict[str, np.ndarray]:
    import mindspore as ms

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        return {k: v.asnumpy() for k, v in ms.load_checkpoint(str(path)).items()}
    except (RuntimeError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a MindSpore checkpoint ({str(exc).splitlines()[0]})") from None


def save_params(params: dict[str, np.ndarray], out: str | os.PathLike) -> Path:
    """Write a .ckpt atomically (MindSpore appends .ckpt to names without it, so the temp name has it)."""
    import mindspore as ms

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial.ckpt")
    try:
        ms.save_checkpoint([{"name": k, "data": ms.Tensor(v)} for k, v in params.items()], str(tmp))
        readable(tmp)  # MindSpore leaves it 0400
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def model_weights(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drop optimizer states, step counters and loss scale: keep the network's own weights."""
    return {k: v for k, v in params.items() if k.startswith(MODEL_PREFIXES)}


def check_fits(params: dict[str, np.ndarray], expected: dict[str, tuple]) -> None:
    """Refuse parameters whose names or shapes differ from a model's (lists the first few)."""
    missing = sorted(set(expected) - set(params))
    extra = sorted(set(params) - set(expected))
    wrong = [f"{k}: {params[k].shape} != {expected[k]}" for k in expected if k in params
             and tuple(params[k].shape) != tuple(expected[k])]
    if missing or extra or wrong:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} (e.g. {missing[:3]})")
        if extra:
            parts.append(f"unexpected {len(extra)} (e.g. {extra[:3]})")
        if wrong:
            parts.append(f"wrong shape {len(wrong)} (e.g. {wrong[:3]})")
        raise CheckpointError("checkpoint does not fit the model: " + "; ".join(parts))
