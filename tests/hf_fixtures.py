"""A tiny random Llama written as a real Hugging Face folder: config.json by transformers' LlamaConfig,
weights by the safetensors package (sharded with model.safetensors.index.json, as save_pretrained
shards), tokenizer.json + tokenizer_config.json by transformers' PreTrainedTokenizerFast."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

TINY_HF = dict(hidden_size=64, intermediate_size=96, num_attention_heads=4, num_key_value_heads=2,
               num_hidden_layers=2, rms_norm_eps=1e-5, rope_theta=500000.0, max_position_embeddings=128,
               bos_token_id=1, eos_token_id=2)
WORDS = ["<unk>", "<s>", "</s>", "<pad>"] + [chr(c) for c in range(32, 127)] + ["你", "好", "计", "算"]


def write_tokenizer(folder: Path) -> int:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(vocab={w: i for i, w in enumerate(WORDS)}, merges=[], unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")  # one token per character
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   pad_token="<pad>")
    fast.save_pretrained(str(folder))
    return len(WORDS)


def hf_tensors(cfg: dict, rng: np.random.Generator, tied: bool) -> dict[str, np.ndarray]:
    h, inter, vocab = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    kv = h // cfg["num_attention_heads"] * cfg["num_key_value_heads"]

    def mat(*shape):
        return (rng.standard_normal(shape) * 0.2).astype(np.float32)

    t = {"model.embed_tokens.weight": mat(vocab, h), "model.norm.weight": 1 + mat(h)}
    if not tied:
        t["lm_head.weight"] = mat(vocab, h)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        t.update({p + "self_attn.q_proj.weight": mat(h, h), p + "self_attn.k_proj.weight": mat(kv, h),
                  p + "self_attn.v_proj.weight": mat(kv, h), p + "self_attn.o_proj.weight": mat(h, h),
                  p + "mlp.gate_proj.weight": mat(inter, h), p + "mlp.up_proj.weight": mat(inter, h),
                  p + "mlp.down_proj.weight": mat(h, inter), p + "input_layernorm.weight": 1 + mat(h),
                  p + "post_attention_layernorm.weight": 1 + mat(h)})
    return t


def write_hf_llama(folder: Path, tied: bool = False, sharded: bool = True, seed: int = 0) -> dict[str, np.ndarray]:
    """Write the folder; returns its tensors by HF name."""
    from safetensors.numpy import save_file
    from transformers import LlamaConfig

    folder.mkdir(parents=True, exist_ok=True)
    vocab = write_tokenizer(folder)
    config = LlamaConfig(vocab_size=vocab, tie_word_embeddings=tied, pad_token_id=None, **TINY_HF)
    config.architectures = ["LlamaForCausalLM"]
    config.save_pretrained(str(folder))
    tensors = hf_tensors(config.to_dict(), np.random.default_rng(seed), tied)
    if not sharded:
        save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
        return tensors
    names = sorted(tensors)
    shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    weight_map = {}
    for file, part in shards.items():
        save_file({k: tensors[k] for k in part}, str(folder / file), metadata={"format": "pt"})
        weight_map.update({k: file for k in part})
    index = {"metadata": {"total_size": int(sum(v.nbytes for v in tensors.values()))}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
    return tensors
