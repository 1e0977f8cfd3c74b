"""MindRecord files written for real and read back through mindspore.dataset.MindDataset."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from llama3_oracle import mindformers_llama3_oracle

from fileio.atomic import write_json
from converters.encode.mindrecord import (EncodeOptions, encode, output_files, read_back, read_conversations,
                                   read_meta, resolve_seq_length, write_mindrecord)
from converters.pipeline import check_rows, complete_rows, conversations
from converters.solutions.pot import OBSERVATION_RE
from converters.encode.render import IGNORE, VICUNA_SYSTEM
from converters.synth.contest import synth_rows
from converters.encode.tokenizers import Llama3Tokenizer

ROOT = Path(__file__).resolve().parents[1]


def _load_reference():
    spec = importlib.util.spec_from_file_location("contest_preprocess", ROOT / "bench" / "contest_preprocess.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tok():
    return Llama3Tokenizer(digits="single")


@pytest.fixture(scope="module")
def conv_file(tmp_path_factory):
    rows = [dict(r, source="synth") for r in synth_rows(240, seed=7)]
    done = complete_rows(check_rows(rows), "pot")
    flat, _ = conversations(done, "contest")
    path = tmp_path_factory.mktemp("conv") / "conversations.json"
    write_json(path, flat)
    return path


def _rows(path):
    import mindspore.dataset as ds

    data = ds.MindDataset(str(path), columns_list=["input_ids", "labels"], shuffle=False)
    return [(ids, labels) for ids, labels in data.create_tuple_iterator(output_numpy=True)]


def _write(conv_file, out, tok, seq, **kw):
    opts = EncodeOptions(**{k: kw.pop(k) for k in list(kw) if k in ("chat", "label_mode", "mask_observation")})
    pairs = ((h, g) for _, h, g in read_conversations(conv_file))
    meta = {"tokenizer": tok.describe()}
    return write_mindrecord(encode(pairs, tok, opts), out, seq, tok.pad_id, meta, **kw)


def test_round_trip_ids_decode_to_the_conversation(conv_file, tok, tmp_path):
    out = tmp_path / "train.mindrecord"
    stats = _write(conv_file, out, tok, 256)
    pairs = [(h, g) for _, h, g in read_conversations(conv_file)]
    rows = _rows(out)
    assert len(rows) == len(pairs) == stats.rows == 240 and stats.dropped_too_long == 0
    assert read_back(out, 240, 257) == 240
    for (ids, labels), (human, gpt) in zip(rows, pairs):
        assert ids.dtype == labels.dtype == np.int32 and ids.shape == labels.shape == (257,)
        n = int(np.flatnonzero(ids == tok.eos_id)[-1]) + 1
        assert ids[0] == tok.bos_id and (ids[n:] == tok.pad_id).all()
        assert tok.decode(ids[1:n - 1]) == f"{VICUNA_SYSTEM} USER: {human} ASSISTANT: {gpt}"
        assert labels[0] == IGNORE and (labels[n:] == IGNORE).all() and labels[n - 1] == tok.eos_id
        trained = tok.decode(labels[(labels != IGNORE) & (ids != tok.eos_id)])
        assert trained == " " + OBSERVATION_RE.sub("", gpt)  # prompt and interpreter output masked
    meta = read_meta(out)
    assert meta["row_length"] == 257 and meta["rows"] == 240 and meta["tokenizer"]["digits"] == "single"


def test_contest_label_mode_matches_the_contest_script(conv_file, tok, tmp_path):
    ref = _load_reference()
    items = json.loads(conv_file.read_text(encoding="utf-8"))[:60]
    items.append({"id": "x", "conversations": [{"from": "human", "value": "长" * 300},
                                                {"from": "gpt", "value": "答" * 50}]})
    items.append({"id": "y", "conversations": [{"from": "human", "value": "计算 2.00 * 3.00 等于多少？"},
                                                {"from": "gpt", "value": "2.00 * 3.00 = 6.0000"}]})
    small = tmp_path / "small.json"
    write_json(small, items)
    # the reference tokenises with an oracle built from MindFormers' own regex, not with our tokenizer
    oracle = ref.detour_tokenizer(mindformers_llama3_oracle())
    want_ids, want_labels = ref.preprocess([i["conversations"] for i in items], oracle, 257)
    out = tmp_path / "contest.mindrecord"
    _write(small, out, tok, 256, label_mode="contest", truncate=True)
    rows = _rows(out)
    assert len(rows) == len(items)
    for (ids, labels), wi, wl in zip(rows, want_ids, want_labels):
        assert ids.tolist() == wi.tolist()
        assert labels.tolist() == wl.tolist()
    # before a digit the contest's mask starts one token early: on the space after "ASSISTANT:"
    ids, labels = rows[-1]
    first = int(np.flatnonzero(labels != IGNORE)[0])
    assert tok.decode([ids[first]]) == " " and tok.decode([ids[first + 1]]) == "2"


def test_packing_keeps_samples_apart_and_fills_rows(conv_file, tok, tmp_path):
    plain = _write(conv_file, tmp_path / "plain.mindrecord", tok, 256)
    packed = _write(conv_file, tmp_path / "packed.mindrecord", tok, 512, packed=True)
    assert packed.samples == 240 and packed.rows < plain.rows
    assert packed.real_tokens == plain.real_tokens
    assert packed.real_tokens / packed.positions > 0.9
    samples = 0
    for ids, labels in _rows(tmp_path / "packed.mindrecord"):
        starts = np.flatnonzero(ids == tok.bos_id)
        ends = np.flatnonzero(ids == tok.eos_id)
        assert len(starts) == len(ends) and (labels[starts] == IGNORE).all()
        assert (starts[1:] == ends[:-1] + 1).all()  # back to back, each BOS right after an EOS
        samples += len(starts)
    assert samples == 240


def test_shards_and_auto_length(conv_file, tok, tmp_path):
    opts = EncodeOptions()

    def pairs():
        return ((h, g) for _, h, g in read_conversations(conv_file))

    lengths = [len(ids) for ids, _ in encode(pairs(), tok, opts)]
    seq, why = resolve_seq_length("auto", pairs, tok, opts)
    # the smallest multiple of 8 whose rows (seq + 1) hold the longest sample
    assert seq % 8 == 0 and seq + 1 >= max(lengths) > seq + 1 - 8
    assert why == f"seq_length auto → {seq}: the longest sample has {max(lengths)} tokens, rows are seq_length + 1"
    out = tmp_path / "sharded.mindrecord"
    stats = _write(conv_file, out, tok, seq, shards=2)
    assert stats.dropped_too_long == 0 and stats.truncated == 0 and stats.rows == 240
    files = output_files(out, 2)
    assert [f.name for f in files] == ["sharded.mindrecord0", "sharded.mindrecord1"]
    assert all(f.is_file() and Path(str(f) + ".db").is_file() for f in files)
    assert read_back(files[0], stats.rows, seq + 1) == 240  # either shard opens the whole set
    meta = read_meta(out)
    assert (meta["seq_length"], meta["shards"], meta["files"]) == (seq, 2, [f.name for f in files])
    # every sample whole: each row's EOS sits where its sample ends, the longest one at the last slots
    ends = sorted(int(np.flatnonzero(ids == tok.eos_id)[-1]) + 1 for ids, _ in _rows(files[0]))
    assert ends == sorted(lengths)


def test_too_long_samples_are_dropped_and_counted(conv_file, tok, tmp_path):
    stats = _write(conv_file, tmp_path / "short.mindrecord", tok, 128)
    assert stats.dropped_too_long > 0 and stats.rows == 240 - stats.dropped_too_long


def test_interrupted_write_leaves_nothing_that_looks_complete(conv_file, tok, tmp_path):
    out = tmp_path / "x.mindrecord"
    _write(conv_file, out, tok, 256)
    before = out.read_bytes()

    def broken():
        for i, (_, h, g) in enumerate(read_conversations(conv_file)):
            if i == 100:
                raise KeyboardInterrupt
            yield h, g

    with pytest.raises(KeyboardInterrupt):
        write_mindrecord(encode(broken(), tok, EncodeOptions()), out, 256, tok.pad_id, {"tokenizer": {}})
    assert out.read_bytes() == before  # the complete earlier file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == [".x.mindrecord.versions", "x.mindrecord", "x.mindrecord.db",
                                                         "x.mindrecord.meta.json"]
    versions = sorted(p.name for p in (tmp_path / ".x.mindrecord.versions").iterdir())
    assert len(versions) == 3 and versions[:2] == ["current", "lock"] and not versions[2].endswith(".partial")
    fresh = tmp_path / "new.mindrecord"
    with pytest.raises(KeyboardInterrupt):
        write_mindrecord(encode(broken(), tok, EncodeOptions()), fresh, 256, tok.pad_id, {"tokenizer": {}})
    assert not any(p.name.startswith((".new", "new")) for p in tmp_path.iterdir())
