"""What makes the CLI one tool: one help style and `--version` (`--quiet` is training.run.progress.quiet_mindspore)."""
from __future__ import annotations

import argparse
import configparser
import copy
import textwrap
from importlib import metadata
from pathlib import Path


class HelpFormatter(argparse.HelpFormatter):
    """Each default said once; aliases listed after the help, not before it.

    argparse's ArgumentDefaultsHelpFormatter appends "(default: X)" even when the help already says the
    default, and prints "(default: None)" for options without one.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if _worth_showing(action.default) and "default" not in text.lower() and _takes_default(action):
            text += " (default: %(default)s)"
        aliases = action.option_strings[1:]
        if aliases and not _short_first(action) and "(also " not in text:
            text += f" (also {', '.join(aliases)})"
        return text.strip()

    def _format_action(self, action: argparse.Action) -> str:
        # argparse leaves the help column of an option without help empty: fill it when there is a
        # default or an alias to tell
        if action.help is None:
            told = self._get_help_string(action)
            if told:
                action = copy.copy(action)
                action.help = told
        return super()._format_action(action)

    def _split_lines(self, text: str, width: int) -> list[str]:
        # whole option names on one line: "--load-checkpoint", not "--load-" / "checkpoint"
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or _short_first(action):  # "-h, --help" reads well as it is
            return super()._format_action_invocation(action)
        canonical = action.option_strings[0]
        if action.nargs == 0:
            return canonical
        return f"{canonical} {self._format_args(action, self._get_default_metavar_for_optional(action))}"


def _short_first(action: argparse.Action) -> bool:
    return bool(action.option_strings) and not action.option_strings[0].startswith("--")


def _worth_showing(default: object) -> bool:
    return default not in (None, False, argparse.SUPPRESS) and default != [] and default != ""


def _takes_default(action: argparse.Action) -> bool:
    return bool(action.option_strings) or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE)


def use_formatter(parser: argparse.ArgumentParser) -> None:
    """Give every parser in the tree the one help style."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:  # noqa: SLF001 - argparse exposes subparsers only this way
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for sub in action.choices.values():
                use_formatter(sub)


def version() -> str:
    """The installed package's version; setup.cfg's when run from a checkout that is not installed."""
    try:
        return metadata.version("mathtune")
    except metadata.PackageNotFoundError:
        cfg = configparser.ConfigParser()
        cfg.read(Path(__file__).resolve().parent.parent / "setup.cfg")
        return cfg.get("metadata", "version", fallback="unknown")
