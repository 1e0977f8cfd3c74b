"""`mathtune data budget`: the share of responses that fit the judge's new-token budget."""
from __future__ import annotations

from fileio.atomic import write_json
from fileio.errors import InputError
from fileio.reading import read_rows


def cmd_budget(a) -> int:
    from converters.encode.budget import budget_table, format_budget

    errors: list = []
    rows = [r for _, r in read_rows(a.input, errors, fields=("response",))]
    for e in errors[:20]:
        print(e)
    if not rows:
        raise InputError(f"{a.input}: no rows with a 'response' (give data complete's or data prepare's "
                         "selected.jsonl)")
    table = budget_table(rows, a.max_new_tokens, a.tokenizer)
    print(format_budget(table, a.max_new_tokens))
    if a.out:
        write_json(a.out, {"max_new_tokens": a.max_new_tokens, "categories": table})
        print(f"wrote {a.out}")
    return 1 if errors else 0


def add_budget_parser(step) -> None:
    p = step("budget", cmd_budget, "per category, the share of responses that fit N new tokens of Llama 3's "
                                   "tokenizer (the contest predicted with 128)")
    p.add_argument("input", help="rows with 'response' (and 'category'): data prepare's selected.jsonl")
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--tokenizer", help="a Llama 3 tokenizer.model (default: the llama-models package's)")
    p.add_argument("--out", help="the table as JSON")
