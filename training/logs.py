"""MindFormers training logs → rows (CSV) and a loss/lr plot (PNG).

Reads the loss lines of MFLossMonitor in both forms MindFormers has printed:
  { Epoch:[  1/  5], step:[    2/  535], loss: 2.248, per_step_time: 364368ms, lr: 1.25e-07, overflow cond: False, loss_scale: 1.0
  { Epoch:[  1/  2], step:[    1/   32], loss:[6.257597/6.257597], per_step_time: 6522ms, lr: 0.0, overflow cond: False, loss_scale: 1.0, global_norm: [2.54]
with anything else (other log lines, progress-bar redraws with \\r) in between.
"""
from __future__ import annotations

import csv
import io
import os
import re

from converters.files import InputError, atomic_open, open_input
from converters.plotting import figure, save_png

_NUM = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf)"
LOSS_LINE = re.compile(
    rf"Epoch:\[\s*(\d+)/\s*(\d+)\],\s*step:\[\s*(\d+)/\s*(\d+)\],\s*loss:\s*\[?\s*({_NUM})(?:\s*/\s*({_NUM}))?\s*\]?,"
    rf"\s*per_step_time:\s*({_NUM})\s*ms,\s*lr:\s*({_NUM}),\s*overflow cond:\s*(True|False),\s*loss_scale:\s*({_NUM})"
    rf"(?:,\s*global_norm:\s*\[?\s*({_NUM}))?")
PARAMS_LINE = re.compile(r"trainable parameters: ([\d,]+) of ([\d,]+)")
MF_PARAMS_LINE = re.compile(r"Network Parameters: ([\d.]+) M")
FIELDS = ["epoch", "epochs", "step", "steps_per_epoch", "global_step", "loss", "loss_avg", "per_step_ms", "lr",
          "overflow", "loss_scale", "global_norm"]


def parse_log(text: str) -> tuple[list[dict], dict]:
    """Loss rows in order, and what the log says about parameter counts."""
    rows = []
    info: dict = {}
    for line in re.split(r"[\r\n]+", text):
        m = LOSS_LINE.search(line)
        if m:
            ep, eps, st, spe, loss, avg, ms, lr, ovf, scale, norm = m.groups()
            rows.append({"epoch": int(ep), "epochs": int(eps), "step": int(st), "steps_per_epoch": int(spe),
                         "global_step": (int(ep) - 1) * int(spe) + int(st), "loss": float(loss),
                         "loss_avg": float(avg) if avg else None, "per_step_ms": float(ms), "lr": float(lr),
                         "overflow": ovf == "True", "loss_scale": float(scale),
                         "global_norm": float(norm) if norm else None})
            continue
        p = PARAMS_LINE.search(line)
        if p:
            info["trainable"], info["total"] = (int(x.replace(",", "")) for x in p.groups())
            info["ratio"] = info["trainable"] / info["total"]
            continue
        q = MF_PARAMS_LINE.search(line)
        if q and "total" not in info:
            info["network_params_m"] = float(q.group(1))
    return rows, info


def read_log(path: str | os.PathLike) -> tuple[list[dict], dict]:
    with open_input(path, "r", encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    rows, info = parse_log(text)
    if not rows:
        raise InputError(f"{path}: no MindFormers loss lines (expected '{{ Epoch:[ 1/ 5], step:[ …], loss: …')")
    return rows, info


def write_csv(rows: list[dict], path: str | os.PathLike) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    with atomic_open(path) as handle:
        handle.write(buf.getvalue())


def plot(rows: list[dict], path: str | os.PathLike, title: str = "") -> None:
    steps = [r["global_step"] for r in rows]
    fig, ax = figure(8, 4.2)
    ax.plot(steps, [r["loss"] for r in rows], color="#4477aa", lw=1, label="loss")
    if any(r["loss_avg"] is not None for r in rows):
        ax.plot(steps, [r["loss_avg"] for r in rows], color="#228833", lw=1, ls="--", label="epoch average")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax2 = ax.twinx()
    ax2.plot(steps, [r["lr"] for r in rows], color="#cc6677", lw=1, label="learning rate")
    ax2.set_ylabel("learning rate")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper right")
    ax.set_title(title or "training loss")
    save_png(fig, path)


def summary(rows: list[dict], info: dict) -> str:
    first, last = rows[0], rows[-1]
    ms = sorted(r["per_step_ms"] for r in rows[1:]) or [first["per_step_ms"]]
    lines = [f"{len(rows)} steps: loss {first['loss']:.4f} → {last['loss']:.4f} "
             f"(epoch {last['epoch']}/{last['epochs']}, step {last['step']}/{last['steps_per_epoch']})",
             f"per-step time median {ms[len(ms) // 2]:.0f} ms (first step {first['per_step_ms']:.0f} ms, compile included)",
             f"overflow on {sum(r['overflow'] for r in rows)} step(s); final loss scale {last['loss_scale']}"]
    if "total" in info:
        lines.append(f"trainable parameters: {info['trainable']:,} of {info['total']:,} (ratio {info['ratio']:.6f})")
    elif info.get("network_params_m"):  # MindFormers rounds to 0.1 M; a tiny model shows 0.0
        lines.append(f"network parameters (MindFormers, rounded): {info['network_params_m']} M")
    return "\n".join(lines)
