"""Training-log parsing: both MindFormers formats, noise in between, CSV and PNG out."""
import subprocess
import sys

import pytest

from fileio.errors import InputError
import time

from training.run.logs import parse_log, plot, read_log, smoothed, summary, write_csv

OLD = ("2024-07-30 10:01:02 - INFO - { Epoch:[  1/  5], step:[    2/  535], loss: 2.248, per_step_time: 364368ms, "
       "lr: 1.25e-07, overflow cond: False, loss_scale: 1.0")
NEW = ("2026-11-22 05:06:11,422 - mindformers/x/log[mindformers/core/callback/callback.py:747] - INFO - "
       "{ Epoch:[  1/  2], step:[    1/   32], loss:[6.261920/6.261920], per_step_time: 6522ms, lr: 0.0, "
       "overflow cond: True, loss_scale: 65536.0, global_norm: [2.5453212], train_throughput_per_npu: 0.004T")


def test_both_formats_with_noise():
    text = "\n".join(["[WARNING] something unrelated", "  3%|▎         | 2/64 [00:01<00:40]\r  5%|▍   | 3/64" + OLD,
                      "mathtune: trainable parameters: 3,407,872 of 8,030,261,248 (ratio 0.000424)", NEW, "done"])
    rows, info = parse_log(text)
    assert rows[0] == {"epoch": 1, "epochs": 5, "step": 2, "steps_per_epoch": 535, "global_step": 2, "loss": 2.248,
                       "loss_avg": None, "per_step_ms": 364368.0, "lr": 1.25e-07, "overflow": False,
                       "loss_scale": 1.0, "global_norm": None}
    assert rows[1]["loss"] == 6.26192 and rows[1]["loss_avg"] == 6.26192 and rows[1]["overflow"] is True
    assert rows[1]["global_norm"] == 2.5453212 and rows[1]["loss_scale"] == 65536.0
    assert info == {"trainable": 3407872, "total": 8030261248, "ratio": 3407872 / 8030261248}


def test_global_step_counts_across_epochs():
    line = "{ Epoch:[  2/  3], step:[    5/  10], loss: 1.0, per_step_time: 10ms, lr: 0.1, overflow cond: False, loss_scale: 1.0"
    assert parse_log(line)[0][0]["global_step"] == 15


def test_files_out_and_empty_log(tmp_path):
    log = tmp_path / "worker_0.log"
    log.write_text(OLD + "\n" + NEW.replace("step:[    1/   32]", "step:[    2/   32]") + "\n")
    rows, info = read_log(log)
    write_csv(rows, tmp_path / "loss.csv")
    plot(rows, tmp_path / "loss.png")
    assert (tmp_path / "loss.csv").read_text().splitlines()[0].startswith("epoch,epochs,step,steps_per_epoch")
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert summary(rows, info).startswith("global step 2 of 64: loss 2.2480 → 6.2619 (epoch 1/2, step 2/32; 2 loss lines)")
    empty = tmp_path / "empty.log"
    empty.write_text("no loss here\n")
    with pytest.raises(InputError, match="no MindFormers loss lines"):
        read_log(empty)


PREFIX = "2026-11-22 05:06:{:02d},422 - mindformers/x/log[mindformers/core/callback/callback.py:747] - INFO - "


def _every_second_step(n_steps: int = 20) -> str:
    """A 1.9 log with per_print_times 2 (sink mode: `loss: x`), two epochs of 10 steps."""
    lines = [PREFIX.format(0).replace("callback/callback.py:747", "trainer/base_trainer.py:800")
             + "Network Parameters: 3 M."]
    for g in range(2, n_steps + 1, 2):
        ep, st = (g - 1) // 10 + 1, (g - 1) % 10 + 1
        lines.append(PREFIX.format(g % 60) + f"{{ Epoch:[{ep:3d}/  2], step:[{st:5d}/   10], loss: {3.0 - 0.1 * g:5.6f}, "
                     f"per_step_time: 512ms, lr: 9.5e-05, overflow cond: False, loss_scale: 1.0, "
                     f"global_norm: [1.{g}], train_throughput_per_npu: 0.004T")
        lines.append("[WARNING] unrelated")
    return "\n".join(lines) + "\n"


def test_global_steps_come_from_the_lines_not_their_count(tmp_path):
    rows, info = parse_log(_every_second_step())
    assert len(rows) == 10 and [r["global_step"] for r in rows] == list(range(2, 21, 2))
    assert info == {"network_params": 3_000_000, "network_params_in_millions": True}
    text = summary(rows, info)
    assert text.startswith("global step 20 of 20: loss 2.8000 → 1.0000 (epoch 2/2, step 10/10; "
                           "10 loss lines, printed every 2 steps)")
    assert "trainable parameters (MindFormers' count): 3,000,000 (floored to whole millions)" in text
    log = tmp_path / "info.log"
    log.write_text(_every_second_step())
    proc = subprocess.run([sys.executable, "-m", "mathtune", "logs", str(log)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("global step 20 of 20")
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "loss.csv").read_text().splitlines()[-1].startswith("2,2,10,10,20,1.0,")


def test_older_parameter_line_and_lines_without_lr():
    line = ("{ Epoch:[  1/  1], step:[    3/    4], loss:[2.500000/2.600000], lm_loss: 2.500000, per_step_time: 90ms, "
            "overflow cond: False, loss_scale: 1.0, global_norm: [0.5]")
    rows, info = parse_log("Network Parameters: 3407872.\n" + line)
    assert info == {"network_params": 3407872, "network_params_in_millions": False}
    assert (rows[0]["loss"], rows[0]["loss_avg"], rows[0]["lr"], rows[0]["global_norm"]) == (2.5, 2.6, None, 0.5)
    assert summary(rows, info).endswith("trainable parameters (MindFormers' count): 3,407,872")
    assert parse_log("Network Parameters: 8030.26 M.")[1]["network_params"] == 8_030_260_000


def test_zero_total_and_huge_numbers():
    rows, info = parse_log("mathtune: trainable parameters: 5 of 0\n" + OLD)
    assert info == {"trainable": 5, "total": 0, "ratio": None} and "the total is 0: no ratio" in summary(rows, info)
    huge = OLD.replace("loss: 2.248", "loss: " + "7" * 40_000)
    broken = OLD.replace("loss: 2.248", "loss: " + "7" * 40_000 + "x")  # no match: must still be linear
    start = time.perf_counter()
    rows, _ = parse_log("\n".join([huge, broken, "trainable parameters: " + "9" * 40_000 + " of 1"]))
    assert time.perf_counter() - start < 2.0
    assert len(rows) == 1 and rows[0]["loss"] == float("inf")


def test_smoothed_loss_line():
    assert smoothed([4.0]) == [4.0]
    ema = smoothed([4.0, 2.0, 2.0, 2.0], 0.5)
    assert ema[0] == 4.0 and ema[1] == pytest.approx((0.25 * 4 + 0.5 * 2) / 0.75) and 2.0 < ema[-1] < ema[1]
