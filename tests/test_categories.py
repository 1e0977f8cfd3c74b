"""Categorisation rules, one literal row per category from the contest reference."""
import pytest

from converters.rules.categories import OTHER, categorise
from converters.rules.prompts import render_prompt, strip_prompt, unwrap

REFERENCE = [
    ("计算 7469.98 * -2455.65 等于多少？", "arithmetic", ("7469.98", "*", "-2455.65")),
    ("计算 123.45 - -1709.92 等于多少？", "arithmetic", ("123.45", "-", "-1709.92")),
    ("计算 -5.00 / 3.00 等于多少？", "arithmetic", ("-5.00", "/", "3.00")),
    ("解方程 -81x + -45 = 0", "linear", ("-81", "+", "-45", "0")),
    ("计算 6145.00 的平方根？", "sqrt", ("6145.00",)),
    ("计算 -711.31 的 4 次方？", "power", ("-711.31", "4")),
    ("当 x = 4.03 时，求函数 y = 57x^54 的值", "function", ("4.03", "57", "54")),
    ("求以下数据的平均值：[79, 69, 19, 3, 23, 93]", "mean", ("79", "69", "19", "3", "23", "93")),
    ("一个长方形的长为 57 厘米，宽为 84 厘米，请计算其面积。", "area", ("57", "84")),
    ("商品原价为 51 元，打折后的价格为 28 元，请计算打折的折扣比例。", "discount", ("51", "28")),
    ("去年销售额为 32 万元，今年销售额增加了 28%，请计算今年的销售额。", "sales", ("32", "28")),
    ("某物体的密度为 10 克/立方厘米，体积为 3 立方厘米，请计算该物体的质量。", "mass", ("10", "3")),
    ("将分数 5/6 进行简化。", "fraction", ("5", "6")),
]


@pytest.mark.parametrize("problem,category,args", REFERENCE)
def test_reference_rows(problem, category, args):
    parsed = categorise(problem)
    assert (parsed.category, parsed.args, parsed.error) == (category, args, None)


@pytest.mark.parametrize("template", ["contest", "grade-school", "short", "none"])
def test_wrapped_prompt_is_stripped(template):
    wrapped = render_prompt("计算 6145.00 的平方根？", template)
    parsed = categorise(wrapped)
    assert parsed.category == "sqrt" and parsed.problem == "计算 6145.00 的平方根？"
    assert strip_prompt(wrapped) == "计算 6145.00 的平方根？"


def test_english_and_other():
    assert categorise("What is the value of $3^4 - 2 \\cdot 5$?").category == "competition"
    assert categorise("讲一个关于数学的故事").category == OTHER
    assert categorise("").category == OTHER
    assert categorise("计算 inf * 2 等于多少？").category == OTHER
    assert categorise("计算 nan 的平方根？").category == OTHER


@pytest.mark.parametrize("problem,reason", [
    ("计算 2.00 的 99999999 次方？", "exponent 99999999 is beyond 1000"),
    ("当 x = 1.01 时，求函数 y = 3x^5000 的值", "exponent 5000 is beyond 1000"),
    ("计算 " + "9" * 60 + " * 2 等于多少？", "number with 60 characters (limit 40)"),
    ("求以下数据的平均值：[1, 2, 3.5.5]", "not a number in the list: '3.5.5'"),
])
def test_refused_operands_name_the_reason(problem, reason):
    parsed = categorise(problem)
    assert parsed.error == reason


def test_unicode_operators_and_spacing():
    assert categorise("计算 3.00×-2.00 等于多少?").args == ("3.00", "×", "-2.00")
    assert categorise("计算 3.00--2.00 等于多少？").args == ("3.00", "-", "-2.00")


SQRT = "计算 6145.00 的平方根？"


@pytest.mark.parametrize("text,wrapper", [
    (render_prompt(SQRT, "contest"), "contest"),
    (render_prompt(SQRT, "grade-school"), "grade-school"),
    (render_prompt(SQRT, "short"), "short"),
    (SQRT, "none"),
    # any preamble sentence, even none, in the Alpaca shape
    (f"You are a math tutor. Answer exactly.\n\n### Instruction:\n{SQRT}\n\n### Response:", "alpaca (other preamble)"),
    (f"### Instruction:\n{SQRT}\n\n### Response:\n", "alpaca (other preamble)"),
    (f"Below is an instruction.\n\n### Instruction:\nSolve it.\n\n### Input:\n{SQRT}\n\n### Response:",
     "alpaca with ### Input:"),
    (f"Below is an instruction.\n\n### Instruction:\n{SQRT}\n\n### Input:\n\n\n### Response:", "alpaca (other preamble)"),
    (f"A chat between a curious user and an assistant. USER: {SQRT} ASSISTANT:", "vicuna (USER:/ASSISTANT:)"),
    ("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n" + SQRT
     + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", "llama3 chat"),
    (f"<|im_start|>system\nBe exact.<|im_end|>\n<|im_start|>user\n{SQRT}<|im_end|>\n<|im_start|>assistant\n", "chatml"),
])
def test_wrappers_are_recognised_by_shape(text, wrapper):
    parsed = categorise(text)
    assert (parsed.category, parsed.problem, parsed.wrapper) == ("sqrt", SQRT, wrapper)


def test_unknown_wrapper_stays_other_and_text_with_hashes_is_not_cut():
    # (Llama 2's [INST] is known now: tests/test_user_files.py)
    assert categorise(f"<start_of_turn>user\n{SQRT}<end_of_turn>\n<start_of_turn>model\n").category == OTHER
    assert unwrap("### Notes\n### Instruction:\nx\n### Response:").wrapper == "none"
