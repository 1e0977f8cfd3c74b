"""`mathtune report quality` from the files the quality script's stages write (no model needed)."""
import json
import subprocess
import sys

from evaluation.reports.demo import read_times

LOG = ("{ Epoch:[  1/  1], step:[    %d/    2], loss: %s, per_step_time: 12000ms, lr: 0.001, "
       "overflow cond: False, loss_scale: 1.0")


def _preds(path, rows):
    """Rows (category, gold, answer) as given, or (category, gold, program output, the model's own text) as
    predict writes them when programs run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, (c, g, a, *text) in enumerate(rows):
        row = {"problem": f"p{i}", "category": c, "gold": g, "answer": a, "generation": a}
        if text:
            row.update(answer_from="program", code_status="ok", text_generation=f"The answer is {text[0]}.")
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    path.write_text("".join(lines))


def _run(*args):
    proc = subprocess.run([sys.executable, "-m", "mathtune", *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    return proc


def test_quality_report_tables_with_anchors_and_sets_not_run(tmp_path):
    out = tmp_path / "quality"
    sets = {  # (path, mode): rows of (category, gold, answer)
        ("base/heldout", "exact"): [("arithmetic", "3", "4"), ("mean", "2.5", "2.5")],
        ("tuned/heldout", "exact"): [("arithmetic", "3", "3"), ("mean", "2.5", "2.5"), ("sqrt", "7", "7"),
                                     ("power", "8", "8")],
        ("tuned/reworded", "exact"): [("linear", "2", "2"), ("linear", "3", "1")],
        ("base/gsm8k", "exact"): [("gsm8k", "18", "5"), ("gsm8k", "3", "3"), ("gsm8k", "7", "1"), ("gsm8k", "9", "0")],
        ("tuned/gsm8k", "exact"): [("gsm8k", "18", "18", "17"), ("gsm8k", "3", "3", "3"), ("gsm8k", "7", "1", "1"),
                                   ("gsm8k", "9", "0", "0")],
        # 1 of 4 under PAL's rule: 25% < 0.85 × 50%; exact would count 0 (the gold's float noise)
        ("tuned/gsm_hard", "pal"): [("gsm_hard", "3244047.0999999996", "3244047.1"), ("gsm_hard", "5", "6"),
                                    ("gsm_hard", "3.3333333333333335", "3.33"), ("gsm_hard", "1", "2")],
        ("tuned/svamp", "exact"): [("svamp", "145", "145.0")],
        # judged symbolically: a program's sympy value, LaTeX; a tuple in the wrong order is wrong
        ("tuned/math", "math"): [("math", "\\frac{1}{2}", "1/2", "$\\frac{1}{2}$"), ("math", "2\\sqrt{3}", "sqrt(12)", "$3$"),
                                 ("math", "(1, 2)", "(2, 1)", "$(2, 1)$")],
    }
    for (name, mode), rows in sets.items():
        _preds(out / name / "pred.jsonl", rows)
        _run("score", str(out / name / "pred.jsonl"), "--mode", mode)
    log = out / "lora" / "log" / "rank_0" / "info.log"
    log.parent.mkdir(parents=True)
    log.write_text(LOG % (1, "1.5") + "\n" + LOG % (2, "0.25") + "\n")
    (out / "rft" / "r1" / "gsm8k").mkdir(parents=True)
    (out / "rft" / "r1" / "gsm8k" / "score.json").write_text(json.dumps({"accuracy": 0.75, "correct": 3, "n": 4}))
    (out / "rft" / "r1" / "rft_report.json").write_text(json.dumps({"problems": 100, "solved": 7, "kept": 8,
                                                                    "samples": {"kept": 8}}))
    (out / "rft" / "r1" / "reference" / "gsm8k").mkdir(parents=True)  # --rft-reference: the control
    (out / "rft" / "r1" / "reference" / "gsm8k" / "score.json").write_text(json.dumps({"accuracy": 0.5, "correct": 2, "n": 4}))
    (out / "rft" / "r1" / "reference" / "rows.jsonl").write_text("{}\n{}\n{}\n")
    d1 = out / "dpo" / "d1"
    _preds(d1 / "gsm8k" / "pred.jsonl", [("gsm8k", "18", "18"), ("gsm8k", "3", "4")])
    _run("score", str(d1 / "gsm8k" / "pred.jsonl"))
    (d1 / "pairs_report.json").write_text(json.dumps({"problems": 300, "with_pairs": 60, "pairs": 110}))
    (d1 / "run").mkdir()
    (d1 / "run" / "dpo_report.json").write_text(json.dumps({"train_seconds": 540.0}))
    maj = out / "maj4-lora" / "gsm8k" / "pred.jsonl"  # predict --samples 4: the vote is the answer
    maj.parent.mkdir(parents=True)
    maj.write_text("".join(json.dumps({"problem": f"p{i}", "gold": g, "answer": v, "answer_from": "vote",
                                       "sample_answers": s}) + "\n"
                           for i, (g, v, s) in enumerate([("3", "3", ["3", "3", "1", "2"]),
                                                          ("5", "4", ["4", "4", "5", "1"])])))
    _run("score", str(maj))
    (out / "maj4_old").mkdir()  # not a measurement folder: passed over
    (out / "times.tsv").write_text("train\t3000\tmathtune train x\ntuned-gsm8k\t300\tmathtune predict a\n"
                                   "tuned-gsm8k\t320\tmathtune predict b\n"  # a round sampled in chunks
                                   "rft-r1-sample-0\t600\tp\nrft-r1-sample-1\t300\tp\nrft-r1-train\t240\tt\n"
                                   "rft-r1-reference-train\t180\tt\n"
                                   "rft-r10-sample-0\t99\tp\n")

    assert _run("report", "quality", str(out)).returncode == 0
    results = json.loads((out / "results.json").read_text())
    assert results["sets"] == {  # the text-only figure only where programs ran and the text was kept
        "heldout": {"base": 50.0, "tuned": 100.0, "tuned_text_only": None, "n": 4, "n_base": 2},
        "reworded": {"base": None, "tuned": 50.0, "tuned_text_only": None, "n": 2},
        "gsm8k": {"base": 25.0, "tuned": 50.0, "tuned_text_only": 25.0, "n": 4},
        "gsm_hard": {"base": None, "tuned": 25.0, "tuned_text_only": None, "n": 4},
        "svamp": {"base": None, "tuned": 100.0, "tuned_text_only": None, "n": 1},
        "multiarith": {"base": None, "tuned": None, "tuned_text_only": None, "n": None},
        "math": {"base": None, "tuned": 66.67, "tuned_text_only": 33.33, "n": 3},
        "middle": {"base": None, "tuned": None, "tuned_text_only": None, "n": None},
    }
    assert results["scoring"]["gsm_hard"] == "pal" and results["scoring"]["gsm8k"] == "exact"
    assert results["scoring"]["math"] == results["scoring"]["middle"] == "math"
    assert results["targets"]["gsm_hard"] == 42.5
    assert results["met"] == {"heldout": True, "reworded": None, "gsm8k": True, "gsm_hard": False, "svamp": True,
                              "multiarith": None, "math": None, "middle": None}
    assert results["training_minutes"] == 50.0 and results["rft"] == [
        {"round": "r1", "gsm8k": 75.0, "data": {"problems": 100, "solved": 7, "kept": 8}, "sample_seconds": 900,
         "train_seconds": 240, "reference": {"gsm8k": 50.0, "rows": 3, "train_seconds": 180}}]

    text = (out / "RESULTS.md").read_text(encoding="utf-8")
    table = text.split("| set | base | tuned | tuned, text only | n | anchor / target | met? |", 1)[1]
    assert "| held-out contest-style (synthetic) | 50.0% (1/2) | 100.0% (4/4) | – | 4 | ≥ 99% | **yes** |" in table
    assert "| GSM8K test | 25.0% (1/4) | 50.0% (2/4) | 25.0% | 4 | ≥ 18.1% | **yes** |" in table
    assert ("| GSM-Hard (GSM8K, large numbers) | not run | 25.0% (1/4) | – | 4 | ≥ 0.85 × GSM8K = 42.5% | "
            "no (-17.5 pts) |") in table
    assert "| MultiArith | not run | not run | not run | – | ≥ 54.2% | – |" in table
    assert "| MATH test, levels 1–2 (competition) | not run | 66.7% (2/3) | 33.3% | 3 | – | – |" in table
    assert "GSM8K 1.4% (5-shot)" in text and "pal, under 1e-3 from the gold, PAL's rule: gsm_hard" in text
    assert "**50.0 min**" in text
    rft = text.split("## Rejection-sampling rounds", 1)[1].split("##", 1)[0]
    assert "| 0 (the tuned LoRA) | the first mix | 50.0% |" in rft and "| r1 | 100 → 7 → 8; sampling 15.0 min; training 4.0 min | 75.0% |" in rft
    assert "| r1, control | 3 reference programs of the problems it solved; training 3.0 min | 50.0% |" in rft
    assert "| tuned-gsm8k | 5 min 20 s | `mathtune predict b` |" in text and "mathtune predict a" not in text
    assert "Loss curve: not drawn yet" in text
    assert results["dpo"] == [{"round": "d1", "gsm8k": 50.0, "data": {"problems": 300, "with_pairs": 60, "pairs": 110},
                               "train_seconds": 540.0}]
    dpo = text.split("## DPO rounds", 1)[1].split("##", 1)[0]
    assert "| d1 | 300 → 60 → 110; training 9.0 min | 50.0% |" in dpo
    assert "| 0 (the last RFT round, r1) | its rounds | 75.0% |" in dpo  # DPO starts where RFT ended
    assert results["maj"] == [{"k": 4, "model": "lora", "set": "gsm8k", "maj": 50.0, "pass": {"1": 37.5, "2": 66.67, "4": 100.0}, "n": 2}]  # unbiased pass@k
    assert "| lora | gsm8k | 4 | 50.0% | 37.5% | 100.0% | 2 |" in text
    assert [n for n, _, _ in read_times(out / "times.tsv")][:2] == ["train", "tuned-gsm8k"]


def test_quality_report_on_an_empty_run_folder(tmp_path):
    """Before any stage has run, every set is 'not run' and nothing crashes."""
    assert _run("report", "quality", str(tmp_path)).returncode == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["sets"]) == {"heldout", "reworded", "gsm8k", "gsm_hard", "svamp", "multiarith", "math", "middle"}
    assert all(v == {"base": None, "tuned": None, "tuned_text_only": None, "n": None} for v in results["sets"].values())
    assert "Training has not run yet." in (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
