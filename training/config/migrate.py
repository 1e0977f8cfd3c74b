"""`mathtune yaml migrate`: a MindFormers 1.1-era config (the contest's) rewritten for MindFormers 1.9.

Each rule rewrites the loaded YAML tree in place (comments and order kept) and returns what it changed
and what it could not: what has no 1.9 equivalent is named, never guessed. The facts behind the rules:
- 1.9 registers no `FP32StateAdamWeightDecay`; its `AdamW` is the same update and keeps its moments in
  float32 (core/optim/adamw.py). The 1.1 class took beta1/beta2 and defaulted eps to 1e-6; AdamW takes
  betas and defaults eps to 1e-8, so a missing eps is written out.
- `CheckpointMointor` was the class's own (misspelt) name in older MindFormers; 1.9 has `CheckpointMonitor`.
- `ObsMonitor` uploaded outputs to Huawei Cloud OBS on ModelArts; 1.9 has no such callback.
- 1.9 reads `parallel.strategy_ckpt_save_file` (utils/file_utils.py: set_strategy_save_path) and saves to
  output_dir/strategy/<name>_rank_N.ckpt; a `save_file` nested in `parallel.strategy_ckpt_config` is
  overridden by it. `load_file` and `only_trainable_params` there still reach MindSpore and stay.
- 1.9's loader (tools/register/template.py) ignores top-level keys it does not know, and refuses
  unknown keys in runner_config, parallel_config, recompute_config, swap_config and moe_config.
"""
from __future__ import annotations

import os

from training.config.keys import model_keys
from training.config.registry import OLD_NAMES

FP32_STATE_DEFAULTS = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-6}  # FP32StateAdamWeightDecay.__init__ in 1.1
STRICT_SECTIONS = ("runner_config", "parallel_config", "recompute_config", "swap_config", "moe_config")
# top-level keys of 1.1 configs that 1.9 reads as dataset options (CausalLanguageModelDataset's arguments)
DATASET_KEYS = ("auto_tune", "filepath_prefix", "autotune_per_step")


def _optimizer(tree) -> tuple[list[str], list[str]]:
    opt = tree.get("optimizer")
    if not isinstance(opt, dict) or opt.get("type") != "FP32StateAdamWeightDecay":
        return [], []
    beta1 = opt.pop("beta1", FP32_STATE_DEFAULTS["beta1"])
    beta2 = opt.pop("beta2", FP32_STATE_DEFAULTS["beta2"])
    from ruamel.yaml.comments import CommentedSeq

    betas = CommentedSeq([beta1, beta2])
    betas.fa.set_flow_style()  # betas: [0.9, 0.95], as MindFormers' own configs write it
    opt["type"] = "AdamW"
    _put_after(opt, "type", "betas", betas)
    changes = ["optimizer.type: FP32StateAdamWeightDecay → AdamW (1.9's AdamW keeps its moments in float32 too)",
               f"optimizer.beta1, beta2: {beta1}, {beta2} → optimizer.betas: [{beta1}, {beta2}]"]
    if "eps" not in opt:
        _put_after(opt, "betas", "eps", FP32_STATE_DEFAULTS["eps"])
        changes.append("optimizer.eps: 1e-06 written out (the 1.1 class's default; AdamW's is 1e-08)")
    return changes, []  # other arguments AdamW refuses are named by _remaining_types


def _put_after(block, after: str, key, value) -> None:
    keys = list(block.keys())
    if hasattr(block, "insert") and after in keys:
        block.insert(keys.index(after) + 1, key, value)
    else:
        block[key] = value


def _callbacks(tree) -> tuple[list[str], list[str]]:
    changes = []
    for section in ("callbacks", "eval_callbacks"):
        items = tree.get(section)
        if not isinstance(items, list):
            continue
        kept = []
        for i, cb in enumerate(items):
            name = cb.get("type") if isinstance(cb, dict) else None
            if name and ("callback", name) in OLD_NAMES:
                new = OLD_NAMES[("callback", name)]
                if new is None:
                    changes.append(f"{section}[{i}]: {name} removed (it uploaded outputs to Huawei Cloud OBS "
                                   "on ModelArts; MindFormers 1.9 has no such callback: copy output_dir yourself)")
                    continue
                cb["type"] = new
                changes.append(f"{section}[{i}].type: {name} → {new}")
            kept.append(cb)
        if not kept and section == "eval_callbacks":
            del tree[section]
            changes.append("eval_callbacks: removed (empty)")
        elif len(kept) != len(items):
            _keep_trailing_comment(items[-1], kept[-1])
            items[:] = kept
    return changes, []


