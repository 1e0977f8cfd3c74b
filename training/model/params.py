"""Parameter counts of a Llama config, total and LoRA-trainable, computed from its shapes."""
from __future__ import annotations

import re


def linear_shapes(mc) -> dict[str, tuple[int, int]]:
    """(in, out) of each projection in one decoder layer, by MindFormers' names."""
    h, inter = mc["hidden_size"], mc["intermediate_size"]
    kv = mc.get("n_kv_heads") or mc["num_heads"]
    kv_dim = kv * (h // mc["num_heads"])
    return {"attention.wq": (h, h), "attention.wk": (h, kv_dim), "attention.wv": (h, kv_dim),
            "attention.wo": (h, h), "feed_forward.w1": (h, inter), "feed_forward.w2": (inter, h),
            "feed_forward.w3": (h, inter)}


def total_params(mc) -> int:
    h, vocab, layers = mc["hidden_size"], mc["vocab_size"], mc["num_layers"]
    per_layer = sum(i * o for i, o in linear_shapes(mc).values()) + 2 * h  # + two RMSNorm weights
    head = 0 if mc.get("tie_word_embeddings") else vocab * h
    return vocab * h + head + layers * per_layer + h


def lora_params(mc, pet: dict | None) -> int:
    """Trainable parameters of LoRA with rank r on the modules matching target_modules."""
    if not pet:
        return total_params(mc)
    rank = pet["lora_rank"]
    pattern = re.compile(pet.get("target_modules") or ".*")
    per_layer = sum(rank * (i + o) for name, (i, o) in linear_shapes(mc).items()
                    if pattern.fullmatch(f"model.layers.0.{name}"))
    return mc["num_layers"] * per_layer


def describe(mc, pet: dict | None) -> str:
    train, total = lora_params(mc, pet), total_params(mc)
    return f"trainable parameters: {train:,} of {total:,} (ratio {train / total:.6f})"
