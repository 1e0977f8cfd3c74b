"""`mathtune score` on files as users have them: MindFormers' text_generation_result.txt (echoed
prompts, with and without the contest template, outputs cut at max_new_tokens) and JSONL rows with
any of the answer fields, including bad rows."""
import json
import subprocess
import sys

import pytest

from converters.answers.number import last_number
from evaluation.scoring.extract import is_correct
from evaluation.scoring.mindformers_output import read_generations, strip_echo

CONTEST = ("Below is an instruction that describes a task. Write a response that appropriately completes the "
           "request.\n\n### Instruction:\n{}\n\n### Response:")

# (gold problem, solution, the model's text after its prompt, echoed with the contest template?)
CASES = [
    ("计算 8230.71 - 2598.23 等于多少？", "8230.71 - 2598.23 = 5632.48", " 8230.71 - 2598.23 = 5632.48 8230", False),
    ("求以下数据的平均值：[79, 69, 19, 3, 23, 93]", "平均值为 47.666666666666664", "平均值为 47.66", True),
    ("解方程 -81x + -45 = 0", "方程的解为：-0.5555555555555556",
     "\n方程的解为：-0.5555555555555556\n方程的解为：-0.55", False),
    ("计算 6145.00 的平方根？", "√6145.00 = 78.39005038906404479030928703",
     " √6145.00 = 78.39005038906404479030928703", True),
    ("当 x = 4.03 时，求函数 y = 57x^54 的值", "函数的值为：2.769155521409239378157128235E+34",
     " 函数的值为：2.769155521409239378157128235E+34 函数的值为：2.7691", False),
    ("计算 -2604.68 / -5255.03 等于多少？", "-2604.68 / -5255.03 = 0.4956546394597176419544702885",  # goes on
     " -2604.68 / -5255.03 = 0.4956546394597176419544702885\n计算 1234.50 + 2.00 等于多少？ 1234.50 + 2.00 = 1236.50\n计算",
     True),
    ("计算 7469.98 * -2455.65 等于多少？", "7469.98 * -2455.65 = -18343656.3870", " 7469.98 * -2455.65 = -18343656.38",
     True),
    ("计算 -711.31 的 4 次方？", "-711.31^4 = 255997460543.58343921", " -711.31^4 = -255997460543.58343921", False),
    ("一个长方形的长为 57 厘米，宽为 84 厘米，请计算其面积。", "面积为 4788 平方厘米", "", False),
]


