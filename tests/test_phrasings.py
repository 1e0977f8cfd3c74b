"""`data synth --phrasings varied`: many wordings per category, none of them data reworded's."""
import json
import re
import subprocess
import sys

from converters.rules.categories import CHINESE_CATEGORIES, categorise
from converters.solutions.rows_with_gold import check_given
from converters.synth.phrasings import TEMPLATES, phrased_rows, skeleton
from converters.solutions.pot import run_in_process
from converters.synth.reworded import reworded_rows

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _reworded_skeletons(seeds):
    return {skeleton(r["problem"]) for s in seeds for r in reworded_rows(200, s)}


def test_skeleton_keeps_wording_and_hides_numbers():
    assert skeleton("What is {a} times {b}?") == skeleton("What is -3 times 4.5?") == "what is # times #?"
    assert skeleton("平均数：1、2、3？") == skeleton("平均数：{zh_items}？")
    assert skeleton("Add 1 and 2.") != skeleton("Add 1 to 2.")


def test_templates_share_no_skeleton_with_reworded():
    reworded = _reworded_skeletons(range(20))
    assert reworded == _reworded_skeletons(range(20, 60))  # sampling has enumerated its finite set
    ours = {skeleton(t) for group in TEMPLATES.values() for t in group}
    assert len(ours) == sum(map(len, TEMPLATES.values()))  # no template repeated either
    assert not ours & reworded


def test_generated_problems_share_no_skeleton_with_reworded():
    ours = {skeleton(r["problem"]) for r in phrased_rows(3000, 5)}
    assert len(ours) >= 100
    assert not ours & _reworded_skeletons(range(10))


def test_every_category_has_chinese_english_questions_and_commands():
    groups = {"arithmetic": ["add", "sub", "mul", "div"]}
    for category in CHINESE_CATEGORIES:
        texts = [t for g in groups.get(category, [category]) for t in TEMPLATES[g]]
        assert len(texts) >= 8, category
        assert any(_CJK.search(t) for t in texts) and any(not _CJK.search(t) for t in texts), category
        asks = [t.rstrip().endswith(("?", "？")) for t in texts]
        assert any(asks) and not all(asks), category


def test_rows_carry_category_and_gold_the_contest_rules_cannot_read():
    rows = list(phrased_rows(440, 3))
    assert rows == list(phrased_rows(440, 3)) and rows != list(phrased_rows(440, 4))
    assert {r["category"] for r in rows} == set(CHINESE_CATEGORIES)
    assert all(categorise(r["problem"]).category in ("other", "competition") for r in rows)
    assert all(check_given(r).status == "agree" for r in rows)


def test_phrased_rows_train_as_contest_programs(tmp_path):
    def data(*args):
        return subprocess.run([sys.executable, "-m", "mathtune", "data", *map(str, args)], capture_output=True,
                              text=True, timeout=300)

    src = tmp_path / "varied.jsonl"
    assert data("synth", "--phrasings", "varied", "--n", "44", "--out", src).returncode == 0
    proc = data("prepare", src, "--out-dir", tmp_path / "d", "--no-mindrecord", "--quiet")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in (tmp_path / "d" / "selected.jsonl").read_text().splitlines()]
    assert len(rows) == 44 and all(r["status"] == "agree" for r in rows)
    for r in rows:  # the category's program prints the gold contest.py's own formula gave
        assert run_in_process(r["code"]) == r["output"]
        assert check_given({**r, "gold": r["output"]}).status == "agree"
    bad = data("synth", "--phrasings", "varied", "--duplicates", "0.1", "--out", tmp_path / "x.jsonl")
    assert bad.returncode == 2 and bad.stderr.startswith("mathtune: error: --duplicates")
