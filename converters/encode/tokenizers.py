"""Tokenizers for MindRecord: Llama 3 (tiktoken), Hugging Face tokenizer.json, sentencepiece."""
from __future__ import annotations

import base64
import json
import os
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from fileio.errors import InputError

# Meta's pattern groups up to three digits; MindFormers' research Llama3Tokenizer (the one the
# contest's MindRecords were made with) uses \p{N}, one digit per pre-token.
_PAT_HEAD = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|"
_PAT_TAIL = r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
LLAMA3_PATTERNS = {"single": _PAT_HEAD + r"\p{N}" + _PAT_TAIL, "meta": _PAT_HEAD + r"\p{N}{1,3}" + _PAT_TAIL}
LLAMA3_SPECIAL = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                  "<|reserved_special_token_1|>", "<|reserved_special_token_2|>",
                  "<|reserved_special_token_3|>", "<|start_header_id|>", "<|end_header_id|>",
                  "<|reserved_special_token_4|>", "<|eot_id|>"] + [
    f"<|reserved_special_token_{i}|>" for i in range(5, 251)]


_POOL = ThreadPoolExecutor(2, thread_name_prefix="tokenize")
_TIKTOKEN_LINE = re.compile(rb"[A-Za-z0-9+/]+=* \d+")


class Tokenizer(Protocol):
    bos_id: int
    eos_id: int
    pad_id: int

    def encode_batch(self, texts: list[str]) -> list[list[int]]: ...

    def decode(self, ids: list[int]) -> str: ...

    def describe(self) -> dict: ...


def default_llama3_path() -> Path:
    """Meta's Llama 3 tokenizer.model as shipped in the `llama-models` package."""
    try:
        import llama_models
    except ImportError:
        raise InputError("the Llama 3 tokenizer needs `pip install --no-deps llama-models==0.3.0` "
                         "(or pass --tokenizer PATH)") from None
    return Path(llama_models.__file__).parent / "llama3" / "tokenizer.model"


class Llama3Tokenizer:
    """tiktoken over Meta's ranks; specials at 128000+ as in MindFormers (pad 128002)."""

    def __init__(self, path: str | os.PathLike | None = None, digits: str = "single"):
        import tiktoken

        if digits not in LLAMA3_PATTERNS:
            raise ValueError(f"digits must be one of {sorted(LLAMA3_PATTERNS)}, not {digits!r}")
        self.path = Path(path) if path else default_llama3_path()
        ranks = _read_tiktoken_ranks(self.path)
        specials = {tok: len(ranks) + i for i, tok in enumerate(LLAMA3_SPECIAL)}
        self.digits = digits
        self.enc = tiktoken.Encoding("llama3-" + digits, pat_str=LLAMA3_PATTERNS[digits],
                                     mergeable_ranks=ranks, special_tokens=specials)
        self.bos_id, self.eos_id, self.pad_id = (specials[t] for t in LLAMA3_SPECIAL[:3])
        self.vocab_size = self.enc.n_vocab

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        # NFC as MindFormers' wrapper does; special-token text in data stays plain text.
        texts = [unicodedata.normalize("NFC", t) for t in texts]
        if len(texts) < 256:
            return [self.enc.encode_ordinary(t) for t in texts]
        # One chunk per core: tiktoken releases the GIL, and its own batch call makes a
        # future per text, which costs more than the encoding itself.
        half = len(texts) // 2
        parts = _POOL.map(self._encode_list, (texts[:half], texts[half:]))
        return [ids for part in parts for ids in part]

    def _encode_list(self, texts: list[str]) -> list[list[int]]:
        return [self.enc.encode_ordinary(t) for t in texts]

    def decode(self, ids: list[int]) -> str:
        return self.enc.decode([int(i) for i in ids])

    def describe(self) -> dict:
        return {"kind": "llama3-tiktoken", "path": str(self.path.resolve()), "digits": self.digits,
                "vocab_size": self.vocab_size, "bos_id": self.bos_id, "eos_id": self.eos_id,
                "pad_id": self.pad_id}


