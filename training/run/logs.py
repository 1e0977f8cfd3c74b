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
from pathlib import Path

from fileio.atomic import atomic_open
from fileio.errors import InputError
from fileio.reading import open_log
from fileio.plotting import figure, save_png

# Possessive quantifiers and bounded integers: a 40,000-digit number cannot make the match backtrack.
_NUM = r"[-+]?+(?:\d++(?:\.\d*+)?(?:[eE][-+]?\d++)?|\.\d++|nan|inf)"
_INT = r"\d{1,12}"
LOSS_LINE = re.compile(
    rf"Epoch:\[\s*+({_INT})/\s*+({_INT})\],\s*+step:\[\s*+({_INT})/\s*+({_INT})\],"
    rf"\s*+loss:\s*+\[?\s*+({_NUM})(?:\s*+/\s*+({_NUM}))?\s*+\]?,"
    rf"(?:\s*+\w{{1,40}}_loss:\s*+{_NUM},)*+"  # lm_loss, mtp_loss, … when MindFormers prints them apart
    rf"\s*+per_step_time:\s*+({_NUM})\s*+ms,(?:\s*+lr:\s*+\[?\s*+({_NUM})\]?,)?"  # no lr: without a schedule
    rf"\s*+overflow cond:\s*+(True|False),\s*+loss_scale:\s*+({_NUM})(?:,\s*+global_norm:\s*+\[?\s*+({_NUM}))?")
PARAMS_LINE = re.compile(r"trainable parameters: (\d{1,3}(?:,\d{3}){0,6}|\d{1,20}) of (\d{1,3}(?:,\d{3}){0,6}|\d{1,20})")
# MindFormers 1.x prints millions (`Network Parameters: 8030.26 M.`); older releases the count (`… 3407872.`)
MF_PARAMS_LINE = re.compile(r"Network Parameters: (\d{1,20}(?:\.\d{1,20})?)(\s*M)?")
SMOOTHING = 0.9  # EMA weight of the past in the smoothed loss line
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
                         "loss_avg": float(avg) if avg else None, "per_step_ms": float(ms),
                         "lr": float(lr) if lr else None,
                         "overflow": ovf == "True", "loss_scale": float(scale),
                         "global_norm": float(norm) if norm else None})
            continue
        p = PARAMS_LINE.search(line)
        if p:
            info["trainable"], info["total"] = (int(x.replace(",", "")) for x in p.groups())
            info["ratio"] = info["trainable"] / info["total"] if info["total"] else None
            continue
        q = MF_PARAMS_LINE.search(line)
        if q and "total" not in info:
            value = float(q.group(1))
            info["network_params"] = int(value * 1_000_000) if q.group(2) else int(value)
            info["network_params_in_millions"] = bool(q.group(2))  # 1.x floors the count to whole millions
    return rows, info


def read_log(path: str | os.PathLike) -> tuple[list[dict], dict]:
    with open_log(path) as handle:
        text = handle.read()
    rows, info = parse_log(text)
    if not rows:
        raise InputError(f"{path}: no MindFormers loss lines (expected '{{ Epoch:[ 1/ 5], step:[ …], loss: …')")
    return rows, info


def out_folder(path: str | os.PathLike) -> Path:
    """The output folder, created; InputError (one line) when it cannot be."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot use as the output folder ({exc.strerror or exc})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(f"{out}: output folder is not writable")
    return out


def write_csv(rows: list[dict], path: str | os.PathLike) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    with atomic_open(path) as handle:
        handle.write(buf.getvalue())


def smoothed(values: list[float], weight: float = SMOOTHING) -> list[float]:
    """Exponential moving average, bias-corrected so the line starts at the first value."""
    out, avg = [], 0.0
    for i, v in enumerate(values, start=1):
        avg = weight * avg + (1 - weight) * v
        out.append(avg / (1 - weight**i))
    return out


def plot(rows: list[dict], path: str | os.PathLike, title: str = "") -> None:
    steps = [r["global_step"] for r in rows]
    losses = [r["loss"] for r in rows]
    fig, ax = figure(8, 4.2)
    ax.plot(steps, losses, color="#4477aa", lw=0.8, alpha=0.45, label="loss")
    ax.plot(steps, smoothed(losses), color="#224466", lw=1.8, label=f"loss, smoothed (EMA {SMOOTHING:g})")
    if any(r["loss_avg"] is not None for r in rows):
        ax.plot(steps, [r["loss_avg"] for r in rows], color="#228833", lw=1, ls="--", label="epoch average")
    ax.set_xlabel("global step")
    ax.set_ylabel("loss")
    handles, labels = ax.get_legend_handles_labels()
    if any(r["lr"] is not None for r in rows):
        ax2 = ax.twinx()
        ax2.plot(steps, [r["lr"] for r in rows], color="#cc6677", lw=1, label="learning rate")
        ax2.set_ylabel("learning rate")
        more = ax2.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    ax.legend(handles, labels, loc="upper right")
    ax.set_title(title or "training loss")
    save_png(fig, path)


def summary(rows: list[dict], info: dict) -> str:
    """Global steps (read from the lines: MindFormers may print only every n-th step), loss, time."""
    first, last = rows[0], rows[-1]
    total = last["epochs"] * last["steps_per_epoch"]
    gaps = sorted(b["global_step"] - a["global_step"] for a, b in zip(rows, rows[1:]))
    every = f", printed every {gaps[len(gaps) // 2]} steps" if gaps and gaps[len(gaps) // 2] > 1 else ""
    ms = sorted(r["per_step_ms"] for r in rows[1:]) or [first["per_step_ms"]]
    lines = [f"global step {last['global_step']} of {total}: loss {first['loss']:.4f} → {last['loss']:.4f} "
             f"(epoch {last['epoch']}/{last['epochs']}, step {last['step']}/{last['steps_per_epoch']}; "
             f"{len(rows)} loss lines{every})",
             f"per-step time median {ms[len(ms) // 2]:.0f} ms (first step {first['per_step_ms']:.0f} ms, compile included)",
             f"overflow on {sum(r['overflow'] for r in rows)} printed step(s); final loss scale {last['loss_scale']}"]
    if "total" in info:
        ratio = f"ratio {info['ratio']:.6f}" if info["ratio"] is not None else "the total is 0: no ratio"
        lines.append(f"trainable parameters: {info['trainable']:,} of {info['total']:,} ({ratio})")
    elif "network_params" in info:
        lines.append(f"trainable parameters (MindFormers' count): {info['network_params']:,}"
                     + (" (floored to whole millions)" if info["network_params_in_millions"] else ""))
    return "\n".join(lines)
