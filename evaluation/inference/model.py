"""A tuned model to answer with: loaded from a run folder or a model folder, and the backend that decodes."""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from fileio.errors import InputError
from evaluation.inference.decode import KVDecoder, decode


@dataclass
class Model:
    decoder: KVDecoder
    tokenizer: object
    chat: str
    template: str
    mc: dict
    params: dict | None = None  # kept for the MindFormers backend
    backend: object | None = None  # a MindFormersDecoder, or None for the KV-cache decoder


def use_backend(model: Model, backend: str, seq_length: int = 512) -> Model:
    """'kvcache' (CPU, ours), 'mindformers' (MindFormers' generate), or 'auto' (MindFormers on Ascend)."""
    from training.model.device import pick_device

    if backend == "auto":
        backend = "mindformers" if pick_device("auto") == "ascend" else "kvcache"
    if backend == "mindformers":
        from evaluation.inference.decode import MindFormersDecoder

        model.backend = MindFormersDecoder(model.params, model.mc, pick_device("auto"), seq_length)
    return model


def generate(model: Model, prompts, max_new_tokens, eos_id, min_new_tokens=1, stop=None, on_token=None,
             sampling=None, rngs=None):
    """Token ids generated for each prompt by the model's backend (the KV-cache decoder, or MindFormers'
    generate cut where `stop` says, as the decoder would have stopped)."""
    if model.backend is None:
        return decode(model.decoder, prompts, max_new_tokens, eos_id, min_new_tokens, stop, on_token, sampling, rngs)
    if sampling is not None and not sampling.greedy:
        raise InputError("sampling (--temperature > 0) needs the kvcache backend")
    outs = model.backend.generate(prompts, max_new_tokens, eos_id, min_new_tokens)
    if stop is not None:  # MindFormers cannot stop mid-way: cut where the KV-cache decoder would have stopped
        for i, toks in enumerate(outs):
            for n in range(1, len(toks) + 1):
                if stop(i, toks[:n]):
                    outs[i] = toks[:n]
                    break
    if on_token:
        on_token(sum(len(o) for o in outs))
    return outs


def load_run(run_dir: str | os.PathLike, ckpt: str | None = None, tokenizer: str | None = None,
             template: str | None = None, chat: str | None = None) -> Model:
    """Weights (LoRA folded in with the run's α and r), tokenizer and prompt format of a run."""
    from converters.encode.tokenizers import load_tokenizer
    from training.checkpoints.lora import folded_weights
    from training.checkpoints.params import load_params
    from training.run.runfiles import last_checkpoint, read_run, run_tokenizer_path

    run = Path(run_dir)
    cfg, meta = read_run(run)
    mc = dict(cfg["model"]["model_config"])
    path = Path(ckpt) if ckpt else last_checkpoint(run)
    if path is None:
        raise InputError(f"{run}: no checkpoint under checkpoint/rank_0 (or pass --ckpt)")
    params = folded_weights(load_params(path), mc.get("pet_config"))
    tok_meta = meta["tokenizer"]
    spec = tokenizer or run_tokenizer_path(run, tok_meta)  # the run's own copy, whatever the cwd
    tok = load_tokenizer(spec, digits=tok_meta.get("digits", "single"))
    if template is None and meta.get("template") is None:
        print(f"mathtune: warning: {run}/data.meta.json records no prompt template (data made before templates "
              "were recorded, or mixing them): prompting with the bare problem; pass --template to choose",
              file=sys.stderr)
    return Model(KVDecoder(params, mc), tok, chat or meta.get("chat", "vicuna"),
                 template or meta.get("template") or "none", mc, params)


def load_model_dir(model_dir: str | os.PathLike, template: str | None = None, chat: str | None = None) -> Model:
    """A converted model folder (`mathtune ckpt from-gguf` / `from-hf`: model.ckpt, model_config.json,
    tokenizer.json), or a Hugging Face Llama folder (`export-hf`: config.json, safetensors), converted in memory."""
    from converters.encode.tokenizers import load_tokenizer
    from training.checkpoints.params import load_params, model_weights

    folder = Path(model_dir)
    if (folder / "model_config.json").is_file():
        mc = json.loads((folder / "model_config.json").read_text(encoding="utf-8"))
        params = model_weights(load_params(folder / "model.ckpt"))
    elif (folder / "config.json").is_file():
        from training.checkpoints.hf_import import read_hf_model

        params, mc, _ = read_hf_model(folder)
    else:
        raise InputError(f"{folder}: no model_config.json (a `mathtune ckpt from-gguf`/`from-hf` folder?) "
                         "and no config.json (a Hugging Face folder?)")
    tok = load_tokenizer(str(folder / "tokenizer.json"))
    return Model(KVDecoder(params, mc), tok, chat or "chatml", template or "none", mc, params)
