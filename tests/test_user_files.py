"""Files users really pass around, which the project never wrote: a BOM, gzip, thousands separators,
full-width and Unicode signs, other chat templates. Each was a defect found by running it."""
import gzip
import json
import subprocess
import sys

import pytest

from converters.rules.categories import categorise
from fileio.errors import InputError
from fileio.reading import read_rows
from converters.read.formats import read_pairs
from converters.rules.verify import check

ROWS = [
    {"problem": "计算 7469.98 * -2455.65 等于多少？", "solution": "7469.98 * -2455.65 = -18343656.3870"},
    {"problem": "解方程 -81x + -45 = 0", "solution": "方程的解为：-0.5555555555555556"},
    {"problem": "一个长方形的长为 57 厘米，宽为 84 厘米，请计算其面积。", "solution": "面积为 4788 平方厘米"},
]
BOM = "\ufeff"


def _jsonl(rows) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


@pytest.mark.parametrize("layout", ["jsonl", "jsonl crlf", "array indent 2", "array indent 4"])
def test_a_utf8_bom_is_not_part_of_the_first_row(tmp_path, layout):
    # Windows editors (Notepad, Excel's "UTF-8" export) write a BOM; it lost the first row of JSON
    # Lines and made an array unreadable line by line.
    if layout.startswith("jsonl"):
        text = _jsonl(ROWS)
        text = text.replace("\n", "\r\n") if "crlf" in layout else text
    else:
        text = json.dumps(ROWS, ensure_ascii=False, indent=int(layout[-1]))
    path = tmp_path / "train.json"
    path.write_text(BOM + text, encoding="utf-8", newline="")
    errors = []
    got = [r for _, r in read_pairs(path, errors)]
    assert errors == []
    assert [r["problem"] for r in got] == [r["problem"] for r in ROWS]
    assert [r["problem"] for _, r in read_rows(path, errors)] == [r["problem"] for r in ROWS]


