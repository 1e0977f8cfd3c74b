"""Completion styles: the answer as given, the working shown (CoT), or a program (PoT)."""
from __future__ import annotations

from converters.cot import cot_response
from converters.pot import pot_response, program
from converters.verify import Checked

STYLES = ("answer", "cot", "pot")


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
    return {"response": pot_response(code, checked.expected, final), "code": code,
            "output": checked.expected, "final": final}
