"""Answer extraction and the three comparison modes, with literal cases."""
import pytest

from evaluation.extract import error_kind, extract_answer, is_correct
from evaluation.score import format_score, plot_score, score_rows


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
            {"category": "english", "gold": "\\frac{5}{6}", "prediction": "so $\\boxed{\\frac{5}{6}}$"}]
    result = score_rows(rows)
    assert (result["n"], result["correct"]) == (4, 3)
    assert [(c["category"], c["correct"], c["errors"]) for c in result["categories"]] == [
        ("arithmetic", 1, {"wrong sign": 1}), ("mean", 1, {}), ("english", 1, {})]
    assert "overall           4        3    75.00%  (mode exact)" in format_score(result)
    assert plot_score(result, tmp_path / "acc.png").read_bytes()[:4] == b"\x89PNG"
