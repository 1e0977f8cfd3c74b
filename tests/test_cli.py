"""The `mathtune data` CLI end to end, in real subprocesses."""
import json
import subprocess
import sys

import pytest

STEPS = ["synth", "categorise", "check", "select", "complete", "convert", "export", "tokenizer", "mindrecord",
         "stats", "prepare"]


def run(*args, cwd=None, ok=True):
    proc = subprocess.run([sys.executable, "-m", "mathtune", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_help_lists_every_step():
    out = run("data", "--help").stdout
    assert all(step in out for step in STEPS)
    for step in STEPS:
        assert run("data", step, "--help").stdout.startswith("usage: mathtune data " + step)


def test_step_by_step(tmp_path):
    run("data", "synth", "--n", "600", "--seed", "3", "--duplicates", "0.1", "--out", "a.jsonl", cwd=tmp_path)
    run("data", "synth", "--n", "300", "--seed", "4", "--out", "b.jsonl", cwd=tmp_path)
    out = run("data", "categorise", "a.jsonl", "--report", "cat.json", cwd=tmp_path).stdout
    assert "arithmetic" in out and json.loads((tmp_path / "cat.json").read_text())["rows"] == 600
    run("data", "check", "a.jsonl", "--out", "checked.jsonl", "--quiet", cwd=tmp_path)
    sel = run("data", "select", "a.jsonl", "b.jsonl#100", "--n", "320", "--min-per-category", "3",
              "--multiple-of", "64", "--out", "sel.jsonl", "--quiet", cwd=tmp_path).stdout
    assert "exact duplicates" in sel and "trim to a multiple of 64" in sel
    assert len((tmp_path / "sel.jsonl").read_text().splitlines()) == 320
    run("data", "complete", "sel.jsonl", "--style", "cot", "--out", "cot.jsonl", cwd=tmp_path)
    run("data", "complete", "sel.jsonl", "--style", "pot", "--out", "pot.jsonl", cwd=tmp_path)
    run("data", "convert", "pot.jsonl", "--template", "contest", "--out", "conv.json",
        "--tools-out", "tools.json", cwd=tmp_path)
    conv = json.loads((tmp_path / "conv.json").read_text(encoding="utf-8"))
    assert conv[0]["id"] == "1" and conv[0]["conversations"][0]["value"].startswith("Below is an instruction")
    tools = json.loads((tmp_path / "tools.json").read_text(encoding="utf-8"))
    assert any(t["conversations"][1]["from"] == "function_call" for t in tools)
    run("data", "export", "pot.jsonl", "--format", "llamafactory", "--out", "lf", cwd=tmp_path)
    info = json.loads((tmp_path / "lf" / "dataset_info.json").read_text())
    assert info["mathtune_sharegpt"]["tags"]["observation_tag"] == "observation"
    run("data", "export", "pot.jsonl", "--format", "swift", "--out", "swift.jsonl", cwd=tmp_path)
    first = json.loads((tmp_path / "swift.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert set(first) == {"messages", "tools"} and first["messages"][1]["role"] == "tool_call"
    mr = run("data", "mindrecord", "conv.json", "--out", "train.mindrecord", "--seq-length", "auto",
             "--quiet", cwd=tmp_path).stdout
    assert "seq_length auto →" in mr and "read back through mindspore.dataset.MindDataset: ok" in mr
    stats = run("data", "stats", "train.mindrecord", "--png", "len.png", cwd=tmp_path).stdout
    assert "real tokens" in stats and (tmp_path / "len.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_prepare_reports_bad_rows_and_processes_the_rest(tmp_path):
    run("data", "synth", "--n", "300", "--out", "raw.jsonl", cwd=tmp_path)
    (tmp_path / "bad.jsonl").write_text("\n".join([
        '{"problem": "计算 1.00 / 0.00 等于多少？", "solution": "x"}', "{oops",
        '{"problem": "计算 2.00 的 99999999 次方？", "solution": "1"}',
        '{"problem": "计算 1.00 + 2.00 等于多少？", "solution": "1.00 + 2.00 = 4.00"}']), encoding="utf-8")
    proc = run("data", "prepare", "raw.jsonl", "bad.jsonl", "--out-dir", "out", "--quiet", cwd=tmp_path, ok=False)
    assert proc.returncode == 1
    assert "bad.jsonl:2: invalid JSON" in proc.stderr
    assert "bad.jsonl:1: arithmetic: unparseable: division by zero" in proc.stderr
    assert "bad.jsonl:3: power: unparseable: exponent 99999999 is beyond 1000" in proc.stderr
    assert "bad.jsonl:4: arithmetic: disagree: label 4.00 != computed 3.00" in proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["failed_rows"] == 4 and report["mindrecord"]["rows"] > 250
    assert (tmp_path / "out" / "errors.txt").read_text().count("\n") == 4
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args,message", [
    (["data", "check", "missing.jsonl"], "missing.jsonl: cannot read"),
    (["data", "mindrecord", "conv.json", "--out", "x.mindrecord", "--tokenizer", "nope.model"],
     "tokenizer file not found: nope.model"),
    (["data", "mindrecord", "missing.json", "--out", "x.mindrecord"], "missing.json: cannot read"),
])
def test_fatal_input_errors_are_one_line(tmp_path, args, message):
    (tmp_path / "conv.json").write_text("[]")
    proc = run(*args, cwd=tmp_path, ok=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"mathtune: error: {message}" or message in proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.mindrecord").exists()


OTHER_COMMANDS = ["yaml show", "yaml diff", "yaml set", "yaml derive", "yaml check", "train", "launch", "logs",
                  "ckpt merge-shards", "ckpt merge-lora", "ckpt extract-lora", "ckpt from-gguf", "ckpt export-hf",
                  "predict", "score", "squad build", "squad score", "squad from-log", "gsm8k"]


def test_every_command_has_help():
    top = run("--help").stdout
    assert all(g in top for g in ("data", "yaml", "train", "launch", "ckpt", "logs", "predict", "score", "squad", "gsm8k"))
    for command in OTHER_COMMANDS:
        assert run(*command.split(), "--help").stdout.startswith(f"usage: mathtune {command}")
