"""Answer extraction and the three comparison modes, with literal cases."""
import pytest

import time

from converters.answers.number import to_exact
from evaluation.scoring.extract import error_kind, extract_answer, extract_with_rule, is_correct
from evaluation.scoring.score import format_score, plot_score, score_rows


@pytest.mark.parametrize("text,answer", [
    ("函数的值为：2.769155521409239378157128235E+34", "2.769155521409239378157128235E+34"),
    ("最简化的形式为：5/6", "5/6"),
    ("方程的解为：x = -0.5555555555555556", "-0.5555555555555556"),
    ("x = 3/4", "3/4"),
    ("面积为 4788 平方厘米", "4788"),
    ("30 克", "30"),
    ("7469.98 * -2455.65 = -18343656.3870", "-18343656.3870"),
    ("-2604.68 / -5255.03 = 0.4956546394597176419544702885", "0.4956546394597176419544702885"),
    ("So the answer is $\\boxed{\\frac{2}{3}}$.", "2/3"),
    ("thus \\boxed{42} apples", "42"),
    ("\\boxed{x^2+1}", "x^2+1"),
    ("She makes 9 * 2 = $18 every day.\n#### 1,234", "1234"),
    ("The total is 1,234,567.5 dollars", "1234567.5"),
    ("answer: −7", "-7"),
    ("no digits at all", None),
    ("", None),
])
def test_extract_answer(text, answer):
    assert extract_answer(text) == answer


# Outputs as contest runs left them: stopped at max_new_tokens, often in the middle of a number or
# after the model began the same line again.
@pytest.mark.parametrize("text,answer,rule", [
    ("8230.71 - 2598.23 = 5632.48 8230", "5632.48", "answer line"),
    ("8230.71 - 2598.23 = 5632.48 8230.71 - 2598.23 = 56", "5632.48", "first equation"),
    ("8230.71 - 2598.23 = 5632.48 8230.71 - 2598.23 =", "5632.48", "answer line"),
    ("平均值为 47.66", "47.66", "answer line"),
    ("平均值为 47.666666666666664\n求以下数据的平均值：[12, 7", "47.666666666666664", "answer line"),
    ("方程的解为：-0.55", "-0.55", "answer line"),
    ("方程的解为：-0.5555555555555556\n解方程 -81x + -45 = 0\n方程的解为：-0.55", "-0.5555555555555556",
     "answer line"),  # the problem written again ends the answer
    ("√6145.00 = 78.39", "78.39", "answer line"),
    ("√6145.00 = 78.39005038906404479030928703 √6145.00 = 78.3", "78.39005038906404479030928703", "first equation"),
    ("函数的值为：2.769155521409239378157128235E+34 当 x = 4.03 时，求函数 y = 57x^54 的值 函数的值为：2.7691",
     "2.769155521409239378157128235E+34", "answer line"),
    ("函数的值为：5.633537870511922e+67\n函数的值为：5.633537870511922e", "5.633537870511922e+67", "first equation"),
    ("7469.98 * -2455.65 = -18343656.38", "-18343656.38", "answer line"),  # the only result, cut: kept
    ("7469.98 * -2455.65 = 7469.98 * -2000 - 7469.98 * 455.65 = -14939960 - 3403696.387 = -18343656.387",
     "-18343656.387", "answer line"),  # a chain's steps are not results
    ("5 + 3 = 8\n8 * 2 = 16", "16", "answer line"),  # a finished last step is not a fragment
    ("面积为 4788 平方厘米面积为 47", "4788", "first equation"),
    ("最简化的形式为：5/6。最简化的形式为：5", "5/6", "first equation"),
    ("The answer is 42. The answer", "42", "answer line"),
    ("答案：-711.31^4 = 255997460543.58343921", "255997460543.58343921", "answer line"),
    ("折扣比例：45.09803921568628", "45.09803921568628", "last number"),
    ("30 克", "30", "last number"),
    # a base model answers, then writes and answers problems of its own
    (" 8230.71 - 2598.23 = 5632.48\n计算 1234.50 + 2.00 等于多少？ 1234.50 + 2.00 = 1236.50\n计算 9", "5632.48", "answer line"),
    ("计算 8230.71 - 2598.23 等于多少？ 8230.71 - 2598.23 = 5632.48 计算 1 + 2 等于多少？ 1 + 2 = 3", "5632.48",
     "answer line"),  # the echo was not removed
    ("解方程 -81x + -45 = 0 方程的解为：-0.55 解方程 3x + 2 = 0 方程的解为：-0.67", "-0.55", "answer line"),
    ("计算过程：\n按小数位对齐后计算：8230.71 - 2598.23 = 5632.48\n8230.71 - 2598.23 = 5632.48", "5632.48",
     "answer line"),
    ("So $\\boxed{12}$ and then = 13 8", "12", "boxed"),
    ("= 3\n#### 4", "4", "####"),
    ("无数字", None, None),
])
def test_truncated_outputs(text, answer, rule):
    assert extract_with_rule(text) == (answer, rule)


