"""`mathtune data …`: every converter step as a subcommand."""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from converters import pipeline as P
from converters.categories import categorise
from converters.complete import STYLES
from converters.files import RowError, atomic_open, read_rows, write_json, write_jsonl
from converters.prompts import TEMPLATES
from converters.render import CHAT_FORMATS, LABEL_MODES

SHOWN_ERRORS = 20


def _failures(errors: list[RowError], rows: list[dict]) -> list[str]:
    """`file:line: reason` for bad lines and for rows that cannot be used as they are."""
    out = [str(e) for e in errors]
    for r in rows:
        if r.get("status") in ("unparseable", "disagree"):
            out.append(f"{r['source']}: {r['category']}: {r['status']}: {r['reason']}")
    return out


def _report_failures(failures: list[str], errors_file: str | None) -> int:
    """Print the first failures, save all when asked; exit code 1 if any row failed."""
    for line in failures[:SHOWN_ERRORS]:
        print(line, file=sys.stderr)
    if len(failures) > SHOWN_ERRORS:
        print(f"... and {len(failures) - SHOWN_ERRORS} more"
              + (f" (all in {errors_file})" if errors_file else " (use --errors FILE to save all)"),
              file=sys.stderr)
    if errors_file:
        with atomic_open(errors_file) as handle:
            handle.writelines(line + "\n" for line in failures)
    if failures:
        print(f"{len(failures)} row(s) failed; the rest were processed", file=sys.stderr)
    return 1 if failures else 0


def _load_checked(inputs: list[str], errors: list[RowError], seed: int, show: bool) -> list[dict]:
    rows = P.load_raw(inputs, errors, seed)
    return P.check_rows(rows, show_progress=show)


def cmd_synth(a) -> int:
    from converters.synth import SHARES, synth_rows

    shares = dict.fromkeys(SHARES, 1.0) if a.balanced else None
    n = write_jsonl(a.out, synth_rows(a.n, a.seed, shares, duplicate_share=a.duplicates))
    print(f"wrote {n} rows to {a.out}")
    return 0


def cmd_heldout(a) -> int:
    from converters.problems import CHINESE, held_out, read_problems

    exclude = {r["problem"] for path in a.exclude for r in read_problems(path)}
    rows = held_out(a.per_category, a.seed, exclude, a.categories or CHINESE)
    n = write_jsonl(a.out, rows)
    seen = Counter(r["category"] for r in rows if r["seen"])
    note = ", ".join(f"{c} {k}" for c, k in seen.items())
    print(f"wrote {n} rows to {a.out}" + (f" (already in training or repeated: {note})" if seen else ""))
    return 0


def cmd_reworded(a) -> int:
    from converters.reworded import reworded_rows

    n = write_jsonl(a.out, reworded_rows(a.n, a.seed))
    print(f"wrote {n} rows to {a.out}")
    return 0


def cmd_categorise(a) -> int:
    errors: list[RowError] = []
    rows = P.load_raw(a.inputs, errors)
    for r in rows:
        parsed = categorise(r["problem"])
        r["category"] = parsed.category
        r["status"] = None
    table = P.category_table(rows)
    print(P.format_table(table))
    others = [f"{r['source']}: matches no category rule" for r in rows if r["category"] == "other"]
    if a.report:
        write_json(a.report, {"rows": len(rows), "categories": table, "other": others[:1000]})
    return _report_failures([str(e) for e in errors] + others, a.errors)


def cmd_check(a) -> int:
    errors: list[RowError] = []
    rows = _load_checked(a.inputs, errors, 0, not a.quiet)
    table = P.category_table(rows)
    print(P.format_table(table))
    if a.out:
        write_jsonl(a.out, rows)
        print(f"wrote {len(rows)} checked rows to {a.out}")
    if a.report:
        write_json(a.report, {"rows": len(rows), "bad_lines": len(errors), "categories": table})
    return _report_failures(_failures(errors, rows), a.errors)


def _select_opts(a) -> P.SelectOptions:
    return P.SelectOptions(n=a.n, seed=a.seed, min_per_category=a.min_per_category,
                           max_per_category=a.max_per_category, multiple_of=a.multiple_of,
                           drop_english=a.drop_english, keep_disagree=a.keep_disagree)


