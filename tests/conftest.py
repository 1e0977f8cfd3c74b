import atexit
import os
import shutil
import tempfile

# Keep MindSpore quiet, and MindFormers' side files (its log, adapter_config.json) out of the tree.
os.environ.setdefault("GLOG_v", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
if "LOCAL_DEFAULT_PATH" not in os.environ:
    os.environ["LOCAL_DEFAULT_PATH"] = tempfile.mkdtemp(prefix="mathtune-mf-")
    atexit.register(shutil.rmtree, os.environ["LOCAL_DEFAULT_PATH"], ignore_errors=True)

import pytest


@pytest.fixture(autouse=True)
def no_waiting_sandbox():
    """Each test starts with no sandbox started ahead (evaluation/sandbox/spare.py): one started before a
    test changed the environment or a setting would not see the change."""
    from evaluation.sandbox.spare import SPARES

    SPARES.drop()
    yield
    SPARES.drop()


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """A small training set made by the converters: synthetic rows → PoT → char tokenizer → MindRecord."""
    import string

    from converters import pipeline as P
    from converters.encode.char_tokenizer import build_char_tokenizer, conversation_texts
    from fileio.atomic import write_json
    from converters.encode.mindrecord import EncodeOptions, encode, read_conversations, resolve_seq_length, write_mindrecord
    from converters.synth.contest import synth_rows
    from converters.encode.tokenizers import load_tokenizer

    d = tmp_path_factory.mktemp("tiny_data")
    rows = P.check_rows([dict(r, source="synth") for r in synth_rows(300, seed=11)])
    chosen = P.select(rows, P.SelectOptions(n=256, drop_competition=True), [])
    flat, _ = P.conversations(P.complete_rows(chosen, "pot"), "none")
    write_json(d / "conversations.json", flat)
    tok_path = build_char_tokenizer(conversation_texts(d / "conversations.json"), d / "tok", extra=string.printable)
    tok = load_tokenizer(str(tok_path))
    opts = EncodeOptions(chat="plain")

    def pairs():
        return ((h, g) for _, h, g in read_conversations(d / "conversations.json"))

    seq, _ = resolve_seq_length("auto", pairs, tok, opts)
    write_mindrecord(encode(pairs(), tok, opts), d / "train.mindrecord", seq, tok.pad_id,
                     {"tokenizer": tok.describe(), "chat": "plain", "template": "none", "label_mode": "exact"})
    return d


@pytest.fixture(scope="session")
def tiny_run(tiny_data, tmp_path_factory):
    """`mathtune train` of the tiny preset on `tiny_data` (3 epochs, batch 8), in a real subprocess."""
    import subprocess
    import sys
    from pathlib import Path

    work = tmp_path_factory.mktemp("train")
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "mathtune", "train", "--config", str(root / "yaml" / "cpu_tiny.yaml"),
                           "--train_data", str(tiny_data / "train.mindrecord"), "--run-name", "tiny", "--device", "cpu",
                           "--epochs", "3", "runner_config.batch_size=8", "train_dataset.batch_size=8"],
                          cwd=work, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return work / "logs" / "tiny", proc