def test_a_gzip_file_is_one_clear_line_not_a_line_per_block(tmp_path):
    path = tmp_path / "train.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(_jsonl(ROWS))
    with pytest.raises(InputError, match="gzip"):
        list(read_pairs(path, []))
    with pytest.raises(InputError, match="gzip"):
        list(read_rows(path, []))
    proc = subprocess.run([sys.executable, "-m", "mathtune", "data", "check", "--quiet", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "gzip" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("solution", ["4,788 平方厘米", "面积为 4,788 平方厘米", "The answer is 4,788."])
def test_a_label_with_thousands_separators_agrees(solution):
    got = check(ROWS[2]["problem"], solution)
    assert (got.status, got.label) == ("agree", "4788")


def test_a_negative_label_with_thousands_separators_agrees():
    got = check(ROWS[0]["problem"], "-18,343,656.3870")
    assert (got.status, got.label) == ("agree", "-18343656.3870")


def test_a_list_is_not_read_as_thousands():
    # the contest's own mean problems list numbers with ", "; a label never lists
    assert check("求以下数据的平均值：[79, 69, 19, 3, 23, 93]", "平均值为 47.666666666666664").status == "agree"


@pytest.mark.parametrize("problem, category, args", [
    ("计算 ７４６９.９８ * -２４５５.６５ 等于多少？", "arithmetic", ("7469.98", "*", "-2455.65")),
    ("计算 7469.98 * −2455.65 等于多少？", "arithmetic", ("7469.98", "*", "-2455.65")),
    ("计算 7469.98 − 2455.65 等于多少？", "arithmetic", ("7469.98", "-", "2455.65")),
    ("求以下数据的平均值：[79，69，19，3，23，93]", "mean", ("79", "69", "19", "3", "23", "93")),
    ("解方程 −81x + −45 = 0", "linear", ("-81", "+", "-45", "0")),
    ("计算\u00a06145.00\u00a0的平方根？", "sqrt", ("6145.00",)),
    ("计算\u30006145．00\u3000的平方根？", "sqrt", ("6145.00",)),
    ("去年销售额为 32 万元，今年销售额增加了 28％，请计算今年的销售额。", "sales", ("32", "28")),
    ("解方程 -81ｘ + -45 ＝ 0", "linear", ("-81", "+", "-45", "0")),
    ("计算 7469.98 ＊ -2455.65 等于多少？", "arithmetic", ("7469.98", "*", "-2455.65")),
    ("将分数 5／6 进行简化。", "fraction", ("5", "6")),
])
def test_full_width_digits_and_unicode_minus_give_ascii_operands(problem, category, args):
    parsed = categorise(problem)
    assert (parsed.category, parsed.args, parsed.problem) == (category, args, problem)


def test_a_unicode_minus_row_checks_like_the_ascii_one():
    got = check("计算 7469.98 * −2455.65 等于多少？", "7469.98 * -2455.65 = -18343656.3870")
    assert got.status == "agree" and got.solution == "7469.98 * -2455.65 = -18343656.3870"


P = ROWS[0]["problem"]
OTHER_WRAPPERS = {
    "llama2": f"<s>[INST] {P} [/INST]",
    "llama2 no bos": f"[INST] {P} [/INST]",
    "llama2 system": f"<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\n{P} [/INST]",
    "question/answer": f"Question: {P}\nAnswer:",
    "question/answer space": f"Question: {P}\nAnswer: ",
    "human/assistant": f"Human: {P}\n\nAssistant:",
    "q/a": f"Q: {P}\nA:",
    "problem/solution": f"Problem: {P}\nSolution:",
    "问题/答案": f"问题：{P}\n答案：",
    "contest with CRLF": ("Below is an instruction that describes a task. Write a response that appropriately "
                          f"completes the request.\r\n\r\n### Instruction:\r\n{P}\r\n\r\n### Response:\r\n"),
    "zephyr": f"<|user|>\n{P}</s>\n<|assistant|>\n",
}


@pytest.mark.parametrize("name", OTHER_WRAPPERS)
def test_other_chat_templates_are_unwrapped(name):
    parsed = categorise(OTHER_WRAPPERS[name])
    assert (parsed.category, parsed.problem) == ("arithmetic", P)
    assert parsed.wrapper != "none"


def test_a_question_that_merely_contains_answer_is_not_unwrapped():
    text = "Question: what is the answer? Answer: 42 is not it"
    assert categorise(text).problem == text


def test_the_cli_on_a_bom_file_with_wrapped_and_full_width_rows(tmp_path):
    rows = [{"problem": OTHER_WRAPPERS["llama2"], "solution": ROWS[0]["solution"]},
            {"problem": "求以下数据的平均值：[79，69，19，3，23，93]", "solution": "平均值为 47.666666666666664"},
            {"problem": ROWS[2]["problem"], "solution": "4,788 平方厘米"}]
    path = tmp_path / "train.jsonl"
    path.write_text(BOM + _jsonl(rows).replace("\n", "\r\n"), encoding="utf-8", newline="")
    proc = subprocess.run([sys.executable, "-m", "mathtune", "data", "check", "--quiet", str(path),
                           "--report", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert "Traceback" not in proc.stderr and "llama2" in proc.stdout, proc.stdout
    assert json.dumps(report).count('"other"') == 0 or report.get("categories", {}).get("other", {}).get("count", 0) == 0


@pytest.mark.parametrize("text", [
    json.dumps({"data": ROWS}, ensure_ascii=False, indent=2),  # a dataset wrapped in an object
    "".join(json.dumps(r, ensure_ascii=False, indent=4) + "\n" for r in ROWS),  # json.dump(row, indent=4) per row
])
def test_a_pretty_printed_object_is_one_line_not_an_error_per_line(tmp_path, text):
    path = tmp_path / "train.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"train.json:1: a JSON object spread over several lines"):
        list(read_pairs(path, []))


def test_a_bad_first_line_of_json_lines_is_still_one_bad_row(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text('{"problem": "cut\n' + _jsonl(ROWS), encoding="utf-8")
    errors = []
    assert len(list(read_pairs(path, errors))) == 3 and [e.line for e in errors] == [1]


def test_an_answer_rounded_to_2_decimals_is_a_precision_error_not_wrong(tmp_path):
    from evaluation.scoring.extract import error_kind, is_correct
    assert not is_correct("-0.56", "-0.5555555555555556")
    assert error_kind("-0.56", "-0.5555555555555556") == "precision only"
    assert error_kind("78.39", "78.39005038906404479030928703") == "precision only"
    assert error_kind("-0.57", "-0.5555555555555556") == "wrong"
    assert error_kind("0.56", "-0.5555555555555556") == "wrong"


def _conversation(row):
    return {"conversations": [{"from": "human", "value": row["problem"]}, {"from": "gpt", "value": row["solution"]}]}


@pytest.mark.parametrize("container", ["json lines", "array with a BOM"])
def test_mindrecord_reads_conversations_as_json_lines_and_with_a_bom(tmp_path, container):
    from converters.encode.mindrecord import read_conversations
    items = [_conversation(r) for r in ROWS]
    path = tmp_path / "conversations.jsonl"
    path.write_text(_jsonl(items) if container == "json lines"
                    else BOM + json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")
    errors = []
    assert [h for _, h, _ in read_conversations(path, errors)] == [r["problem"] for r in ROWS]
    assert errors == []


def test_mindrecord_on_rows_says_to_prepare_them_first(tmp_path):
    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps([{"instruction": r["problem"], "input": "", "output": r["solution"]} for r in ROWS],
                               ensure_ascii=False, indent=2), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mathtune", "data", "mindrecord", "--quiet", str(path),
                           "--out", str(tmp_path / "train.mindrecord"), "--seq-length", "auto"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == f"{path}:2: a row in the alpaca layout, not a conversation: `mathtune data prepare` " \
                       "(or check, complete and convert) turns rows into conversations"
    assert lines[-1] == f"mathtune: error: {path}: no conversation to write: all 3 item(s) failed (the first 3 above)"
    assert "Traceback" not in proc.stderr and "seq_length auto" not in proc.stdout


def test_mindrecord_on_an_empty_file_says_so(tmp_path):
    path = tmp_path / "conversations.json"
    path.write_text("")
    proc = subprocess.run([sys.executable, "-m", "mathtune", "data", "mindrecord", "--quiet", str(path),
                           "--out", str(tmp_path / "train.mindrecord"), "--seq-length", "auto"],
                          capture_output=True, text=True, timeout=300)
    assert (proc.returncode, proc.stderr) == (2, f"mathtune: error: {path}: no conversation in the file (empty)\n")


def test_json_lines_ending_in_commas_are_read(tmp_path):
    # an array's items pasted without the brackets: `{...},` on every line
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + ",\n" for r in ROWS) + '{"problem": 1},\n')
    errors = []
    assert [r["problem"] for _, r in read_pairs(path, errors)] == [r["problem"] for r in ROWS]
    assert [(e.line, e.reason) for e in errors] == [(4, "field 'problem' is int, not a string")]


def test_a_numeric_solution_column_is_read_as_its_repr(tmp_path):
    # pandas' to_json(orient="records", lines=True) writes a numeric answer column as numbers
    path = tmp_path / "train.jsonl"
    path.write_text('{"problem": "去年销售额为 32 万元，今年销售额增加了 28%，请计算今年的销售额。", "solution": 40.96}\n'
                    f'{{"problem": "{ROWS[2]["problem"]}", "solution": 4788}}\n'
                    f'{{"problem": "{ROWS[2]["problem"]}", "solution": true}}\n', encoding="utf-8")
    errors = []
    pairs = [r for _, r in read_pairs(path, errors)]
    assert [r["solution"] for r in pairs] == ["40.96", "4788"]
    assert [check(r["problem"], r["solution"]).status for r in pairs] == ["agree", "agree"]
    assert [str(e) for e in errors] == [f"{path}:3: field 'solution' is bool, not a string"]


@pytest.mark.parametrize("head, what", [(b"PK\x03\x04\x14\x00", "zip archive"), (b"PAR1\x15\x04", "Parquet"),
                                        (b"\xfd7zXZ\x00\x00", "xz-compressed"), (b"BZh91AY", "bzip2"),
                                        (b"\x28\xb5\x2f\xfd\x00", "zstd")])
def test_other_binary_files_are_one_clear_line(tmp_path, head, what):
    path = tmp_path / "train.json"
    path.write_bytes(head + bytes(range(256)) * 4)
    with pytest.raises(InputError, match=what):
        list(read_pairs(path, []))


@pytest.mark.parametrize("text", ["", "\n\n  \n", "[]"])
def test_check_warns_on_an_empty_file(tmp_path, text):
    path = tmp_path / "train.jsonl"
    path.write_text(text)
    proc = subprocess.run([sys.executable, "-m", "mathtune", "data", "check", "--quiet", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (0, f"mathtune: warning: no row in {path} (empty?)\n")


MF_LOSS = ("[INFO] 2026-12-02 05:00:{s:02d},123 [mindformers/core/callback/callback.py:747] print_output_info: "
           "{{ Epoch:[  1/  1], step:[{s:5d}/    4], loss: {loss:5.6f}, per_step_time: 1523ms, lr: 1e-05, "
           "overflow cond: False, loss_scale: 1.0, global_norm: [1.2345678], train_throughput_per_npu: 123.456T")


def test_a_gzipped_mindformers_log_is_read(tmp_path):
    # MFLossMonitor's line in MindFormers' file-handler layout, CRLF, rotated and gzip'd
    from training.run.logs import read_log
    text = "\r\n".join(MF_LOSS.format(s=s, loss=4.0 / s) for s in range(1, 5)) + "\r\n"
    path = tmp_path / "info.log.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        handle.write(text)
    rows, _ = read_log(path)
    assert [(r["global_step"], r["loss"]) for r in rows] == [(1, 4.0), (2, 2.0), (3, 1.333333), (4, 1.0)]


def test_a_gzipped_squad_eval_log_is_read(tmp_path):
    from evaluation.scoring.squad import read_eval_log
    # EmF1Metric.update's print: print(f"pred is:\n {gen}\n", f"label is:\n {label}")
    text = "pred is:\n ['Denver Broncos']\n label is:\n ['Denver Broncos']\n" \
           "The F1/Em of this example is:  {'F1': 100.0, 'Em': 100.0}\n" \
           "pred is:\n [\"Saint Bernadette's grotto\"]\n label is:\n ['Saint Bernadette Soubirous']\n"
    path = tmp_path / "eval.log.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    got = read_eval_log(path)
    assert got[0] == ["Denver Broncos", "Saint Bernadette's grotto"]
    assert got[1] == ["Denver Broncos", "Saint Bernadette Soubirous"]