@pytest.mark.parametrize("text", ["7" * 40_000, "1," * 20_000, "1/" * 20_000, "=" * 20_000 + "1", "为" * 20_000 + "5",
                                  "-" * 40_000, "= 1" * 10_000, "1e" * 20_000])
def test_extraction_is_linear(text):
    start = time.perf_counter()
    extract_with_rule(text)
    extract_with_rule(text + "x")
    assert time.perf_counter() - start < 1.0


def test_huge_exponents_are_not_built():
    start = time.perf_counter()
    assert to_exact("1e999999999") is None and to_exact("5e-999999999") is None
    assert is_correct("1e999999999", "1e999999999") is True  # same text
    assert is_correct("1e999999999", "1") is False and error_kind("1e999999999", "-1e999999999") == "wrong"
    assert time.perf_counter() - start < 1.0
    assert to_exact("1e10000") == 10**10000  # within the bound: exact


def test_many_digit_golds_are_rounded_exactly():
    gold = "37773436767726236903.8061544351"  # 8230.71^5: 30 significant digits
    assert is_correct("37773436767726236903.80615443514", gold) is True
    assert is_correct("37773436767726236903.8061544352", gold) is False
    assert is_correct("3.7773436767726236903806154435E+19", gold) is False  # 2 digits short of the gold's


@pytest.mark.parametrize("pred,gold,mode,ok", [
    ("40.96", "40.96", "exact", True),
    ("40.9600000001", "40.96", "exact", True),       # equal at the gold's shown precision
    ("40.97", "40.96", "exact", False),
    ("40.965", "40.96", "exact", True),              # half-even rounding to 2 decimals gives 40.96
    ("40.975", "40.96", "exact", False),
    ("2.769155521409239378157128235E+34", "2.769155521409239378157128235E+34", "exact", True),
    ("27691555214092393781571282350000000", "2.769155521409239378157128235E+34", "exact", True),
    ("2.77E+34", "2.769155521409239378157128235E+34", "exact", False),
    ("2.769155521409239E+34", "2.769155521409239378157128235E+34", "rel", True),
    ("10/12", "5/6", "exact", True),
    ("0.8333", "5/6", "exact", False),
    ("0.8333", "5/6", "contest", True),
    ("4788", "4788", "exact", True),
    ("4788.0", "4788", "exact", True),
    ("-18343656.38", "-18343656.3870", "contest", True),
    ("-18343656.38", "-18343656.3870", "exact", False),
    ("1.001", "1", "rel", False),
    ("0", "0", "rel", True),
    (None, "1", "contest", False),
])
def test_is_correct(pred, gold, mode, ok):
    assert is_correct(pred, gold, mode) is ok


@pytest.mark.parametrize("pred,gold,kind", [
    (None, "3", "no answer"),
    ("-5.5", "5.5", "wrong sign"),
    ("78.39005", "78.39005038906404479030928703", "precision only"),
    ("12", "13", "wrong"),
    ("5/6", "-5/6", "wrong sign"),
    # a model printed Decimal('4900') ** 4900 for a square root: too big for str(int)
    ("9.136758369396965044131908420E+18081", "70", "wrong"),
])
def test_error_kinds(pred, gold, kind):
    assert error_kind(pred, gold) == kind


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError):
        is_correct("1", "1", "close")


def test_score_table_and_plot(tmp_path):
    rows = [{"category": "arithmetic", "gold": "3.00", "prediction": "1.00 + 2.00 = 3.00"},
            {"category": "arithmetic", "gold": "3.00", "prediction": "1.00 + 2.00 = -3.00"},
            {"category": "mean", "gold": "47.666666666666664", "prediction": "平均值为 47.666666666666664"},
            {"category": "competition", "gold": "\\frac{5}{6}", "prediction": "so $\\boxed{\\frac{5}{6}}$"}]
    result = score_rows(rows)
    assert (result["n"], result["correct"]) == (4, 3)
    assert [(c["category"], c["correct"], c["errors"]) for c in result["categories"]] == [
        ("arithmetic", 1, {"wrong sign": 1}), ("mean", 1, {}), ("competition", 1, {})]
    assert "overall           4        3    75.00%  (mode exact)" in format_score(result)
    assert plot_score(result, tmp_path / "acc.png").read_bytes()[:4] == b"\x89PNG"
