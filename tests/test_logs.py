"""Training-log parsing: both MindFormers formats, noise in between, CSV and PNG out."""
import pytest

from converters.files import InputError
from training.logs import parse_log, plot, read_log, summary, write_csv

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
    assert summary(rows, info).startswith("2 steps: loss 2.2480 → 6.2619")
    empty = tmp_path / "empty.log"
    empty.write_text("no loss here\n")
    with pytest.raises(InputError, match="no MindFormers loss lines"):
        read_log(empty)