def _keep_trailing_comment(removed, last) -> None:
    """ruamel hangs the comment after a list (the next section's heading) on its last item: move it."""
    ca_old, ca_new = getattr(removed, "ca", None), getattr(last, "ca", None)
    if removed is last or ca_old is None or ca_new is None or not ca_old.items or not len(last):
        return
    comment = list(ca_old.items.values())[-1]
    if len(comment) > 2 and comment[2] is not None:
        slot = ca_new.items.setdefault(list(last.keys())[-1], [None, None, None, None])
        slot[2] = comment[2]


def _strategy(tree) -> tuple[list[str], list[str]]:
    par = tree.get("parallel")
    nested = par.get("strategy_ckpt_config") if isinstance(par, dict) else None
    if not isinstance(nested, dict) or "save_file" not in nested:
        return [], []
    save = nested.pop("save_file")
    changes = []
    if "strategy_ckpt_save_file" not in par:
        _put_after(par, "strategy_ckpt_config", "strategy_ckpt_save_file", save)
    changes.append(f"parallel.strategy_ckpt_config.save_file: {save!r} → parallel.strategy_ckpt_save_file "
                   "(1.9 reads that one and saves output_dir/strategy/<name>_rank_N.ckpt)")
    if not nested:
        del par["strategy_ckpt_config"]
    return changes, []


def _top_level(tree) -> tuple[list[str], list[str]]:
    from mindformers.tools.register.template import CONFIG_NAME_TO_CLASS

    known = set(CONFIG_NAME_TO_CLASS) | set(CONFIG_NAME_TO_CLASS["general_config"].keys())
    auto_tune = bool(tree.get("auto_tune"))
    changes = []
    for key in [k for k in tree if k not in known]:
        value = tree.pop(key)
        if key in DATASET_KEYS and auto_tune and isinstance(tree.get("train_dataset"), dict):
            tree["train_dataset"][key] = value
            changes.append(f"{key}: moved to train_dataset.{key} (a dataset option in 1.9)")
        else:
            changes.append(f"{key}: removed (MindFormers 1.9 does not read it at the top level; it was {value!r})")
    return changes, []


def _strict_sections(tree) -> tuple[list[str], list[str]]:
    from mindformers.tools.register.template import CONFIG_NAME_TO_CLASS

    left = []
    for section in STRICT_SECTIONS:
        block = tree.get(section)
        if isinstance(block, dict):
            known = set(CONFIG_NAME_TO_CLASS[section].keys())
            left += [f"{section}.{k}: MindFormers 1.9 refuses this key (its {section} has: "
                     f"{', '.join(sorted(known))})" for k in block if k not in known]
    return [], left


def _model_keys(tree) -> tuple[list[str], list[str]]:

    mc = (tree.get("model") or {}).get("model_config")
    if not isinstance(mc, dict) or mc.get("type") != "LlamaConfig":
        return [], []
    known = model_keys()
    return [], [f"model.model_config.{k}: MindFormers 1.9's LlamaConfig has no such key" for k in mc if k not in known]


def _remaining_types(tree) -> tuple[list[str], list[str]]:
    from training.config.registry import check_types

    return [], check_types(tree)


RULES = [_optimizer, _callbacks, _strategy, _top_level, _strict_sections, _model_keys, _remaining_types]


def migrate_tree(tree) -> tuple[list[str], list[str]]:
    """Rewrite a loaded YAML tree in place; returns (changes made, what could not be migrated)."""
    changes, left = [], []
    for rule in RULES:
        done, cannot = rule(tree)
        changes += done
        left += cannot
    return changes, left


def migrate_file(src: str | os.PathLike, out: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Read a config, migrate it, write `out` atomically (comments and order kept)."""
    from fileio.atomic import check_output
    from training.config.yamledit import read_yaml, write_yaml

    check_output(out)
    tree = read_yaml(src)
    changes, left = migrate_tree(tree)
    write_yaml(out, tree)
    return changes, left


__all__ = ["migrate_file", "migrate_tree", "RULES"]
