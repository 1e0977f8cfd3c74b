"""Exact recomputation: the contest's solution lines, byte for byte, and clear errors."""
from decimal import Decimal
from fractions import Fraction

import pytest

from converters.answers.number import as_exact, last_number
from converters.answers.expression import extract_boxed
from converters.rules.compute import ComputeError, solve
from converters.rules.rounding import rounding_rule
from converters.rules.verify import AGREE, DISAGREE, ROUNDED, UNCHECKED, UNPARSEABLE, check

REFERENCE = [
    ("计算 7469.98 * -2455.65 等于多少？", "7469.98 * -2455.65 = -18343656.3870"),
    ("计算 7469.98 + -2455.65 等于多少？", "7469.98 + -2455.65 = 5014.33"),
    ("计算 1.00 / 3.00 等于多少？", "1.00 / 3.00 = 0.3333333333333333333333333333"),
    ("解方程 -81x + -45 = 0", "方程的解为：-0.5555555555555556"),
    ("解方程 -5x + 100 = 0", "方程的解为：20.0"),
    ("计算 6145.00 的平方根？", "√6145.00 = 78.39005038906404479030928703"),
    ("计算 -711.31 的 4 次方？", "-711.31^4 = 255997460543.58343921"),
    ("计算 -711.31 的 0 次方？", "-711.31^0 = 1"),
    ("当 x = 4.03 时，求函数 y = 57x^54 的值", "函数的值为：2.769155521409239378157128235E+34"),
    ("求以下数据的平均值：[79, 69, 19, 3, 23, 93]", "平均值为 47.666666666666664"),
    ("一个长方形的长为 57 厘米，宽为 84 厘米，请计算其面积。", "面积为 4788 平方厘米"),
    ("商品原价为 51 元，打折后的价格为 28 元，请计算打折的折扣比例。", "45.09803921568628"),
    ("商品原价为 20 元，打折后的价格为 30 元，请计算打折的折扣比例。", "-50.0"),
    ("去年销售额为 32 万元，今年销售额增加了 28%，请计算今年的销售额。", "40.96"),
    ("某物体的密度为 10 克/立方厘米，体积为 3 立方厘米，请计算该物体的质量。", "30 克"),
    ("将分数 4/6 进行简化。", "最简化的形式为：2/3"),
]


@pytest.mark.parametrize("problem,solution", REFERENCE)
def test_solution_lines_match_the_contest(problem, solution):
    c = check(problem, solution)
    assert c.status == AGREE, c.reason
    assert c.solution == solution


@pytest.mark.parametrize("problem,reason", [
    ("计算 1.00 / 0.00 等于多少？", "division by zero"),
    ("计算 0.00 的 0 次方？", "undefined (e.g. 0^0 or the root of a negative number)"),
    ("计算 -4.00 的平方根？", "undefined (e.g. 0^0 or the root of a negative number)"),
    ("解方程 0x + 5 = 0", "no unique solution: the coefficient of x is 0"),
    ("商品原价为 0 元，打折后的价格为 30 元，请计算打折的折扣比例。", "division by zero: the original price is 0"),
    ("将分数 3/0 进行简化。", "division by zero: the denominator is 0"),
])
def test_no_answer_is_unparseable_with_reason(problem, reason):
    c = check(problem, "1")
    assert (c.status, c.reason) == (UNPARSEABLE, reason)


def test_wrong_label_shows_both():
    c = check("计算 1.00 + 2.00 等于多少？", "1.00 + 2.00 = 4.00")
    assert c.status == DISAGREE and c.label == "4.00" and c.expected == "3.00"
    assert "label 4.00 != computed 3.00" in c.reason


def test_equal_values_in_other_notation_agree():
    assert check("解方程 -5x + 100 = 0", "方程的解为：20").status == AGREE
    assert check("计算 1.00 + 2.00 等于多少？", "3").status == AGREE
    assert check("计算 1.00 + 2.00 等于多少？", "没有数字").status == DISAGREE


def test_english_rows_keep_their_boxed_answer():
    c = check("What is $\\frac{1}{2}+\\frac{1}{3}$?", "So it is $\\boxed{\\frac{5}{6}}$.")
    assert (c.category, c.status, c.expected) == ("competition", UNCHECKED, "\\frac{5}{6}")
    assert check("What is $1+1$?", "It is two.").status == UNPARSEABLE


@pytest.mark.parametrize("text,number", [
    ("函数的值为：2.769155521409239378157128235E+34", "2.769155521409239378157128235E+34"),
    ("面积为 4788 平方厘米", "4788"),
    ("x = -0.5 and then 7", "7"),
    ("no digits", None),
])
def test_last_number(text, number):
    assert last_number(text) == number


