"""`mathtune data check/prepare` on files in the layouts real users have, in real subprocesses."""
import json
import subprocess
import sys
from collections import Counter

from converters.rules.prompts import render_prompt
from converters.synth.contest import synth_rows
from real_layouts import contest_style_rows, write_conversations, write_jsonl

STATUS_KEYS = {"agree", "rounded", "disagree", "unparseable", "unchecked"}


def run(*args, cwd):
    proc = subprocess.run([sys.executable, "-m", "mathtune", "data", *args, "--quiet"], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc


def test_contest_style_file_with_every_wrapper_and_rounding(tmp_path):
    rows = contest_style_rows(84)
    write_conversations(tmp_path / "train.jsonl", rows)  # one JSON array, named .jsonl
    proc = run("check", "train.jsonl", "--report", "report.json", "--out", "checked.jsonl", cwd=tmp_path)
    assert proc.returncode == 1  # the two wrong labels
    assert "label 0.34 != computed 0.3333333333333333333333333333" in proc.stderr
    checked = [json.loads(line) for line in (tmp_path / "checked.jsonl").read_text().splitlines()]
    assert [r["wrapper"] for r in checked] == [r["wrapper"] for r in rows]
    want = [{"exact": "agree", "wrong": "disagree"}.get(r["rounding"], "rounded") for r in rows]
    assert [r["status"] for r in checked] == want, [(r["label"], r["reason"]) for r in checked]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["formats"] == {"conversations": len(rows)}
    stripped = Counter(r["wrapper"] for r in rows if r["wrapper"] != "none")
    assert {w: n for w, n in report["wrappers"].items() if w != "none"} == stripped
    assert all(STATUS_KEYS <= set(entry) for entry in report["categories"])
    assert sum(e["rounded"] for e in report["categories"]) == want.count("rounded")
    head = proc.stdout.splitlines()
    assert any(line.split()[:6] == ["category", "count", "share", "agree", "rounded", "disagree"] for line in head)
    assert any(line.startswith("prompt wrappers stripped: ") and f"grade-school × {stripped['grade-school']}" in line
               for line in head)


def test_grade_school_rows_prepare(tmp_path):
    """The issue's file: every problem in the grade-school header; all rows used to come out `other`."""
    rows = [dict(r, problem=render_prompt(r["problem"], "grade-school")) for r in synth_rows(200, seed=2)]
    write_jsonl(tmp_path / "train.json", rows)
    proc = run("prepare", "train.json", "--out-dir", "out", "--no-mindrecord", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["wrappers"] == {"grade-school": 200}
    assert sum(e["count"] for e in report["selected"]) == 200


def test_no_row_left_says_which_step_and_writes_errors(tmp_path):
    unknown = "<start_of_turn>user\nYou solve math.\n\n{problem}<end_of_turn>\n<start_of_turn>model\n"  # Gemma's
    rows = [dict(r, problem=unknown.format(problem=r["problem"]))
            for r in synth_rows(200, seed=3, shares={"arithmetic": 1.0})]
    write_jsonl(tmp_path / "train.jsonl", rows)
    proc = run("prepare", "train.jsonl", "--out-dir", "out", cwd=tmp_path)
    assert proc.returncode == 1
    assert ("all 200 rows matched no category: is the problem wrapped in a prompt this reader does not know?"
            in proc.stderr)
    assert "seq-length" not in proc.stderr + proc.stdout
    errors = (tmp_path / "out" / "errors.txt").read_text().splitlines()
    assert len(errors) == 200 and errors[0] == "train.jsonl:1: other: unparseable: matches no category rule"
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["no_rows_left"].startswith("all 200 rows matched no category")
    assert not (tmp_path / "out" / "train.mindrecord").exists()


def test_rounded_labels_are_kept_and_trained_as_chosen(tmp_path):
    rows = contest_style_rows(42)
    write_jsonl(tmp_path / "train.jsonl", rows)
    for labels in ("exact", "given"):
        proc = run("complete", "train.jsonl", "--style", "pot", "--labels", labels, "--out", f"{labels}.jsonl",
                   cwd=tmp_path)
        assert proc.returncode == 1 and proc.stderr.count(": disagree: ") == 2, proc.stderr
    exact = [json.loads(line) for line in (tmp_path / "exact.jsonl").read_text().splitlines()]
    given = [json.loads(line) for line in (tmp_path / "given.jsonl").read_text().splitlines()]
    assert len(exact) == len(given) == len(rows) - 2  # rounded rows are kept, the 2 wrong ones not
    assert all(r["output"] == r["expected"] for r in exact)
    trained_as_given = [r for r in given if r.get("label_used") == "given"]
    assert len(trained_as_given) >= 0.9 * sum(r["status"] == "rounded" for r in given)
    for r in trained_as_given:
        # the program really prints the label, and the answer line states it
        printed = subprocess.run([sys.executable, "-c", r["code"]], capture_output=True, text=True, timeout=30)
        assert printed.stdout.strip() == r["label"] == r["output"], r["code"]
        assert r["response"].endswith(r["final"]) and r["label"] in r["final"]


def test_check_warns_when_most_rows_match_no_category(tmp_path):
    # Gemma's turn: a wrapper the reader does not know (Q:/A: is known: tests/test_user_files.py)
    rows = [dict(r, problem=f"<start_of_turn>user\n{r['problem']}<end_of_turn>\n<start_of_turn>model\n")
            for r in synth_rows(30, seed=4, shares={"sqrt": 1.0})]
    write_jsonl(tmp_path / "train.jsonl", rows + list(synth_rows(10, seed=4, shares={"sqrt": 1.0})))
    proc = run("check", "train.jsonl", cwd=tmp_path)
    assert ("mathtune: warning: 30 of 40 rows matched no category: is the problem wrapped in a prompt this "
            "reader does not know?") in proc.stderr
