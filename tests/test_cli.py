"""The `mathtune data` CLI end to end, in real subprocesses."""
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

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
    (["data", "tokenizer", "conv.json", "--out", "x.mindrecord", "--whole-numbers", "100"],
     "--whole-numbers needs --merges (a character-level tokenizer has one token per digit)"),
    (["data", "tokenizer", "conv.json", "--out", "x.mindrecord", "--list-items"],
     "--list-items needs --merges (a character-level tokenizer has one token per character)"),
    (["data", "tokenizer", "conv.json", "--out", "x.mindrecord", "--merges", "9", "--whole-numbers", "-1"],
     "--whole-numbers -1: expected 0 (off) to 9999"),
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


# --- one tool: help style, one name per concept, --version, --quiet, readable outputs ---

def _commands(parser=None, path=()):
    """Every (command path, parser) of the real argparse tree."""
    import argparse

    from mathtune.cli import build_parser

    parser = parser or build_parser()
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def test_help_says_each_default_once():
    seen = 0
    for path, parser in _commands():
        text = parser.format_help()
        for entry in re.split(r"\n  (?=-)", text):  # one option's invocation and help
            assert entry.count("default") <= 1, (path, entry)
            assert "(default: None)" not in entry and "(default: False)" not in entry, (path, entry)
        seen += "(default: " in text
    assert seen > 20  # defaults are still shown where there is one
    out = run("launch", "--help").stdout  # the reported `(default: all) (default: None)` case
    assert "(default: all)" in out and "(default: None)" not in out


@pytest.mark.parametrize("argv,dest,value", [
    *[(["train", "--config", "c.yaml", flag, "d.mindrecord"], "train_data", "d.mindrecord")
      for flag in ("--data", "--train_dataset_dir", "--train-data", "--train_data")],
    *[(["train", "--config", "c.yaml", "--data", "d", flag, "m.ckpt"], "load_checkpoint", "m.ckpt")
      for flag in ("--ckpt", "--load_checkpoint", "--load-checkpoint")],
    *[(["train", "--config", "c.yaml", "--data", "d", flag, "logs/x"], "run_dir", "logs/x")
      for flag in ("--run-dir", "--output_dir")],
    *[(["train", "--config", "c.yaml", "--data", "d", flag], "resume", True)
      for flag in ("--resume", "--resume_training")],
    *[(["train", "--config", "c.yaml", "--data", "d", flag, "train"], "run_mode", "train")
      for flag in ("--run-mode", "--run_mode")],
    *[(["predict", "--run-dir", "r", "--input", "q.jsonl", "--out", "p.jsonl", flag, "m.ckpt"], "ckpt", "m.ckpt")
      for flag in ("--ckpt", "--load_checkpoint", "--load-checkpoint")],
    (["predict", "--run-dir", "r", "--predict_data", "q.jsonl", "--out", "p.jsonl"], "input", "q.jsonl"),
    *[(["ckpt", "extract-lora", flag, "m.ckpt", "--config", "c", "--out", "o"], "ckpt", "m.ckpt")
      for flag in ("--ckpt", "--load_checkpoint")],
    *[([*cmd, flag, "o"], "out_dir", "o") for flag in ("--out", "--out-dir")
      for cmd in (["score", "p.jsonl"], ["logs", "info.log"], ["gsm8k", "--run-dir", "r"],
                  ["data", "prepare", "a.jsonl"])],
    *[(["report", "demo", "logs/demo", flag, "tiny2"], "run", "tiny2") for flag in ("--run-name", "--run")],
])
def test_aliases_fill_the_same_option(argv, dest, value):
    from mathtune.cli import build_parser

    assert getattr(build_parser().parse_args(argv), dest) == value


def test_train_takes_the_run_folder_as_one_path(tmp_path, tiny_data):
    out = run("train", "--config", str(ROOT / "yaml" / "cpu_tiny.yaml"), "--train_dataset_dir",
              str(tiny_data / "train.mindrecord"), "--output_dir", "runs/r1", "--dry-run", cwd=tmp_path).stdout
    assert f"(run folder: {tmp_path / 'runs' / 'r1'})" in out


def test_version_matches_the_installed_package():
    from importlib.metadata import version

    out = run("--version").stdout.strip()
    assert out == f"mathtune {version('mathtune')}"
    cfg = (ROOT / "setup.cfg").read_text()
    assert f"version = {version('mathtune')}" in cfg


CONVERSATIONS = [{"id": "1", "conversations": [{"from": "human", "value": "What is 2 + 3?"},
                                               {"from": "gpt", "value": "The answer is 5."}]},
                 {"id": "2", "conversations": [{"from": "human", "value": "What is 7 * 6?"},
                                               {"from": "gpt", "value": "The answer is 42."}]}]


