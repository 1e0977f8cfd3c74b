"""The code-interpreter turn of program-of-thought: find the program, run it, write the observation.

Pure text functions; the model loop in `evaluation.inference.answering` calls them.
"""
from __future__ import annotations

import re

from converters.solutions.pot import FENCE_CODE, FENCE_END, FENCE_OUTPUT
from evaluation.sandbox.limits import Result

MAX_OBSERVATION_CHARS = 2000


def closed_code_block(text: str) -> tuple[str, int] | None:
    """(program, end of the closing fence) once a ```python block is complete, else None."""
    start = text.find(FENCE_CODE)
    if start < 0:
        return None
    close = text.find("\n```", start + len(FENCE_CODE) - 1)
    if close < 0:
        return None
    return text[start + len(FENCE_CODE): close], close + len("\n```")


def observation(result: Result) -> str:
    """The ```output``` block the model sees after its program ran (errors shown briefly)."""
    if result.ok:
        body = result.stdout.rstrip("\n")
    else:
        last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        body = f"[{result.status}] {last}".strip()
    return f"{FENCE_OUTPUT}{body[:MAX_OBSERVATION_CHARS]}\n{FENCE_END}"


# Turns of one line shape (or a cycle of 2–3) in a row that make an unclosed program a runaway (REPEATS, at
# the token limit) and that stop generation early (STOP_REPEATS). In the training programs (7,187 GSM8K,
# 3,000 word problems) 4 turns occur in 4 programs, 5 in 1, 6 in none (measured 2026-12-07).
REPEATS = 4
STOP_REPEATS = 6
_DIGITS = re.compile(r"\d+")
_ASSIGNED = re.compile(r"^([A-Za-z_]\w*)\s*=[^=]")


_OPERATORS = re.compile(r"[-+*/%]+")
PERIODS = (1, 2, 3)  # a loop of one line, or of two or three lines taken in turn


def _shape(line: str) -> str:
    """A line with its numbers and operators blanked: `a_5 = a_4 + 7` and `a_6 = a_5 - 2` are one shape."""
    return _OPERATORS.sub("~", _DIGITS.sub("#", line.strip()))


def runaway_program(text: str, repeats: int = REPEATS) -> tuple[str, int] | None:
    """(program, where it was cut) for an open ```python block that ends in a loop — a line shape (numbers
    and operators aside), or a cycle of two or three, written `repeats` times in a row up to its last
    complete line — cut after the cycle's first turn and ended as every training program ends, by printing
    the last name assigned; None for a closed block, no block, a block that does not end repeating, or
    nothing assigned before the cut. Only the loop the model is in counts, not a repeat it left behind."""
    start = text.find(FENCE_CODE)
    if start < 0 or closed_code_block(text) is not None:
        return None
    lines = text[start + len(FENCE_CODE):].split("\n")[:-1]  # the last line may be cut mid-way
    shapes = [_shape(line) if line.strip() else None for line in lines]
    last = len(lines) - 1
    for period in PERIODS:
        run = 0  # lines, counted back from the last, that repeat the line `period` before them
        while last - run - period >= 0 and shapes[last - run] is not None \
                and shapes[last - run] == shapes[last - run - period]:
            run += 1
        if run >= (repeats - 1) * period:
            kept = lines[:last - run + 1]  # the cycle's first turn stays
            names = [m.group(1) for m in map(_ASSIGNED.match, kept) if m]
            if not names:
                return None
            cut = start + len(FENCE_CODE) + sum(len(x) + 1 for x in kept)
            return "\n".join(kept + [f"print({names[-1]})"]), cut
    return None
