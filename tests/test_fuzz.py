"""Fuzz harness: hostile files and options through every command (tests/fuzz_corpus.py).

Every case must end with exit 0, 1 or 2, no traceback and no "internal error" on stderr, within
PER_CASE_SECONDS; inputs measured at 1× and 10× size must take less than ~20× the time.
Cases run in one worker process (MindSpore imported once); a few run as real subprocesses too.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PER_CASE_SECONDS = 20
TOTAL_SECONDS = 900  # a hang shows up as the case after the last one reported


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory):
    work = tmp_path_factory.mktemp("fuzz")
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fuzz_corpus.py"), str(work)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=work)
    try:
        out, err = proc.communicate(timeout=TOTAL_SECONDS)
        hung = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        hung = True
    results = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {"results": results, "hung": hung, "code": proc.returncode, "stderr": err, "work": work}


def _describe(r: dict) -> str:
    tail = (r["traceback"] or r["stderr"]).strip().splitlines()[-3:]
    return f"{r['id']}: exit {r['code']} in {r['seconds']}s: {' | '.join(tail)[:400]}"


def test_every_hostile_case_ends_cleanly(fuzz):
    results = fuzz["results"]
    last = results[-1]["id"] if results else "(none)"
    assert not fuzz["hung"], f"the harness hung after case {last}"
    assert fuzz["code"] == 0, fuzz["stderr"][-3000:]
    bad = [r for r in results if r["code"] not in (0, 1, 2) or r["traceback"] or "internal error" in r["stderr"]
           or r["seconds"] > PER_CASE_SECONDS]
    print(f"fuzz: {len(results)} inputs tried, {len(results) - len(bad)} clean")
    assert len(results) > 600
    assert not bad, f"{len(bad)} of {len(results)} cases failed:\n" + "\n".join(map(_describe, bad[:40]))


def test_unusable_outputs_and_options_are_refused_before_work(fuzz):
    expected = [r for r in fuzz["results"] if r.get("expect") is not None]
    wrong = [r for r in expected if r["code"] != r["expect"] or len(r["stderr"].strip().splitlines()) != 1]
    assert len(expected) > 50
    assert not wrong, "\n".join(map(_describe, wrong[:30]))


def test_time_grows_linearly_with_input_size(fuzz):
    by_id = {r["id"]: r for r in fuzz["results"]}
    pairs = [(r, by_id[r["id"].replace("_1x]", "_10x]")]) for r in fuzz["results"] if r["id"].endswith("_1x]")]
    assert len(pairs) >= 15
    # quadratic work is 100× at 10× the input; the constant absorbs start-up noise on a busy machine
    slow = [f"{a['id']}: {a['seconds']}s → {b['seconds']}s" for a, b in pairs
            if b["seconds"] > 20 * a["seconds"] + 2.0]
    assert not slow, "\n".join(slow)


SUBPROCESS_CASES = {
    "nested": lambda d: ["data", "check", str(d / "nested.jsonl"), "--quiet"],
    "surrogate_out": lambda d: ["data", "check", str(d / "surrogate.jsonl"), "--quiet", "--out", str(d / "o.jsonl")],
    "bomb": lambda d: ["yaml", "show", str(d / "bomb.yaml")],
    "yaml_set_bad": lambda d: ["yaml", "set", str(d / "ok.yaml"), "a=[1,"],
    "out_is_dir": lambda d: ["data", "check", str(d / "nested.jsonl"), "--out", str(d)],
    "proc_out": lambda d: ["data", "synth", "--n", "5", "--out", "/proc/mathtune-fuzz/x.jsonl"],
    "seq_length": lambda d: ["data", "mindrecord", str(d / "nested.jsonl"), "--out", str(d / "x.mr"),
                             "--seq-length", "99999999999"],
}


@pytest.mark.parametrize("name", sorted(SUBPROCESS_CASES))
def test_real_processes_print_no_traceback(tmp_path, name):
    (tmp_path / "nested.jsonl").write_text("[" * 200_000 + "\n")
    (tmp_path / "surrogate.jsonl").write_text('{"problem": "\\ud800 计算 1+1=?", "solution": "2"}\n'
                                              '{"problem": "计算 1+1=?", "solution": "\\udfff"}\n')
    (tmp_path / "ok.yaml").write_text("a: [1, 2]\n")
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]"
                                                    for p, c in zip("abcdefgh", "bcdefghi")]
    (tmp_path / "bomb.yaml").write_text("\n".join(bomb) + "\n")
    run = subprocess.run([sys.executable, "-m", "mathtune", *SUBPROCESS_CASES[name](tmp_path)], cwd=tmp_path,
                         capture_output=True, timeout=120)
    stderr = run.stderr.decode("utf-8", "replace")
    assert run.returncode in (1, 2), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr[-2000:]
    assert len(run.stdout) < 100_000  # the alias bomb is refused, not printed
    if name == "surrogate_out":  # the bad rows are located, the output still valid JSON Lines
        assert "surrogate.jsonl:1: invalid JSON: a lone surrogate" in stderr
        assert "surrogate.jsonl:2:" in stderr
