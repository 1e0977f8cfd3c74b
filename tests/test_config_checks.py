"""Config checks that fail in a second instead of an hour into a run."""
from pathlib import Path

import pytest

from training.config.loader import check_config, fill_from_data, load_config
from training.model.params import describe, lora_params, total_params

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
    from training.config.errors import ConfigError

    with pytest.raises(ConfigError, match="config not found"):
        load_config(tmp_path / "nope.yaml")
    assert check_config(cfg, str(tmp_path / "none.mindrecord")) == [f"train data not found: {tmp_path / 'none.mindrecord'}"]


def test_data_must_fit_the_model(cfg, tiny_data):
    """tiny_data: 256 rows of a character tokenizer (pad id 0), seq_length auto (not 256)."""
    from converters.encode.mindrecord import read_meta

    data = str(tiny_data / "train.mindrecord")
    meta = read_meta(data)
    problems = check_config(cfg, data)
    assert len(problems) == 2, problems
    assert problems[0] == (f"{data} has rows of {meta['row_length']} tokens but model seq_length is 256 "
                           f"(needs rows of seq_length + 1 = 257)")
    assert problems[1].startswith(f"pad_token_id 128002 differs from the data's pad id {meta['tokenizer']['pad_id']}")
    notes = fill_from_data(cfg, data)
    assert f"model.model_config.seq_length: 256 → {meta['seq_length']!r} (rows of {meta['row_length']} = " \
           "seq_length + 1)" in notes
    remaining = check_config(cfg, data)
    assert len(remaining) == 1 and remaining[0].startswith("pad_token_id 128002 differs")  # the model is not rebuilt
    fill_from_data(cfg, data, fit_model=True)
    assert check_config(cfg, data) == []


def test_fewer_rows_than_one_global_batch(cfg, tiny_data):
    data = str(tiny_data / "train.mindrecord")
    fill_from_data(cfg, data, fit_model=True)
    cfg.runner_config.batch_size = 512
    assert check_config(cfg, data) == [f"{data} has 256 rows, fewer than one global batch of 512"]


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
    from training.config.yamledit import dump_config

    (tmp_path / "c.yaml").write_text(dump_config(cfg))
    again = load_config(tmp_path / "c.yaml")
    assert dict(again.model.model_config) == dict(cfg.model.model_config)
    assert isinstance(again.model.model_config.rms_norm_eps, float)


@pytest.mark.parametrize("preset, rows", [("llama3_8b_lora_1p.yaml", 32), ("llama3_8b_lora_4p.yaml", 64),
                                          ("llama3_8b_lora_8p.yaml", 64)])
def test_every_8b_preset_steps_its_global_batch(preset, rows):
    """The contest's 64 on 4 and 8 cards; 32 on one card, where 64 does not fit (see the preset's header)."""
    from training.config.loader import global_batch

    assert global_batch(load_config(ROOT / "yaml" / preset)) == rows


def test_save_steps_use_data_parallel_not_the_world_size(cfg, tiny_data, monkeypatch):
    """4 NPUs at dp 1 / mp 4: an epoch of 256 rows is 256 / 64 = 4 steps, not 256 / (64 × 4)."""
    from training.run.train import _set_save_steps

    monkeypatch.setenv("MS_WORKER_NUM", "4")
    notes = _set_save_steps(cfg, str(tiny_data / "train.mindrecord"))
    assert cfg.callbacks[1]["save_checkpoint_steps"] == 4
    assert notes == ["CheckpointMonitor.save_checkpoint_steps: 1406 → 4 (one epoch = 256 rows / 64 per step)"]


def test_1_1_optimizer_is_named_with_its_1_9_equivalent(cfg):
    cfg.optimizer = {"type": "FP32StateAdamWeightDecay", "beta1": 0.9, "beta2": 0.95, "eps": 1.0e-8}
    problems = check_config(cfg)
    assert problems[0] == ("optimizer.type: FP32StateAdamWeightDecay is not a MindFormers 1.9 optimizer "
                           "(did you mean AdamW? a MindFormers 1.1 name; `mathtune yaml migrate` rewrites the file)")
    assert len(problems) == 1  # arguments are checked only against a class that exists


