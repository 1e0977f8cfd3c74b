"""`mathtune simulate`: compile one rank of a parallel run under MindSpore's dryrun, before NPU time.

Each depth is compiled (and its step "run" with no-op kernels) in a subprocess with
MS_SIMULATION_LEVEL=1, RANK_SIZE and RANK_ID set, as MindSpore's dryrun documents. On an Ascend
host that is all; on a CPU machine the stub CANN of training.simulate.fakecann stands in for Huawei's
libraries (a development aid). The strategy file is saved, MindSpore's printed peak memory is
read, and two depths are extrapolated linearly to the config's num_layers. Every figure is an
estimate: the kernels MindSpore picks without a real 910B may differ, and workspace memory is
not counted at level 1.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from training.config.errors import ConfigError
from training.config.loader import check_config, load_config
from training.simulate.rules import Peak, judge, parallel_dims, parse_peak, refusal, size_mb, strategy_problems

CANN_HOMES = ("/usr/local/Ascend/ascend-toolkit/latest", "/usr/local/Ascend/latest")


@dataclass
class SimArgs:
    config: str
    data: str | None = None
    layers: list[int] = field(default_factory=lambda: [2, 4])
    rank: int = 0
    cards: int | None = None       # default: data_parallel × model_parallel × pipeline_stage
    out_dir: str | None = None
    seq_length: int | None = None  # override (tests use a short one to compile faster)
    timeout: int = 3600            # seconds per compile
    stub: str = "auto"             # auto | yes | no: use the stub CANN
    overrides: list[str] = field(default_factory=list)  # key.path=value, as for `mathtune train`
    skip_checks: bool = False      # compile anyway, to see MindSpore's own refusal


def has_cann() -> bool:
    home = os.environ.get("ASCEND_HOME_PATH") or next((h for h in CANN_HOMES if Path(h).is_dir()), None)
    return bool(home) and Path(home).is_dir() and "mathtune/fake-cann" not in str(home)


def route(choice: str) -> str:
    """'ascend' (MindSpore's dryrun with the real CANN) or 'stub' (the stub CANN on CPU)."""
    if choice == "yes":
        return "stub"
    if choice == "no" or has_cann():
        return "ascend"
    return "stub"


def estimate_note(how: str) -> str:
    return ("estimate: MindSpore dryrun on this host" if how == "ascend"
            else "estimate: simulated on CPU with mathtune's stub CANN (a development aid), not measured on an NPU")


def precheck(a: SimArgs):
    """Config, data and strategy checks before any compile; raises ConfigError with every problem."""
    if len(set(a.layers)) not in (1, 2) or len(set(a.layers)) != len(a.layers) or min(a.layers) < 1:
        raise ConfigError(f"--layers takes one depth, or two different ones to extrapolate; got {a.layers}")
    from training.config.yamledit import apply_overrides

    cfg = load_config(a.config)
    apply_overrides(cfg, a.overrides)
    dp, mp, pp = parallel_dims(cfg)
    cards = a.cards or dp * mp * pp
    problems = strategy_problems(cfg, cards, a.rank, a.layers)
    if a.data and not Path(a.data).exists():
        problems.append(f"data not found: {a.data}")
    elif a.data:
        from training.config.loader import fill_from_data

        fill_from_data(cfg, a.data)
    problems += check_config(cfg, a.data)
    if problems and a.skip_checks:
        print("simulate: compiling despite: " + "; ".join(problems), flush=True)
    elif problems:
        raise ConfigError(f"{a.config}: cannot simulate on {cards} rank(s): " + "; ".join(problems))
    return cfg, cards


def compile_depth(a: SimArgs, layers: int, cards: int, out: Path, env: dict[str, str]) -> tuple[Peak, float]:
    """One subprocess compile at `layers`; its output is kept in out/compile_<layers>_layers.log."""
    spec = {"config": str(Path(a.config).resolve()), "data": str(Path(a.data).resolve()) if a.data else None,
            "layers": layers, "rank": a.rank, "rank_size": cards, "out_dir": str(out), "seq_length": a.seq_length,
            "overrides": a.overrides}
    spec_path = out / f"spec_{layers}_layers.json"
    spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    log = out / f"compile_{layers}_layers.log"
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "training.simulate.worker", str(spec_path)], env=env,
                              cwd=out, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=a.timeout)
        output, code = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout or ""
        output, code = partial.decode(errors="replace") if isinstance(partial, bytes) else partial, None
    log.write_text(output, encoding="utf-8")
    took = time.perf_counter() - start
    if code is None:
        raise ConfigError(f"the {layers}-layer compile took longer than --timeout {a.timeout}s (log: {log})")
    peak = parse_peak(output, layers)
    if code != 0 or "simulate-worker: DONE" not in output:
        raise ConfigError(f"MindSpore refused the {layers}-layer simulated compile: {refusal(output)} (log: {log})")
    if peak is None or peak.used_mb <= 0:
        raise ConfigError(f"the {layers}-layer compile printed no peak memory (log: {log})")
    collect_strategy(out)
    return peak, took


