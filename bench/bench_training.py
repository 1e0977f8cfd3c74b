"""CPU training throughput (real tokens/s) and peak memory, through `mathtune train`.

Runs the tiny preset in graph and PyNative mode, the SmolLM2-135M LoRA preset in graph and PyNative
mode, and the tiny preset on 2 msrun workers vs 1, each in its own process; per-step times come
from MindFormers' own log (the first steps, which compile, are left out). Real tokens are the
non-pad tokens of the MindRecord, so padding does not count as throughput.
Usage: python bench/bench_training.py [--skip-smollm2]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sh(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout


def _peak(stdout: str) -> int:
    return int(stdout.rsplit("PEAK_KB", 1)[1].split()[0])


def make_data(work: Path, n: int, tokenizer: str | None) -> Path:
    m = [sys.executable, "-m", "mathtune", "data"]
    sh(m + ["synth", "--n", str(n * 2), "--seed", "5", "--out", "raw.jsonl"], work)
    sh(m + ["prepare", "raw.jsonl", "--out-dir", "d", "--n", str(n), "--drop-competition", "--template", "none",
            "--no-mindrecord", "--quiet"], work)
    if tokenizer is None:
        sh(m + ["tokenizer", "d/conversations.json", "--out", "tok", "--printable"], work)
        tokenizer = str(work / "tok" / "tokenizer.json")
    out = work / f"train-{Path(tokenizer).parent.name}.mindrecord"
    sh(m + ["mindrecord", "d/conversations.json", "--out", str(out), "--tokenizer", tokenizer, "--chat", "plain",
            "--seq-length", "auto", "--quiet"], work)
    return out


def train(work: Path, config: str, data: Path, name: str, steps_per_epoch_rows: int, extra: list[str],
          workers: int = 1, ckpt: str | None = None) -> dict:
    """Run one training; returns median step time, real tokens/s and peak RSS (largest process)."""
    args = ["train", "--config", config, "--train_data", str(data), "--run-name", name, "--device", "cpu",
            "--epochs", "1", *(["--load_checkpoint", ckpt] if ckpt else []), *extra]
    if workers > 1:
        cmd = [sys.executable, "-m", "mathtune", "launch", "--workers", str(workers), "--master-port", "8135",
               "--log-dir", f"logs/{name}-msrun", "--", *args, "--use_parallel", "True"]
    else:
        cmd = [sys.executable, "-m", "mathtune", *args]
    # a fresh wrapper per run: RUSAGE_CHILDREN's peak never resets within one process
    wrapper = [sys.executable, "-c", "import resource, subprocess, sys; "
               "code = subprocess.run(sys.argv[1:]).returncode; "
               "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"]
    peak_kb = _peak(sh(wrapper + cmd, work))
    from training.run.logs import read_log

    log = work / "logs" / (f"{name}-msrun/worker_0.log" if workers > 1 else f"{name}/log/rank_0/info.log")
    rows, _ = read_log(log)
    steady = [r["per_step_ms"] for r in rows[3:]] or [r["per_step_ms"] for r in rows]
    meta = json.loads(Path(str(data) + ".meta.json").read_text())
    batch = next(int(e.split("=")[1]) for e in extra if e.startswith("runner_config.batch_size="))
    real_per_step = meta["real_token_share"] * meta["row_length"] * batch * workers
    ms = statistics.median(steady)
    return {"name": name, "steps": len(rows), "median_step_ms": ms, "real_tokens_per_s": real_per_step / (ms / 1000),
            "first_step_ms": rows[0]["per_step_ms"], "peak_rss_mb": peak_kb / 1024,
            "final_loss": rows[-1]["loss"]}


def show(r: dict, ref: dict | None = None) -> str:
    ratio = f"  ({r['real_tokens_per_s'] / ref['real_tokens_per_s']:.2f}x)" if ref else ""
    return (f"{r['name']:<28} {r['steps']:>4} steps  {r['median_step_ms']:>8.0f} ms/step  "
            f"{r['real_tokens_per_s']:>9.0f} real tok/s{ratio}  first step {r['first_step_ms'] / 1000:.1f}s  "
            f"peak RSS {r['peak_rss_mb']:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-smollm2", action="store_true")
    a = ap.parse_args()
    tiny = str(ROOT / "yaml" / "cpu_tiny.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = make_data(work, 512, None)
        bs = ["runner_config.batch_size=16", "train_dataset.batch_size=16"]
        graph = train(work, tiny, data, "tiny-graph", 512, bs)
        pynative = train(work, tiny, data, "tiny-pynative", 512, bs + ["context.mode=1"])
        one = train(work, tiny, data, "tiny-1worker-b8", 512, ["runner_config.batch_size=8", "train_dataset.batch_size=8"])
        two = train(work, tiny, data, "tiny-2workers-b8", 512, ["runner_config.batch_size=8", "train_dataset.batch_size=8"],
                    workers=2)
        print("== tiny preset (3 layers, hidden 128, char vocab), batch 16, graph vs PyNative")
        print(show(graph))
        print(show(pynative, graph))
        print("== same data, batch 8 per worker: 1 worker vs 2 msrun workers (data parallel)")
        print(show(one))
        print(show(two, one))
        if not a.skip_smollm2:
            sh([sys.executable, "-m", "mathtune", "ckpt", "from-gguf", "--out", "smol", "--no-check"], work)
            sdata = make_data(work, 64, str(work / "smol" / "tokenizer.json"))
            smol = str(ROOT / "yaml" / "cpu_smollm2_135m_lora.yaml")
            sbs = ["runner_config.batch_size=8", "train_dataset.batch_size=8"]
            ckpt = str(work / "smol" / "model.ckpt")
            sg = train(work, smol, sdata, "smollm2-lora-graph", 64, sbs, ckpt=ckpt)
            sp = train(work, smol, sdata, "smollm2-lora-pynative", 64, sbs + ["context.mode=1"], ckpt=ckpt)
            print("== SmolLM2-135M + LoRA r8 (wq, wv), batch 8, graph vs PyNative")
            print(show(sg))
            print(show(sp, sg))


if __name__ == "__main__":
    main()
