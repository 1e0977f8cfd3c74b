"""`mathtune data` commands on completed rows and conversations: convert, export, mindrecord, tokenizer, stats."""
from __future__ import annotations

import sys

from converters import pipeline as P
from converters.cli.common import SHOWN_ERRORS, write_dataset
from fileio.atomic import write_json
from fileio.errors import InputError, RowError
from fileio.reading import read_rows

def _read_completed(path: str, errors: list[RowError]) -> list[dict]:
    rows = [r for _, r in read_rows(path, errors, fields=("problem", "response"))]
    if errors:
        for e in errors[:SHOWN_ERRORS]:
            print(e, file=sys.stderr)
    return rows


def cmd_convert(a) -> int:
    errors: list[RowError] = []
    rows = _read_completed(a.input, errors)
    flat, tools = P.conversations(rows, a.template)
    write_json(a.out, flat)
    print(f"wrote {len(flat)} conversations to {a.out} (template {a.template!r})")
    if a.tools_out:
        from pathlib import Path

        from converters.encode.exports import add_dataset_info, sharegpt_entry

        write_json(a.tools_out, tools)
        tools_path = Path(a.tools_out)
        info = add_dataset_info(tools_path.parent, tools_path.stem, sharegpt_entry(tools_path.name))
        print(f"wrote the tool-call form to {a.tools_out} and its entry {tools_path.stem!r} in {info}")
    return 1 if errors else 0


def cmd_export(a) -> int:
    from converters.encode.exports import write_llamafactory, write_swift
    from converters.rules.prompts import render_prompt

    errors: list[RowError] = []
    rows = _read_completed(a.input, errors)
    pairs = [(render_prompt(r["problem"], a.template), r["response"]) for r in rows]
    _, tools = P.conversations(rows, a.template)
    if a.format == "swift":
        print(f"wrote {write_swift(a.out, pairs, tools, a.swift_format)} (ms-swift {a.swift_format}.x)")
    else:
        for path in write_llamafactory(a.out, a.name, pairs, tools):
            print(f"wrote {path}")
    return 1 if errors else 0


def cmd_mindrecord(a) -> int:
    return 1 if write_dataset(a.input, a.out, a)["bad_items"] else 0


def cmd_tokenizer(a) -> int:
    import string

    from converters.encode.char_tokenizer import build_char_tokenizer, conversation_texts, whole_values

    if a.list_items and not a.merges:
        raise InputError("--list-items needs --merges (a character-level tokenizer has one token per character)")
    if a.whole_numbers and not a.merges:
        raise InputError("--whole-numbers needs --merges (a character-level tokenizer has one token per digit)")
    if not 0 <= a.whole_numbers <= 9999:
        raise InputError(f"--whole-numbers {a.whole_numbers}: expected 0 (off) to 9999")
    texts = (t for path in a.inputs for t in conversation_texts(path))
    path = build_char_tokenizer(texts, a.out, extra=string.printable if a.printable else "", merges=a.merges,
                                digits=a.digits, whole=a.whole_numbers, items=a.list_items)
    from converters.encode.tokenizers import load_tokenizer

    tok = load_tokenizer(str(path))
    kept, wanted = "", whole_values(a.digits, a.whole_numbers)
    if wanted:
        single = sum(len(ids) == 1 for ids in tok.encode_batch(wanted))
        kept = f"; {single} of {len(wanted)} whole numbers up to {a.whole_numbers} are one token"
    print(f"wrote {path} ({tok.vocab_size} ids{kept})")
    return 0


def cmd_stats(a) -> int:
    from converters.encode.stats import format_stats, mindrecord_stats, plot_stats

    s = mindrecord_stats(a.input)
    print(format_stats(s))
    if a.png:
        print(f"wrote {plot_stats(s, a.png)}")
    return 0
