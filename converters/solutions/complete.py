"""Completion styles: the answer as given, the working shown (CoT), a program (PoT), or `steps`.

`pot` ends with an answer line after the program's output, for people and chat models;
`program` stops at the output, which is the answer: every trained token is program text,
which is what a small model trained from scratch has to learn. `steps` is for judges that read
text only: every digit of its working follows from a learnable column step (`converters.solutions.steps`);
`compact` is its cut for the 8B judge's 128 new tokens (`converters.solutions.compact`).
"""
from __future__ import annotations

from converters.rules.categories import COMPETITION
from converters.solutions.compact import compact_response
from converters.solutions.competition import program_for
from converters.solutions.compact_check import check_compact
from converters.solutions.cot import cot_response
from converters.solutions.label_as_given import given_line, given_program
from converters.solutions.pot import pot_response, program
from converters.solutions.steps_check import check_steps
from converters.solutions.steps import steps_response
from converters.rules.verify import ROUNDED, Checked

STYLES = ("answer", "cot", "pot", "program", "steps", "compact")
_TEXT_ONLY = {"steps": (steps_response, check_steps), "compact": (compact_response, check_compact)}


LABELS = ("exact", "given")


def _competition(checked: Checked, style: str, given: str) -> dict:
    """The worked solution (CoT) in every style; with `program`/`pot`, a sympy program where the solution's
    last computation is one whose value is the boxed answer (`converters.solutions.competition`)."""
    found = program_for(given, checked.expected) if style in ("program", "pot") and checked.expected else None
    if found is None:
        return {"response": given, "final": given}
    code, output = found
    final = f"The answer is $\\boxed{{{checked.expected}}}$."
    return {"response": pot_response(code, output, final if style == "pot" else ""), "code": code,
            "output": output, "final": final}


def complete(checked: Checked, style: str, given: str, labels: str = "exact") -> dict:
    """The response for one checked row: `{"response", "code"?, "output"?, "final"}`.

    English rows keep their worked solution in every style. `given` is the row's own solution.
    With `labels="given"`, a `rounded` row states its label as given, and its program prints
    that label; a label no program reproduces keeps the exact answer (`label_used`).
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose from {STYLES}")
    if labels not in LABELS:
        raise ValueError(f"unknown labels {labels!r}; choose from {LABELS}")
    if checked.category == COMPETITION:
        return _competition(checked, style, given)
    if checked.solution is None:
        return {"response": given, "final": given}
    final, output, code, used = checked.solution, checked.expected, None, {}
    if labels == "given" and checked.status == ROUNDED:
        code = given_program(checked.category, checked.args, checked.rounding, checked.label)
        if code is not None:
            final, output = given_line(final, checked.expected, checked.label), checked.label
        used = {"label_used": "exact" if code is None else "given"}
    if style == "answer":
        return {"response": final, "final": final, **used}
    if style == "cot":
        return {"response": cot_response(checked.category, checked.args, checked.expected, final),
                "final": final, **used}
    if style in _TEXT_ONLY:
        write, check = _TEXT_ONLY[style]
        try:
            response = write(checked.category, checked.args)
        except NotImplementedError:  # operands the style does not cover (a negative mean, …): the answer
            return {"response": final, "final": final, "steps": "not covered", **used}
        wrong = check(checked.category, checked.args, response)
        if wrong:  # never train a wrong step: the row keeps the bare answer and says why
            return {"response": final, "final": final,
                    "steps": f"refused: line {wrong.line}: {wrong.kind}: {wrong.detail}", **used}
        return {"response": response, "final": final, **used}
    code = code or program(checked.category, checked.args)
    answer_line = final if style == "pot" else ""
    return {"response": pot_response(code, output, answer_line), "code": code,
            "output": output, "final": final, **used}
