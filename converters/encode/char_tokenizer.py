"""Small Hugging Face tokenizer.json files built from the data, for models trained from scratch.

A model trained from scratch only has to copy numbers into a program. Two kinds, both with one
token per digit so that copying a number is copying digits:
- character-level: one token per character;
- `merges > 0`: byte-pair merges inside runs of letters, Chinese and spaces (`from decimal import
  Decimal` becomes one token), while digits, signs, decimal points, `_` (the steps style's filler) and newlines stay single tokens. Sequences
  get about 40% shorter, so a CPU step costs less; no token crosses a line, so a response encodes
  the same whole or in its program / output / answer segments.
Ids: <pad>=0, <s>=1, </s>=2, <unk>=3.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from fileio.atomic import atomic_path, write_json

SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")


# Single tokens: the parts of a number (digits, or chunks of up to `digits` of them from the left,
# as Llama 3 groups 3), the sign, the decimal point; and newlines. With `whole` = N, an integer of
# more than `digits` digits up to N that stands alone (no digit on either side) is one piece: a list
# of values 1-100 is then one token per value, as every value under 100 already is.
# With `items`, such an integer and the `, ` after it are one piece (`70, `), so copying a list is
# a one-step lookup (the token after this one in the problem), not "the number after the comma that
# follows the number I just wrote".
def _single(digits: int, whole: int = 0, items: bool = False) -> str:
    chunk = r"[0-9]" if digits == 1 else f"[0-9]{{1,{digits}}}"
    chunks = chunk + r"|\n|[-._]"
    values = whole_values(digits, whole)
    if values:
        chunks = f"(?<![0-9])(?:{'|'.join(values)})(?![0-9])|" + chunks
    if items:
        chunks = f"(?<![0-9.])(?:{'|'.join(values + [chunk])}), |" + chunks
    return chunks


def whole_values(digits: int, whole: int) -> list[str]:
    """The integers kept whole: more than `digits` digits, up to `whole`, longest alternatives first."""
    return [str(v) for v in range(whole, 10 ** digits - 1, -1)] if whole >= 10 ** digits else []


def build_char_tokenizer(texts: Iterable[str], out_dir: str | os.PathLike, extra: str = "",
                         merges: int = 0, digits: int = 1, whole: int = 0, items: bool = False) -> Path:
    """Write tokenizer.json + tokenizer_config.json covering every character in `texts` (+ `extra`);
    with `merges`, also up to that many byte-pair merges (see the module docstring), plus room for
    the `whole` numbers' and the list items' merges (each is learned if the data has it)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    texts = list(texts) if merges else texts
    chars = set(extra)
    for text in texts:
        chars.update(text)
    alphabet = sorted(chars)
    if merges:
        tok = Tokenizer(models.BPE(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Split(Regex(_single(digits, whole, items)), behavior="isolated")
        extra_merges = len(whole_values(digits, whole)) + (10 ** digits if items else 0)
        trainer = trainers.BpeTrainer(vocab_size=len(SPECIALS) + len(alphabet) + merges + extra_merges,
                                      special_tokens=list(SPECIALS),
                                      initial_alphabet=alphabet, limit_alphabet=len(alphabet), show_progress=False)
        tok.train_from_iterator(texts, trainer)
    else:
        vocab = {t: i for i, t in enumerate(SPECIALS)}
        for ch in alphabet:
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
    from converters.encode.mindrecord import read_conversations

    for _, human, gpt in read_conversations(path):
        yield human
        yield gpt
