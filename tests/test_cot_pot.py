"""CoT working and PoT programs on literal rows."""
import pytest

from converters.solutions.complete import complete
from converters.solutions.pot import OBSERVATION_RE, pot_response, program, run_in_process
from converters.rules.verify import check


def _done(problem, solution, style):
    return complete(check(problem, solution), style, solution)


def test_pot_literal_program():
    done = _done("计算 7469.98 * -2455.65 等于多少？", "7469.98 * -2455.65 = -18343656.3870", "pot")
    assert done["code"] == "from decimal import Decimal\nprint(Decimal('7469.98') * Decimal('-2455.65'))"
    assert done["response"] == (
        "```python\nfrom decimal import Decimal\nprint(Decimal('7469.98') * Decimal('-2455.65'))\n```\n"
        "```output\n-18343656.3870\n```\n7469.98 * -2455.65 = -18343656.3870")


@pytest.mark.parametrize("problem,solution", [
    ("解方程 -81x + -45 = 0", "方程的解为：-0.5555555555555556"),
    ("解方程 3x - 6 = 0", "方程的解为：2.0"),
    ("解方程 2x + 1 = 5", "方程的解为：2.0"),
    ("解方程 -7x + 0 = 0", "方程的解为：-0.0"),
    ("计算 2.50 × 4.00 等于多少？", "2.50 × 4.00 = 10.0000"),
    ("求以下数据的平均值：[1.5, 2, 3]", "平均值为 2.1666666666666665"),
    ("一个长方形的长为 2.5 厘米，宽为 4 厘米，请计算其面积。", "面积为 10.0 平方厘米"),
    ("当 x = 0.10 时，求函数 y = 1x^100 的值", "函数的值为：1.000000000000000000000000000E-100"),
])
def test_pot_programs_print_exact_answers(problem, solution):
    c = check(problem, solution)
    assert c.status == "agree", c.reason
    assert run_in_process(program(c.category, c.args)) == c.expected


def test_cot_long_multiplication_partial_products():
    done = _done("计算 12.50 * -3.04 等于多少？", "12.50 * -3.04 = -38.0000", "cot")
    assert done["response"] == (
        "计算过程：\n符号：正数 乘 负数，结果为负数\n去掉小数点：1250 × 304（共 4 位小数）\n"
        "1250 × 4 = 5000\n1250 × 300 = 375000\n部分积相加：380000\n"
        "放回 4 位小数并加上符号：-38.0000\n12.50 * -3.04 = -38.0000")


def test_cot_power_steps_are_exact():
    done = _done("计算 -1.50 的 3 次方？", "-1.50^3 = -3.375000", "cot")
    assert done["response"].splitlines()[1:] == ["-1.50^2 = 2.2500", "-1.50^3 = -3.375000"]


def test_answer_style_and_english_passthrough():
    assert _done("将分数 4/6 进行简化。", "最简化的形式为：2/3", "answer")["response"] == "最简化的形式为：2/3"
    eng = "Thus $\\boxed{3}$."
    assert _done("What is $1+2$?", eng, "pot")["response"] == eng
    with pytest.raises(ValueError):
        _done("将分数 4/6 进行简化。", "最简化的形式为：2/3", "poem")


def test_observation_pattern_finds_the_output_block():
    text = pot_response("print(1)", "1", "答案 1")
    assert OBSERVATION_RE.findall(text) == ["```output\n1\n```\n"]


def test_program_style_stops_at_the_output_and_trains_only_the_program():
    from converters.encode.render import segments

    c = check("计算 398.87 - 7270.48 等于多少？", "398.87 - 7270.48 = -6871.61")
    pot, prog = complete(c, "pot", ""), complete(c, "program", "")
    assert pot["response"].startswith(prog["response"]) and pot["response"].endswith("= -6871.61")
    assert prog["response"].endswith("```output\n-6871.61\n```\n")
    trained = [s.text for s in segments("q", prog["response"], "plain") if s.trained]
    assert trained == [prog["response"].split("```output")[0]]
