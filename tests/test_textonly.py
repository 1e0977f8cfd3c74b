"""`mathtune score` shows how each figure was judged: programs run, and text only beside it."""
import json
import subprocess
import sys

from converters.rules.categories import categorise
from converters.solutions.steps import steps_response

M = [sys.executable, "-m", "mathtune"]


def _score(tmp_path, rows, *extra):
    path = tmp_path / "pred.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    proc = subprocess.run(M + ["score", str(path), *extra], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, json.loads((tmp_path / "score.json").read_text(encoding="utf-8"))


def _pot(problem, gold, printed, written):
    """A PoT row as predict writes it: the program's real output is the answer; the model's own text
    (what it writes when nothing runs) guessed `written`."""
    code = f"print({printed})"
    return {"problem": problem, "category": categorise(problem).category, "gold": gold, "code": code,
            "code_status": "ok", "code_output": f"{printed}\n", "answer": printed, "answer_from": "program",
            "generation": f"```python\n{code}\n```\n```output\n{printed}\n```\n",
            "text_generation": f"```python\n{code}\n```\n```output\n{written}\n```\n"}


def test_programs_run_and_text_only_side_by_side(tmp_path):
    rows = [_pot("计算 1.50 + 2.25 等于多少？", "3.75", "3.75", "3.75"),
            _pot("计算 12.00 * 3.00 等于多少？", "36.0000", "36.0000", "39.0000"),
            _pot("计算 9.00 的平方根？", "3", "3", "2.9")]
    out, result = _score(tmp_path, rows, "--mode", "contest")
    head = out.splitlines()[0]
    assert head.startswith("accuracy 100.00% programs run (3/3 correct, mode contest)")
    assert "text only (a judge that runs no code): 33.33% (1/3)" in head
    assert result["judged"] == "programs run" and result["text_only"]["correct"] == 1
    table = {line.split()[0]: line.split() for line in out.splitlines()[3:6]}
    assert table["arithmetic"][3:5] == ["100.00%", "50.00%"] and table["sqrt"][3:5] == ["100.00%", "0.00%"]


def test_text_only_is_not_guessed_for_older_prediction_files(tmp_path):
    row = _pot("计算 1.50 + 2.25 等于多少？", "3.75", "3.75", "3.75")
    del row["text_generation"]
    out, result = _score(tmp_path, [row])
    assert "programs run" in out.splitlines()[0] and "text only: not measured (predict again)" in out.splitlines()[0]
    assert result["text_only"] is None


def test_a_vote_over_program_answers_is_judged_programs_run(tmp_path):
    """`predict --samples k` rows: the vote of answers read from programs is not a text-only figure."""
    samples = [{"answer": "3.75", "answer_from": "program", "generation": "print(3.75)"},
               {"answer": "3.70", "answer_from": "text", "generation": "3.70"}]
    row = {"problem": "计算 1.50 + 2.25 等于多少？", "category": "arithmetic", "gold": "3.75", "answer": "3.75",
           "answer_from": "vote", "samples": samples, "sample_answers": ["3.75", "3.70"]}
    out, result = _score(tmp_path, [row])
    assert out.splitlines()[0].startswith("accuracy 100.00% programs run (1/1 correct")
    assert "text only: not measured" in out.splitlines()[0] and result["text_only"] is None
    text_votes = dict(row, samples=[dict(s, answer_from="text") for s in samples])
    out, _ = _score(tmp_path, [text_votes])
    assert "% text only (a judge that runs no code) (1/1 correct" in out.splitlines()[0]


def test_steps_answers_are_judged_on_their_text_with_the_first_wrong_step_tallied(tmp_path):
    problems = ["计算 4835.74 + 6806.96 等于多少？", "计算 12.50 * 3.20 等于多少？", "计算 2490.53 的平方根？"]
    rows = []
    for problem in problems:
        parsed = categorise(problem)
        text = steps_response(parsed.category, parsed.args)
        rows.append({"problem": problem, "category": parsed.category, "gold": "0", "generation": text,
                     "answer": None, "answer_from": "text"})
    rows[0]["gold"], rows[1]["gold"], rows[2]["gold"] = "11642.70", "40.0000", "49.90521014884117287399757718"
    # a carry dropped in the addition (and the sum that follows from it), as a model would
    rows[0]["generation"] = rows[0]["generation"].replace("c 0111011", "c 0101011").replace(
        "s 0724611", "s 0714611").replace("= 11642.70", "= 11641.70")
    for r in rows:
        del r["answer"]
    out, result = _score(tmp_path, rows, "--mode", "contest")
    assert out.splitlines()[0].startswith("accuracy 66.67% text only (a judge that runs no code) (2/3 correct")
    assert result["text_only"]["failing_steps"] == {"carry": 1}
    assert "first wrong step of wrong text answers (steps or compact style): carry 1" in out
