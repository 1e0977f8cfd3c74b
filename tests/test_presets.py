"""Every YAML preset loads with MindFormers' loader, passes the checks, and builds on CPU when shrunk."""
from pathlib import Path

import numpy as np
import pytest

from training.config import check_config, load_config, lora_block
from training.cpu import apply_cpu_config
from training.models import build_model, logits, trainable_count

PRESETS = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "yaml").glob("*.yaml"))
TINY = dict(hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128, vocab_size=256, seq_length=16)


@pytest.fixture(scope="module", autouse=True)
def cpu_context():
    import mindspore as ms

    ms.set_context(mode=1, device_target="CPU")


def test_every_preset_is_here():
    assert {"llama3_8b_lora_1p.yaml", "llama3_8b_lora_4p.yaml", "llama3_8b_lora_8p.yaml", "cpu_tiny.yaml",
            "cpu_smollm2_135m_lora.yaml", "predict_llama3_8b_lora_math.yaml",
            "eval_llama3_8b_lora_squad.yaml"} <= set(PRESETS)


@pytest.mark.parametrize("name", PRESETS)
def test_preset_checks_and_builds_tiny(name):
    cfg = load_config(Path("yaml") / name if Path("yaml", name).exists() else
                      Path(__file__).resolve().parents[1] / "yaml" / name)
    assert check_config(cfg) == []  # the real file, before any shrinking
    apply_cpu_config(cfg)
    mc = cfg.model.model_config
    kv = mc.get("n_kv_heads")
    mc.update(TINY)
    if kv:
        mc["n_kv_heads"] = 2
    net = build_model(mc)
    out = logits(net, np.arange(32).reshape(2, 16) % 256)
    assert out.shape == (2, 16, 256) and np.isfinite(out).all()
    train, total = trainable_count(net)
    if lora_block(cfg):
        assert 0 < train < total / 10  # only the LoRA matrices train
    else:
        assert train == total


def test_8b_lora_counts_match_the_contest():
    """r 8 on wq, wv of Llama3-8B: 3,407,872 trainable parameters, computed from the config."""
    cfg = load_config(Path(__file__).resolve().parents[1] / "yaml" / "llama3_8b_lora_4p.yaml")
    mc, r = cfg.model.model_config, lora_block(cfg)["lora_rank"]
    head = mc.hidden_size // mc.num_heads
    per_layer = r * mc.hidden_size + mc.hidden_size * r + r * mc.hidden_size + mc.n_kv_heads * head * r
    assert per_layer * mc.num_layers == 3_407_872
