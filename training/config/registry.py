"""Every `type:` of a config resolved against the installed MindFormers' registry, before a run.

MindFormers builds each section by name (`MindFormerRegister.get_cls(module_type, name)`), so a class
that this version does not register (a 1.1 name, a typo) fails only when the Trainer reaches it — on
the NPUs, minutes into a run. This module asks the same registry up front and names the section.
"""
from __future__ import annotations

import difflib
import functools
import inspect
from typing import Iterator

# (section path, MindFormerModuleType value, what to call it in a message). A path may hold a list
# (callbacks) or a mapping; "[]" marks a list of sections.
SECTIONS = [
    ("trainer", "trainer", "trainer"),
    ("optimizer", "optimizer", "optimizer"),
    ("lr_schedule", "lr", "learning-rate schedule"),
    ("runner_wrapper", "wrapper", "train-step wrapper"),
    ("callbacks[]", "callback", "callback"),
    ("eval_callbacks[]", "callback", "callback"),
    ("train_dataset_task", "dataset", "dataset"),
    ("eval_dataset_task", "dataset", "dataset"),
    ("train_dataset.data_loader", "dataset_loader", "dataset loader"),
    ("eval_dataset.data_loader", "dataset_loader", "dataset loader"),
    ("metric", "metric", "metric"),
    ("model.model_config", "config", "model config"),
    ("model.arch", "models", "model"),
    ("processor", "processor", "processor"),
    ("processor.tokenizer", "tokenizer", "tokenizer"),
]
# Arguments are checked only where the config's keys go straight to the class (the others are
# reshaped by MindFormers' builders first, e.g. a data loader's dataset_dir).
ARGS_CHECKED = {"optimizer", "lr", "wrapper", "callback", "metric"}

# MindFormers 1.1 names that 1.9 lacks, with their 1.9 equivalent (None: nothing to replace them).
# `mathtune yaml migrate` rewrites these; the check points to it.
OLD_NAMES = {
    ("optimizer", "FP32StateAdamWeightDecay"): "AdamW",
    ("callback", "CheckpointMointor"): "CheckpointMonitor",  # the class's own (misspelt) name in older MindFormers
    ("callback", "ObsMonitor"): None,  # uploaded outputs to Huawei Cloud OBS (ModelArts); gone in 1.9
}


@functools.lru_cache(maxsize=None)
def mindformers_version() -> str:
    import mindformers

    return ".".join(mindformers.__version__.split(".")[:2])


def _registry():
    import mindformers  # noqa: F401  (importing it registers every class)
    from mindformers.tools.register import MindFormerRegister

    return MindFormerRegister


def _key(module_type: str, name: str, legacy: bool) -> str:
    # 1.9 registers its new ("mcore") models and configs under a prefix when use_legacy is False
    return f"mcore_{name}" if not legacy and module_type in ("models", "config") else name


def lookup(module_type: str, name: str, legacy: bool = True):
    """The class MindFormers would build for `name`, or None (same rules as MindFormerRegister.get_cls)."""
    reg = _registry()
    key = _key(module_type, name, legacy)
    key = reg.search_names_map.get((module_type, key), key)
    return reg.registry.get(module_type, {}).get(key)


def known_names(module_type: str, legacy: bool = True) -> list[str]:
    names = _registry().registry.get(module_type, {})
    if legacy or module_type not in ("models", "config"):
        return sorted(n for n in names if not n.startswith("mcore_"))
    return sorted(n.removeprefix("mcore_") for n in names if n.startswith("mcore_"))


def sections(cfg) -> Iterator[tuple[str, str, str, dict]]:
    """(path, module type, label, block) for every block of the config that names a class."""
    for path, module_type, label in SECTIONS:
        listed = path.endswith("[]")
        node, parts = cfg, path.removesuffix("[]").split(".")
        for part in parts:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            continue
        blocks = list(enumerate(node)) if listed or isinstance(node, list) else [(None, node)]
        for i, block in blocks:
            if isinstance(block, dict) and block.get("type") is not None:
                yield (f"{path.removesuffix('[]')}[{i}]" if i is not None else path), module_type, label, block


def _accepted(cls) -> frozenset[str] | None:
    """Keyword arguments the class takes, or None when it takes any (**kwargs)."""
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return frozenset(p.name for p in params)


def _hint(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def check_types(cfg) -> list[str]:
    """One sentence per `type:` this MindFormers does not register, and per argument its class refuses."""
    problems = []
    legacy = cfg.get("use_legacy", True) is not False
    version = mindformers_version()
    for path, module_type, label, block in sections(cfg):
        name = str(block["type"])
        if block.get("auto_register"):
            continue  # MindFormers imports and registers it from that module path at run time
        cls = lookup(module_type, name, legacy)
        if cls is None:
            where = f"{path}.type: {name} is not a MindFormers {version} {label}"
            if (module_type, name) in OLD_NAMES:
                new = OLD_NAMES[(module_type, name)]
                problems.append(where + (f" (did you mean {new}? " if new else " (")
                                + "a MindFormers 1.1 name; `mathtune yaml migrate` rewrites the file)")
            elif not legacy and lookup(module_type, name, legacy=True) is not None:
                problems.append(where + " with use_legacy: False (it is a legacy class: set use_legacy: True)")
            else:
                problems.append(where + _hint(name, known_names(module_type, legacy)))
            continue
        if module_type in ARGS_CHECKED:
            accepted = _accepted(cls)
            if accepted is not None:
                for key in block:
                    if key != "type" and key not in accepted:
                        problems.append(f"{path}.{key}: {name} takes no argument {key!r}"
                                        + _hint(key, sorted(accepted - {"self"})))
    problems += _check_pet(cfg)
    return problems


def pet_types() -> list[str]:
    """The tuning methods (`pet_type`) this MindFormers builds."""
    from mindformers.pet.pet_model import PET_TYPE_TO_MODEL_MAPPING

    return sorted(PET_TYPE_TO_MODEL_MAPPING)


def _check_pet(cfg) -> list[str]:
    model = cfg.get("model") or {}
    pet = (model.get("model_config") or {}).get("pet_config")
    if not isinstance(pet, dict) or pet.get("pet_type") is None:
        return []  # a missing pet_type is reported by training.config.loader with its own explanation
    choices = pet_types()
    if pet["pet_type"] in choices:
        return []
    return [f"model.model_config.pet_config.pet_type: {pet['pet_type']} is not a MindFormers {mindformers_version()} "
            f"tuning method (one of {', '.join(choices)})" + _hint(str(pet["pet_type"]), choices)]
