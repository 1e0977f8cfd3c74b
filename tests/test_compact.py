"""The `compact` style: the steps solution cut to the 8B judge's 128 tokens, every line checked."""
import random

import pytest

from converters.encode.budget import budget_table
from converters.rules.categories import CHINESE_CATEGORIES, categorise
from converters.solutions.compact import compact_response
from converters.solutions.compact_check import KINDS, check_compact
from converters.rules.compute import solve
from converters.synth.contest import GENERATORS, synth_rows
from evaluation.scoring.extract import extract_answer, is_correct
from evaluation.scoring.textonly import failing_step


def _rows(n: int, seed: int):
    for row in synth_rows(n, seed=seed, shares=dict.fromkeys(CHINESE_CATEGORIES, 1.0), short_numbers=0.2):
        parsed = categorise(row["problem"])
        yield parsed.category, parsed.args, row["problem"]


def test_the_layout_as_documented():
    assert compact_response("arithmetic", ("4376.07", "*", "-7810.23")) == "\n".join([
        "= -(4376.07 × 7810.23)", "= -(30632490 + 3500856 + 43760.7 + 875.214 + 131.2821)", "= -34178113.1961"])
    assert compact_response("power", ("-12.5", "4")) == "= 12.5^4\n= 156.25 × 12.5^2\n= 1953.125 × 12.5\n= 24414.0625"
    assert compact_response("arithmetic", ("4376.07", "/", "-78.1")) == "= -(4376.07 ÷ 78.1)\n= -(437607 ÷ 7810)\n= -56.031"
    assert compact_response("mean", ("3", "5", "10")) == "= (3 + 5 + 10) ÷ 3\n= 18 ÷ 3\n= 6.000"
    assert compact_response("arithmetic", ("4376.07", "+", "7810.2")) == "= 4376.07 + 7810.2\n= 12186.27"


@pytest.mark.parametrize("seed", [0, 1])
def test_every_solution_checks_meets_the_contest_rule_and_fits_128_llama3_tokens(seed):
    rows = []
    for category, args, problem in _rows(1100, seed):
        text = compact_response(category, args)
        assert check_compact(category, args, text) is None, (problem, check_compact(category, args, text), text)
        assert is_correct(extract_answer(text), solve(category, args).value, "contest"), (problem, text)
        rows.append({"category": category, "response": text})
    table = {e["category"]: e for e in budget_table(rows, budget=128)}
    assert set(table) == set(CHINESE_CATEGORIES) | {"all"}
    assert table["all"]["fits_single"] == 1.0, {c: e["max"] for c, e in table.items()}


@pytest.mark.parametrize("category", [c for c in CHINESE_CATEGORIES if c not in ("function", "fraction")])
def test_every_single_changed_digit_is_caught(category):
    rng = random.Random(category)
    problem, _ = GENERATORS[category](rng)
    parsed = categorise(problem)
    text = compact_response(parsed.category, parsed.args)
    missed = [(i, new) for i, ch in enumerate(text) if ch.isdigit() for new in "0123456789"
              if new != ch and check_compact(category, parsed.args, text[:i] + new + text[i + 1:]) is None]
    assert not missed, (text, missed[:5])


def test_the_first_wrong_line_is_named():
    args = ("4376.07", "*", "-7810.23")
    good = compact_response("arithmetic", args).split("\n")

    def changed(line: int, new: str):
        lines = list(good)
        lines[line] = new
        return check_compact("arithmetic", args, "\n".join(lines))

    assert changed(0, "= -(4376.07 × 7810.32)")[:2] == (1, "restate")
    assert changed(1, "= -(30632490 + 3500856 + 43760.7 + 875.214)")[:2] == (2, "chunk")
    assert changed(2, "= 34178113.1961")[:2] == (3, "answer")
    cut = ("4376.07", "/", "-78.1")
    assert check_compact("arithmetic", cut, "= -(4376.07 ÷ 78.1)\n= -56.03")[:2] == (2, "answer")  # not 3 places
    assert check_compact("arithmetic", cut, "= -(4376.07 ÷ 78.1)\n= -56.0316")[:2] == (2, "answer")  # 4 places


@pytest.mark.parametrize("text", ["", "\n\n", "= ", "= 1 +", "= 9" * 5000, "= 1e999999999", "= √-4\n= 2",
                                  "= 4376.07 ÷ 0\n= 1", "= ((((((((1\n= 1", "x\n= 1", "= 4376.07 + 7810.2\nfoo\n= 1"])
def test_hostile_text_is_a_step_error_never_a_traceback(text):
    for category, args in [("arithmetic", ("4376.07", "+", "7810.2")), ("sqrt", ("4",)), ("power", ("2", "3"))]:
        error = check_compact(category, args, text)
        assert error is not None and error.kind in KINDS


def test_complete_writes_checked_compact_rows_and_score_names_their_first_wrong_line():
    from converters.solutions.complete import complete
    from converters.rules.verify import check as verify_row

    for category, args, problem in _rows(200, seed=4):
        checked = verify_row(problem, solve(category, args).solution)
        out = complete(checked, "compact", checked.solution)
        assert "steps" not in out and check_compact(category, args, out["response"]) is None
    row = {"problem": "计算 4376.07 * -7810.23 等于多少？",
           "generation": "= -(4376.07 × 7810.23)\n= -(30632490 + 3500856 + 43760.7 + 875.214 + 131.2812)\n= -1"}
    assert failing_step(row) == "chunk"