def _read_tiktoken_ranks(path: Path) -> dict[bytes, int]:
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise InputError(f"tokenizer file {path}: cannot read: {exc.strerror or exc}") from None
    ranks = {}
    for lineno, line in enumerate(lines, start=1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except ValueError:
            raise InputError(f"{path}:{lineno}: not a tiktoken BPE file (expected 'base64 rank')") from None
    if not ranks:
        raise InputError(f"{path}: empty tokenizer file")
    return ranks


class HFTokenizer:
    """A Hugging Face `tokenizer.json`; special tokens from arguments or a tokenizer_config.json beside it."""

    def __init__(self, path: str | os.PathLike, bos: str | None = None, eos: str | None = None,
                 pad: str | None = None):
        from tokenizers import Tokenizer as _Tok

        self.path = Path(path)
        try:
            self.tok = _Tok.from_file(str(self.path))
        except Exception as exc:  # the library raises a bare Exception for a bad file
            raise InputError(f"{self.path}: not a Hugging Face tokenizer.json ({exc})") from None
        config = {}
        cfg_path = self.path.with_name("tokenizer_config.json")
        if cfg_path.exists():
            config = json.loads(cfg_path.read_text(encoding="utf-8"))
        names = {"bos": bos or _token_name(config.get("bos_token")),
                 "eos": eos or _token_name(config.get("eos_token")),
                 "pad": pad or _token_name(config.get("pad_token"))}
        ids = {}
        for role, name in names.items():
            if name is None and role == "pad":
                ids[role] = ids["eos"]
                continue
            token_id = self.tok.token_to_id(name) if name is not None else None
            if token_id is None:
                raise InputError(f"{self.path}: no {role} token (got {name!r}); pass --{role} TOKEN "
                                 f"or put {role}_token in {cfg_path.name}")
            ids[role] = token_id
        self.bos_id, self.eos_id, self.pad_id = ids["bos"], ids["eos"], ids["pad"]
        self.vocab_size = self.tok.get_vocab_size()

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tok.encode_batch(texts, add_special_tokens=False)]

    def decode(self, ids: list[int]) -> str:
        return self.tok.decode([int(i) for i in ids], skip_special_tokens=False)

    def describe(self) -> dict:
        return {"kind": "hf-tokenizer-json", "path": str(self.path.resolve()), "vocab_size": self.vocab_size,
                "bos_id": self.bos_id, "eos_id": self.eos_id, "pad_id": self.pad_id}


def _token_name(value) -> str | None:
    if isinstance(value, dict):
        return value.get("content")
    return value


class SentencePieceTokenizer:
    """A sentencepiece model; pad falls back to EOS when the model defines none."""

    def __init__(self, path: str | os.PathLike):
        import sentencepiece as spm

        self.path = Path(path)
        try:
            self.sp = spm.SentencePieceProcessor(model_file=str(self.path))
        except (OSError, RuntimeError) as exc:
            raise InputError(f"{self.path}: not a sentencepiece model ({exc})") from None
        self.bos_id, self.eos_id = self.sp.bos_id(), self.sp.eos_id()
        if self.bos_id < 0 or self.eos_id < 0:
            raise InputError(f"{self.path}: the sentencepiece model defines no BOS/EOS")
        self.pad_id = self.sp.pad_id() if self.sp.pad_id() >= 0 else self.eos_id
        self.vocab_size = self.sp.get_piece_size()

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return self.sp.encode(texts)

    def decode(self, ids: list[int]) -> str:
        return self.sp.decode([int(i) for i in ids])

    def describe(self) -> dict:
        return {"kind": "sentencepiece", "path": str(self.path.resolve()), "vocab_size": self.vocab_size,
                "bos_id": self.bos_id, "eos_id": self.eos_id, "pad_id": self.pad_id}


def load_tokenizer(spec: str | None = None, digits: str = "single", bos: str | None = None,
                   eos: str | None = None, pad: str | None = None) -> Tokenizer:
    """'llama3' or None → the packaged Llama 3 file; `*.json` → HF; otherwise sniff the file."""
    if spec in (None, "", "llama3"):
        return Llama3Tokenizer(None, digits)
    path = Path(spec)
    if not path.is_file():
        raise InputError(f"tokenizer file not found: {path}")
    if path.suffix == ".json":
        return HFTokenizer(path, bos, eos, pad)
    with open(path, "rb") as handle:
        first_line = handle.read(256).split(b"\n", 1)[0]
    if _TIKTOKEN_LINE.fullmatch(first_line):
        return Llama3Tokenizer(path, digits)
    return SentencePieceTokenizer(path)
