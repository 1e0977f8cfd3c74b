"""Training on packed MindRecords (`data mindrecord --pack`): each sample attends only to itself.

A packed row carries a `segment_ids` column (converters/encode/packing.py). MindFormers builds the data
pipeline from the config as usual; one map step after it turns `segment_ids` into the
block-diagonal causal `attention_mask` that `LlamaForCausalLM.construct` takes, and MindFormers'
`construct_args_key` hands the columns to the model by name.

Why not MindFormers' own `eod_reset` (dataset/causal_language_model_dataset.py in 1.9): its map
reads `input_ids` alone and outputs input_ids, position_id and attention_mask, so the `labels`
column (prompt tokens masked) is dropped; its mask is float with 1 = may attend, while Llama casts
`attention_mask` to uint8 and hands it to flash attention, where 1 = masked out; and it cuts at every
EOS token, which ChatML data has at the end of each turn, not only of each sample. Llama ignores
`position_ids` on this path (rotary positions run 0…seq-1 across the row); rotary embeddings depend
only on the distance between positions, so a sample at an offset computes as at position 0.
"""
from __future__ import annotations

from training.config.errors import ConfigError

IN_COLUMNS = ["input_ids", "labels", "segment_ids"]  # read from the MindRecord
MODEL_COLUMNS = ["input_ids", "labels", "attention_mask"]  # handed to the model's construct by name


def setup_packed(cfg, meta: dict, data_path: str) -> list[str]:
    """Point a config at a packed MindRecord's columns; no change for unpacked data."""
    if not meta.get("packed"):
        if is_packed(cfg):  # a config saved by a packed run, now given unpacked data
            for block in _dataset_blocks(cfg):
                block.input_columns = ["input_ids", "labels"]
                block.pop("construct_args_key", None)
            return ["unpacked data: train_dataset.input_columns back to input_ids, labels"]
        return []
    if "segment_ids" not in meta.get("columns", []):
        raise ConfigError(f"{data_path}: packed without sample boundaries (made before segment_ids were "
                          "written); write it again with `mathtune data mindrecord --pack`")
    for block in _dataset_blocks(cfg):
        block.input_columns = list(IN_COLUMNS)
        block.construct_args_key = list(MODEL_COLUMNS)
    notes = ["packed data: each sample attends only to itself (block-diagonal attention_mask from the "
             "segment_ids column)"]
    model_cfg = cfg.model.model_config
    for key in ("use_attn_mask_compression", "use_eod_attn_mask_compression"):
        if model_cfg.get(key):  # flash attention would read a compressed 2048² mask, not this full one
            model_cfg[key] = False
            notes.append(f"model.model_config.{key}: True → False (packed rows bring a full mask)")
    return notes


def _dataset_blocks(cfg) -> list:
    blocks = [cfg.train_dataset]
    task = cfg.get("train_dataset_task")
    if task is not None and task.get("dataset_config") is not None:
        blocks.append(task.dataset_config)
    return blocks


def is_packed(cfg) -> bool:
    """Whether `setup_packed` pointed this config at a packed MindRecord."""
    return "segment_ids" in list(cfg.train_dataset.get("input_columns") or [])


def with_attention_mask(dataset):
    """A batched MindSpore dataset with `segment_ids` → the same with `attention_mask` instead."""
    from converters.encode.packing import packed_attention_mask

    return dataset.map(operations=packed_attention_mask, input_columns=["segment_ids"],
                       output_columns=["attention_mask"])


def add_mask_step(trainer) -> None:
    """Append `with_attention_mask` to the dataset MindFormers builds for `trainer` from its config."""
    task = trainer.trainer  # the task trainer whose training_process builds the dataset
    build = task.create_train_dataset
    task.create_train_dataset = lambda *args, **kwargs: with_attention_mask(build(*args, **kwargs))