def collect_strategy(out: Path) -> list[Path]:
    """MindFormers saves OUTPUT/strategy/ckpt_strategy_rank_R.ckpt; keep a copy as out/strategy/strategy_rank_R.ckpt
    (each depth overwrites it: the deepest compile's is kept)."""
    import shutil

    copies = []
    for found in sorted((out / "mindformers" / "strategy").glob("ckpt_strategy_rank_*.ckpt")):
        target = out / "strategy" / found.name.replace("ckpt_strategy_", "strategy_")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, target)
        copies.append(target)
    return copies


def simulation_env(how: str, cards: int, rank: int, out: Path) -> dict[str, str]:
    env = dict(os.environ)
    if how == "stub":
        from training.simulate.fakecann.build import ensure

        env = ensure().env(env)
    env.update(MS_SIMULATION_LEVEL="1", RANK_SIZE=str(cards), RANK_ID=str(rank),
               LOCAL_DEFAULT_PATH=str(out / "mindformers"),
               GLOG_v="2")  # MindSpore prints its memory statistics at WARNING level: GLOG_v=3 hides them
    env.pop("MS_SUBMODULE_LOG_v", None)
    for key in ("MS_WORKER_NUM", "MS_ROLE", "MS_SCHED_HOST", "MS_NODE_ID"):  # not an msrun worker
        env.pop(key, None)
    return env


def simulate(a: SimArgs) -> dict:
    """Precheck, compile each depth, extrapolate, write out/simulate.json; returns the report."""
    from tqdm import tqdm

    cfg, cards = precheck(a)
    how = route(a.stub)
    note = estimate_note(how)
    num_layers = int(cfg.model.model_config.num_layers)
    out = Path(a.out_dir or f"logs/simulate/{Path(a.config).stem}-{cards}p").resolve()
    out.mkdir(parents=True, exist_ok=True)
    dp, mp, pp = parallel_dims(cfg)
    print(f"simulate: {a.config}: rank {a.rank} of {cards} (dp {dp}, mp {mp}, pp {pp}), "
          f"depths {sorted(a.layers)} → {num_layers} layers; {'stub CANN on CPU' if how == 'stub' else 'CANN'}",
          flush=True)
    env = simulation_env(how, cards, a.rank, out)
    peaks = []
    for layers in tqdm(sorted(a.layers), desc="simulated compiles", unit="depth"):
        peak, took = compile_depth(a, layers, cards, out, env)
        peaks.append(peak)
        tqdm.write(f"  {layers} layers: peak {peak.used_mb} MB used, {peak.actual_mb} MB with fragments "
                   f"(compiled in {took:.0f}s; {note})")
    limit = size_mb(cfg.context.get("max_device_memory", "0GB")) or None
    figures = judge(peaks, num_layers, limit)
    report = {"config": a.config, "cards": cards, "rank": a.rank, "dp": dp, "mp": mp, "pp": pp, "route": how,
              "seq_length": int(cfg.model.model_config.seq_length) if a.data else
              (a.seq_length or int(cfg.model.model_config.seq_length)),
              "compiles": [vars(p) for p in peaks], "num_layers": num_layers, **figures,
              "max_device_memory_mb": limit, "strategy_dir": str(out / "strategy"), "note": note}
    (out / "simulate.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    fits, peak, per_layer, at = (figures[k] for k in ("fits", "peak_mb", "mb_per_layer", "peak_at_layers"))
    if fits is None:
        verdict = "not judged: no max_device_memory" if limit is None else \
            f"not judged against max_device_memory: compile two depths to extrapolate to {num_layers} layers"
    else:
        verdict = (f"{'fits' if fits else 'does not fit'} in max_device_memory {cfg.context.max_device_memory} "
                   f"({limit:.0f} MB; {note})")
    how_far = (f"linear extrapolation from {peaks[0].layers} and {peaks[-1].layers} layers, {per_layer:.0f} MB/layer"
               if per_layer is not None else f"one depth compiled, not extrapolated to {num_layers}")
    print(f"rank {a.rank}: ~{peak} MB peak at {at} layers ({how_far}; used {figures['peak_used_mb']} MB, "
          f"with fragments {figures['peak_actual_mb']} MB; {note})")
    print(f"rank {a.rank}: {verdict}")
    if (out / "strategy").is_dir():
        print(f"strategy files: {out / 'strategy'}")
    print(f"report: {out / 'simulate.json'}")
    return report
