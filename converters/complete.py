"""Completion styles: the answer as given, the working shown (CoT), or a program (PoT).

`pot` ends with an answer line after the program's output, for people and chat models;
`program` stops at the output, which is the answer: every trained token is program text,
which is what a small model trained from scratch has to learn.
"""
from __future__ import annotations

from converters.cot import cot_response
from converters.pot import pot_response, program
from converters.verify import Checked

STYLES = ("answer", "cot", "pot", "program")


def complete(checked: Checked, style: str, given: str) -> dict:
    """The response for one checked row: `{"response", "code"?, "output"?, "final"}`.

    English rows keep their worked solution in every style. `given` is the row's own solution.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose from {STYLES}")
    if checked.category == "english" or checked.solution is None:
        return {"response": given, "final": given}
    final = checked.solution
    if style == "answer":
        return {"response": final, "final": final}
    if style == "cot":
        return {"response": cot_response(checked.category, checked.args, checked.expected, final),
                "final": final}
    code = program(checked.category, checked.args)
    answer_line = final if style == "pot" else ""
    return {"response": pot_response(code, checked.expected, answer_line), "code": code,
            "output": checked.expected, "final": final}
