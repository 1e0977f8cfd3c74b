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


REPEATS = 4  # complete lines of one shape in a row that make an unclosed program a runaway
_DIGITS = re.compile(r"\d+")
_ASSIGNED = re.compile(r"^([A-Za-z_]\w*)\s*=[^=]")


def _shape(line: str) -> str:
    return _DIGITS.sub("#", line.strip())


def runaway_program(text: str, repeats: int = REPEATS) -> tuple[str, int] | None:
    """(program, where it was cut) for an open ```python block that repeats itself — REPEATS complete lines
    of one shape in a row, numbers aside (`months_5 = months_4 + 1`, `months_6 = months_5 + 1`, …) — cut
    after the first of them and ended as every training program ends, by printing the last name assigned;
    None for a closed block, no block, or a block that does not repeat. The model has stopped reasoning
    there; what it computed before the loop is what it meant to print."""
    start = text.find(FENCE_CODE)
    if start < 0 or closed_code_block(text) is not None:
        return None
    body = text[start + len(FENCE_CODE):]
    lines = body.split("\n")[:-1]  # the last line may be cut mid-way
    run = 1
    for i in range(1, len(lines)):
        run = run + 1 if lines[i].strip() and _shape(lines[i]) == _shape(lines[i - 1]) else 1
        if run == repeats:
            kept = lines[:i - repeats + 2]
            names = [m.group(1) for m in map(_ASSIGNED.match, kept) if m]
            if not names:
                return None
            cut = start + len(FENCE_CODE) + sum(len(x) + 1 for x in kept)
            return "\n".join(kept + [f"print({names[-1]})"]), cut
    return None
