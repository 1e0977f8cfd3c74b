"""One number module for labels and predictions: `converters.answers.number`. Literal tables: what each
spelling reads as, the one canonical spelling, and the same reading whether a number is a label (converters)
or a model's answer (scoring)."""
from fractions import Fraction

import pytest

from converters.answers.number import canonical, clean, last_number, shown_precision, to_exact
from converters.rules.verify import check
from evaluation.scoring.extract import extract_answer, is_correct
from evaluation.scoring.score import score_rows

# (as written, the number read)
SPELLINGS = [
    ("145", "145"),
    ("145.0", "145.0"),  # text keeps its shown precision
    ("3.50", "3.50"),
    ("-0.55", "-0.55"),
    ("−3", "-3"),  # U+2212, as typeset text and some tokenizers write it
    ("－12.5", "-12.5"),  # full-width minus
    ("１２３", "123"),  # full-width digits
    ("４,７８８", "4788"),
    ("4,788", "4788"),
    ("-18,343,656.387", "-18343656.387"),
    ("1,234,567", "1234567"),
    ("2.7e+34", "2.7e+34"),
    ("1.95766e-05", "1.95766e-05"),
    ("6E3", "6E3"),
    (".5", ".5"),
    ("٣٤", "34"),  # Arabic-Indic digits are decimal digits too
]


@pytest.mark.parametrize("written, number", SPELLINGS)
def test_labels_and_predictions_read_a_number_alike(written, number):
    label = last_number(f"平均值为 {written}")
    predicted = extract_answer(f"The answer is {written}")
    assert label == predicted == number


@pytest.mark.parametrize("text, number", [
    ("[79, 69]", "69"),  # two numbers: the last
    ("1,2", "2"),  # not thousands: a list without spaces
    ("12,3456", "3456"),
    ("1,234 and 5", "5"),
    ("x = 5/6", "6"),  # a fraction only when asked for
    ("[79,-69]", "-69"),  # a list item keeps its sign
    ("1.5,2.5", "2.5"),
    ("1,234.5,6", "6"),
    ("no number here", None),
])
def test_lists_read_as_their_last_item(text, number):
    assert last_number(text) == number


@pytest.mark.parametrize("text, fraction", [
    ("x = 5/6", "5/6"), ("最简化的形式为：5/6.", "5/6"), ("The simplest form is -5/6.", "-5/6"), ("3/4.5", "4.5"),
])
def test_fractions_when_asked_for(text, fraction):
    assert last_number(text, fractions=True) == fraction


@pytest.mark.parametrize("value, text", [
    (145.0, "145"), (145, "145"), (-27084279.0, "-27084279"), (3.3333333333333335, "3.3333333333333335"),
    (1.95766e-05, "1.95766e-05"), (1e16, "10000000000000000"), (2.7e34, "27000000000000000000000000000000000"), (" 1,234 ", "1234"), ("−3", "-3"), ("１２３", "123"),
    ("+7", "7"), ("3.50", "3.50"), ("5/6", "5/6"), ("2.7e+34", "2.7e+34"),
])
def test_canonical_spelling(value, text):
    assert canonical(value) == text


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, "twelve", "1,2", "12,3456", "3 4", "", "1/2/3",
                                 "--5", "+-5/6"])
def test_canonical_refuses_what_is_not_one_number(bad):
    with pytest.raises(ValueError):
        canonical(bad)


def test_a_json_float_gold_is_the_same_gold_as_its_integer():
    """`data bench` writes 145.0 as 145 and `score` reads a JSON 145.0 the same way: 145.04 is not 145."""
    rows = [{"problem": "p", "gold": 145.0, "answer": "145.04"}, {"problem": "q", "gold": "145", "answer": "145.04"}]
    report = score_rows(rows, mode="exact")
    assert report["correct"] == 0
    rows = [{"problem": "p", "gold": 145.0, "answer": "145"}, {"problem": "q", "gold": 145, "answer": "145.0"}]
    assert score_rows(rows, mode="exact")["correct"] == 2


@pytest.mark.parametrize("written, exact", [
    ("4,788", Fraction(4788)), ("−3", Fraction(-3)), ("１２３", Fraction(123)), ("2.7e+34", Fraction(27 * 10**33)),
    ("\\frac{1}{16}", Fraction(1, 16)), ("5/6", Fraction(5, 6)), ("1e999999999", None), ("twelve", None),
])
def test_to_exact(written, exact):
    assert to_exact(written) == exact


def test_shown_precision_and_judging_use_the_same_reading():
    assert shown_precision("3.50") == -2 and shown_precision("４,７８８") == 0 and shown_precision("5/6") is None
    assert is_correct("−0.55", "-0.55") and is_correct("4788", "4,788") and is_correct("１２３", "123")
    assert clean("+1,234.5") == "1234.5"


def test_a_label_in_any_spelling_verifies():
    """The recomputed answer is compared with the label as read by the same rules as a prediction."""
    for label in ("4788", "4,788", "４７８８"):
        row = check("计算 3990 + 798 等于多少？", f"3990 + 798 = {label}")
        assert row.status == "agree" and row.label == "4788", (label, row)
    row = check("将分数 10/12 进行简化。", "最简化的形式为：5/6.")  # a fraction ending a sentence
    assert row.status == "agree" and row.label == "5/6", row
    for label in ("-10", "−10", "－10"):  # the minus sign typesetting and full-width text use
        row = check("计算 3990 - 4000 等于多少？", f"3990 - 4000 = {label}")
        assert row.status == "agree" and row.label == "-10", (label, row)


@pytest.mark.parametrize("text, number", [
    ("145", True), (" −3 ", True), ("4,788", True), ("１２３", True), ("1e999999999", True), (".5", True),
    ("-2, 1", False), ("1,2", False), ("5/6", False), ("\\frac{1}{2}", False), ("x", False), ("", False),
])
def test_is_number(text, number):
    from converters.answers.number import is_number

    assert is_number(text) is number
