"""Helpers shared by the `mathtune data` commands: failure reports, option groups, MindRecord writing."""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from converters import pipeline as P
from fileio.atomic import atomic_open
from fileio.errors import InputError, RowError
from converters.cli.options import MAX_ROWS, MAX_SHARDS, bounded_int, seq_length
from converters.encode.render import CHAT_FORMATS, LABEL_MODES

SHOWN_ERRORS = 20


def _failures(errors: list[RowError], rows: list[dict]) -> list[str]:
    """`file:line: reason` for bad lines and for rows that cannot be used as they are."""
    out = [str(e) for e in errors]
    for r in rows:
        if r.get("status") in ("unparseable", "disagree"):
            out.append(f"{r['source']}: {r['category']}: {r['status']}: {r['reason']}")
    return out


def _report_failures(failures: list[str], errors_file: str | None, write_to: str | None = None) -> int:
    """Print the first failures, save all when asked (to `write_to` when the file is written elsewhere
    first, as part of a set published later); exit code 1 if any row failed."""
    for line in failures[:SHOWN_ERRORS]:
        print(line, file=sys.stderr)
    if len(failures) > SHOWN_ERRORS:
        print(f"... and {len(failures) - SHOWN_ERRORS} more"
              + (f" (all in {errors_file})" if errors_file else " (use --errors FILE to save all)"),
              file=sys.stderr)
    if errors_file:
        with atomic_open(write_to or errors_file) as handle:
            handle.writelines(line + "\n" for line in failures)
    if failures:
        print(f"{len(failures)} row(s) failed; the rest were processed", file=sys.stderr)
    return 1 if failures else 0


def _load_checked(inputs: list[str], errors: list[RowError], seed: int, show: bool, fmt: str = "auto",
                  kinds: Counter | None = None) -> list[dict]:
    rows = P.load_raw(inputs, errors, seed, fmt, kinds)
    return P.check_rows(rows, show_progress=show)


def format_kinds(kinds: Counter) -> str:
    """The row layouts read (converters.read.formats), e.g. 'rows read as: conversations × 200'."""
    return "rows read as: " + (", ".join(f"{k} × {n}" for k, n in kinds.most_common()) or "nothing")


def _select_opts(a) -> P.SelectOptions:
    return P.SelectOptions(n=a.n, seed=a.seed, min_per_category=a.min_per_category,
                           max_per_category=a.max_per_category, multiple_of=a.multiple_of,
                           drop_competition=a.drop_competition, keep_disagree=a.keep_disagree)


def _add_select_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n", type=bounded_int(0, MAX_ROWS), help="rows to sample, keeping category shares (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-per-category", type=bounded_int(0, MAX_ROWS), default=0,
                   help="floor per category (rare ones get all they have)")
    p.add_argument("--max-per-category", type=bounded_int(0, MAX_ROWS), help="cap per category")
    p.add_argument("--multiple-of", type=bounded_int(1, MAX_ROWS), default=1,
                   help="trim to a multiple of the global batch size")
    p.add_argument("--drop-competition", "--drop-english", dest="drop_competition", action="store_true",
                   help="leave out the competition rows (category `competition`: English competition problems "
                        "and any other free-form problem whose solution has a \\boxed{} answer)")
    p.add_argument("--keep-disagree", action="store_true",
                   help="keep rows whose label is wrong, trained on the recomputed answer")


def _add_mindrecord_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tokenizer", default="llama3",
                   help="'llama3' (Meta's file from llama-models), a tokenizer.json, or a sentencepiece/tiktoken model")
    p.add_argument("--digits", choices=["single", "meta"], default="single",
                   help="Llama 3 only: 'single' splits numbers into digits like MindFormers' Llama3Tokenizer "
                        "(files interchangeable with the contest's); 'meta' groups up to 3 digits")
    p.add_argument("--bos", help="tokenizer.json: BOS token text (default from tokenizer_config.json)")
    p.add_argument("--eos", help="tokenizer.json: EOS token text")
    p.add_argument("--pad", help="tokenizer.json: pad token text (default: EOS)")
    p.add_argument("--seq-length", default=256, type=seq_length,
                   help="an integer, or 'auto' (smallest multiple of 8 that fits all)")
    p.add_argument("--pack", action="store_true", help="pack several samples per row (EOS-separated)")
    p.add_argument("--shards", type=bounded_int(1, MAX_SHARDS), default=1, help="number of MindRecord files")
    p.add_argument("--chat", choices=CHAT_FORMATS, default="vicuna",
                   help="vicuna: MindFormers' qa template; plain: prompt, newline, response")
    p.add_argument("--label-mode", choices=LABEL_MODES, default="exact",
                   help="exact: labels start at the response; contest: MindFormers' script to the token")
    p.add_argument("--train-on-observation", action="store_true",
                   help="also train on the ```output``` block of PoT responses")
    p.add_argument("--truncate", action="store_true", help="cut too-long samples instead of dropping them")
    p.add_argument("--no-check", action="store_true", help="skip the read-back check")