def cmd_select(a) -> int:
    errors: list[RowError] = []
    steps: P.Steps = []
    rows = P.dedup_rows(P.load_raw(a.inputs, errors, a.seed), steps)
    rows = P.check_rows(rows, show_progress=not a.quiet)
    chosen = P.select(rows, _select_opts(a), steps)
    print(P.format_steps(steps))
    print(P.format_table(P.category_table(chosen)))
    write_jsonl(a.out, chosen)
    print(f"wrote {len(chosen)} rows to {a.out}")
    return _report_failures(_failures(errors, rows), a.errors)


def cmd_complete(a) -> int:
    errors: list[RowError] = []
    rows = _load_checked([a.input], errors, 0, False)
    usable = [r for r in rows if r["status"] in ("agree", "unchecked") or (a.keep_disagree and r["status"] == "disagree")]
    done = P.complete_rows(usable, a.style)
    write_jsonl(a.out, done)
    print(f"wrote {len(done)} {a.style} completions to {a.out} ({len(rows) - len(usable)} rows left out)")
    return _report_failures(_failures(errors, rows), a.errors)


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
        write_json(a.tools_out, tools)
        print(f"wrote the tool-call form to {a.tools_out}")
    return 1 if errors else 0


def cmd_export(a) -> int:
    from converters.exports import write_llamafactory, write_swift
    from converters.prompts import render_prompt

    errors: list[RowError] = []
    rows = _read_completed(a.input, errors)
    pairs = [(render_prompt(r["problem"], a.template), r["response"]) for r in rows]
    if a.format == "swift":
        print(f"wrote {write_swift(a.out, pairs)}")
    else:
        _, tools = P.conversations(rows, a.template)
        for path in write_llamafactory(a.out, a.name, pairs, tools):
            print(f"wrote {path}")
    return 1 if errors else 0


def _tokenizer(a):
    from converters.tokenizers import load_tokenizer

    return load_tokenizer(a.tokenizer, a.digits, a.bos, a.eos, a.pad)


def write_dataset(conv_path: str, out: str, a, source: str | None = None) -> dict:
    """Conversations file → MindRecord with metadata and a read-back check; returns the summary."""
    from tqdm import tqdm

    from converters.mindrecord import (EncodeOptions, encode, read_back, read_conversations,
                                       resolve_seq_length, write_mindrecord)

    tok = _tokenizer(a)
    opts = EncodeOptions(chat=a.chat, label_mode=a.label_mode, mask_observation=not a.train_on_observation)

    def pairs():
        return ((h, g) for _, h, g in read_conversations(conv_path))

    seq, why = resolve_seq_length(a.seq_length, pairs, tok, opts)
    print(why)
    meta = {"source": source or str(conv_path), "tokenizer": tok.describe(), "chat": a.chat,
            "label_mode": a.label_mode, "mask_observation": opts.mask_observation,
            "template": getattr(a, "template", None)}
    start = time.perf_counter()
    with tqdm(desc="mindrecord", unit="row", disable=a.quiet, mininterval=1) as bar:
        stats = write_mindrecord(encode(pairs(), tok, opts), out, seq, tok.pad_id, meta,
                                 shards=a.shards, packed=a.pack, truncate=a.truncate, progress=bar)
    took = time.perf_counter() - start
    summary = stats.summary()
    print(f"wrote {summary['rows']} rows ({summary['samples']} samples) to {out} in {took:.1f}s; "
          f"real tokens {100 * summary['real_token_share']:.1f}%, supervised {100 * summary['supervised_share']:.1f}%")
    if stats.dropped_too_long:
        print(f"dropped {stats.dropped_too_long} samples longer than {seq + 1} tokens "
              f"(use --seq-length auto, a larger value, or --truncate)", file=sys.stderr)
    if not a.no_check:
        from converters.mindrecord import output_files

        read_back(output_files(out, a.shards)[0], stats.rows, seq + 1, limit=1000)
        print("read back through mindspore.dataset.MindDataset: ok")
    return summary


def cmd_mindrecord(a) -> int:
    write_dataset(a.input, a.out, a)
    return 0


