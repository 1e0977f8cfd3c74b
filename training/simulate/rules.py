"""Pure rules behind `mathtune simulate`: strategy checks, MindSpore's memory lines, extrapolation."""
from __future__ import annotations

import re
from dataclasses import dataclass

USED_PEAK = re.compile(r"Used peak memory usage \(without fragments\):\s*(\d+)M")
ACTUAL_PEAK = re.compile(r"Actual peak memory usage \(with fragments\):\s*(\d+)M")
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*$", re.IGNORECASE)
# MindSpore / MindFormers errors worth one line to the user, most specific first
REFUSALS = [
    re.compile(r"(requires \d+ devices?, but the device number of this stage is \d+[^\n]*)"),
    re.compile(r"^\s*(?:RuntimeError|ValueError|TypeError|AssertionError|KeyError|MemoryError): (.+)$", re.MULTILINE),
    re.compile(r"(Out of Memory[^\n]*|Device\(id:\d+\) memory isn't enough[^\n]*)", re.IGNORECASE),
]


@dataclass
class Peak:
    layers: int
    used_mb: int    # MindSpore's "Used peak memory usage (without fragments)"
    actual_mb: int  # "Actual peak memory usage (with fragments)"


def parallel_dims(cfg) -> tuple[int, int, int]:
    """(data_parallel, model_parallel, pipeline_stage); all 1 when the config is stand-alone."""
    if not cfg.get("use_parallel"):
        return 1, 1, 1
    pc = cfg.get("parallel_config") or {}
    return int(pc.get("data_parallel", 1)), int(pc.get("model_parallel", 1)), int(pc.get("pipeline_stage", 1))


def strategy_problems(cfg, cards: int, rank: int, depths: list[int]) -> list[str]:
    """Why this config's strategy cannot compile on `cards` ranks; empty when it may."""
    dp, mp, pp = parallel_dims(cfg)
    mc = cfg["model"]["model_config"]
    problems = []
    if dp * mp * pp != cards:
        problems.append(f"data_parallel {dp} × model_parallel {mp} × pipeline_stage {pp} = {dp * mp * pp} devices, "
                        f"but the run has {cards} rank(s)")
    if not 0 <= rank < cards:
        problems.append(f"--rank {rank} is outside 0..{cards - 1}")
    heads = mc.get("num_heads")
    kv = mc.get("n_kv_heads") or heads
    for name, value in (("num_heads", heads), ("n_kv_heads", kv), ("intermediate_size", mc.get("intermediate_size"))):
        if isinstance(value, int) and value % mp:
            problems.append(f"{name} {value} is not divisible by model_parallel {mp}")
    if pp > 1 and any(d % pp for d in depths):
        problems.append(f"simulated depths {depths} must be multiples of pipeline_stage {pp}")
    return problems


def parse_peak(output: str, layers: int) -> Peak | None:
    """MindSpore's peak-memory lines (printed when a simulated process ends); the largest of each counts,
    as a helper process may print its own (zero) pair."""
    used, actual = USED_PEAK.findall(output), ACTUAL_PEAK.findall(output)
    if not used or not actual:
        return None
    return Peak(layers, max(map(int, used)), max(map(int, actual)))


def refusal(output: str) -> str:
    """The one line that says why MindSpore/MindFormers stopped, or the last line of output."""
    for pattern in REFUSALS:
        found = pattern.findall(output)
        if found:
            return found[0 if pattern is REFUSALS[0] else -1].strip()
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def size_mb(text) -> float:
    """'58GB' → 59392 (MB, binary units as MindSpore uses them)."""
    match = SIZE.match(str(text))
    if not match:
        raise ValueError(f"cannot read a memory size from {text!r} (expected e.g. '58GB')")
    scale = {"": 1 / 1024 / 1024, "K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[match.group(2).upper()]
    return float(match.group(1)) * scale


def extrapolate(a: Peak, b: Peak, layers: int) -> tuple[float, float, float, float]:
    """Linear in depth through two compiles: (used MB, actual MB, MB per layer of each)."""
    if a.layers == b.layers:
        raise ValueError("two different depths are needed to extrapolate")
    per_used = (b.used_mb - a.used_mb) / (b.layers - a.layers)
    per_actual = (b.actual_mb - a.actual_mb) / (b.layers - a.layers)
    return (a.used_mb + per_used * (layers - a.layers), a.actual_mb + per_actual * (layers - a.layers),
            per_used, per_actual)


def judge(peaks: list[Peak], num_layers: int, limit_mb: float | None) -> dict:
    """Peak at the config's depth (extrapolated from two compiles) and whether it fits `limit_mb`.

    With one compile the figure is that depth's, judged only when it is the config's own depth."""
    if len(peaks) == 2:
        used, actual, per_used, per_actual = extrapolate(peaks[0], peaks[1], num_layers)
        at = num_layers
    else:
        used, actual, per_used, per_actual, at = peaks[0].used_mb, peaks[0].actual_mb, None, None, peaks[0].layers
    # the two lines extrapolate at different slopes; judge by the larger, never by the smaller
    peak = max(used, actual)
    per_layer = per_used if used > actual else per_actual
    fits = None if limit_mb is None or at != num_layers else peak <= limit_mb
    return {"peak_mb": round(peak), "peak_used_mb": round(used), "peak_actual_mb": round(actual), "peak_at_layers": at,
            "mb_per_layer": None if per_layer is None else round(per_layer, 1), "fits": fits}