def _tokenizer(a):
    from converters.encode.tokenizers import load_tokenizer

    return load_tokenizer(a.tokenizer, a.digits, a.bos, a.eos, a.pad)


def write_dataset(conv_path: str, out: str, a, source: str | None = None, shown: str | None = None) -> dict:
    """Conversations file → MindRecord with metadata and a read-back check; returns the summary."""
    from tqdm import tqdm

    from converters.encode.mindrecord import (EncodeOptions, TemplateTally, encode, read_back, read_conversations,
                                       resolve_seq_length, write_mindrecord)

    tok = _tokenizer(a)
    opts = EncodeOptions(chat=a.chat, label_mode=a.label_mode, mask_observation=not a.train_on_observation)
    tally = TemplateTally()  # the template is read off the human turns: any conversations file has it

    bad: list[RowError] = []  # malformed items: reported, the rest written

    read_whole: list[bool] = [False]  # the last pass reached the end of the file

    def pairs():
        bad.clear()  # a second pass (--seq-length auto) finds the same ones
        read_whole[0] = False
        yield from tally.watch(read_conversations(conv_path, bad))
        read_whole[0] = True

    def nothing_read() -> InputError:
        if not bad:
            return InputError(f"{conv_path}: no conversation in the file (empty)")
        for line in bad[:SHOWN_ERRORS]:
            print(line, file=sys.stderr)
        return InputError(f"{conv_path}: no conversation to write: all {len(bad)} item(s) failed (the first "
                          f"{min(len(bad), SHOWN_ERRORS)} above)")

    seq, why = resolve_seq_length(a.seq_length, pairs, tok, opts)
    if not tally.counts and a.seq_length == "auto":  # the auto pass read nothing: its length would mean nothing
        raise nothing_read()
    print(why)
    meta = {"source": source or str(conv_path), "tokenizer": tok.describe(), "chat": a.chat,
            "label_mode": a.label_mode, "mask_observation": opts.mask_observation}
    start = time.perf_counter()
    with tqdm(desc="mindrecord", unit="row", disable=a.quiet, mininterval=1) as bar:
        try:
            stats = write_mindrecord(encode(pairs(), tok, opts), out, seq, tok.pad_id, meta,
                                     shards=a.shards, packed=a.pack, truncate=a.truncate, progress=bar,
                                     late_meta=tally.meta)
        except InputError:
            if read_whole[0] and not tally.counts:  # not an unreadable file: one without a conversation
                raise nothing_read() from None
            raise
    took = time.perf_counter() - start
    summary = {**stats.summary(), "bad_items": len(bad)}
    _report_failures([str(e) for e in bad], None)
    print(f"wrote {summary['rows']} rows ({summary['samples']} samples) to {shown or out} in {took:.1f}s; "
          f"real tokens {100 * summary['real_token_share']:.1f}%, supervised {100 * summary['supervised_share']:.1f}%")
    found = tally.meta()
    if found["template"] is None:
        print(f"mathtune: warning: the human turns mix prompt templates {found['templates_seen']}; the metadata "
              "records none, so predict needs --template", file=sys.stderr)
    else:
        print(f"prompt template of the human turns: {found['template']!r} (recorded for predict)")
    if stats.dropped_too_long:
        print(f"dropped {stats.dropped_too_long} samples longer than {seq + 1} tokens "
              f"(use --seq-length auto, a larger value, or --truncate)", file=sys.stderr)
    if not a.no_check:
        from converters.encode.mindrecord import output_files

        read_back(output_files(out, a.shards)[0], stats.rows, seq + 1, limit=1000)
        print("read back through mindspore.dataset.MindDataset: ok")
    return summary


def _add_format_arg(p: argparse.ArgumentParser) -> None:
    from converters.read.formats import FORMATS

    p.add_argument("--format", choices=FORMATS, default="auto",
                   help="row layout of the inputs; auto tells it from the content: {problem, solution} rows, "
                        "conversations (contest/sharegpt), messages, alpaca, swift, as JSON Lines or a JSON array")


def _add_labels_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--labels", choices=("exact", "given"), default="exact",
                   help="what the response states for a rounded label: the exact value, or the label as given "
                        "(the program then prints it rounded the same way)")
