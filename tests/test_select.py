"""Selection: allocation table, de-duplication, trimming, source specs, the step log."""
import pytest

from converters.pipeline import SelectOptions, check_rows, dedup_rows, select
from converters.selection import allocate, dedup, dedup_both, exact_key, parse_source, trim_to_multiple, whitespace_key


@pytest.mark.parametrize("counts,n,lo,hi,expected", [
    ({"a": 650, "b": 70, "c": 2, "d": 1}, 100, 0, None, {"a": 90, "b": 10, "c": 0, "d": 0}),
    ({"a": 650, "b": 70, "c": 2, "d": 1}, 100, 5, None, {"a": 88, "b": 9, "c": 2, "d": 1}),
    ({"a": 650, "b": 70, "c": 20, "d": 1}, 100, 10, 60, {"a": 60, "b": 29, "c": 10, "d": 1}),
    ({"a": 650, "b": 70}, 1000, 0, None, {"a": 650, "b": 70}),  # asks for more than there is
    ({"a": 5, "b": 5}, 7, 0, None, {"a": 4, "b": 3}),
    ({"a": 1000, "b": 10}, 50, 20, None, {"a": 40, "b": 10}),
])
def test_allocate(counts, n, lo, hi, expected):
    got = allocate(counts, n, lo, hi)
    assert got == expected
    assert sum(got.values()) == min(n, sum(min(c, hi or c) for c in counts.values()))


def test_allocate_refuses_impossible_minimum():
    with pytest.raises(ValueError, match="exceeds the sample size"):
        allocate({"a": 100, "b": 100, "c": 100}, 10, minimum=5)


def test_dedup_exact_then_whitespace():
    rows = [{"problem": "计算 1 + 1", "solution": "2"}, {"problem": "计算 1 + 1", "solution": "2"},
            {"problem": "计算  1 + 1 ", "solution": "2"}, {"problem": "计算 1 + 1", "solution": "3"}]
    assert len(dedup(rows, exact_key)) == 3
    assert len(dedup(rows, whitespace_key)) == 2


def test_dedup_both_is_the_two_passes():
    import random

    rng = random.Random(3)
    texts = ["1 + 1", " 1 + 1", "1  + 1", "1 +\t1", "1 + 1 ", "2", " 2", "2\n", "１ + 1", "\u3000 2"]
    rows = [{"problem": rng.choice(texts), "solution": rng.choice(texts), "i": i} for i in range(3000)]
    exact = dedup(rows, exact_key)
    assert dedup_both(rows) == (exact, dedup(exact, whitespace_key))
    assert len(dedup(exact, whitespace_key)) == 9 < len(exact) < len(rows)  # 3 × 3 normalised texts


def test_trim_takes_from_the_largest_category():
    rows = [{"category": "a"}] * 70 + [{"category": "b"}] * 3
    trimmed = trim_to_multiple(rows, 8)
    assert len(trimmed) == 72 and sum(r["category"] == "b" for r in trimmed) == 3


@pytest.mark.parametrize("spec,expected", [("train.json", ("train.json", None)),
                                           ("a#b.json#5000", ("a#b.json", 5000))])
def test_parse_source(spec, expected):
    assert parse_source(spec) == expected


def test_parse_source_rejects_bad_count():
    with pytest.raises(ValueError):
        parse_source("train.json#many")


def test_select_logs_every_step():
    raw = [{"problem": "计算 1.00 + 2.00 等于多少？", "solution": "1.00 + 2.00 = 3.00", "source": "f:1"}] * 3
    raw += [{"problem": "计算 1.00 + 2.00 等于多少？", "solution": "1.00 + 2.00 = 4.00", "source": "f:4"},
            {"problem": "讲个故事", "solution": "从前", "source": "f:5"},
            {"problem": "What is $1+1$?", "solution": "$\\boxed{2}$", "source": "f:6"}]
    steps = []
    rows = check_rows(dedup_rows(raw, steps))
    chosen = select(rows, SelectOptions(drop_competition=True), steps)
    assert [r["source"] for r in chosen] == ["f:1"]
    assert [(s, removed, left) for s, removed, left in steps] == [
        ("input", 0, 6), ("exact duplicates", 2, 4), ("whitespace-normalised duplicates", 0, 4),
        ("unparseable / other", 1, 3), ("label disagrees with the computed answer", 1, 2),
        ("competition (--drop-competition)", 1, 1)]
    kept = select(rows, SelectOptions(keep_disagree=True), [])
    assert sorted(r["source"] for r in kept) == ["f:1", "f:4", "f:6"]


def test_parallel_check_equals_serial():
    """The forked two-worker check returns the same rows, in order (run fresh: no MindSpore loaded)."""
    import subprocess
    import sys

    code = (
        "from converters.synth.contest import synth_rows\n"
        "from converters.pipeline import check_rows\n"
        "rows = [dict(r, source=str(i)) for i, r in enumerate(synth_rows(25000, seed=5))]\n"
        "rows[7]['solution'] = 'wrong'\n"
        "assert check_rows(rows, workers=2) == check_rows(rows, workers=1)\n"
        "print('same')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "same", out.stderr
