"""An oracle for the Llama 3 tokenizers, written from the sources' facts, independent of converters.encode.tokenizers."""
from pathlib import Path

# MindFormers' research/llama3/llama3_tokenizer.py (mindspore-lab/mindformers), PAT_STR as written there:
# `\p{N}` alone, so every digit is its own pre-token. The contest's MindRecords were made with it.
MINDFORMERS_LLAMA3_PAT_STR = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"""
                              r"""| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")
# Meta's llama_models/llama3/tokenizer.py: up to three digits per pre-token.
META_LLAMA3_PAT_STR = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                       r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def mindformers_llama3_oracle(pat_str: str = MINDFORMERS_LLAMA3_PAT_STR):
    """tiktoken built the way MindFormers' Llama3Tokenizer builds it, from the file and the regex alone:
    ranks from the base64 lines, then 256 specials (begin, end, reserved 0-3, header ids, reserved 4,
    eot, reserved 5-250). Shares nothing with converters.encode.tokenizers but the tokenizer.model file."""
    import base64
    from types import SimpleNamespace

    import llama_models
    import tiktoken

    path = Path(llama_models.__file__).parent / "llama3" / "tokenizer.model"
    ranks = {base64.b64decode(t): int(r) for t, r in (line.split() for line in path.read_bytes().splitlines() if line)}
    names = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
             "<|reserved_special_token_2|>", "<|reserved_special_token_3|>", "<|start_header_id|>",
             "<|end_header_id|>", "<|reserved_special_token_4|>", "<|eot_id|>"]
    names += [f"<|reserved_special_token_{i}|>" for i in range(5, 256 - 5)]
    specials = {name: len(ranks) + i for i, name in enumerate(names)}
    enc = tiktoken.Encoding("oracle", pat_str=pat_str, mergeable_ranks=ranks, special_tokens=specials)
    return SimpleNamespace(enc=enc, bos_id=specials["<|begin_of_text|>"], eos_id=specials["<|end_of_text|>"],
                           pad_id=specials["<|reserved_special_token_0|>"])
