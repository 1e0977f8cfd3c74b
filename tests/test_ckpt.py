"""Checkpoint tools on real MindSpore models and files."""
import json
from pathlib import Path

import numpy as np
import pytest

from training.checkpoints.hf_export import export_hf, hf_name
from training.checkpoints.lora import extract_lora, merge_lora, read_adapter, write_adapter
from training.checkpoints.params import CheckpointError, load_params, save_params
from training.checkpoints.shards import merge_shards
from training.config.loader import load_config
from training.model.cpu import apply_cpu_config
from training.model.build import build_model, logits
from training.model.reference import llama_logits

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(hidden_size=64, num_layers=2, num_heads=4, n_kv_heads=2, intermediate_size=128, vocab_size=256,
            seq_length=16)
IDS = (np.arange(32).reshape(2, 16) * 7) % 255 + 1  # no pad id (0): MindFormers masks pad inputs


@pytest.fixture(scope="module")
def lora_setup():
    import mindspore as ms

    ms.set_context(mode=1, device_target="CPU")
    cfg = load_config(ROOT / "yaml" / "cpu_smollm2_135m_lora.yaml")
    apply_cpu_config(cfg)
    mc = cfg.model.model_config
    mc.update(TINY)
    ms.set_seed(3)
    net = build_model(mc)
    rng = np.random.default_rng(3)
    for p in net.get_parameters():  # B starts at zero; make the adapter matter
        if p.name.endswith("lora_b"):
            p.set_data(ms.Tensor(rng.standard_normal(p.shape).astype(np.float32) * 0.1))
    params = {p.name: p.asnumpy() for p in net.get_parameters()}
    return cfg, mc, net, params, logits(net, IDS)


def _load(net, params):
    import mindspore as ms

    missing, _ = ms.load_param_into_net(net, {k: ms.Parameter(ms.Tensor(v), name=k) for k, v in params.items()})
    assert not missing
    return net


def test_merged_plain_model_equals_lora_model(lora_setup, tmp_path):
    cfg, mc, _, params, want = lora_setup
    pet = cfg.model.model_config.pet_config
    merged = merge_lora(params, pet["lora_alpha"], pet["lora_rank"])
    assert not any("lora" in k for k in merged)
    save_params(merged, tmp_path / "merged.ckpt")
    got = logits(_load(build_model(mc, lora=False), load_params(tmp_path / "merged.ckpt")), IDS)
    assert np.abs(got - want).max() <= 1e-4
    with pytest.raises(CheckpointError, match="has rank 8, the config says lora_rank 16"):
        merge_lora(params, 16, 16)
    with pytest.raises(CheckpointError, match="no LoRA tensors"):
        merge_lora(merged, 16, 8)


def test_extracted_adapter_loads_back_onto_the_base(lora_setup, tmp_path):
    cfg, mc, _, params, want = lora_setup
    out = write_adapter(params, dict(cfg.model.model_config.pet_config), dict(mc), tmp_path / "adapter")
    lora, adapter_cfg = read_adapter(out)
    assert set(lora) == set(extract_lora(params)) and all("mindpet_delta_lora" in k for k in lora)
    assert (adapter_cfg["r"], adapter_cfg["lora_alpha"]) == (8, 16)
    size = (out / "adapter.ckpt").stat().st_size
    assert size < sum(v.nbytes for v in params.values()) / 5
    base = {k: v for k, v in params.items() if "lora" not in k}
    net = _load(build_model(mc), {**base, **lora})
    assert np.abs(logits(net, IDS) - want).max() == 0


def test_export_hf_matches_the_numpy_reference(lora_setup, tmp_path):
    from safetensors.numpy import load_file

    cfg, mc, _, params, want = lora_setup
    pet = cfg.model.model_config.pet_config
    merged = merge_lora(params, pet["lora_alpha"], pet["lora_rank"])
    out = export_hf(merged, dict(mc), tmp_path / "hf")
    hf = load_file(str(out / "model.safetensors"))
    config = json.loads((out / "config.json").read_text())
    assert config["tie_word_embeddings"] is True and "lm_head.weight" not in hf
    assert hf_name("model.layers.3.feed_forward.w2.weight") == "model.layers.3.mlp.down_proj.weight"
    ref = llama_logits(hf, dict(mc), IDS[0].tolist())
    assert np.abs(ref - want[0]).max() < 1e-4
    with pytest.raises(CheckpointError, match="still has LoRA tensors"):
        export_hf(params, dict(mc), tmp_path / "bad")


def _write_strategy(path: Path, layouts: dict[str, list[int]], devices: int) -> None:
    from mindspore.train import node_strategy_pb2 as pb

    smap = pb.ParallelStrategyMap()
    smap.current_stage = 0
    for name, tensor_map in layouts.items():
        item = smap.parallel_layout_item.add()
        item.param_name = name
        lay = item.parallel_layouts
        lay.dev_matrix.add().dim.extend([devices])
        lay.tensor_map.add().dim.extend(tensor_map)
        lay.param_split_shape.add()
        lay.indices_offset.add()
        lay.field, lay.opt_weight_shard_step, lay.opt_weight_shard_size = 0, 0, 0
    path.write_bytes(smap.SerializeToString())


def test_merge_shards_restores_the_full_weights(lora_setup, tmp_path):
    """Model-parallel shards as MindFormers writes them (rows of each matrix split over 2 ranks)."""
    _, _, _, params, _ = lora_setup
    full = {k: v for k, v in params.items() if "lora" not in k}
    layouts = {k: ([0] + [-1] * (v.ndim - 1)) if v.ndim == 2 else [-1] for k, v in full.items()}
    _write_strategy(tmp_path / "strategy.ckpt", layouts, 2)
    for rank in range(2):
        shard = {k: np.split(v, 2, axis=0)[rank] if v.ndim == 2 else v for k, v in full.items()}
        save_params(shard, tmp_path / "ckpt" / f"rank_{rank}" / f"run_rank_{rank}-1_4.ckpt")
        save_params({k: v * 0 for k, v in shard.items()}, tmp_path / "ckpt" / f"rank_{rank}" / f"run_rank_{rank}-1_2.ckpt")
    out = merge_shards(tmp_path / "ckpt", tmp_path / "strategy.ckpt", tmp_path / "full.ckpt")
    got = load_params(out)
    assert set(got) == set(full) and all(np.array_equal(got[k], full[k]) for k in full)  # the newest step, whole
    from fileio.atomic import UMASK  # MindSpore leaves its merged file 0400: readable by others now
    assert out.stat().st_mode & 0o777 == 0o666 & ~UMASK
    _write_strategy(tmp_path / "s4.ckpt", layouts, 4)
    with pytest.raises(CheckpointError, match="describes 4 devices but .* has 2 ranks"):
        merge_shards(tmp_path / "ckpt", tmp_path / "s4.ckpt", tmp_path / "x.ckpt")
    assert not (tmp_path / "x.ckpt").exists()


def test_unreadable_checkpoint_is_one_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        load_params(tmp_path / "none.ckpt")
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a MindSpore checkpoint"):
        load_params(bad)
