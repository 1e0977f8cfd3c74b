"""The code-interpreter turn of program-of-thought: find the program, run it, write the observation.

Pure text functions; the model loop in `evaluation.inference.answering` calls them.
"""
from __future__ import annotations

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
