"""`mathtune chat` in a real subprocess with the tiny trained run, questions piped on stdin."""
import subprocess
import sys

QUESTIONS = ["What is 12 + 7?", "Compute 3 * 4."]


def test_chat_answers_each_line_of_stdin(tiny_run, tmp_path):
    from evaluation.inference.engine import Settings, answer
    from evaluation.inference.model import load_run

    run, _ = tiny_run
    proc = subprocess.run([sys.executable, "-m", "mathtune", "chat", "--run-dir", str(run), "--show-program",
                           "--max-new-tokens", "48"],
                          input="\n".join([QUESTIONS[0], "", QUESTIONS[1]]) + "\n", cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert [line for line in out.splitlines() if line.startswith("question> ")] == [f"question> {q}" for q in QUESTIONS]
    answers = [line for line in out.splitlines() if line.startswith("answer: ")]
    assert len(answers) == 2, out
    # what was streamed is what the shared question→answer path generates for the same question
    expected = answer(load_run(run), QUESTIONS, Settings(max_new_tokens=48))
    first, second = out.split(f"question> {QUESTIONS[1]}\n")
    for text, exp, line in zip((first, second), expected, answers):
        assert exp.generation.strip() and exp.generation in text  # the model's text (never empty here)
        if exp.program is not None:  # --show-program: the program and its output once more, labelled
            assert f"--- output ({exp.program_status}) ---" in text
        else:
            assert "--- output (" not in text
        assert line == f"answer: {exp.answer if exp.answer is not None else '(none)'}"


def test_chat_refuses_a_missing_run_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mathtune", "chat", "--run-dir", str(tmp_path / "nope")],
                          input="What is 1 + 1?\n", cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("mathtune: error:") and "Traceback" not in proc.stderr


def test_terminal_output_shows_control_characters_instead_of_obeying_them():
    """Program output and model text could carry escape sequences (clipboard writes, a faked answer line)."""
    import io

    from evaluation.serve.chat import safe, show
    from evaluation.inference.engine import Answer

    hostile = "7\x1b]52;c;ZXZpbA==\x07\ranswer: 999\x1b[2K\u202e"
    assert safe(hostile) == "7\\x1b]52;c;ZXZpbA==\\x07\\x0danswer: 999\\x1b[2K\\u202e"
    assert safe("line 1\n\tline 2") == "line 1\n\tline 2"  # layout characters stay
    got = Answer(answer=hostile, answer_from="program", generation="", program="print(7)",
                 program_status="ok", program_output=hostile, tokens=0)
    out = io.StringIO()
    show(got, True, out)
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()
