"""`mathtune train` on CPU with the tiny preset, in a real subprocess, on data the converters made."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training.run.logs import read_log

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


def test_the_terminal_shows_a_loss_bar_not_mindformers_info_lines(trained):
    """MindFormers prints ~1,100 INFO lines, ~40 warnings and a 250-line config in a demo's training: they
    go to the run's log; the terminal gets mathtune's own lines and a bar with the step, the loss and the
    time left. MindSpore's own warnings are off (GLOG_v=3) before it is imported."""
    run, proc = trained
    both = proc.stdout + proc.stderr
    assert " - INFO - " not in both and " - WARNING - " not in both and "[WARNING] ME" not in both, both[-3000:]
    assert "'use_parallel':" not in both  # the config MindFormers pprints
    assert len([ln for ln in proc.stdout.splitlines() if not ln.startswith("config: ")]) < 15, proc.stdout
    assert "MindFormers' log: " in proc.stdout and "(--verbose shows it here too)" in proc.stdout
    bar = proc.stderr.replace("\r", "\n").splitlines()
    last = [line for line in bar if line.startswith("training:")][-1]
    assert "96/96" in last and "loss=" in last and "epoch=3/3" in last, last
    log = (run / "log" / "rank_0" / "info.log").read_text(encoding="utf-8")
    assert log.count("[INFO]") > 96 and "Starting Training Model" in log
    assert "[WARNING]" in log and "'use_parallel':" in log  # nothing is lost: it is in the log


def test_save_and_reload_give_identical_logits(trained, tmp_path):
    import mindspore as ms

    from training.checkpoints.params import load_params, model_weights, save_params
    from training.config.loader import load_config
    from training.model.build import build_model, logits

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


def test_resume_ends_where_an_uninterrupted_run_ends(trained, tiny_data, tmp_path):
    """Stop at step 40 (mid-epoch 2, MindFormers' TrainCallBack), `--resume`, and end at step 96 with the
    same weights, optimizer moments, global step and per-step losses as the uninterrupted `tiny_run`."""
    import mindspore as ms
    from ruamel.yaml import YAML

    run, _ = trained
    yaml = YAML()
    cfg = yaml.load((ROOT / "yaml" / "cpu_tiny.yaml").read_text())
    cfg["callbacks"][1]["save_checkpoint_steps"] = 20  # checkpoints at 20 and 40: the stop is mid-epoch
    cfg["callbacks"].append({"type": "TrainCallBack", "stop_step": 40})
    with open(tmp_path / "stop_at_40.yaml", "w") as handle:
        yaml.dump(cfg, handle)
    same = ["--train_data", str(tiny_data / "train.mindrecord"), "--run-name", "cut", "--device", "cpu",
            "--epochs", "3", "runner_config.batch_size=8", "train_dataset.batch_size=8"]
    mathtune("train", "--config", str(tmp_path / "stop_at_40.yaml"), *same, cwd=tmp_path)
    cut = tmp_path / "logs" / "cut"
    assert [r["global_step"] for r in read_log(cut / "log" / "rank_0" / "info.log")[0]] == list(range(1, 41))

    proc = mathtune("train", "--config", str(ROOT / "yaml" / "cpu_tiny.yaml"), "--resume", "--verbose", *same,
                    cwd=tmp_path)
    assert " - INFO - " in proc.stdout and "training:" not in proc.stderr  # --verbose: the lines, no bar
    assert f"config: resuming from {cut}/checkpoint/rank_0/llama_tiny_rank_0-2_8.ckpt" in proc.stdout
    rows = read_log(cut / "log" / "rank_0" / "info.log")[0]
    assert [r["global_step"] for r in rows] == list(range(1, 97))  # continued at 41, not restarted at 1
    whole = {r["global_step"]: r for r in read_log(run / "log" / "rank_0" / "info.log")[0]}
    for r in rows[40:]:
        assert (r["loss"], r["lr"]) == (whole[r["global_step"]]["loss"], whole[r["global_step"]]["lr"]), r

    resumed = ms.load_checkpoint(str(max((cut / "checkpoint" / "rank_0").glob("*.ckpt"), key=lambda p: p.stat().st_mtime)))
    straight = ms.load_checkpoint(str(run / "checkpoint" / "rank_0" / "llama_tiny_rank_0-3_32.ckpt"))
    assert int(resumed["step_num"].asnumpy()) == 96 and int(resumed["global_step"].asnumpy()[0]) == 96
    assert set(resumed) == set(straight) and any(k.startswith("adam_m.") for k in straight)
    for key, value in straight.items():  # weights and Adam moments, bit for bit
        assert np.array_equal(resumed[key].asnumpy(), value.asnumpy()), key


def test_resume_without_a_checkpoint_is_one_line(tiny_data, tmp_path):
    proc = mathtune("train", "--config", str(ROOT / "yaml" / "cpu_tiny.yaml"), "--train_data",
                    str(tiny_data / "train.mindrecord"), "--run-name", "none", "--device", "cpu", "--resume",
                    cwd=tmp_path, ok=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("mathtune: error: --resume: no checkpoint under ")


def test_config_problems_stop_before_training(tiny_data, tmp_path):
    proc = mathtune("train", "--config", str(ROOT / "yaml" / "cpu_tiny.yaml"), "--train_data",
                    str(tiny_data / "train.mindrecord"), "--device", "cpu", "runner_config.batch_size=1000",
                    "model.model_config.hidden_size=130", cwd=tmp_path, ok=False)
    assert proc.returncode == 2
    assert "hidden_size 130 is not divisible by num_heads 4" in proc.stderr
    assert "has 256 rows, fewer than one global batch of 1000" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "logs" / "run" / "checkpoint").exists()
