"""`data synth --kind middle`: middle-school computations in both languages, exact answers, and programs
that — run in the sandbox, as a model's would be — print those answers."""
import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from converters.solutions.competition import program_for
from converters.answers.expression import equivalent, parse_latex, parse_value
from converters.synth.middle import KINDS, synth_middle
from evaluation.sandbox.limits import Limits
from evaluation.sandbox.runner import run_code
from hostile import needs_bwrap


def _mathtune(*args, env=None):
    return subprocess.run([sys.executable, "-m", "mathtune", *args], capture_output=True, text=True, env=env)


def test_every_kind_in_both_languages_with_exact_readable_answers():
    rows = list(synth_middle(400, seed=5))
    assert Counter(r["category"] for r in rows) == dict.fromkeys(KINDS, 80)
    assert {(r["category"], r["language"]) for r in rows} == {(k, lang) for k in KINDS for lang in ("zh", "en")}
    assert len({r["problem"] for r in rows}) == 400
    assert all(parse_latex(r["gold"]) and r["solution"].rstrip(" $").endswith(f"\\boxed{{{r['gold']}}}") for r in rows)


@pytest.mark.parametrize("kind", ["ms-fraction", "ms-root", "ms-log", "ms-trig"])
def test_answers_equal_the_problems_own_expression_read_by_math_verify(kind):
    """An oracle apart from the generator's sympy: the English problem's LaTeX, parsed by math-verify."""
    import re

    rows = [r for r in synth_middle(60, seed=2, kinds=[kind]) if r["language"] == "en"]
    assert len(rows) > 15
    for row in rows:
        expression = re.search(r"\$(.+?)\$", row["problem"]).group(1)
        # degrees as radians, the way math-verify reads a trigonometric argument
        expression = re.sub(r"\\(sin|cos|tan) (\d+)\^\{\\circ\}", r"\\\1(\\frac{\2\\pi}{180})", expression)
        assert equivalent(parse_latex(row["gold"]), parse_latex(expression)), row


def test_percent_answers_follow_from_the_numbers():
    import re
    from fractions import Fraction

    for row in synth_middle(40, seed=4, kinds=["ms-percent"]):
        whole, p = (int(n) for n in re.findall(r"\d+", row["problem"].replace("百分之", " "))[:2]) \
            if re.search(r"^\D*(\d+) 的", row["problem"]) else (None, None)
        if whole is None:
            continue
        assert Fraction(whole * p, 100) == Fraction(str(parse_latex(row["gold"])[0]))


@needs_bwrap
def test_programs_print_the_answer_in_the_sandbox():
    rows = list(synth_middle(10, seed=9))  # two of each kind
    for row in rows:
        code, _ = program_for(row["solution"], row["gold"])
        assert "from sympy import *" in code
        result = run_code(code, Limits())
        assert result.status == "ok", result.stderr
        assert equivalent(parse_latex(row["gold"]), parse_value(result.stdout.strip())), (row, result.stdout)


def test_cli_writes_a_held_out_set_disjoint_from_training_and_the_same_under_any_hash_seed(tmp_path):
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    assert _mathtune("data", "synth", "--kind", "middle", "--n", "500", "--seed", "0", "--out", str(train)).returncode == 0
    outs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        proc = _mathtune("data", "synth", "--kind", "middle", "--n", "100", "--seed", "1", "--exclude", str(train),
                         "--out", str(test), env=env)
        assert proc.returncode == 0, proc.stderr
        outs.append(test.read_text())
    assert outs[0] == outs[1]
    trained = {json.loads(line)["problem"] for line in train.read_text().splitlines()}
    held = [json.loads(line)["problem"] for line in outs[0].splitlines()]
    assert len(held) == 100 and not trained & set(held)


@pytest.mark.parametrize("args,message", [
    (["--ops", "+-"], "apply to --kind contest only"), (["--only", "ms-nothing"], "expected kinds among"),
    (["--only", "ms-log", "--n", "100000"], "the space is used up"),
])
def test_cli_refuses_in_one_line(tmp_path, args, message):
    out = tmp_path / "x.jsonl"
    proc = _mathtune("data", "synth", "--kind", "middle", *args, "--out", str(out))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and message in proc.stderr and not out.exists()


def test_contest_kind_refuses_exclude(tmp_path):
    proc = _mathtune("data", "synth", "--exclude", "x.jsonl", "--out", str(tmp_path / "x.jsonl"))
    assert proc.returncode == 2 and "--exclude applies to --kind middle and word only" in proc.stderr
