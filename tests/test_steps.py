"""The `steps` style and its checker: every written solution replays, every corrupted digit is caught."""
import random

import pytest

from converters.rules.categories import CHINESE_CATEGORIES, categorise
from converters.rules.compute import solve
from converters.solutions.steps_check import KINDS, check_steps
from converters.solutions.steps import steps_response
from converters.synth.contest import GENERATORS, SHARES, synth_rows
from evaluation.scoring.extract import extract_answer, is_correct


def _rows(n: int, seed: int, short: float = 0.2):
    for row in synth_rows(n, seed=seed, shares=dict.fromkeys(CHINESE_CATEGORIES, 1.0), short_numbers=short):
        parsed = categorise(row["problem"])
        yield parsed.category, parsed.args, row["problem"]


def test_the_addition_layout_as_documented():
    # least significant digit first, zero-padded to the block's width; c: carry into each column
    assert steps_response("arithmetic", ("4835.74", "+", "6806.96")) == "\n".join([
        "= 4835.74 + 6806.96", "+", "a 4753840", "b 6960860", "c 0111011", "s 0724611", "= 11642.70"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_written_solution_replays_and_meets_the_contest_rule(seed):
    counts = {c: 0 for c in CHINESE_CATEGORIES}
    for category, args, problem in _rows(1100, seed):
        text = steps_response(category, args)
        assert check_steps(category, args, text) is None, (problem, check_steps(category, args, text), text)
        gold = solve(category, args).value
        answer = extract_answer(text)  # the judge's own rule: the number after the last `=`
        assert is_correct(answer, gold, "contest"), (problem, answer, gold)
        if category not in ("function",):
            assert is_correct(answer, gold, "contest")
        counts[category] += 1
    assert min(counts.values()) > 50, counts


def test_quotients_and_roots_are_cut_after_three_places_and_the_rest_is_exact():
    assert steps_response("arithmetic", ("4835.74", "/", "-68.96")).endswith("\n= -70.123")  # -70.12354…
    assert steps_response("sqrt", ("2.25",)).endswith("\n= 1.500")
    assert steps_response("discount", ("98", "11")).endswith("\n= 88.775")  # 88.7755…
    assert steps_response("arithmetic", ("-12.50", "*", "3.20")).endswith("\n= -40.0000")
    assert steps_response("power", ("-1.50", "3")).endswith("\n= -3.375000")
    assert steps_response("sales", ("91", "57")).endswith("\n= 142.87")
    assert steps_response("fraction", ("6", "8")) == "gcd(8, 6) = gcd(6, 2) = gcd(2, 0) = 2\n6 ÷ 2 = 3, 8 ÷ 2 = 4\n= 3/4"


def test_signs_and_zero_operands():
    assert steps_response("arithmetic", ("7469.98", "+", "-2455.65")).startswith("= 7469.98 - 2455.65\n-\n")
    assert steps_response("arithmetic", ("-7469.98", "-", "2455.65")).startswith("= -(7469.98 + 2455.65)\n+\n")
    small_minus_big = steps_response("arithmetic", ("12.00", "-", "30.50"))
    assert "\nj " in small_minus_big and small_minus_big.endswith("\n= -18.50")  # the complement block
    assert steps_response("arithmetic", ("0.00", "-", "5.25")).endswith("= -5.25")
    assert steps_response("power", ("-3.00", "0")) == "= (-3.00)^0\n= 1"
    assert steps_response("linear", ("-7", "+", "0", "0")).endswith("\n= 0.000")
    for category, args in [("arithmetic", ("7469.98", "+", "-2455.65")), ("arithmetic", ("12.00", "-", "30.50")),
                           ("arithmetic", ("0.00", "-", "5.25")), ("power", ("-3.00", "0")),
                           ("linear", ("-7", "+", "0", "0"))]:
        assert check_steps(category, args, steps_response(category, args)) is None


def test_operands_larger_than_the_contest_get_wider_blocks():
    for category, args in [("arithmetic", ("123456789.5", "*", "98765.25")), ("arithmetic", ("99999999", "/", "7")),
                           ("sqrt", ("123456789.25",)), ("power", ("12345.6", "2")), ("mean", ("1000", "2000", "7"))]:
        text = steps_response(category, args)
        assert check_steps(category, args, text) is None, (args, check_steps(category, args, text))
        assert is_correct(extract_answer(text), solve(category, args).value, "contest")


@pytest.mark.parametrize("category", [c for c in CHINESE_CATEGORIES if c != "function"])
def test_every_single_changed_digit_is_caught(category):
    """Exhaustive over one solution per category: each digit (or `_`) replaced by each other symbol."""
    rng = random.Random(category)
    problem, _ = GENERATORS[category](rng)
    parsed = categorise(problem)
    text = steps_response(parsed.category, parsed.args)
    missed = []
    for i, ch in enumerate(text):
        if not (ch.isdigit() or ch == "_"):
            continue
        for new in "0123456789_":
            if new != ch and check_steps(category, parsed.args, text[:i] + new + text[i + 1:]) is None:
                missed.append((text[:i].count("\n") + 1, text.split("\n")[text[:i].count("\n")], new))
    assert not missed, missed[:5]


def test_the_first_wrong_step_is_named_by_its_kind_and_line():
    args = ("4835.74", "+", "6806.96")
    good = steps_response("arithmetic", args).split("\n")

    def changed(line: int, new: str):
        lines = list(good)
        lines[line] = new
        return check_steps("arithmetic", args, "\n".join(lines))

    assert changed(4, "c 0111111")[:2] == (5, "carry")
    assert changed(5, "s 0724612")[:2] == (6, "sum digit")
    assert changed(2, "a 4753841")[:2] == (3, "copy")  # 1485.74… is no number of the problem
    assert changed(0, "= 4835.74 + 6806.69")[:2] == (1, "restate")
    assert changed(6, "= 11642.07")[:2] == (7, "answer")
    division = steps_response("linear", ("-84", "+", "-21", "0")).split("\n")
    at = next(i for i, line in enumerate(division) if line.startswith("p2 "))
    division[at] = "p3 " + division[at][3:]
    assert check_steps("linear", ("-84", "+", "-21", "0"), "\n".join(division)).kind in ("quotient digit", "partial product")
    root = steps_response("sqrt", ("2490.53",)).split("\n")
    at = next(i for i, line in enumerate(root) if line.startswith("e9 "))
    root[at] = "e8 8" + root[at][4:]
    assert check_steps("sqrt", ("2490.53",), "\n".join(root)).kind in ("root digit", "trial divisor")


@pytest.mark.parametrize("text", ["", "\n\n", "= ", "= 1 +", "+\na 12\nb 3", "= 4835.74 + 6806.96\n+\na 47_3840\n= 1",
                                  "= 4835.74 + 6806.96\n×\ny 1_2\n= 1", "= 9" * 5000, "= 1e999999999",
                                  "= √-4\n= 2", "= 4835.74 ÷ 0\n= 1", "= ((((((((1\n= 1", "÷\nx\n= 1"])
def test_hostile_text_is_a_step_error_never_a_traceback(text):
    for category, args in [("arithmetic", ("4835.74", "+", "6806.96")), ("sqrt", ("4",)), ("fraction", ("6", "8"))]:
        error = check_steps(category, args, text)
        assert error is not None and error.kind in KINDS


def test_complete_writes_only_checked_steps_and_says_what_it_does_not_cover():
    from converters.solutions.complete import complete
    from converters.rules.verify import check as verify_row

    for category, args, problem in _rows(300, seed=4):
        checked = verify_row(problem, solve(category, args).solution)
        out = complete(checked, "steps", checked.solution)
        assert "steps" not in out and check_steps(category, args, out["response"]) is None
    negative_mean = verify_row("求以下数据的平均值：[-3, 5, 7]", "平均值为 3.0")
    out = complete(negative_mean, "steps", negative_mean.solution)
    assert out == {"response": "平均值为 3.0", "final": "平均值为 3.0", "steps": "not covered"}


def test_the_synthetic_generators_cover_every_category():
    assert set(GENERATORS) - {"competition"} == set(CHINESE_CATEGORIES) and set(SHARES) == set(GENERATORS)