def cmd_tokenizer(a) -> int:
    import string

    from converters.chartok import build_char_tokenizer, conversation_texts

    texts = (t for path in a.inputs for t in conversation_texts(path))
    path = build_char_tokenizer(texts, a.out, extra=string.printable if a.printable else "", merges=a.merges,
                                digits=a.digits)
    from converters.tokenizers import load_tokenizer

    print(f"wrote {path} ({load_tokenizer(str(path)).vocab_size} ids)")
    return 0


def cmd_stats(a) -> int:
    from converters.stats import format_stats, mindrecord_stats, plot_stats

    s = mindrecord_stats(a.input)
    print(format_stats(s))
    if a.png:
        print(f"wrote {plot_stats(s, a.png)}")
    return 0


def cmd_prepare(a) -> int:
    """Raw rows → checked → selected → completed → conversations → MindRecord, in one go."""
    out = Path(a.out_dir)
    errors: list[RowError] = []
    steps: P.Steps = []
    rows = P.dedup_rows(P.load_raw(a.inputs, errors, a.seed), steps)
    rows = P.check_rows(rows, show_progress=not a.quiet)
    table = P.category_table(rows)
    print(P.format_table(table))
    chosen = P.select(rows, _select_opts(a), steps)
    print(P.format_steps(steps))
    done = P.complete_rows(chosen, a.style)
    write_jsonl(out / "selected.jsonl", done)
    flat, tools = P.conversations(done, a.template)
    write_json(out / "conversations.json", flat)
    write_json(out / "conversations_tools.json", tools)
    summary = None
    if not a.no_mindrecord:
        summary = write_dataset(str(out / "conversations.json"), str(out / "train.mindrecord"), a,
                                source=", ".join(a.inputs))
    failures = _failures(errors, rows)
    write_json(out / "report.json", {
        "inputs": a.inputs, "checked": len(rows), "bad_lines": len(errors), "failed_rows": len(failures),
        "categories": table, "steps": [{"step": s, "removed": r, "left": n} for s, r, n in steps],
        "selected": P.category_table(chosen), "style": a.style, "template": a.template,
        "mindrecord": summary})
    print(f"wrote {out}/selected.jsonl, conversations.json, conversations_tools.json, report.json"
          + ("" if a.no_mindrecord else ", train.mindrecord"))
    return _report_failures(failures, a.errors or str(out / "errors.txt") if failures else None)


