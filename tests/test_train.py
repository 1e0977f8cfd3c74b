"""`mathtune train` on CPU with the tiny preset, in a real subprocess, on data the converters made."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training.logs import read_log

ROOT = Path(__file__).resolve().parents[1]


def mathtune(*args, cwd, ok=True):
    proc = subprocess.run([sys.executable, "-m", "mathtune", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=900)
    if ok:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def trained(tiny_run):
    return tiny_run


def test_loss_falls_and_files_are_kept(trained):
    run, proc = trained
    assert "mathtune: trainable parameters:" in proc.stdout
    rows, _ = read_log(run / "log" / "rank_0" / "info.log")
    assert len(rows) == 96  # 256 rows / 8 per step × 3 epochs
    first, last = np.mean([r["loss"] for r in rows[:5]]), np.mean([r["loss"] for r in rows[-5:]])
    assert last < 0.5 * first
    assert (run / "config.yaml").exists() and (run / "data.meta.json").exists()
    assert sorted(p.name for p in (run / "checkpoint" / "rank_0").glob("*.ckpt"))[-1] == "llama_tiny_rank_0-3_32.ckpt"


def test_save_and_reload_give_identical_logits(trained, tmp_path):
    import mindspore as ms

    from training.ckpt import load_params, model_weights, save_params
    from training.config import load_config
    from training.models import build_model, logits

    run, _ = trained
    ms.set_context(mode=1, device_target="CPU")
    mc = load_config(run / "config.yaml").model.model_config
    params = model_weights(load_params(run / "checkpoint" / "rank_0" / "llama_tiny_rank_0-3_32.ckpt"))
    ids = np.arange(1, 1 + 2 * mc.seq_length).reshape(2, -1) % 60 + 4

    def fresh_logits(p):
        net = build_model(mc)
        missing, _ = ms.load_param_into_net(net, {k: ms.Parameter(ms.Tensor(v), name=k) for k, v in p.items()})
        assert not missing
        return logits(net, ids)

    first = fresh_logits(params)
    save_params(params, tmp_path / "again.ckpt")
    assert np.array_equal(fresh_logits(load_params(tmp_path / "again.ckpt")), first)


def test_resume_continues_from_the_last_checkpoint(trained, tiny_data):
    run, _ = trained
    proc = mathtune("train", "--config", str(run / "config.yaml"), "--train_data", str(tiny_data / "train.mindrecord"),
                    "--run-name", "tiny", "--device", "cpu", "--resume", "--dry-run", cwd=run.parent.parent)
    assert f"config: resuming from {run}/checkpoint/rank_0/llama_tiny_rank_0-3_32.ckpt" in proc.stdout


def test_config_problems_stop_before_training(tiny_data, tmp_path):
    proc = mathtune("train", "--config", str(ROOT / "yaml" / "cpu_tiny.yaml"), "--train_data",
                    str(tiny_data / "train.mindrecord"), "--device", "cpu", "runner_config.batch_size=1000",
                    "model.model_config.hidden_size=130", cwd=tmp_path, ok=False)
    assert proc.returncode == 2
    assert "hidden_size 130 is not divisible by num_heads 4" in proc.stderr
    assert "has 256 rows, fewer than one global batch of 1000" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "logs" / "run" / "checkpoint").exists()