def _mindrecord(tmp_path, *global_flags):
    (tmp_path / "conv.json").write_text(json.dumps(CONVERSATIONS))
    env = {**os.environ, "GLOG_v": "1"}  # MindSpore's INFO level: "Load dynamic library … failed" and more
    return subprocess.run([sys.executable, "-m", "mathtune", *global_flags, "data", "mindrecord", "conv.json",
                           "--out", "t.mindrecord"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600, preexec_fn=lambda: os.umask(0o022))


def test_quiet_silences_mindspore_and_outputs_are_readable_by_others(tmp_path):
    loud = _mindrecord(tmp_path)
    assert loud.returncode == 0, loud.stderr
    # MindSpore's C++ log lines exist here (GLOG_v=1): "[INFO] CORE(…)", and "Load dynamic library … failed"
    # where a GPU library is half present (as with a CUDA torch wheel beside it)
    assert "[INFO]" in loud.stdout + loud.stderr, loud.stderr
    quiet = _mindrecord(tmp_path, "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    both = quiet.stdout + quiet.stderr
    assert "Load dynamic library" not in both and "[INFO]" not in both and "[WARNING]" not in both, both
    assert "read back through mindspore.dataset.MindDataset: ok" in quiet.stdout
    for name in ("t.mindrecord", "t.mindrecord.db", "t.mindrecord.meta.json"):  # FileWriter makes 0600
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name


def test_checkpoint_and_json_are_readable_by_others(tmp_path):
    code = ("import numpy as np; from training.checkpoints.params import save_params; from fileio.atomic import write_json;"
            "save_params({'w': np.ones((2, 2), np.float32)}, 'm.ckpt'); write_json('r.json', {'a': 1})")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=lambda: os.umask(0o022))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE((tmp_path / "m.ckpt").stat().st_mode) == 0o644  # MindSpore alone leaves 0400
    assert stat.S_IMODE((tmp_path / "r.json").stat().st_mode) == 0o644


def test_readable_opens_a_run_folder_left_0400(tmp_path):
    from fileio.atomic import readable

    folder = tmp_path / "checkpoint" / "rank_0"
    folder.mkdir(parents=True)
    (folder / "a.ckpt").write_bytes(b"x")
    os.chmod(folder / "a.ckpt", 0o400)
    os.chmod(folder, 0o700)
    readable(tmp_path / "checkpoint")
    umask = os.umask(0o022)  # what this process runs under (read once by fileio.atomic too)
    os.umask(umask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((folder / "a.ckpt").stat().st_mode) == 0o666 & ~umask


def test_a_runs_checkpoints_are_readable_by_others(tiny_run):
    from fileio.atomic import UMASK

    run_dir, _ = tiny_run
    ckpts = sorted((run_dir / "checkpoint").rglob("*.ckpt"))  # MindSpore's CheckpointMonitor writes them 0400
    assert ckpts and all(stat.S_IMODE(p.stat().st_mode) == 0o666 & ~UMASK for p in ckpts), \
        [(p.name, oct(p.stat().st_mode)) for p in ckpts]


def test_a_missing_option_is_named_by_its_canonical_name():
    proc = run("train", "--config", "c.yaml", ok=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("mathtune train: error: the following arguments are required: --data "
                                   "(see mathtune train --help)")


def test_synth_weight_multiplies_a_category_share(tmp_path):
    from converters.rules.categories import categorise

    run("data", "synth", "--balanced", "--weight", "mean=3", "--n", "1400", "--seed", "5", "--out", "w.jsonl",
        cwd=tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "w.jsonl").read_text(encoding="utf-8").splitlines()]
    share = sum(categorise(r["problem"]).category == "mean" for r in rows) / len(rows)
    assert 0.17 < share < 0.26  # 3 of 14 equal weights: 21%; unweighted it is 1 of 12 (8%)
    for bad in ("foo=1", "mean=x", "mean=-1"):
        out = run("data", "synth", "--weight", bad, "--out", "bad.jsonl", cwd=tmp_path, ok=False)
        assert out.returncode == 2 and "--weight" in out.stderr and "Traceback" not in out.stderr
        assert not (tmp_path / "bad.jsonl").exists()


def test_synth_shares_outside_0_1_are_refused_before_any_work(tmp_path):
    for option, bad in (("--short-numbers", "1.5"), ("--short-numbers", "nan"), ("--duplicates", "-0.1")):
        out = run("data", "synth", option, bad, "--out", "bad.jsonl", cwd=tmp_path, ok=False)
        assert out.returncode == 2 and out.stderr.count("\n") == 1 and option in out.stderr
        assert not (tmp_path / "bad.jsonl").exists()