@pytest.mark.parametrize("path, bad, expect", [
    ("lr_schedule", "CosineWithWarmupLR", "lr_schedule.type: CosineWithWarmupLR is not a MindFormers 1.9 "
                                          "learning-rate schedule (did you mean CosineWithWarmUpLR?)"),
    ("runner_wrapper", "MFTrainOneStepCel", "runner_wrapper.type: MFTrainOneStepCel is not a MindFormers 1.9 "
                                            "train-step wrapper (did you mean MFTrainOneStepCell?)"),
    ("trainer", "CausalLanguageModelTrainer", "trainer.type: CausalLanguageModelTrainer is not a MindFormers 1.9 "
                                              "trainer (did you mean CausalLanguageModelingTrainer?)"),
    ("train_dataset_task", "CausalLanguageModelDatasets", "train_dataset_task.type: CausalLanguageModelDatasets is not "
                                                          "a MindFormers 1.9 dataset (did you mean "
                                                          "CausalLanguageModelDataset?)"),
    ("train_dataset.data_loader", "MindDataSet", "train_dataset.data_loader.type: MindDataSet is not a MindFormers 1.9 "
                                                 "dataset loader (did you mean MindDataset?)"),
    ("model.model_config", "LLamaConfig", "model.model_config.type: LLamaConfig is not a MindFormers 1.9 model config "
                                          "(did you mean LlamaConfig?)"),
    ("model.arch", "LlamaForCausalLLM", "model.arch.type: LlamaForCausalLLM is not a MindFormers 1.9 model "
                                        "(did you mean LlamaForCausalLM?)"),
    ("metric", "PerplexityMetrics", "metric.type: PerplexityMetrics is not a MindFormers 1.9 metric "
                                    "(did you mean PerplexityMetric?)"),
    ("processor", "LlamaProcesor", "processor.type: LlamaProcesor is not a MindFormers 1.9 processor "
                                   "(did you mean LlamaProcessor?)"),
])
def test_every_section_type_is_resolved(cfg, path, bad, expect):
    node = cfg
    for part in path.split("."):
        if part not in node:
            node[part] = {}
        node = node[part]
    node["type"] = bad
    assert expect in check_config(cfg)


def test_callbacks_are_named_by_their_place(cfg):
    cfg.callbacks[1]["type"] = "CheckpointMointor"
    cfg.callbacks.append({"type": "ObsMonitor"})
    problems = check_config(cfg)
    assert problems == [
        "callbacks[1].type: CheckpointMointor is not a MindFormers 1.9 callback (did you mean CheckpointMonitor? "
        "a MindFormers 1.1 name; `mathtune yaml migrate` rewrites the file)",
        "callbacks[2].type: ObsMonitor is not a MindFormers 1.9 callback (a MindFormers 1.1 name; "
        "`mathtune yaml migrate` rewrites the file)"]


def test_arguments_the_class_does_not_take(cfg):
    cfg.optimizer["beta1"] = 0.9  # FP32StateAdamWeightDecay's spelling; 1.9's AdamW takes betas
    cfg.callbacks[1]["save_checkpoint_step"] = 5
    assert check_config(cfg) == [
        "optimizer.beta1: AdamW takes no argument 'beta1' (did you mean betas?)",
        "callbacks[1].save_checkpoint_step: CheckpointMonitor takes no argument 'save_checkpoint_step' "
        "(did you mean save_checkpoint_steps?)"]


def test_pet_type_is_resolved(cfg):
    cfg.model.model_config.pet_config["pet_type"] = "lorra"
    assert check_config(cfg) == ["model.model_config.pet_config.pet_type: lorra is not a MindFormers 1.9 tuning "
                                 "method (one of lora, prefixtuning, ptuning2) (did you mean lora?)"]


def test_new_models_need_their_own_names(cfg):
    """use_legacy: False makes MindFormers look up models and configs under its new ("mcore") names."""
    cfg.use_legacy = False
    problems = check_config(cfg)
    assert problems == [
        "model.model_config.type: LlamaConfig is not a MindFormers 1.9 model config with use_legacy: False "
        "(it is a legacy class: set use_legacy: True)",
        "model.arch.type: LlamaForCausalLM is not a MindFormers 1.9 model with use_legacy: False "
        "(it is a legacy class: set use_legacy: True)"]


def test_auto_registered_classes_are_left_to_mindformers(cfg):
    """`auto_register: module.Class` (MindFormers' research tokenizers) is imported at run time, not looked up."""
    cfg.processor = {"type": "LlamaProcessor", "tokenizer": {"type": "Llama3Tokenizer"}}
    assert check_config(cfg) == ["processor.tokenizer.type: Llama3Tokenizer is not a MindFormers 1.9 tokenizer "
                                 "(did you mean LlamaTokenizer?)"]
    cfg.processor["tokenizer"]["auto_register"] = "llama3_tokenizer.Llama3Tokenizer"
    assert check_config(cfg) == []
