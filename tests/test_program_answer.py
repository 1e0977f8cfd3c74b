"""Reading a program's answer from what it printed: the last line that is one value (issue 23's probes)."""
import pytest

from converters.answers.number import plain_value, program_answer
from converters.rules.categories import CHINESE_CATEGORIES, categorise
from converters.rules.compute import solve
from converters.solutions.pot import program, run_in_process
from converters.synth.contest import synth_rows
from evaluation.scoring.extract import is_correct
from evaluation.inference.answering import final_answer

# (what the program printed, the answer read from it)
TABLE = [
    ("42", "42"),
    ("42\n", "42"),
    ("a = 5\n42", "42"),                      # an earlier labelled line is not the answer
    ("42\nDone in 0.01 s", "42"),             # a later line that is not a value does not replace it
    ("\x1b[32m42\x1b[0m", "42"),              # terminal colours
    ("\x1b[1;31m-3.5\x1b[0m\n", "-3.5"),
    ("1_000", "1000"),                        # Python's digit grouping
    ("0x2A", "42"),                           # an int literal in another base
    ("-0b101", "-5"),
    ("0o17", "15"),
    ("42\n\\boxed{7}", "42"),                 # a LaTeX line is not a value; the value line is
    ("\\boxed{7}", "7"),                      # …unless there is none: the text rules read it
    ("5/6", "5/6"),
    ("-0.55", "-0.55"),
    ("2.7e+34", "2.7e+34"),
    ("1e-05", "1e-05"),
    ("1,234,567.25", "1234567.25"),
    ("−3", "-3"),                             # a Unicode minus
    ("progress 50%\rprogress 100%\r42", "42"),  # carriage-return overwrites: what a terminal shows
    ("  42  ", "42"),
    ("+7", "7"),
    ("3.", "3."),
    (".5", ".5"),
    ("The answer is 42", "42"),               # no value line: the text rules on the output
    ("x = 3\ny = 4", "4"),
    ("[1, 2, 3]\n6", "6"),
    ("(1, 2)", "(1, 2)"),                     # one value of its own: an ordered pair (MATH), kept whole
    ("nan", None),
    ("inf", None),
    ("", None),
    ("Traceback? no: just words", None),
    ("12\n\n\n", "12"),
    ("7\n8", "8"),                            # two values: the last line printed
]


@pytest.mark.parametrize("printed,answer", TABLE)
def test_the_answer_read_from_a_programs_output(printed, answer):
    got, source = final_answer({"code_status": "ok", "code_output": printed, "generation": ""})
    assert got == answer and source in ("program", "text")


@pytest.mark.parametrize("line", ["a = 5", "Done in 0.01 s", "1,2", "12,34", "0x", "1__0", "_1", "1_", "e5", "--3",
                                  "1/", "/2", "0xZZ", "1.2.3", "१२", "9" * 1_000_001, "0x" + "f" * 300])
def test_lines_that_are_not_one_value(line):
    assert plain_value(line) is None


def test_a_program_that_did_not_run_is_read_from_the_models_text():
    assert final_answer({"code_status": "error", "code_output": "42", "generation": "= 17"}) == ("17", "text")


def test_every_training_program_prints_one_line_that_the_rule_reads_as_its_answer():
    """Training data and extraction agree: each category's programs print the answer as their only line."""
    for row in synth_rows(550, seed=5, shares=dict.fromkeys(CHINESE_CATEGORIES, 1.0)):
        parsed = categorise(row["problem"])
        printed = run_in_process(program(parsed.category, parsed.args))
        assert "\n" not in printed
        assert is_correct(program_answer(printed), solve(parsed.category, parsed.args).value, "exact"), row


@pytest.mark.parametrize("output,answer", [
    ("\\frac{1}{16}\n", "\\frac{1}{16}"), ("sqrt(3)/2", "sqrt(3)/2"), ("[2, 3]", "[2, 3]"), ("pi", "pi"),
    ("Interval(-oo, 3)", "Interval(-oo, 3)"), ("x**2 + 1", "x**2 + 1"), ("2 \\sqrt{3}", "2 \\sqrt{3}"),
    ("x = 5\nDone", "5"), ("12.5 元", "12.5"), ("total * 2", "2"), ("12", "12")])
def test_a_sympy_value_printed_last_is_the_answer_as_printed(output, answer):
    """`16` is not the answer of `\\frac{1}{16}`: a last line that is one sympy/LaTeX expression is kept
    whole for the symbolic judge; words are not expressions."""
    from evaluation.inference.answering import final_answer

    assert final_answer({"code_status": "ok", "code_output": output, "generation": ""}) == (answer, "program")
