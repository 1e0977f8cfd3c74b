"""`mathtune data budget`: which responses fit the judge's new-token budget, per category."""
import json
import subprocess
import sys

from converters.encode.budget import budget_table
from converters.rules.categories import categorise
from converters.solutions.steps import steps_response
from converters.encode.tokenizers import Llama3Tokenizer

M = [sys.executable, "-m", "mathtune", "data", "budget"]


def _row(problem):
    parsed = categorise(problem)
    return {"problem": problem, "category": parsed.category, "response": steps_response(parsed.category, parsed.args)}


def test_lengths_are_llama3_tokens_with_eos_under_both_digit_patterns():
    rows = [_row("计算 4835.74 + 6806.96 等于多少？"), _row("计算 4835.74 * 6806.96 等于多少？"),
            _row("将分数 6/8 进行简化。")]
    table = {e["category"]: e for e in budget_table(rows, budget=128)}
    single, meta = Llama3Tokenizer(None, "single"), Llama3Tokenizer(None, "meta")
    lengths = [len(single.encode_batch([r["response"]])[0]) + 1 for r in rows]
    assert lengths[0] <= 128 < lengths[1]  # an addition fits, a multiplication does not
    assert table["arithmetic"]["n"] == 2 and table["arithmetic"]["max"] == lengths[1]
    assert table["arithmetic"]["fits_single"] == 0.5 and table["fraction"]["fits_single"] == 1.0
    meta_len = len(meta.encode_batch([rows[1]["response"]])[0]) + 1
    assert meta_len < lengths[1]  # Meta's pattern groups up to three digits
    assert table["all"]["n"] == 3 and table["all"]["fits_single"] == 2 / 3


def test_cli_prints_the_table_and_reports_bad_rows(tmp_path):
    good = [_row("计算 4835.74 + 6806.96 等于多少？"), _row("解方程 -84x + -21 = 0")]
    path = tmp_path / "selected.jsonl"
    path.write_text(json.dumps(good[0], ensure_ascii=False) + "\n{broken\n" + json.dumps({"problem": "x"})
                    + "\n" + json.dumps(good[1], ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "budget.json"
    proc = subprocess.run(M + [str(path), "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{path}:2: " in proc.stdout and f"{path}:3: " in proc.stdout  # each bad row named, the rest counted
    table = json.loads(out.read_text())["categories"]
    assert [e["category"] for e in table] == ["arithmetic", "linear", "all"]
    assert table[0]["fits_single"] == 1.0 and table[1]["fits_single"] == 0.0


def test_unusable_input_is_one_line_before_any_work(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    for target in (tmp_path / "missing.jsonl", empty):
        proc = subprocess.run(M + [str(target)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
