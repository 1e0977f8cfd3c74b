"""`mathtune <group> <step> …` — dispatches to each package's own CLI module."""
from __future__ import annotations

import argparse
import os
import sys

from converters import cli as data_cli
from training import cli as training_cli
from converters.files import InputError
from evaluation import cli as evaluation_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mathtune",
        description="Teach an LLM exact arithmetic on MindSpore/MindFormers: "
                    "data → MindRecord → LoRA training → checkpoints → evaluation.")
    sub = parser.add_subparsers(dest="group", required=True, metavar="GROUP")
    data_cli.add_parser(sub)
    training_cli.add_parser(sub)
    evaluation_cli.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # MindFormers writes its log and side files under ./output unless told otherwise
    os.environ.setdefault("LOCAL_DEFAULT_PATH", os.path.abspath(os.path.join("logs", "mindformers")))
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"mathtune: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mathtune: interrupted; nothing half-written was left in place", file=sys.stderr)
        return 130
