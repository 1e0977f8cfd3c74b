"""`data synth --kind word`: grade-school word problems with verified programs of named variables."""
import collections
import json
import re
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction

import pytest

from converters.read.benchsets import load
from converters.synth.word.generate import SCHEMAS, synth_word

ROWS = list(synth_word(1200, seed=3))
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def mathtune(*args):
    return subprocess.run([sys.executable, "-m", "mathtune", "data", *map(str, args)], capture_output=True,
                          text=True, timeout=300)


def test_every_schema_in_both_languages():
    seen = collections.Counter((r["schema"], r["language"]) for r in ROWS)
    assert set(seen) == {(s, lang) for s in SCHEMAS for lang in ("en", "zh")}
    assert min(seen.values()) >= 40
    assert all(re.search(r"[\u4e00-\u9fff]", r["problem"]) for r in ROWS if r["language"] == "zh")
    assert not any(re.search(r"[\u4e00-\u9fff]", r["problem"]) for r in ROWS if r["language"] == "en")


def test_each_program_run_alone_prints_its_exact_answer():
    """Run again here, each in a fresh interpreter: the output the row records, equal to the gold exactly."""
    checker = ("import json, subprocess, sys\n"
               "rows = json.loads(sys.stdin.read())\n"
               "print(json.dumps([subprocess.run([sys.executable, '-I', '-S', '-c', c], capture_output=True,"
               " text=True).stdout.strip() for c in rows]))")
    sample = ROWS[::6]
    outs = json.loads(subprocess.run([sys.executable, "-c", checker], input=json.dumps([r["code"] for r in sample]),
                                     capture_output=True, text=True, timeout=300).stdout)
    assert outs == [r["output"] for r in sample]
    assert all(Decimal(r["output"]) == Decimal(r["gold"]) for r in ROWS)
    assert not any("round(" in r["code"] for r in ROWS)


def test_programs_are_named_steps_over_the_problems_numbers():
    """Every line names a quantity; every stated quantity is a number the problem says; the answer is the
    last line's name, not a literal."""
    for r in ROWS:
        lines = r["code"].splitlines()
        assert all(re.fullmatch(r"[a-z][a-z0-9_]* = .+", line) for line in lines[:-1]), r["code"]
        assert re.fullmatch(r"print\([a-z][a-z0-9_]*\)", lines[-1])
        said = {Fraction(n.replace(",", "")) for n in _NUMBER.findall(r["problem"])}
        stated = [Fraction(line.split(" = ")[1]) for line in lines[:-1] if re.fullmatch(r"\S+ = [\d.]+", line)]
        assert stated and all(v in said for v in stated), (r["problem"], r["code"])


def test_range_of_numbers_and_steps():
    digits = collections.Counter(len(str(int(Fraction(line.split(" = ")[1]))))
                                 for r in ROWS for line in r["code"].splitlines()
                                 if re.fullmatch(r"\S+ = [\d.]+", line))
    assert set(range(1, 8)) <= set(digits)
    assert any("." in r["gold"] for r in ROWS) and any("." not in r["gold"] for r in ROWS)
    steps = collections.Counter(sum(1 for line in r["code"].splitlines() if re.search(r" = .*[a-z]", line))
                                for r in ROWS)
    assert set(range(1, 7)) <= set(steps)
    assert len({r["problem"] for r in ROWS}) == len(ROWS)


def test_no_template_copies_a_test_problem():
    """No generated problem shares a run of 12 words (numbers as #) with any problem of GSM8K, GSM-Hard,
    SVAMP or MultiArith test, and at most half of its 8-word runs occur there (measured worst: 0.4)."""
    words = re.compile(r"[a-z]+|\d[\d,.]*")

    def grams(text, n):
        t = ["#" if w[0].isdigit() else w for w in words.findall(text.lower())]
        return [tuple(t[i:i + n]) for i in range(len(t) - n + 1)]

    tests = [item["problem"] for name in ("gsm8k", "gsm_hard", "svamp", "multiarith") for item in load(name)]
    g12 = {g for p in tests for g in grams(p, 12)}
    g8 = {g for p in tests for g in grams(p, 8)}
    english = [r["problem"] for r in ROWS if r["language"] == "en"]
    assert not [p for p in english if any(g in g12 for g in grams(p, 12))]
    assert max(sum(g in g8 for g in grams(p, 8)) / max(1, len(grams(p, 8))) for p in english) <= 0.5


def test_cli_writes_excludes_and_refuses(tmp_path):
    out = tmp_path / "w.jsonl"
    proc = mathtune("synth", "--kind", "word", "--n", 60, "--seed", 5, "--out", out)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["problem"] for r in rows] == [r["problem"] for r in synth_word(60, seed=5)]
    held = tmp_path / "held.jsonl"
    held.write_text("".join(json.dumps({"problem": r["problem"]}) + "\n" for r in rows[:10]))
    again = tmp_path / "again.jsonl"
    assert mathtune("synth", "--kind", "word", "--n", 60, "--seed", 5, "--exclude", held, "--out", again).returncode == 0
    kept = {json.loads(line)["problem"] for line in again.read_text().splitlines()}
    assert len(kept) == 60 and not kept & {r["problem"] for r in rows[:10]}
    only = mathtune("synth", "--kind", "word", "--only", "chain", "--languages", "zh", "--n", 5, "--out", tmp_path / "c.jsonl")
    assert only.returncode == 0
    assert {(json.loads(x)["schema"], json.loads(x)["language"]) for x in (tmp_path / "c.jsonl").read_text().splitlines()} == {("chain", "zh")}


@pytest.mark.parametrize("args,message", [
    (("--only", "story"), "--only story: expected schemas among"),
    (("--balanced",), "apply to --kind contest only"),
])
def test_cli_bad_options_are_one_line(tmp_path, args, message):
    proc = mathtune("synth", "--kind", "word", *args, "--out", tmp_path / "w.jsonl")
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "w.jsonl").exists()


def test_rows_become_program_conversations(tmp_path):
    """In `data prepare --style pot`, the response is the program and what it printed, then the gold."""
    src = tmp_path / "w.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS[:40]), encoding="utf-8")
    proc = mathtune("prepare", src, "--out", tmp_path / "d", "--style", "pot", "--template", "none", "--quiet")
    assert proc.returncode == 0, proc.stderr
    convs = json.loads((tmp_path / "d" / "conversations.json").read_text())
    by_problem = {r["problem"]: r for r in ROWS[:40]}
    assert len(convs) == 40
    for c in convs:
        r = by_problem[c["conversations"][0]["value"]]
        assert c["conversations"][1]["value"] == f"```python\n{r['code']}\n```\n```output\n{r['output']}\n```\n{r['gold']}"
