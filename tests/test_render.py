"""Row layout rules: segments, masks, padding, auto length, contest labels, packing."""
import pytest

from converters.encode.packing import best_fit_decreasing, pack
from converters.encode.render import (IGNORE, VICUNA_SYSTEM, assemble, auto_seq_length, contest_labels,
                               pad_row, segments)


def test_vicuna_segments_mask_prompt_and_observation():
    resp = "```python\nprint(1)\n```\n```output\n1\n```\n答案是 1"
    segs = segments("问题", resp, "vicuna")
    assert [(s.text, s.trained) for s in segs] == [
        (f"{VICUNA_SYSTEM} USER: 问题 ASSISTANT:", False),
        (" ```python\nprint(1)\n```\n", True),
        ("```output\n1\n```\n", False),
        ("答案是 1", True)]
    assert "".join(s.text for s in segs) == f"{VICUNA_SYSTEM} USER: 问题 ASSISTANT: {resp}"
    assert [s.trained for s in segments("问题", resp, "plain", mask_observation=False)] == [False, True]


def test_assemble_bos_never_a_label_eos_always():
    ids, labels = assemble([[5, 6], [7], [8]], [False, True, False], bos=1, eos=2)
    assert ids == [1, 5, 6, 7, 8, 2]
    assert labels == [IGNORE, IGNORE, IGNORE, 7, IGNORE, 2]


@pytest.mark.parametrize("n_ids,length,ok", [(3, 5, True), (5, 5, True), (6, 5, False)])
def test_pad_row_exact_fit_and_too_long(n_ids, length, ok):
    ids = list(range(1, n_ids + 1))
    if not ok:
        with pytest.raises(ValueError, match="do not fit"):
            pad_row(ids, ids, length, pad=0)
        return
    row, lab = pad_row(ids, ids, length, pad=0)
    assert row.tolist() == ids + [0] * (length - n_ids)
    assert lab.tolist() == ids + [IGNORE] * (length - n_ids)  # an exact fit keeps every label


@pytest.mark.parametrize("longest,expected", [(1, 8), (9, 8), (10, 16), (257, 256), (258, 264)])
def test_auto_seq_length(longest, expected):
    assert auto_seq_length(longest) == expected
    assert expected + 1 >= longest


def test_contest_labels_mask_first_and_instruction():
    assert contest_labels([1, 10, 11, 12, 13, 2], 3) == [IGNORE, IGNORE, IGNORE, 12, 13, 2]


def test_best_fit_decreasing_packs_tightly():
    lengths = [6, 5, 4, 3, 2, 1, 1]
    bins = best_fit_decreasing(lengths, 7)
    assert sorted(sorted(lengths[i] for i in b) for b in bins) == [[1], [1, 6], [2, 5], [3, 4]]
    with pytest.raises(ValueError):
        best_fit_decreasing([8], 7)


def test_pack_keeps_each_sample_whole():
    samples = [([1, 10 + i, 2], [IGNORE, 10 + i, 2]) for i in range(5)]
    rows = list(pack(iter(samples), capacity=7, window=3))
    assert sum(len(ids) for ids, _ in rows) == 15
    for ids, labels in rows:
        assert len(ids) <= 7 and ids[0] == 1 and ids[-1] == 2
        starts = [i for i, t in enumerate(ids) if t == 1]
        assert all(labels[i] == IGNORE for i in starts)  # no label predicts a sample's BOS


def test_chatml_segments_and_no_bos():
    segs = segments("2+2?", "4", "chatml")
    assert segs[0] == ("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n", False)
    assert segs[1] == ("4", True)
    ids, labels = assemble([[7, 8], [9]], [False, True], bos=None, eos=2)
    assert ids == [7, 8, 9, 2] and labels == [IGNORE, IGNORE, 9, 2]