def test_as_exact_and_boxed():
    assert as_exact("5/6") == as_exact("10/12")
    assert as_exact("2.5E+1") == as_exact("25")
    assert as_exact("NaN") is None and as_exact("1/0") is None
    assert extract_boxed("a \\boxed{\\frac{1}{2}} b \\boxed{x^{2}}") == "x^{2}"
    assert extract_boxed("\\boxed{unclosed") is None


def test_solve_raises_compute_error_only():
    with pytest.raises(ComputeError):
        solve("arithmetic", ("1", "/", "0"))


def test_sales_and_discount_are_exact_and_shown_as_the_contest_did():
    c = check("去年销售额为 11 万元，今年销售额增加了 66%，请计算今年的销售额。", "18.26")
    assert (c.status, c.expected) == (AGREE, "18.26")  # float arithmetic gave 18.259999999999998
    old = check("去年销售额为 11 万元，今年销售额增加了 66%，请计算今年的销售额。", "18.259999999999998")
    assert (old.status, old.rounding) == (ROUNDED, "float-near")
    assert check("商品原价为 51 元，打折后的价格为 28 元，请计算打折的折扣比例。", "45.09803921568628").status == AGREE


@pytest.mark.parametrize("problem,label,rule", [
    ("计算 1.00 / 3.00 等于多少？", "0.33", "half-even:-2"),  # 2 decimals
    ("计算 -0.25 * 2.30 等于多少？", "-0.58", "half-even:-2"),  # -0.575 exactly, half-even
    ("计算 -0.25 * 2.30 等于多少？", "-0.57", "float-round:-2"),  # round(-0.575, 2) on the float
    ("计算 0.50 * 0.05 等于多少？", "0.03", "half-up:-2"),  # 0.025 half-up
    ("计算 6543.21 * 6523.45 等于多少？", "42684303.0", "half-even:0"),  # 42684303.2745 shown as 42684303.0
    ("计算 -711.31 的 4 次方？", "255997460543.58344", "float"),  # the float repr of the exact value
    ("当 x = 9.87 时，求函数 y = 88x^68 的值", "3.6e+69", "half-even:68"),
    ("解方程 -81x + -45 = 0", "-0.56", "half-even:-2"),
])
def test_rounded_labels_name_their_rounding(problem, label, rule):
    c = check(problem, label)
    assert (c.status, c.rounding) == (ROUNDED, rule), c.reason


@pytest.mark.parametrize("problem,label", [
    ("计算 1.00 / 3.00 等于多少？", "0.34"),  # rounded the wrong way
    ("计算 6543.21 * 6523.45 等于多少？", "42684304.0"),  # off by one in the units
    ("计算 1.00 + 2.00 等于多少？", "0"),
    ("计算 1.00 / 3.00 等于多少？", "1e-999999"),
])
def test_wrong_labels_still_disagree(problem, label):
    assert check(problem, label).status == DISAGREE


def test_rounding_rule_float_repr_of_a_big_product():
    exact = Fraction(Decimal("56335378705119218765432109876543210987654321098765432109876543210987"))
    assert rounding_rule("5.633537870511922e+67", exact) == "float"


@pytest.mark.parametrize("problem,label", [
    ("计算 1.00 / 3.00 等于多少？", "0.33"), ("计算 -0.25 * 2.30 等于多少？", "-0.57"),
    ("计算 -0.25 * 2.30 等于多少？", "-0.58"), ("计算 0.50 * 0.05 等于多少？", "0.03"),
    ("计算 6543.21 * 6523.45 等于多少？", "42684303.0"), ("计算 -711.31 的 4 次方？", "255997460543.58344"),
    ("当 x = 9.87 时，求函数 y = 88x^68 的值", "3.6e+69"), ("解方程 -81x + -45 = 0", "-0.56"),
    ("商品原价为 51 元，打折后的价格为 28 元，请计算打折的折扣比例。", "45.1"),
])
def test_given_programs_print_the_label(problem, label):
    from converters.solutions.complete import complete
    from converters.solutions.pot import run_in_process

    c = check(problem, label)
    done = complete(c, "pot", label, labels="given")
    assert done["label_used"] == "given" and run_in_process(done["code"]) == label == done["output"]
    assert done["response"].endswith(done["final"]) and label in done["final"]
    assert complete(c, "pot", label)["output"] == c.expected  # the default trains the exact value


def test_a_label_no_program_prints_keeps_the_exact_value():
    from converters.solutions.complete import complete

    c = check("去年销售额为 11 万元，今年销售额增加了 66%，请计算今年的销售额。", "18.259999999999998")
    done = complete(c, "answer", c.label, labels="given")
    assert (done["label_used"], done["final"]) == ("exact", "18.26")
