"""`mathtune report quality` from the files the quality script's stages write (no model needed)."""
import json
import subprocess
import sys

from evaluation.report import read_times

LOG = ("{ Epoch:[  1/  1], step:[    %d/    2], loss: %s, per_step_time: 12000ms, lr: 0.001, "
       "overflow cond: False, loss_scale: 1.0")


def _preds(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"problem": f"p{i}", "category": c, "gold": g, "answer": a, "generation": a},
                                       ensure_ascii=False) + "\n" for i, (c, g, a) in enumerate(rows)))


def _run(*args):
    proc = subprocess.run([sys.executable, "-m", "mathtune", *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_quality_report_tables_and_rerun_stage(tmp_path):
    out = tmp_path / "quality"
    sets = {
        "base/test": [("arithmetic", "3", "4"), ("mean", "2.5", "2.5")],
        "lora/test": [("arithmetic", "3", "3"), ("mean", "2.5", "2.5"), ("sqrt", "7", "7"), ("power", "8", "9")],
        "base/reworded": [("linear", "2", "-2")],
        "lora/reworded": [("linear", "2", "2")],
        "tiny/reworded": [("linear", "2", "5")],
    }
    for name, rows in sets.items():
        _preds(out / name / "pred.jsonl", rows)
        _run("score", str(out / name / "pred.jsonl"))
    for model, correct in (("base", 4), ("lora", 3)):
        (out / model / "gsm8k").mkdir(parents=True)
        (out / model / "gsm8k" / "gsm8k_summary.json").write_text(
            json.dumps({"cot": {"n": 200, "correct": correct, "accuracy": correct / 200}}))
    log = out / "lora" / "log" / "rank_0" / "info.log"
    log.parent.mkdir(parents=True)
    log.write_text(LOG % (1, "1.5") + "\n" + LOG % (2, "0.25") + "\n")
    (out / "data").mkdir()
    (out / "data" / "train.mindrecord.meta.json").write_text(json.dumps({"rows": 16}))
    (out / "times.tsv").write_text("train\t100\tmathtune train x\nlora-gsm8k\t300\tmathtune gsm8k a\n"
                                   "lora-gsm8k\t320\tmathtune gsm8k b\n")

    _run("report", "quality", str(out))
    text = (out / "RESULTS.md").read_text(encoding="utf-8")
    assert "| held-out contest-style (synthetic) | 50.0% (1/2) | 75.0% (3/4) |" in text
    assert "| reworded (phrasings never trained on) | 0.0% (0/1) | 100.0% (1/1) |" in text
    assert "| GSM8K test, chain of thought | 2.0% (4/200) | 1.5% (3/200) |" in text
    assert "first 2 of the 4 held-out problems" in text and "on the reworded set: 0.0% (0/1)" in text
    assert "| lora-gsm8k | 5 min 20 s | `mathtune gsm8k b` |" in text and "mathtune gsm8k a" not in text
    results = json.loads((out / "results.json").read_text())
    assert results["train"] == {"steps": 2, "rows": 16, "final_loss": 0.25, "seconds": 100}
    assert [n for n, _, _ in read_times(out / "times.tsv")] == ["train", "lora-gsm8k"]
