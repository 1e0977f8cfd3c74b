"""Held-out and reworded test sets, and the digit-preserving small tokenizer."""
import json
from decimal import Decimal
from fractions import Fraction

import pytest

from converters.encode.char_tokenizer import build_char_tokenizer
from fileio.errors import InputError
from converters.synth.problem_sets import CHINESE, held_out, read_problems
from converters.synth.reworded import MAKERS, gold_text, reworded_rows
from converters.synth.contest import synth_rows
from converters.encode.tokenizers import load_tokenizer


def test_held_out_excludes_training_problems_and_marks_what_it_cannot_avoid():
    train = [r["problem"] for r in synth_rows(3000, seed=0, shares=dict.fromkeys(CHINESE, 1.0))]
    rows = held_out(60, seed=1, exclude=train)
    assert len(rows) == 60 * len(CHINESE)
    assert [r["category"] for r in rows[:len(CHINESE)]] != CHINESE  # shuffled, so --limit takes every category
    unseen = [r for r in rows if not r["seen"]]
    assert not set(train) & {r["problem"] for r in unseen}
    assert len({r["problem"] for r in unseen}) == len(unseen)
    # the contest's fraction template has 45 distinct problems: what training left over, then repeats
    frac = [r for r in rows if r["category"] == "fraction"]
    left = 45 - len({p for p in train if p.startswith("将分数")})
    assert len(frac) == 60 and sum(not r["seen"] for r in frac) == left
    assert sum(r["seen"] for r in rows if r["category"] == "arithmetic") == 0


@pytest.mark.parametrize("command", [
    ["data", "heldout", "--per-category", "5", "--seed", "1"],
    ["data", "reworded", "--n", "40", "--seed", "0"],
    ["data", "synth", "--kind", "middle", "--n", "40", "--seed", "1"],
    ["data", "synth", "--phrasings", "varied", "--n", "40", "--seed", "1"],
])
def test_sets_are_the_same_under_two_hash_seeds(command, tmp_path):
    """Two processes with different PYTHONHASHSEED: an order that came from iterating a set or a dict of
    strings would differ here (two calls in one process share one hash seed and could not see it)."""
    import os
    import subprocess
    import sys

    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                             for r in synth_rows(300, seed=0, shares=dict.fromkeys(CHINESE, 1.0))), encoding="utf-8")
    outs = []
    for hash_seed in ("0", "12345"):
        out = tmp_path / f"set-{hash_seed}.jsonl"
        extra = ["--exclude", str(train)] if command[1] == "heldout" else []
        proc = subprocess.run([sys.executable, "-m", "mathtune", *command, *extra, "--out", str(out)],
                              capture_output=True, text=True, env=dict(os.environ, PYTHONHASHSEED=hash_seed))
        assert proc.returncode == 0, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b"\n") >= 40


def test_reworded_rows_have_exact_golds_and_new_phrasings():
    rows = reworded_rows(200, seed=0)
    assert len(rows) == 200 and len({r["problem"] for r in rows}) == 200
    assert {r["category"] for r in rows} == set(MAKERS)
    contest_words = ("计算 ", "解方程", "求以下数据的平均值", "的平方根？", "次方？", "时，求函数")
    assert not any(w in r["problem"] for r in rows for w in contest_words)
    for r in rows:  # recompute the golds that can be read back from the text
        if r["problem"].startswith("What is ") and " times " in r["problem"]:
            a, b = r["problem"][8:-1].split(" times ")
            assert Decimal(r["gold"]) == Decimal(a) * Decimal(b)
        if r["problem"].startswith("Reduce "):
            p, q = r["problem"].split()[1].split("/")
            assert Fraction(r["gold"]) == Fraction(int(p), int(q))
    assert gold_text(Decimal("7.00")) == "7" and gold_text(Fraction(6, 8)) == "3/4" and gold_text(Fraction(4, 2)) == "2"


def test_read_problems_reads_both_formats(tmp_path):
    (tmp_path / "p.jsonl").write_text('{"problem": "计算 1 + 2 等于多少？"}\n', encoding="utf-8")
    conv = [{"id": "1", "conversations": [{"from": "human", "value": "解方程 2x + 4 = 0"},
                                          {"from": "gpt", "value": "方程的解为：-2.0"}]}]
    (tmp_path / "c.json").write_text(json.dumps(conv, ensure_ascii=False), encoding="utf-8")
    assert read_problems(str(tmp_path / "p.jsonl"))[0]["problem"] == "计算 1 + 2 等于多少？"
    assert read_problems(str(tmp_path / "c.json"))[0]["problem"] == "解方程 2x + 4 = 0"
    with pytest.raises(InputError, match=r"missing\.jsonl: cannot read: No such file"):
        read_problems(str(tmp_path / "missing.jsonl"))


