"""Two CPU workers under msrun (data parallel, mccl): loss falls and both ranks end identical."""
import subprocess
import sys
from pathlib import Path

import numpy as np

from training.run.logs import read_log

ROOT = Path(__file__).resolve().parents[1]


def test_two_workers_train_in_lockstep(tiny_data, tmp_path):
    cmd = [sys.executable, "-m", "mathtune", "launch", "--workers", "2", "--master-port", "8129", "--log-dir",
           "logs/msrun", "--", "train", "--config", str(ROOT / "yaml" / "cpu_tiny.yaml"), "--train_data",
           str(tiny_data / "train.mindrecord"), "--run-name", "dp2", "--device", "cpu", "--use_parallel", "True",
           "--epochs", "2", "runner_config.batch_size=4", "train_dataset.batch_size=4"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    logs = tmp_path / "logs" / "msrun"
    assert proc.returncode == 0, proc.stdout[-2000:] + (logs / "worker_0.log").read_text()[-3000:]
    assert proc.stdout.startswith("+ ") and "--worker_num=2" in proc.stdout.splitlines()[0]
    for rank in (0, 1):
        rows, _ = read_log(logs / f"worker_{rank}.log")
        assert len(rows) == 64  # 256 rows / (4 × 2 workers) × 2 epochs
        assert np.mean([r["loss"] for r in rows[-5:]]) < 0.6 * np.mean([r["loss"] for r in rows[:5]])
    from training.checkpoints.params import load_params, model_weights

    ckpts = [tmp_path / "logs" / "dp2" / "checkpoint" / f"rank_{r}" / f"llama_tiny_rank_{r}-2_32.ckpt" for r in (0, 1)]
    a, b = (model_weights(load_params(c)) for c in ckpts)
    assert set(a) == set(b) and len(a) > 20
    assert all(np.array_equal(a[k], b[k]) for k in a)
