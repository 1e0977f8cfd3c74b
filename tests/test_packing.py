"""Packed rows: each sample attends only to itself, through MindFormers' own data pipeline and Llama.

The proof: the summed token losses of packed rows equal the sums of their samples' losses computed
one sample per row, with the tiny model `tiny_run` trained (so attention matters), on CPU.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from converters.encode.mindrecord import IGNORE, EncodeOptions, encode, read_conversations, read_meta, write_mindrecord
from converters.encode.packing import pack_rows, packed_attention_mask
from converters.encode.tokenizers import load_tokenizer

ROOT = Path(__file__).resolve().parents[1]
SEQ = 448  # rows of 449 tokens: two or three tiny samples each


def test_segments_follow_the_samples():
    rows = list(pack_rows(iter([([1, 5, 2], [IGNORE, 5, 2]), ([1, 6, 7, 2], [IGNORE, IGNORE, 7, 2])]), 8))
    assert rows == [([1, 6, 7, 2, 1, 5, 2], [IGNORE, IGNORE, 7, 2, IGNORE, 5, 2], [1, 1, 1, 1, 2, 2, 2])]


def test_mask_is_block_diagonal_and_causal():
    seg = np.array([[1, 1, 1, 2, 2, 0, 0]])  # a row of 7 = seq 6 + 1; the last position is no input
    mask = packed_attention_mask(seg)
    assert mask.shape == (1, 1, 6, 6) and mask.dtype == np.uint8
    allowed = [[1, 0, 0, 0, 0, 0],
               [1, 1, 0, 0, 0, 0],
               [1, 1, 1, 0, 0, 0],
               [0, 0, 0, 1, 0, 0],  # the second sample's first position sees only itself
               [0, 0, 0, 1, 1, 0],
               [0, 0, 0, 0, 0, 1]]  # padding sees only padding
    assert (mask[0, 0] == 1 - np.array(allowed)).all()


def _write_packed(tiny_data, out):
    meta = json.loads((tiny_data / "train.mindrecord.meta.json").read_text())
    tok = load_tokenizer(meta["tokenizer"]["path"])
    pairs = ((h, g) for _, h, g in read_conversations(tiny_data / "conversations.json"))
    write_mindrecord(encode(pairs, tok, EncodeOptions(chat="plain")), out, SEQ, tok.pad_id,
                     {"tokenizer": tok.describe(), "chat": "plain", "template": "none", "label_mode": "exact"},
                     packed=True)
    return out


def test_setup_points_the_config_at_the_mask_and_back():
    from training.config.loader import load_config
    from training.run.packed_data import MODEL_COLUMNS, is_packed, setup_packed

    cfg = load_config(ROOT / "yaml" / "llama3_8b_lora_4p.yaml")
    cfg.model.model_config.use_attn_mask_compression = True  # flash attention would want a 2048² mask
    notes = setup_packed(cfg, {"packed": True, "columns": ["input_ids", "labels", "segment_ids"]}, "d")
    assert is_packed(cfg) and cfg.train_dataset.construct_args_key == MODEL_COLUMNS
    assert cfg.train_dataset_task.dataset_config.input_columns == ["input_ids", "labels", "segment_ids"]
    assert cfg.model.model_config.use_attn_mask_compression is False and len(notes) == 2
    assert setup_packed(cfg, {"packed": False}, "d")  # the saved config of a packed run, unpacked data
    assert not is_packed(cfg) and cfg.train_dataset.input_columns == ["input_ids", "labels"]
    assert "construct_args_key" not in cfg.train_dataset


@pytest.fixture(scope="module")
def packed_data(tiny_data, tmp_path_factory):
    return _write_packed(tiny_data, tmp_path_factory.mktemp("packed") / "train.mindrecord")


def _token_losses(net, ids, labels, mask=None):
    """Per-position cross entropy (float64 from the model's float32 logits) and which positions count."""
    import mindspore as ms

    kwargs = {} if mask is None else {"attention_mask": ms.Tensor(mask)}
    seq = ids.shape[1] - 1
    logits = net(ms.Tensor(ids[:, :-1].astype(np.int32)), **kwargs)[0].asnumpy().astype(np.float64)
    logits = logits.reshape(ids.shape[0], seq, -1)
    target, keep = labels[:, 1:], (labels[:, 1:] != IGNORE) & (ids[:, :-1] != 0)  # as Llama's loss mask
    top = logits.max(-1)
    logz = np.log(np.exp(logits - top[..., None]).sum(-1)) + top
    picked = np.take_along_axis(logits, np.where(keep, target, 0)[..., None], -1)[..., 0]
    return np.where(keep, logz - picked, 0.0)


def test_packed_row_loss_is_the_sum_of_its_samples(packed_data, tiny_run):
    import mindspore as ms
    from mindformers.dataset import CausalLanguageModelDataset

    from training.checkpoints.params import load_params, model_weights
    from training.config.loader import load_config
    from training.model.cpu import apply_cpu_mask_patch
    from training.model.build import build_model, load_weights
    from training.run.packed_data import MODEL_COLUMNS, setup_packed, with_attention_mask

    run, _ = tiny_run
    ms.set_context(mode=0, device_target="CPU")  # graph mode, as training runs
    apply_cpu_mask_patch()
    cfg = load_config(run / "config.yaml")
    cfg.train_dataset.data_loader.dataset_dir = str(packed_data)
    cfg.train_dataset.data_loader.shuffle = False
    cfg.train_dataset.batch_size = 2
    assert setup_packed(cfg, read_meta(packed_data), str(packed_data))
    batch = next(with_attention_mask(CausalLanguageModelDataset(cfg.train_dataset))
                 .create_dict_iterator(output_numpy=True))  # MindFormers' pipeline + our map, as `train`
    assert list(batch) == MODEL_COLUMNS
    ids, labels, mask = batch["input_ids"], batch["labels"], batch["attention_mask"]
    assert mask.shape == (2, 1, SEQ, SEQ)

    net = build_model(cfg.model.model_config, seq_length=SEQ)
    assert not load_weights(net, model_weights(load_params(run / "checkpoint" / "rank_0" / "llama_tiny_rank_0-3_32.ckpt")))
    net.set_train(False)
    packed = _token_losses(net, ids, labels, mask)

    segments = next(iter(__import__("mindspore.dataset", fromlist=["MindDataset"]).MindDataset(
        str(packed_data), columns_list=["segment_ids"], shuffle=False).batch(2).create_tuple_iterator(output_numpy=True)))[0]
    # each sample alone in a row: at the start (as it would be unpacked), and at the offset it has in
    # the packed row with padding before it (the model's own causal + padding mask hides the padding)
    starts, offsets, where = ([], []), ([], []), []
    for b in range(2):
        for k in range(1, segments[b].max() + 1):
            at = np.flatnonzero(segments[b] == k)
            for (rows, labs), put in ((starts, np.arange(len(at))), (offsets, at)):
                one, lab = np.zeros(SEQ + 1, np.int32), np.full(SEQ + 1, IGNORE, np.int32)
                one[put], lab[put] = ids[b, at], labels[b, at]
                rows.append(one), labs.append(lab)
            where.append((b, at))
    assert len(where) >= 4  # at least two samples in each row
    at_start = _token_losses(net, *map(np.stack, starts))
    at_offset = _token_losses(net, *map(np.stack, offsets))
    print(f"summed token loss: packed {packed.sum():.6f}, alone at the same offsets {at_offset.sum():.6f}, "
          f"alone at position 0 {at_start.sum():.6f}")
    worst_offset = max(np.abs(packed[b, at[:-1]] - at_offset[i, at[:-1]]).max() for i, (b, at) in enumerate(where))
    worst_start = max(np.abs(packed[b, at[:-1]] - at_start[i, :len(at) - 1]).max() for i, (b, at) in enumerate(where))
    print(f"worst token: {worst_offset:.2e} at the same offsets, {worst_start:.2e} moved to position 0")
    assert abs(packed.sum() - at_offset.sum()) <= 1e-5 and worst_offset <= 1e-5
    assert abs(packed.sum() - at_start.sum()) <= 1e-5 * packed.sum() and worst_start <= 1e-4
    leaky = _token_losses(net, ids, labels)  # the same rows with the plain causal mask
    assert abs(leaky.sum() - at_offset.sum()) > 1.0  # attention across samples changes the loss


def test_train_runs_packed_data_with_the_mask(packed_data, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mathtune", "train", "--config", str(ROOT / "yaml" / "cpu_tiny.yaml"),
                           "--train_data", str(packed_data), "--run-name", "packed", "--device", "cpu", "--epochs", "1",
                           "runner_config.batch_size=8", "train_dataset.batch_size=8"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "config: packed data: each sample attends only to itself" in proc.stdout
    log = (tmp_path / "logs" / "packed" / "log" / "rank_0" / "info.log").read_text()
    assert "construct_args_key: ['input_ids', 'labels', 'attention_mask']" in log
    assert list((tmp_path / "logs" / "packed" / "checkpoint" / "rank_0").glob("*.ckpt"))


def test_packed_data_without_boundaries_is_refused(tiny_data, tmp_path):
    _write_packed(tiny_data, tmp_path / "train.mindrecord")
    meta_path = tmp_path / "train.mindrecord.meta.json"
    meta = json.loads(meta_path.read_text())
    meta["columns"] = ["input_ids", "labels"]  # as `--pack` wrote them before segment_ids existed
    meta_path.write_text(json.dumps(meta))
    proc = subprocess.run([sys.executable, "-m", "mathtune", "train", "--config", str(ROOT / "yaml" / "cpu_tiny.yaml"),
                           "--train_data", str(tmp_path / "train.mindrecord"), "--device", "cpu", "--dry-run"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"mathtune: error: {tmp_path / 'train.mindrecord'}: packed without sample boundaries (made before "
        "segment_ids were written); write it again with `mathtune data mindrecord --pack`"]