@pytest.fixture(scope="module")
def bpe(tmp_path_factory):
    from converters import pipeline as P

    rows = P.check_rows([dict(r, source="s") for r in synth_rows(600, seed=3)])
    flat, _ = P.conversations(P.complete_rows(P.select(rows, P.SelectOptions(drop_competition=True), []), "pot"), "none")
    texts = [c["value"] for r in flat for c in r["conversations"]]
    out = build_char_tokenizer(texts, tmp_path_factory.mktemp("bpe"), merges=200)
    char = build_char_tokenizer(texts, tmp_path_factory.mktemp("char"))
    return load_tokenizer(str(out)), load_tokenizer(str(char)), texts


def test_merges_keep_every_digit_sign_point_and_newline_a_token_of_its_own(bpe):
    tok, char, texts = bpe
    response = next(t for t in texts if t.startswith("```python\nfrom decimal"))
    ids = tok.encode_batch([response])[0]
    pieces = [tok.decode([i]) for i in ids]
    assert "".join(pieces) == response
    assert "from decimal import Decimal" in pieces
    assert all(len(p) == 1 for p in pieces if any(ch in p for ch in "0123456789-.\n"))
    total = sum(len(x) for x in tok.encode_batch(texts))
    assert total < 0.7 * sum(len(x) for x in char.encode_batch(texts))
    # no token crosses a line, so a response encodes the same whole or line by line
    lines = response.splitlines(keepends=True)
    assert sum(tok.encode_batch(lines), []) == ids


def test_digit_groups_split_numbers_like_llama3(bpe, tmp_path):
    _, _, texts = bpe
    tok = load_tokenizer(str(build_char_tokenizer(texts, tmp_path, merges=1200, digits=3)))
    ids = tok.encode_batch(["计算 -4260.41 * 3111.60 等于多少？"])[0]
    pieces = [tok.decode([i]) for i in ids]
    assert pieces[pieces.index("-"):pieces.index("-") + 5] == ["-", "426", "0", ".", "41"]
    assert tok.decode(ids) == "计算 -4260.41 * 3111.60 等于多少？"


def pieces(tok, text: str) -> list[str]:
    """The text's tokens as strings, after checking they decode back to it."""
    ids = tok.encode_batch([text])[0]
    assert tok.decode(ids) == text
    return [tok.decode([i]) for i in ids]


def test_whole_numbers_keep_a_standalone_100_one_token(bpe, tmp_path):
    """`--whole-numbers 100`: 100 standing alone is one token (a list of values 1-100 is one token per
    value); inside a longer run or after other digits the 2-digit chunks stay."""
    _, _, texts = bpe
    texts = texts + ["求以下数据的平均值：[100, 7, 100]", "解方程 100x + -20 = 0"] * 20
    plain = load_tokenizer(str(build_char_tokenizer(texts, tmp_path / "a", merges=200, digits=2)))
    whole = load_tokenizer(str(build_char_tokenizer(texts, tmp_path / "b", merges=200, digits=2, whole=100)))

    assert pieces(plain, "[70, 100, 3]")[3:5] == ["10", "0"]
    assert pieces(whole, "[70, 100, 3]")[1:6] == ["70", ", ", "100", ", ", "3"]
    assert "100" in pieces(whole, "解方程 100x + -20 = 0")
    assert [p for p in pieces(whole, "-4100.25 1000 100.5") if p[0].isdigit()] == ["41", "00", "25", "10", "00",
                                                                                    "100", "5"]


def test_list_items_join_a_whole_number_and_its_comma(bpe, tmp_path):
    """`--list-items`: `70, ` is one token in the problem and in the program alike, so copying the
    list is a one-step lookup; decimals and other commas keep their pieces."""
    _, _, texts = bpe
    texts = texts + ["求以下数据的平均值：[100, 7, 100, 45]", "```python\ndata = [100, 7, 100, 45]\n```"] * 20
    tok = load_tokenizer(str(build_char_tokenizer(texts, tmp_path, merges=200, digits=2, whole=100, items=True)))

    assert pieces(tok, "求以下数据的平均值：[100, 7, 100, 45]")[1:] == ["100, ", "7, ", "100, ", "45", "]"]
    assert pieces(tok, "data = [100, 7, 100, 45]")[-5:] == ["100, ", "7, ", "100, ", "45", "]"]
    assert [p for p in pieces(tok, "a, b = 3.25, -4") if any(c.isdigit() for c in p)] == ["3", "25", "4"]
