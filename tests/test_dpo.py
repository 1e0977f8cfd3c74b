"""DPO on MindFormers' Llama with LoRA (training/dpo): the loss against numpy, the reference as LoRA off, and a
real round through `mathtune dpo` (graph mode, a subprocess) that raises the margin on its pairs."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training.config.loader import load_config
from training.dpo.loss import batch_order, dpo_loss_cell, sequence_logps_cell
from training.model.build import build_model, load_weights, logits
from training.model.cpu import apply_cpu_config

ROOT = Path(__file__).resolve().parents[1]
PET = {"pet_type": "lora", "lora_rank": 4, "lora_alpha": 8, "lora_dropout": 0.0, "target_modules": ".*wq|.*wv|.*w2"}
SEQ, VOCAB = 24, 97


def _config():
    cfg = load_config(ROOT / "yaml" / "cpu_tiny.yaml")
    apply_cpu_config(cfg)
    mc = dict(cfg.model.model_config)
    mc.update(hidden_size=64, num_layers=2, num_heads=4, n_kv_heads=2, intermediate_size=128, vocab_size=VOCAB,
              seq_length=SEQ, pad_token_id=0, eos_token_id=2)
    return mc


@pytest.fixture(scope="module")
def nets():
    import mindspore as ms

    ms.set_context(mode=1, device_target="CPU")
    ms.set_seed(0)
    base = build_model(_config(), lora=False)
    weights = {p.name: p.asnumpy() for p in base.get_parameters()}
    lora = build_model(dict(_config(), pet_config=PET))
    assert not [m for m in load_weights(lora, weights) if "lora" not in m]
    return base, lora, weights


def _numpy_logps(net, ids, scored):
    z = logits(net, ids[:, :-1]).astype(np.float64)
    z = z - z.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    picked = np.take_along_axis(logp, ids[:, 1:, None].astype(np.int64), -1)[..., 0]
    return (picked * scored).sum(1)


def _batch(rng, pairs=3):
    ids = rng.integers(3, VOCAB, size=(pairs, 2, SEQ + 1)).astype(np.int32)
    scored = np.zeros((pairs, 2, SEQ), np.float32)
    scored[:, :, 10:] = 1.0  # the answer's tokens; the prompt's are not scored
    scored[:, 1, 20:] = 0.0  # answers of different lengths
    return ids, scored


def test_sequence_logps_and_loss_match_numpy(nets):
    import mindspore as ms

    _, lora, _ = nets
    rng = np.random.default_rng(1)
    for p in lora.trainable_params():  # a LoRA that is not zero, so its path is part of the check
        p.set_data(ms.Tensor(rng.normal(0, 0.05, p.shape).astype(np.float32)))
    ids, scored = _batch(rng)
    flat_ids, flat_scored = batch_order(ids, scored)
    want = _numpy_logps(lora, flat_ids, flat_scored)
    got = sequence_logps_cell(lora)(ms.Tensor(flat_ids), ms.Tensor(flat_scored)).asnumpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)

    ref = rng.normal(-60, 3, size=(3, 2)).astype(np.float32)
    _, _, flat_ref = batch_order(ids, scored, ref)
    beta, b = 0.3, 3
    margin = beta * ((want[:b] - flat_ref[:b]) - (want[b:] - flat_ref[b:]))
    expected = np.mean(-np.log(1 / (1 + np.exp(-margin))))
    loss = float(dpo_loss_cell(lora, beta)(ms.Tensor(flat_ids), ms.Tensor(flat_scored), ms.Tensor(flat_ref)).asnumpy())
    assert loss == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert not np.allclose(margin, 0)  # the check compared something


def test_a_fresh_lora_is_the_model_with_lora_off(nets):
    """B starts at zero: the reference computed through the LoRA network equals the base network's."""
    import mindspore as ms

    base, _, weights = nets
    ms.set_seed(5)
    fresh = build_model(dict(_config(), pet_config=PET))
    load_weights(fresh, weights)
    assert all(not np.any(p.asnumpy()) for p in fresh.trainable_params() if p.name.endswith("lora_b"))
    ids, scored = batch_order(*_batch(np.random.default_rng(2)))
    np.testing.assert_array_equal(sequence_logps_cell(fresh)(ms.Tensor(ids), ms.Tensor(scored)).asnumpy(),
                                  sequence_logps_cell(base)(ms.Tensor(ids), ms.Tensor(scored)).asnumpy())


def _pairs(tiny_data, n):
    convs = json.loads((tiny_data / "conversations.json").read_text())[:n]
    out = []
    for c in convs:
        human, gpt = c["conversations"][0]["value"], c["conversations"][1]["value"]
        wrong = gpt.translate(str.maketrans("0123456789", "5678901234"))  # every digit wrong
        out.append({"problem": human, "chosen": gpt, "rejected": wrong})
    return out


def _dpo(*args, cwd):
    return subprocess.run([sys.executable, "-m", "mathtune", "dpo", *map(str, args)], capture_output=True, text=True,
                          timeout=900, cwd=cwd)


def test_a_round_raises_the_margin_and_writes_a_run_predict_reads(tiny_run, tiny_data, tmp_path):
    run, _ = tiny_run
    pairs = tmp_path / "pairs.jsonl"
    rows = _pairs(tiny_data, 8)
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"problem": "x", "chosen": ""}\n')
    out = tmp_path / "dpo"
    proc = _dpo("--run-dir", run, "--pairs", pairs, "--out", out, "--epochs", 6, "--lr", "2e-3", "--beta", 0.5,
                "--batch-pairs", 2, "--quiet", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]  # the last row has no rejected answer
    assert f"{pairs}:9: no text in chosen, rejected" in proc.stderr
    report = json.loads((out / "dpo_report.json").read_text())
    assert report["pairs"] == 8 and report["steps"] == 24
    assert report["loss_first"] == pytest.approx(np.log(2), abs=1e-3)  # policy = reference at the first step
    # measured: loss 0.693 → 0.159, 7 of 8 pairs preferred, mean margin 0.65 (it starts at 0)
    assert report["loss_last"] < 0.4 and report["preferred_after"] >= 0.75 and report["margin_mean_after"] > 0.3
    assert (out / "dpo_loss.png").stat().st_size > 1000

    from evaluation.inference.model import load_run
    from training.checkpoints.params import load_params

    params = load_params(out / "checkpoint" / "rank_0" / "dpo.ckpt")
    assert any(k.endswith("lora_b") and np.any(v) for k, v in params.items())  # the trained adapter is saved
    model = load_run(out)  # LoRA folded with the α and r the new config.yaml records
    assert model.tokenizer.encode_batch(["12"])[0]

    again = _dpo("--run-dir", run, "--pairs", pairs, "--out", out, cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr and len(again.stderr.strip().splitlines()) == 1
