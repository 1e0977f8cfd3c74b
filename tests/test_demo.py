"""`scripts/demo.sh` end to end on a user's file (with one bad line), at a tiny size, and its report."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def test_demo_runs_every_stage_and_writes_the_report(tmp_path):
    from converters.synth.contest import SHARES, synth_rows

    data = tmp_path / "train.jsonl"
    rows = [json.dumps(r, ensure_ascii=False) for r in synth_rows(1200, seed=5, shares=dict.fromkeys(SHARES, 1.0))]
    data.write_text("\n".join(rows[:7] + ["{not json"] + rows[7:]) + "\n", encoding="utf-8")
    out = tmp_path / "demo"
    proc = subprocess.run(["bash", "scripts/demo.sh", "--data", str(data), "--out", str(out), "--rows", "320",
                           "--epochs", "1", "--per-category", "2"],
                          cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"{data}:8: " in proc.stdout + proc.stderr  # the bad line is named; the good rows went through
    stages = [line.split("\t")[0] for line in (out / "times.tsv").read_text().splitlines()]
    assert stages == ["data-prepare", "data-tokenizer", "data-mindrecord", "train", "loss-curve", "data-heldout",
                      "predict", "score"]
    report = (out / "REPORT.md").read_text(encoding="utf-8")
    assert "| **all** | **22** |" in report and "![loss](tiny/loss.png)" in report
    assert f"`mathtune data prepare {data} --out {out}/data" in report
    for png in ("tiny/loss.png", "test/accuracy.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    test = [json.loads(line) for line in (out / "test.jsonl").open(encoding="utf-8")]
    assert {r["category"] for r in test} == set(SHARES) - {"competition"}
    problems = {json.loads(r)["problem"] for r in rows}
    assert not any(r["problem"] in problems for r in test if not r["seen"])


@pytest.mark.parametrize("style", ["steps", "compact"])
def test_text_only_demo_is_judged_on_text_alone(tmp_path, style):
    """`demo.sh --style steps|compact` (make demo STYLE=…): conversations that their checker replays, a
    model trained on them, predictions with nothing run, scored by the contest's rule on the text."""
    from converters.rules.categories import categorise
    from converters.solutions.compact_check import check_compact
    from converters.solutions.steps_check import check_steps
    from converters.synth.contest import SHARES, synth_rows

    check = check_steps if style == "steps" else check_compact

    data = tmp_path / "train.jsonl"
    rows = [json.dumps(r, ensure_ascii=False) for r in synth_rows(600, seed=6, shares=dict.fromkeys(SHARES, 1.0))]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "demo-steps"
    proc = subprocess.run(["bash", "scripts/demo.sh", "--style", style, "--data", str(data), "--out", str(out),
                           "--rows", "160", "--per-category", "1", "--max-new-tokens", "200", "--epochs", "2"],
                          cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    conversations = json.loads((out / "data" / "conversations.json").read_text(encoding="utf-8"))
    checked = 0
    for conv in conversations:
        problem, response = conv["conversations"][0]["value"], conv["conversations"][1]["value"]
        parsed = categorise(problem)
        if "\n" in response:  # every written solution replays (bare answers: rows the style does not cover)
            assert check(parsed.category, parsed.args, response) is None, response
            checked += 1
    assert checked > 100
    preds = [json.loads(line) for line in (out / "test" / "pred.jsonl").open(encoding="utf-8")]
    assert len(preds) == 11 and all(p["code_status"] is None and "text_generation" not in p for p in preds)
    score = json.loads((out / "test" / "score.json").read_text(encoding="utf-8"))
    assert score["judged"] == "text only" and score["mode"] == "contest"
    report = (out / "REPORT.md").read_text(encoding="utf-8")
    assert ("writes out every column step" if style == "steps" else "cut to the 8B judge's 128 tokens") in report
    assert "| category | n | correct | accuracy (text only) |" in report
    assert "Target ≥ 95% in every category but function" in report
    assert f"--style {style}" in report and "--no-execute" in report and "--mode contest" in report
