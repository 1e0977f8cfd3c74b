"""Property tests: every synthetic row categorises, verifies and completes correctly."""
from hypothesis import given, settings
from hypothesis import strategies as st

from converters.solutions.complete import complete
from converters.solutions.pot import run_in_process
from converters.synth.contest import GENERATORS, SHARES, synth_rows
from converters.rules.verify import AGREE, UNCHECKED, check

CHINESE = sorted(c for c in GENERATORS if c != "competition")


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), category=st.sampled_from(sorted(GENERATORS)))
def test_every_generated_row_categorises_and_verifies(seed, category):
    row = next(synth_rows(1, seed, shares={category: 1.0}, with_category=True))
    c = check(row["problem"], row["solution"])
    assert c.category == category, row
    assert c.status == (UNCHECKED if category == "competition" else AGREE), (row, c.reason)
    if category != "competition":
        assert c.solution == row["solution"]  # our line is the contest's line, byte for byte


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), category=st.sampled_from(CHINESE))
def test_every_pot_program_prints_its_answer(seed, category):
    row = next(synth_rows(1, seed, shares={category: 1.0}))
    c = check(row["problem"], row["solution"])
    done = complete(c, "pot", row["solution"])
    assert run_in_process(done["code"]) == c.expected
    assert done["response"].endswith(row["solution"])


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), category=st.sampled_from(CHINESE))
def test_every_cot_ends_with_the_solution(seed, category):
    row = next(synth_rows(1, seed, shares={category: 1.0}))
    c = check(row["problem"], row["solution"])
    done = complete(c, "cot", row["solution"])
    assert done["response"].startswith("计算过程：\n")
    assert done["response"].splitlines()[-1] == row["solution"]


def test_shares_follow_the_contest_table():
    rows = list(synth_rows(20000, seed=0, with_category=True))
    arithmetic = sum(r["category"] == "arithmetic" for r in rows) / len(rows)
    assert abs(arithmetic - SHARES["arithmetic"] / 100) < 0.02
    assert {r["category"] for r in rows} >= set(GENERATORS) - {"mass", "fraction"}


def test_duplicates_are_repeats():
    rows = list(synth_rows(2000, seed=1, duplicate_share=0.3))
    unique = {(r["problem"], r["solution"]) for r in rows}
    assert 0.6 * len(rows) < len(unique) < 0.8 * len(rows)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), category=st.sampled_from(["arithmetic", "sqrt", "power"]))
def test_short_numbers_rows_still_categorise_and_verify(seed, category):
    row = next(synth_rows(1, seed, shares={category: 1.0}, short_numbers=1.0))
    c = check(row["problem"], row["solution"])
    assert (c.category, c.status) == (category, AGREE), (row, c.reason)


def _integer_part_lengths(rows) -> list[int]:
    import re

    return [len(m) for r in rows if r["category"] == "arithmetic"
            for m in re.findall(r"(?<![\d.])-?(\d+)\.\d\d", r["problem"])]


def test_short_numbers_make_short_operands_common_and_leave_the_rest_alone():
    plain = list(synth_rows(3000, seed=2, with_category=True))
    short = list(synth_rows(3000, seed=2, with_category=True, short_numbers=0.3))
    # the same categories in the same order, and every row without a money amount unchanged
    assert [r["category"] for r in plain] == [r["category"] for r in short]
    untouched = [(a, b) for a, b in zip(plain, short) if a["category"] not in ("arithmetic", "sqrt", "power")]
    assert untouched and all(a == b for a, b in untouched)
    two_digit = [lengths.count(2) / len(lengths) for lengths in map(_integer_part_lengths, (plain, short))]
    assert two_digit[0] < 0.03 and two_digit[1] > 0.07  # contest draw ~1%; 0.3 of them spread over 1–3 digits: ~11%
    assert max(_integer_part_lengths(short)) == 4
