"""`make demo` at its real size learns the job: slow (7-8 min on 2 cores), so `make test-slow` runs it."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.slow
@pytest.mark.timeout(5400)
def test_full_demo_reaches_its_reported_accuracy(tmp_path):
    """The claim of docs/experiments.md: on the 2-core Xeon the demo meets its target, ≥ 99.5% overall and ≥ 99% in every
    category (100% there, and with seeds 1, 2 and 3 as well; training is deterministic on one machine). On
    another CPU float rounding acts like another seed: the message names the categories that fell short."""
    out = tmp_path / "demo"
    proc = subprocess.run(["bash", "scripts/demo.sh", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          env=ENV, timeout=5400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    score = json.loads((out / "test" / "score.json").read_text(encoding="utf-8"))
    assert score["n"] == 1100  # 100 held-out problems in each of the 11 categories
    short = {c["category"]: c["accuracy"] for c in score["categories"] if c["accuracy"] < 0.99}
    assert score["accuracy"] >= 0.995 and not short, (score["accuracy"], short)
    assert {c["category"] for c in score["categories"]} == {c for c in _categories() if c != "competition"}
    meta = json.loads((out / "tiny" / "data.meta.json").read_text(encoding="utf-8"))
    assert meta["template"] == "none" and (out / "tiny" / meta["tokenizer"]["path"]).is_file()


def _categories():
    from converters.rules.categories import CATEGORIES

    return CATEGORIES
