"""Config checks that fail in a second instead of an hour into a run."""
from pathlib import Path

import pytest

from training.config import check_config, fill_from_data, load_config
from training.params import describe, lora_params, total_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cfg():
    return load_config(ROOT / "yaml" / "llama3_8b_lora_4p.yaml")


def test_typo_in_model_config_is_named(cfg):
    cfg.model.model_config["seq_lenght"] = 256
    assert "unknown key model.model_config.seq_lenght (did you mean seq_length?)" in check_config(cfg)


def test_lora_block_written_the_ignored_way(cfg):
    pet = cfg.model.model_config.pet_config
    del pet["pet_type"]
    pet["type"] = "LoraConfig"
    assert any("ignores 'type: LoraConfig'" in p for p in check_config(cfg))


def test_lora_rank_must_be_a_number(cfg):
    cfg.model.model_config.pet_config["lora_rank"] = "eight"
    assert "model.model_config.pet_config.lora_rank must be a number, got 'eight'" in check_config(cfg)


def test_heads_must_divide_hidden(cfg):
    cfg.model.model_config["num_heads"] = 30
    assert "hidden_size 4096 is not divisible by num_heads 30" in check_config(cfg)


def test_missing_config_and_data(cfg, tmp_path):
    from training.config import ConfigError

    with pytest.raises(ConfigError, match="config not found"):
        load_config(tmp_path / "nope.yaml")
    assert check_config(cfg, str(tmp_path / "none.mindrecord")) == [f"train data not found: {tmp_path / 'none.mindrecord'}"]


def test_data_must_fit_the_model(cfg, tiny_data):
    data = str(tiny_data / "train.mindrecord")
    problems = check_config(cfg, data)
    assert any("rows of" in p and "seq_length is 256" in p for p in problems)
    assert any(p.startswith("pad_token_id 128002 differs") for p in problems)
    assert any("fewer than one global batch of 64" not in p for p in problems)
    notes = fill_from_data(cfg, data)
    assert any(n.startswith("model.model_config.seq_length: 256 →") for n in notes)
    remaining = check_config(cfg, data)
    assert remaining == [f"{data} has 256 rows, fewer than one global batch of 64"] or remaining == []


def test_parameter_counts_of_the_8b_config(cfg):
    mc, pet = cfg.model.model_config, cfg.model.model_config.pet_config
    assert total_params(mc) == 8_030_261_248
    assert lora_params(mc, pet) == 3_407_872
    assert describe(mc, pet) == "trainable parameters: 3,407,872 of 8,030,261,248 (ratio 0.000424)"


def test_number_written_as_text_is_caught(cfg):
    cfg.model.model_config["rms_norm_eps"] = "1e-05"
    assert "model.model_config.rms_norm_eps must be a number, got '1e-05' (YAML reads 1e-05 as text: write 1.0e-5)" \
        in check_config(cfg)


def test_dumped_config_loads_back_with_the_same_values(cfg, tmp_path):
    from training.yamledit import dump_config

    (tmp_path / "c.yaml").write_text(dump_config(cfg))
    again = load_config(tmp_path / "c.yaml")
    assert dict(again.model.model_config) == dict(cfg.model.model_config)
    assert isinstance(again.model.model_config.rms_norm_eps, float)


@pytest.mark.parametrize("preset", ["llama3_8b_lora_1p.yaml", "llama3_8b_lora_4p.yaml", "llama3_8b_lora_8p.yaml"])
def test_every_8b_preset_steps_64_rows(preset):
    from training.config import global_batch

    assert global_batch(load_config(ROOT / "yaml" / preset)) == 64


def test_save_steps_use_data_parallel_not_the_world_size(cfg, tiny_data, monkeypatch):
    """4 NPUs at dp 1 / mp 4: an epoch of 256 rows is 256 / 64 = 4 steps, not 256 / (64 × 4)."""
    from training.train import _set_save_steps

    monkeypatch.setenv("MS_WORKER_NUM", "4")
    notes = _set_save_steps(cfg, str(tiny_data / "train.mindrecord"))
    assert cfg.callbacks[1]["save_checkpoint_steps"] == 4
    assert notes == ["CheckpointMonitor.save_checkpoint_steps: 1406 → 4 (one epoch = 256 rows / 64 per step)"]
