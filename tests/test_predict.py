"""predict → score with a trained tiny run, in real subprocesses, and the PoT loop's text rules."""
import json
import subprocess
import sys

from evaluation.pot_loop import closed_code_block, observation
from evaluation.sandbox import Result


def test_closed_code_block():
    assert closed_code_block("```python\nprint(1)") is None
    assert closed_code_block("x ```python\nprint(1)\n```\nrest") == ("print(1)", len("x ```python\nprint(1)\n```"))
    assert closed_code_block("no code") is None


def test_observation_blocks():
    assert observation(Result("ok", "3.00\n", "", 0, 0.01)) == "```output\n3.00\n```\n"
    failed = observation(Result("error", "", "Traceback…\nZeroDivisionError: division by zero\n", 1, 0.01))
    assert failed == "```output\n[error] ZeroDivisionError: division by zero\n```\n"


def test_predict_then_score(tiny_run, tmp_path):
    run, _ = tiny_run
    m = [sys.executable, "-m", "mathtune"]
    subprocess.run(m + ["data", "synth", "--n", "20", "--seed", "77", "--out", str(tmp_path / "test.jsonl")], check=True)
    proc = subprocess.run(m + ["predict", "--run-dir", str(run), "--input", str(tmp_path / "test.jsonl"), "--out",
                               str(tmp_path / "pred.jsonl"), "--limit", "10", "--max-new-tokens", "48", "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "tokens/s" in proc.stdout
    rows = [json.loads(line) for line in (tmp_path / "pred.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 10
    for r in rows:
        assert set(r) >= {"problem", "category", "gold", "generation", "code", "code_status", "answer"}
        assert r["gold"] is not None and r["code_status"] in (None, "ok", "error", "timeout", "cpu_limit", "memory",
                                                              "output_limit", "forbidden")
        assert not r["generation"].startswith(r["problem"])  # no prompt echo
    score = subprocess.run(m + ["score", str(tmp_path / "pred.jsonl")], capture_output=True, text=True, timeout=300)
    assert score.returncode == 0 and "overall" in score.stdout
    result = json.loads((tmp_path / "score.json").read_text())
    assert result["n"] == 10 and 0 <= result["correct"] <= 10
    assert (tmp_path / "accuracy.png").read_bytes()[:4] == b"\x89PNG"


def test_run_dir_or_model_dir_is_required(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mathtune", "predict", "--input", "x.jsonl", "--out", "y.jsonl"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "give one of --run-dir" in proc.stderr
    missing = subprocess.run([sys.executable, "-m", "mathtune", "predict", "--model-dir", str(tmp_path), "--input",
                              "x.jsonl", "--out", "y.jsonl"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "no model_config.json" in missing.stderr and "Traceback" not in missing.stderr


def test_mindformers_backend_gives_the_same_predictions(tiny_run, tmp_path):
    """The whole predict path with MindFormers' own generate (uncached on CPU) vs the KV-cache decoder."""
    run, _ = tiny_run
    m = [sys.executable, "-m", "mathtune"]
    subprocess.run(m + ["data", "synth", "--n", "6", "--seed", "78", "--out", str(tmp_path / "t.jsonl")], check=True)
    outs = {}
    for backend in ("kvcache", "mindformers"):
        proc = subprocess.run(m + ["predict", "--run-dir", str(run), "--input", str(tmp_path / "t.jsonl"), "--out",
                                   str(tmp_path / f"{backend}.jsonl"), "--limit", "3", "--max-new-tokens", "24",
                                   "--backend", backend, "--seq-length", "128", "--quiet"],
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outs[backend] = [json.loads(l)["generation"] for l in (tmp_path / f"{backend}.jsonl").read_text().splitlines()]
    assert outs["kvcache"] == outs["mindformers"]


def test_the_program_output_is_the_answer_when_it_ran():
    from evaluation.predict import final_answer

    ran = {"code_status": "ok", "code_output": "-69583138.6374\n",
           "generation": "```python\n…\n```\n```output\n-69583138.6374\n```\n-7170.19 * 7719.77 = -16191179.2826"}
    assert final_answer(ran) == ("-69583138.6374", "program")
    failed = dict(ran, code_status="error", code_output="ZeroDivisionError")
    assert final_answer(failed) == ("-16191179.2826", "text")
    assert final_answer({"code_status": None, "code_output": None, "generation": "面积为 4788 平方厘米"}) == ("4788", "text")
