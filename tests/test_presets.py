"""Every YAML preset loads with MindFormers' loader, passes the checks, and builds on CPU when shrunk;
every training preset builds its whole pipeline and trains 2 steps."""
from pathlib import Path

import numpy as np
import pytest

from training.config.loader import check_config, load_config, lora_block
from training.model.cpu import apply_cpu_config
from training.model.build import build_model, logits, trainable_count

PRESETS = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "yaml").glob("*.yaml"))
TINY = dict(hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128, vocab_size=256, seq_length=16)


@pytest.fixture(scope="module", autouse=True)
def cpu_context():
    import mindspore as ms

    ms.set_context(mode=1, device_target="CPU")


def test_every_preset_is_here():
    assert {"llama3_8b_lora_1p.yaml", "llama3_8b_lora_4p.yaml", "llama3_8b_lora_8p.yaml", "cpu_tiny.yaml",
            "cpu_smollm2_135m_lora.yaml", "cpu_smollm2_135m_lora_pot.yaml", "predict_llama3_8b_lora_math.yaml",
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
        # only the LoRA matrices train (at rank 16 on every projection they are a quarter of a shrunk model)
        assert 0 < train < total and all("mindpet_delta_lora" in p.name for p in net.trainable_params())
    else:
        assert train == total


def test_8b_lora_counts_match_the_contest():
    """r 8 on wq, wv of Llama3-8B: 3,407,872 trainable parameters, computed from the config."""
    cfg = load_config(Path(__file__).resolve().parents[1] / "yaml" / "llama3_8b_lora_4p.yaml")
    mc, r = cfg.model.model_config, lora_block(cfg)["lora_rank"]
    head = mc.hidden_size // mc.num_heads
    per_layer = r * mc.hidden_size + mc.hidden_size * r + r * mc.hidden_size + mc.n_kv_heads * head * r
    assert per_layer * mc.num_layers == 3_407_872


TRAINING_PRESETS = ["llama3_8b_lora_1p.yaml", "llama3_8b_lora_4p.yaml", "llama3_8b_lora_8p.yaml", "cpu_tiny.yaml",
                    "cpu_smollm2_135m_lora.yaml", "cpu_smollm2_135m_lora_pot.yaml"]


@pytest.fixture(scope="module")
def pipeline_data(tmp_path_factory):
    from pipeline_build import make_data

    return make_data(tmp_path_factory.mktemp("pipeline_data"))


@pytest.mark.parametrize("name", TRAINING_PRESETS)
def test_preset_trains_two_steps_whole_pipeline(name, pipeline_data, tmp_path):
    """`mathtune train` with the preset as written except the model's size and stand-alone parallelism:
    MindFormers builds the dataset from the MindRecord, the optimizer, lr schedule, wrapper, callbacks
    and Trainer of the file, and trains 2 steps. A class MindFormers 1.9 lacks fails here."""
    import mindspore as ms

    from pipeline_build import ROOT, steps_and_losses, train_shrunk

    proc, run = train_shrunk(ROOT / "yaml" / name, pipeline_data, tmp_path, "shrunk")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    steps = steps_and_losses(run)
    assert [(s, n) for s, n, _ in steps] == [(1, 2), (2, 2)]
    assert all(np.isfinite(loss) and 0 < loss < 10 for _, _, loss in steps)
    ckpts = list((run / "checkpoint" / "rank_0").glob("*.ckpt"))
    assert len(ckpts) == 1
    saved = ms.load_checkpoint(str(ckpts[0]))
    moments = {k.removeprefix("adam_m.") for k in saved if k.startswith("adam_m.")}
    assert moments and {k.removeprefix("adam_v.") for k in saved if k.startswith("adam_v.")} == moments
    assert all(saved[f"adam_m.{k}"].dtype == ms.float32 for k in moments)  # the AdamW's state, float32
    lora = {k for k in saved if "mindpet_delta_lora" in k and not k.startswith("adam_")}
    cfg = load_config(ROOT / "yaml" / name)
    assert moments == (lora if lora_block(cfg) else {k for k in saved if k.startswith("model.")})
