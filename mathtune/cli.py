"""`mathtune <group> <step> …` — dispatches to each package's own CLI module."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from converters.cli import data as data_cli
from training.cli import commands as training_cli
from training.cli import dpo, simulate
from training.run.progress import quiet_mindspore
from fileio.atomic import check_output
from fileio.errors import InputError
from evaluation.cli import commands as evaluation_cli
from evaluation.cli.rft import add_data_step as add_rft_step
from mathtune.clitools import use_formatter, version


class OneLineParser(argparse.ArgumentParser):
    """Option errors in one line (no usage block), exit 2; every subcommand's parser is one too."""

    def error(self, message: str):
        for action in self._actions:  # name an option by its canonical name, not "--data/--train_data/…"
            if len(action.option_strings) > 1 and action.option_strings[0].startswith("--"):
                message = message.replace("/".join(action.option_strings), action.option_strings[0])
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="mathtune",
        description="Teach an LLM exact arithmetic on MindSpore/MindFormers: "
                    "data → MindRecord → LoRA training → checkpoints → evaluation.")
    parser.add_argument("--version", action="version", version=f"mathtune {version()}")
    # its own dest: a subcommand's --quiet default (False) would overwrite a shared one
    parser.add_argument("--quiet", dest="quiet_all", action="store_true",
                        help="no progress bars and no MindSpore log lines, for any command")
    sub = parser.add_subparsers(dest="group", required=True, metavar="GROUP")
    data_cli.add_parser(sub)
    training_cli.add_parser(sub, entry_script=str(Path(__file__).with_name("__main__.py")))
    simulate.add_parser(sub)
    dpo.add_parser(sub)
    evaluation_cli.add_parser(sub)
    # `data rft` judges predictions with score's rule, which converters may not import
    add_rft_step(sub.choices["data"])
    use_formatter(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    # MindFormers writes its log and side files under ./output unless told otherwise
    os.environ.setdefault("LOCAL_DEFAULT_PATH", os.path.abspath(os.path.join("logs", "mindformers")))
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate echoed from an input must not crash a print
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    if args.quiet_all or getattr(args, "quiet", False):
        args.quiet = True
        quiet_mindspore()  # before anything imports mindspore
    try:
        check_outputs(args)
        return args.func(args)
    except InputError as exc:
        print(f"mathtune: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mathtune: interrupted; nothing half-written was left in place", file=sys.stderr)
        return 130
    except OSError as exc:  # the disk filled up, a file vanished mid-run: the system's words, one line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"mathtune: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - last resort; every known cause is reported where it happens
        if os.environ.get("MATHTUNE_DEBUG"):
            raise
        print(f"mathtune: internal error: {_one_line(exc)} (MATHTUNE_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


# Output options and what they name; per-command exceptions below. Checked before any work.
OUTPUT_OPTIONS = {"out": "file", "report": "file", "errors": "file", "tools_out": "file", "png": "file",
                  "out_dir": "dir"}
OUTPUT_EXCEPTIONS = {("data", "export", "out"): lambda a: "file" if a.format == "swift" else "dir",
                     ("data", "tokenizer", "out"): "dir",
                     ("ckpt", None, "out"): "any", ("report", None, "out_dir"): "any", ("simulate", None, "out"): "dir",
                     ("dpo", None, "out"): "dir"}


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse unwritable output paths (a directory, under a file, under /proc) in one line, and outputs
    that would overwrite each other or an input (`--out` may rewrite its input: it is read first)."""
    group, step = getattr(args, "group", None), getattr(args, "step", None)
    outputs = {}
    for name, kind in OUTPUT_OPTIONS.items():
        value = getattr(args, name, None)
        if isinstance(value, str):
            kind = OUTPUT_EXCEPTIONS.get((group, step, name), OUTPUT_EXCEPTIONS.get((group, None, name), kind))
            check_output(value, kind(args) if callable(kind) else kind)
            outputs[name] = value
    _distinct(args, outputs)


def _same(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _distinct(args: argparse.Namespace, outputs: dict[str, str]) -> None:
    special = [v for v in outputs.values() if v.startswith("/dev/")]  # /dev/null twice is fine
    names = list(outputs.items())
    for i, (n1, v1) in enumerate(names):
        for n2, v2 in names[i + 1:]:
            if v1 not in special and _same(v1, v2):
                raise InputError(f"--{n1.replace('_', '-')} and --{n2.replace('_', '-')} name the same file {v1}")
    inputs = [path for key, value in vars(args).items() if key not in OUTPUT_OPTIONS
              for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)
              for path in [v.split("#")[0]] if os.path.isfile(path)]  # `rows.jsonl#3000` names rows.jsonl
    for name, value in outputs.items():
        for given in inputs:
            if name != "out" and value not in special and _same(value, given):
                raise InputError(f"--{name.replace('_', '-')} {value}: is an input of this command; "
                                 "give another file")


def _one_line(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f" at {os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}" if tb else ""
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}{where}"
