"""Competition rows (MATH style) through the converters: the boxed answer extracted, normalised and proven
readable; the worked solution as CoT; a sympy program where the solution's last computation is one —
and that program, run in the sandbox, prints what the conversation says it prints."""
import json
import subprocess
import sys

import pytest

from converters.solutions.competition import last_computation, program_for, to_python
from converters.solutions.complete import complete
from converters.rules.verify import check
from evaluation.sandbox.limits import Limits
from evaluation.sandbox.runner import run_code
from hostile import needs_bwrap

ROWS = [  # (problem, solution, normalised answer, program expected?)
    ("What is $\\frac{3}{4}$ of $2^3$?", "We compute $\\frac{3}{4} \\cdot 2^{3} = \\boxed{6}$.", "6", True),
    ("Simplify $\\sqrt{50}$.", "Since $50 = 25 \\cdot 2$, $\\sqrt{50} = 5\\sqrt{2}$, so the answer is $\\boxed{5\\sqrt{2}}$.",
     "5\\sqrt{2}", False),
    ("Evaluate $0.5 + \\dfrac{1}{4}$.", "$0.5 + \\dfrac{1}{4} = \\boxed{\\dfrac{3}{4}}$", "\\frac{3}{4}", True),
    ("Solve $x^2 < 9$.", "The solution is $x \\in \\boxed{(-3, 3)}$.", "(-3, 3)", False),
    ("What is the angle?", "It is $\\boxed{45^\\circ}$.", "45", False),
    ("Find $x$.", "So $x = 3 + 4 = \\boxed{7}$.", "7", True),
    ("Wrong step", "So $x = 3 + 5 = \\boxed{7}$.", "7", False),  # the step's value is not the answer
]


@pytest.mark.parametrize("problem,solution,answer,has_program", ROWS)
def test_competition_rows_keep_their_category_answer_and_solution(problem, solution, answer, has_program):
    c = check(problem, solution)
    assert (c.category, c.status, c.expected) == ("competition", "unchecked", answer)
    assert complete(c, "cot", solution)["response"] == solution  # the worked solution, as given
    got = complete(c, "program", solution)
    assert ("code" in got) == has_program
    if has_program:
        assert got["final"] == f"The answer is $\\boxed{{{answer}}}$." and "from sympy import *" in got["code"]


@pytest.mark.parametrize("solution,reason", [
    ("No box here.", "no \\boxed{} answer in the solution"),
    ("So it is $\\boxed{\\frac{1}{}}$.", "cannot be parsed"),
    ("It is $\\boxed{=}$.", "cannot be parsed"),
])
def test_unreadable_answers_are_unparseable_with_a_reason(solution, reason):
    c = check("Find the value of $y$.", solution)
    assert c.status == "unparseable" and reason in c.reason


@pytest.mark.parametrize("latex,python", [
    ("\\frac{3}{4} \\cdot 2^{3}", "Rational(3, 4) * 2**(3)"),
    ("3\\cos 60^{\\circ} + \\sin 30^\\circ", "3*cos(rad(60)) + sin(rad(30))"),
    ("\\log_{3} 3^{4} - \\log_{3} 3", "log(3**(4), 3) - log(3, 3)"),
    ("530 \\times (1 + \\frac{40}{100})", "530 * (1 + Rational(40, 100))"), ("2^{-1} + 0.5", "Integer(2)**(-Integer(1)) + Rational(5, 10)"),
    ("2\\sqrt{3} + 1", "2*sqrt(3) + 1"), ("\\sqrt[3]{27} - 1", "root(27, 3) - 1"), ("x + 1", None), ("12", None),
    ("\\pi \\times 4", "pi * 4"), ("\\left(2+3\\right)^2", "(2+3)**2"),
])
def test_the_latex_subset_becomes_exact_python(latex, python):
    assert to_python(latex) == python


def test_last_computation_is_the_step_before_the_box():
    assert last_computation("Then $a = 2$ and $a + 5 = 2 + 5 = \\boxed{7}$.") == "2 + 5"
    assert last_computation("So $\\boxed{7}$.") is None
    assert last_computation("no box") is None


@needs_bwrap
def test_programs_run_in_the_sandbox_print_what_the_conversation_says():
    checked = [(check(p, s), s) for p, s, _, has in ROWS if has]
    for c, solution in checked:
        got = complete(c, "program", solution)
        result = run_code(got["code"], Limits())
        assert (result.status, result.stdout) == ("ok", got["output"] + "\n"), result.stderr


def test_prepare_keeps_competition_rows_with_programs_and_cot(tmp_path):
    raw = tmp_path / "raw.jsonl"
    rows = [{"problem": p, "solution": s} for p, s, _, _ in ROWS]
    rows += [{"problem": "计算 1.5 + 2.25 等于多少？", "solution": "1.5 + 2.25 = 3.75"}]
    raw.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mathtune", "data", "prepare", str(raw), "--out-dir",
                           str(tmp_path / "out"), "--style", "program", "--no-mindrecord", "--quiet"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    convs = json.loads((tmp_path / "out" / "conversations.json").read_text(encoding="utf-8"))
    texts = [c["conversations"][-1]["value"] for c in convs]
    assert sum("from sympy import *" in t for t in texts) == 3  # the three rows whose last step is the answer
    assert sum("\\boxed{5\\sqrt{2}}" in t for t in texts) == 1  # the others as their worked solution


@pytest.mark.parametrize("solution,answer", [
    ("$\\frac{1+2}{4} = \\boxed{\\frac{3}{4}}$", "\\frac{3}{4}"), ("$\\frac{6}{2+1} = \\boxed{2}$", "2"),
    ("$2^{-2} \\cdot 8 = \\boxed{2}$", "2")])
def test_a_program_prints_exactly_what_its_conversation_says(solution, answer):
    """A review finding: `(1+2)/(4)` was float division when run, while the row said `\\frac{3}{4}`."""
    from converters.solutions.pot import run_in_process

    code, output = program_for(solution, answer)
    assert run_in_process(code) == output == complete(check("Q?", solution), "program", solution)["output"]
    assert "." not in output


def test_unclosed_delimiters_stay_linear():
    import time

    start = time.perf_counter()
    assert last_computation("\\[x" * 20000 + "\\boxed{1}") is None
    assert time.perf_counter() - start < 0.5
