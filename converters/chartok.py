"""A character-level Hugging Face tokenizer.json built from the data, for small models.

A model trained from scratch only has to copy characters into a program; one token per character
keeps its vocabulary (and embedding table) tiny. Ids: <pad>=0, <s>=1, </s>=2, <unk>=3.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from converters.files import atomic_path, write_json

SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")


def build_char_tokenizer(texts: Iterable[str], out_dir: str | os.PathLike, extra: str = "") -> Path:
    """Write tokenizer.json + tokenizer_config.json covering every character in `texts` (+ `extra`)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

    chars = set(extra)
    for text in texts:
        chars.update(text)
    vocab = {tok: i for i, tok in enumerate(SPECIALS)}
    for ch in sorted(chars):
        vocab.setdefault(ch, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.add_special_tokens(list(SPECIALS))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "tokenizer.json") as tmp:
        tok.save(str(tmp))
    write_json(out / "tokenizer_config.json", {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>",
                                               "unk_token": "<unk>", "model_max_length": 4096})
    return out / "tokenizer.json"


def conversation_texts(path: str | os.PathLike) -> Iterable[str]:
    """Every human and gpt text in a conversations JSON file."""
    from converters.mindrecord import read_conversations

    for _, human, gpt in read_conversations(path):
        yield human
        yield gpt