def _add_select_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n", type=int, help="rows to sample, keeping category shares (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-per-category", type=int, default=0, help="floor per category (rare ones get all they have)")
    p.add_argument("--max-per-category", type=int, help="cap per category")
    p.add_argument("--multiple-of", type=int, default=1, help="trim to a multiple of the global batch size")
    p.add_argument("--drop-english", action="store_true", help="leave out English rows")
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
    p.add_argument("--seq-length", default="256", help="an integer, or 'auto' (smallest multiple of 8 that fits all)")
    p.add_argument("--pack", action="store_true", help="pack several samples per row (EOS-separated)")
    p.add_argument("--shards", type=int, default=1, help="number of MindRecord files")
    p.add_argument("--chat", choices=CHAT_FORMATS, default="vicuna",
                   help="vicuna: MindFormers' qa template; plain: prompt, newline, response")
    p.add_argument("--label-mode", choices=LABEL_MODES, default="exact",
                   help="exact: labels start at the response; contest: MindFormers' script to the token")
    p.add_argument("--train-on-observation", action="store_true",
                   help="also train on the ```output``` block of PoT responses")
    p.add_argument("--truncate", action="store_true", help="cut too-long samples instead of dropping them")
    p.add_argument("--no-check", action="store_true", help="skip the read-back check")


def add_parser(sub) -> None:
    """Register `data` and its subcommands on the top-level parser."""
    fmt = argparse.ArgumentDefaultsHelpFormatter
    data = sub.add_parser("data", help="converters: raw rows → conversations → MindRecord",
                          description="Raw {problem, solution} rows → verified CoT/PoT conversations → MindRecord.")
    steps = data.add_subparsers(dest="step", required=True, metavar="STEP")

    def step(name, func, help_text):
        p = steps.add_parser(name, help=help_text, description=help_text, formatter_class=fmt)
        p.set_defaults(func=func)
        p.add_argument("--quiet", action="store_true", help="no progress bars")
        return p

    p = step("synth", cmd_synth, "synthetic contest-style rows (all 11 categories + English)")
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--duplicates", type=float, default=0.0, help="share of rows repeating an earlier row")
    p.add_argument("--balanced", action="store_true",
                   help="equal shares for every category (default: the contest's shares)")
    p.add_argument("--out", required=True)

    p = step("heldout", cmd_heldout, "a test set: N synthetic problems per category, none of them in --exclude")
    p.add_argument("--per-category", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--exclude", nargs="*", default=[], help="training files (JSONL rows or conversations JSON)")
    p.add_argument("--categories", nargs="*", help="default: the 11 Chinese categories")
    p.add_argument("--out", required=True)

    p = step("reworded", cmd_reworded,
             "a test set of the same computations in phrasings the contest never uses, with gold answers")
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)

    p = step("categorise", cmd_categorise, "categorise rows by rule; report counts and shares")
    p.add_argument("inputs", nargs="+", help="JSONL files (file#N takes N random rows)")
    p.add_argument("--report", help="save the report as JSON")
    p.add_argument("--errors", help="save every failed row as file:line: reason")

    p = step("check", cmd_check, "recompute every answer: agree / disagree / unparseable")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--out", help="checked rows as JSONL")
    p.add_argument("--report", help="save the report as JSON")
    p.add_argument("--errors", help="save every failed row as file:line: reason")

    p = step("select", cmd_select, "de-duplicate, sample by category, trim to a batch multiple")
    p.add_argument("inputs", nargs="+", help="files, or file#N to mix N rows of each")
    p.add_argument("--out", required=True)
    p.add_argument("--errors")
    _add_select_args(p)

    p = step("complete", cmd_complete, "write responses: answer, cot (working shown) or pot (program)")
    p.add_argument("input")
    p.add_argument("--style", choices=STYLES, default="pot")
    p.add_argument("--out", required=True)
    p.add_argument("--keep-disagree", action="store_true")
    p.add_argument("--errors")

    p = step("convert", cmd_convert, "completed rows → the contest's conversations JSON")
    p.add_argument("input")
    p.add_argument("--template", choices=sorted(TEMPLATES), default="contest")
    p.add_argument("--out", required=True)
    p.add_argument("--tools-out", help="also write PoT as function_call/observation turns")

    p = step("export", cmd_export, "completed rows → LLaMA-Factory (alpaca, sharegpt) or ms-swift JSONL")
    p.add_argument("input")
    p.add_argument("--format", choices=["llamafactory", "swift"], required=True)
    p.add_argument("--template", choices=sorted(TEMPLATES), default="contest")
    p.add_argument("--name", default="mathtune", help="dataset name in dataset_info.json")
    p.add_argument("--out", required=True, help="a directory (llamafactory) or a .jsonl file (swift)")

    p = step("mindrecord", cmd_mindrecord, "conversations JSON → MindRecord (input_ids, labels)")
    p.add_argument("input")
    p.add_argument("--out", required=True)
    _add_mindrecord_args(p)

    p = step("tokenizer", cmd_tokenizer, "build a small tokenizer.json from conversations (models trained from scratch)")
    p.add_argument("inputs", nargs="+", help="conversations JSON files")
    p.add_argument("--out", required=True, help="directory for tokenizer.json + tokenizer_config.json")
    p.add_argument("--printable", action="store_true", help="also cover every printable ASCII character")
    p.add_argument("--merges", type=int, default=0,
                   help="byte-pair merges within words (digits, newlines and punctuation stay single tokens); "
                        "0: one token per character")
    p.add_argument("--digits", type=int, default=1,
                   help="with --merges: numbers in chunks of up to this many digits (Llama 3 uses 3)")

    p = step("stats", cmd_stats, "token lengths and padding efficiency of a MindRecord (+ PNG)")
    p.add_argument("input")
    p.add_argument("--png", help="save a histogram")

    p = step("prepare", cmd_prepare, "all steps: raw rows → conversations + MindRecord in one directory")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--style", choices=STYLES, default="pot")
    p.add_argument("--template", choices=sorted(TEMPLATES), default="short")
    p.add_argument("--no-mindrecord", action="store_true")
    p.add_argument("--errors")
    _add_select_args(p)
    _add_mindrecord_args(p)
