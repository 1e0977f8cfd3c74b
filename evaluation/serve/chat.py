"""`mathtune chat`: ask a tuned model questions, one at a time, and watch it answer.

At a terminal: a prompt with readline editing and history (~/.mathtune_history). Otherwise each
line of stdin is a question, answered in turn, and the command exits at the end of input.
"""
from __future__ import annotations

import os
import re
import sys
from typing import TextIO

from evaluation.inference.engine import Answer, Settings, answer
from evaluation.inference.program_turn import observation
from evaluation.inference.model import Model

HISTORY = os.path.expanduser("~/.mathtune_history")
PROMPT = "question> "
# Model text and program output reach a terminal: escape sequences in them could move the cursor,
# fake an `answer:` line or set the clipboard (OSC 52). Every control character but newline and tab
# is shown as a visible escape instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def safe(text: object) -> str:
    """Text for a terminal: control characters (ESC, CR, bidi overrides, …) made visible."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                        else f"\\u{ord(m.group()):04x}", str(text))


def _questions(interactive: bool, stdin: TextIO):
    """Questions from the prompt (with history) or from the lines of stdin; blank lines are skipped."""
    if not interactive:
        for line in stdin:
            if line.strip():
                yield line.strip()
        return
    import readline

    try:
        readline.read_history_file(HISTORY)
    except OSError:  # first run, or an unreadable file: start without history
        pass
    readline.set_history_length(1000)
    try:
        while True:
            try:
                line = input(PROMPT)
            except EOFError:
                print()
                return
            if line.strip() in ("exit", "quit"):
                return
            if line.strip():
                yield line.strip()
    finally:
        try:
            readline.write_history_file(HISTORY)
        except OSError as exc:
            print(f"mathtune: warning: could not save history to {HISTORY}: {exc.strerror}", file=sys.stderr)


def show(a: Answer, show_program: bool, out: TextIO) -> None:
    """After the streamed text: the program and its output (with --show-program), then the answer."""
    if show_program and a.program is not None:
        out.write("\n--- program ---\n" + safe(a.program.rstrip("\n")) + "\n")
        out.write(f"--- output ({a.program_status}) ---\n" + safe((a.program_output or "").rstrip("\n")) + "\n")
    elif a.program is not None and a.program_status != "ok":
        out.write(f"\n(the program stopped: {a.program_status})\n")
    out.write(f"\nanswer: {safe(a.answer) if a.answer is not None else '(none)'}\n")
    out.flush()


def chat(model: Model, settings: Settings, show_program: bool = False, stdin: TextIO = sys.stdin,
         out: TextIO = sys.stdout) -> int:
    """Answer every question; tokens are written as they come. Returns the number answered."""
    interactive = stdin.isatty() and out.isatty()

    def stream(i: int, kind: str, value: object) -> None:
        if kind == "text":
            out.write(safe(value))
        elif kind == "output":  # the program's output block, as the model reads it
            out.write("\n" + safe(observation(value)))
        out.flush()

    n = 0
    for n, question in enumerate(_questions(interactive, stdin), 1):
        if not interactive:
            out.write(f"{PROMPT}{question}\n")
        try:
            got = answer(model, [question], settings, stream)[0]
        except KeyboardInterrupt:
            if not interactive:
                raise
            out.write("\n(interrupted)\n")  # Ctrl-C stops this answer, not the session
            continue
        show(got, show_program, out)
    return n