def _mathtune(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mathtune", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def _write_gold(path, cases=CASES):
    path.write_text("".join(json.dumps({"problem": p, "solution": s}, ensure_ascii=False) + "\n"
                            for p, s, _, _ in cases), encoding="utf-8")


def _texts(cases=CASES):
    return [(CONTEST.format(p) if wrapped else p) + out for p, _, out, wrapped in cases]


def _mindformers_file(path, texts, batch=2):
    """As run_mindformer.py --run_mode predict writes it: str() of the list of per-batch dicts."""
    out = [{"text_generation_text": texts[i:i + batch]} for i in range(0, len(texts), batch)]
    path.write_text(str(out), encoding="utf-8")


def test_strip_echo_with_and_without_template():
    p = CASES[0][0]
    assert strip_echo(p + " 1 + 1 = 2", p) == (" 1 + 1 = 2", True)
    assert strip_echo(CONTEST.format(p) + " 1 + 1 = 2", p) == (" 1 + 1 = 2", True)
    assert strip_echo(p + " 1 + 1 = 2", CONTEST.format(p)) == (" 1 + 1 = 2", True)  # the gold row is wrapped
    assert strip_echo(p.replace(" ", "") + "3", p) == ("3", True)  # decoding may drop spaces
    assert strip_echo("1 + 1 = 2", p) == ("1 + 1 = 2", False)


def test_score_text_generation_result(tmp_path):
    gold, result = tmp_path / "test.jsonl", tmp_path / "text_generation_result.txt"
    _write_gold(gold)
    _mindformers_file(result, _texts())
    assert result.read_text(encoding="utf-8").startswith("[{'text_generation_text': ['计算 8230.71 - 2598.23 等于多少？ 8230")
    proc = _mathtune("score", str(result), "--gold", str(gold), "--mode", "contest", "--out-dir", str(tmp_path / "s"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "accuracy 77.78% text only (a judge that runs no code) (7/9 correct, mode contest)"
    assert "answers found by: answer line 6, first equation 2, none 1" in proc.stdout
    assert "echoed prompt removed from 9 of 9 outputs" in proc.stdout
    score = json.loads((tmp_path / "s" / "score.json").read_text())
    assert score["rules"] == {"answer line": 6, "first equation": 2, "none": 1} and score["echo_stripped"] == 9
    assert {c["category"]: c["errors"] for c in score["categories"]}["power"] == {"wrong sign": 1}
    scored = [json.loads(line) for line in (tmp_path / "s" / "scored.jsonl").read_text().splitlines()]
    assert [r["answer"] for r in scored[:3]] == ["5632.48", "47.66", "-0.5555555555555556"]
    # the last-number rule on the same texts (echo removed) scores fewer: cut fragments and repeats
    last = sum(is_correct(last_number(strip_echo(text, r["problem"])[0]), r["gold"], "contest")
               for text, r in zip(_texts(), scored))
    assert last == 4  # the 8230 fragment, the cut 2.7691 and the model's own next problem count against it
    exact = _mathtune("score", str(result), "--gold", str(gold), "--out-dir", str(tmp_path / "e"))
    assert exact.stdout.splitlines()[0] == "accuracy 55.56% text only (a judge that runs no code) (5/9 correct, mode exact)"


def test_one_literal_per_line_and_count_mismatch(tmp_path):
    gold, result = tmp_path / "gold.jsonl", tmp_path / "text_generation_result.txt"
    _write_gold(gold, CASES[:3])
    texts = _texts(CASES[:3])
    result.write_text("\n".join(str([{"text_generation_text": [t]}]) for t in texts) + "\n", encoding="utf-8")
    assert [t for _, t in read_generations(result)[0]] == texts
    proc = _mathtune("score", str(result), "--gold", str(gold), "--mode", "contest")
    assert proc.returncode == 0 and proc.stdout.startswith("accuracy 100.00% text only (a judge that runs no code) (3/3 correct")
    _write_gold(gold, CASES[:2])
    refused = _mathtune("score", str(result), "--gold", str(gold))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        f"mathtune: error: {result}: 3 predictions but {gold} has 2 usable gold rows; they are paired by order"]
    alone = _mathtune("score", str(result))
    assert alone.returncode == 2 and "needs --gold" in alone.stderr


def test_bad_entries_are_located_and_the_rest_paired(tmp_path):
    gold, result = tmp_path / "gold.jsonl", tmp_path / "text_generation_result.txt"
    _write_gold(gold, CASES[:3])
    texts = _texts(CASES[:3])
    result.write_text(str([{"text_generation_text": [texts[0]]}, {"wrong_key": ["x"]},
                           {"text_generation_text": [texts[2]]}]), encoding="utf-8")
    proc = _mathtune("score", str(result), "--gold", str(gold), "--mode", "contest")
    assert proc.returncode == 1 and proc.stdout.startswith("accuracy 100.00% text only (a judge that runs no code) (2/2 correct")
    assert f"{result}:1: item 2: expected {{'text_generation_text': [text, …]}}, got dict" in proc.stdout


def test_jsonl_rows_with_any_answer_field(tmp_path):
    rows = [{"generation": "8230.71 - 2598.23 = 5632.48 8230", "gold": "5632.48", "category": "arithmetic"},
            {"prediction": "平均值为 47.666666666666664", "gold": "47.666666666666664"},
            {"answer": 5632.48, "gold": 5632.48},              # numbers, not strings
            {"answer": "1e999999999", "gold": "1e999999999"},   # must not build 10**999999999
            {"generation": "x = 3", "gold": ["3.0", "3"]},      # several gold answers
            {"answer": "The answer is 12. Next", "gold": "12"},  # a sentence in `answer`
            {"answer": "\\frac{2}{3}", "gold": "2/3"},
            {"gold": "3"},                                      # no answer field
            {"prediction": {"text": "3"}, "gold": "3"},         # not text
            {"generation": "3", "gold": {"value": 3}},          # gold not text
            {"generation": "3"}]                                # no gold
    path = tmp_path / "pred.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\nnot json\n", encoding="utf-8")
    proc = _mathtune("score", str(path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stdout.splitlines()[0] == "accuracy 100.00% answers as given (how they were found is not recorded) (7/7 correct, mode exact)"
    for line, reason in [(8, "no 'answer', 'generation' or 'prediction' field"),
                         (9, "field 'prediction' is a dict, not text or a number"),
                         (10, "field 'gold' is a dict, not text or a number"), (11, "no gold answer (field 'gold')")]:
        assert f"{path}:{line}: {reason}" in proc.stdout
    assert f"{path}:12: invalid JSON" in proc.stdout and "5 unusable rows (not scored):" in proc.stdout


@pytest.mark.parametrize("content", [b"\x00\x01\xff\xfe" * 100, b"", b"[{'text_generation_text': ['x'"])
def test_garbage_input_is_one_line(tmp_path, content):
    path = tmp_path / "junk.txt"
    path.write_bytes(content)
    proc = _mathtune("score", str(path), "--gold", str(path))
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr
    if proc.returncode == 2:
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("mathtune: error: ")


def test_answer_field_sources():
    from evaluation.scoring.score import answer_of

    assert answer_of({"answer": "12", "answer_from": "program", "generation": "print(12)"}) == ("12", "program")
    assert answer_of({"answer": "7", "answer_from": "vote"}) == ("7", "vote")
    # `mathtune predict` extracted this with older rules: the text is read again with the current ones
    assert answer_of({"answer": "8230", "answer_from": "text", "generation": "= 5632.48 8230"}) == ("5632.48",
                                                                                                   "answer line")
    assert answer_of({"answer": None, "generation": ""}) == (None, "none")


def test_competition_rows_are_judged_symbolically_and_unreadable_golds_located(tmp_path):
    rows = [{"generation": r"So $x = \boxed{\frac{1}{16}}$.", "gold": r"\dfrac{1}{16}", "category": "competition"},
            {"generation": r"The set is $(-\infty, 3)$.", "gold": r"(-\infty, 3]", "category": "competition"},
            {"answer": "2*sqrt(3)", "answer_from": "program", "gold": r"2\sqrt{3}", "category": "competition"},
            {"generation": r"It is $\frac{\pi}{2}$", "gold": r"\frac{\pi}{2}", "category": "competition"},
            {"generation": "1", "gold": r"\frac{1}{", "category": "competition"},
            {"generation": "= 12", "gold": "12", "category": "arithmetic"}]
    path = tmp_path / "pred.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    for mode in ("exact", "math"):
        proc = _mathtune("score", str(path), "--mode", mode)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stdout.startswith(f"accuracy 80.00% programs run (4/5 correct, mode {mode})"), proc.stdout
        assert f"{path}:5: gold answer '\\frac{{1}}{{' cannot be parsed as an answer (LaTeX or a number): unparseable" \
            in proc.stdout
    scored = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    assert [r["correct"] for r in scored] == [True, False, True, True, True]
    assert [r.get("symbolic", False) for r in scored] == [True, True, True, True, True]  # --mode math: every row
