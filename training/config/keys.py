"""The keys a config may hold (MindFormers' own parameters, read from the installed classes) and the
1.1-era layouts that MindFormers 1.9 loads but ignores."""
from __future__ import annotations

import functools
from pathlib import Path

# model_config keys beyond LlamaConfig's own parameters that MindFormers' YAMLs use
MODEL_EXTRA_KEYS = {"type", "pet_config"}
PET_EXTRA_KEYS = {"pet_type"}


@functools.lru_cache(maxsize=None)
def _params(cls_path: str) -> frozenset[str]:
    import importlib
    import inspect

    module, name = cls_path.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    return frozenset(p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "kwargs"))


@functools.lru_cache(maxsize=None)
def _generation_keys() -> frozenset[str]:
    """Generation settings MindFormers also reads from model_config (GenerationConfig's kwargs)."""
    import re

    import mindformers.generation.generation_config as gen

    source = Path(gen.__file__).read_text(encoding="utf-8")
    return frozenset(re.findall(r'kwargs\.pop\("([a-z_]+)"', source))


def model_keys() -> frozenset[str]:
    return _params("mindformers.models.llama.LlamaConfig") | _generation_keys() | MODEL_EXTRA_KEYS


def lora_keys() -> frozenset[str]:
    return _params("mindformers.pet.pet_config.LoraConfig") | PET_EXTRA_KEYS


def old_layout(cfg) -> list[str]:
    """Problems `yaml check` reports for 1.1 layouts that 1.9 loads but silently ignores."""
    par = cfg.get("parallel") or {}
    nested = par.get("strategy_ckpt_config") or {}
    if isinstance(nested, dict) and "save_file" in nested:
        return ["parallel.strategy_ckpt_config.save_file is ignored by MindFormers 1.9 (it saves the strategy to "
                "output_dir/strategy/ named after parallel.strategy_ckpt_save_file); `mathtune yaml migrate` moves it"]
    return []
