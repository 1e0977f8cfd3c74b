"""The sandbox, both modes, against the usual hostile programs of a model; the inputs that used to
crash `run_code` or `final_answer`; and the CLI's choice of sandbox. The attacks on the kernel
boundary itself are in test_sandbox_attacks.py."""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from evaluation.sandbox import bwrap
from evaluation.inference.answering import final_answer
from evaluation.sandbox.limits import Limits
from evaluation.sandbox.runner import STATUSES, remove_tree, run_code

FAST = Limits(cpu_seconds=1, wall_seconds=4, memory_mb=256, output_bytes=4096)
NO_BWRAP = bwrap.problem()
MODES = [pytest.param("bwrap", marks=pytest.mark.skipif(NO_BWRAP is not None, reason=f"no bubblewrap: {NO_BWRAP}")),
         "weak"]
ESCAPE = "/var/tmp/mathtune-escape.txt"  # outside the work dir in both modes

HOSTILE = [
    ("infinite loop", "while True: pass", "cpu_limit"),
    ("sleeping forever", "import time\ntime.sleep(60)", "timeout"),
    ("fork bomb", "import os\nwhile True: os.fork()", "forbidden"),
    ("memory bomb", "x = 'a' * (10**10)", "memory"),
    ("10**10**10", "print(10**10**10)", "cpu_limit"),
    ("read outside", "print(open('/etc/passwd').read())", "forbidden"),
    ("write outside", f"open('{ESCAPE}', 'w').write('x')", "forbidden"),
    ("delete outside", f"import os\nos.remove('{ESCAPE}')", "forbidden"),
    ("O_RDONLY|O_CREAT outside", f"import os\nos.open('{ESCAPE}', os.O_RDONLY | os.O_CREAT)", "forbidden"),
    ("list outside", "import os\nprint(os.listdir('/'))", "forbidden"),
    ("socket", "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 22))", "forbidden"),
    ("print gigabytes", "while True: print('x' * 100000)", "output_limit"),
    ("os.system", "import os\nos.system('echo escaped')", "forbidden"),
    ("os.exec", "import os\nos.execv('/bin/sh', ['sh'])", "forbidden"),
    ("subprocess", "import subprocess\nsubprocess.run(['id'])", "forbidden"),
    ("ctypes", "import ctypes\nctypes.CDLL(None).system(b'echo escaped')", "forbidden"),
    ("kill the parent", "import os\nos.kill(os.getppid(), 9)", "forbidden"),
    ("extra hook does not lift the policy", "import sys\nsys.addaudithook(lambda *a: None)\nopen('/etc/hostname')",
     "forbidden"),
    # only what Python (PEP 538 locale coercion) and bwrap (PWD) set themselves are there
    ("environment is empty", "import os\nassert set(os.environ) <= {'LC_CTYPE', 'PWD'}, dict(os.environ)", "ok"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,code,status", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_code_is_contained(name, code, status, mode):
    result = run_code(code, Limits(**{**FAST.__dict__, "sandbox": mode}))
    assert result.status == status, (result.stdout[:200], result.stderr[-500:])
    assert result.seconds < FAST.wall_seconds + 2
    assert len(result.stdout.encode()) <= FAST.output_bytes
    assert not os.path.exists(ESCAPE)


@pytest.mark.parametrize("mode", MODES)
def test_programs_of_thought_run_and_print_exact_answers(mode):
    limits = Limits(**{**FAST.__dict__, "sandbox": mode})
    result = run_code("from decimal import Decimal\nprint(Decimal('7469.98') * Decimal('-2455.65'))", limits)
    assert (result.status, result.stdout) == ("ok", "-18343656.3870\n")
    unicode = run_code("print('平均值为', sum([79, 69, 19, 3, 23, 93]) / 6)", limits)
    assert unicode.stdout == "平均值为 47.666666666666664\n"
    scratch = run_code("open('n.txt', 'w').write('5')\nprint(int(open('n.txt').read()) + 1)", limits)
    assert scratch.stdout == "6\n"


@pytest.mark.parametrize("mode", MODES)
def test_errors_are_reported_not_raised(mode):
    limits = Limits(**{**FAST.__dict__, "sandbox": mode})
    result = run_code("1/0", limits)
    assert result.status == "error" and "ZeroDivisionError" in result.stderr
    assert run_code("def broken(:", limits).status == "error"


@pytest.mark.parametrize("mode", MODES)
def test_status_comes_from_the_exit_code_not_from_printed_text(mode):
    code = "import sys\nsys.stderr.write('MemoryError\\nPermissionError: sandbox: no\\n')\nprint(7)"
    result = run_code(code, Limits(**{**FAST.__dict__, "sandbox": mode}))
    assert (result.status, result.stdout) == ("ok", "7\n")


@pytest.mark.parametrize("mode", MODES)
def test_lone_surrogate_gives_a_status(mode):
    limits = Limits(**{**FAST.__dict__, "sandbox": mode})
    assert run_code("print('\ud800')", limits).status == "error"
    assert run_code("# \udcff\nprint(1)", limits).status in STATUSES


@pytest.mark.parametrize("mode", MODES)
def test_closing_its_pipes_does_not_end_the_clock(mode):
    code = "import os, time\nprint(1, flush=True)\nos.close(1)\nos.close(2)\ntime.sleep(60)"
    result = run_code(code, Limits(**{**FAST.__dict__, "sandbox": mode}))
    assert (result.status, result.stdout) == ("timeout", "1\n")
    assert FAST.wall_seconds - 0.5 < result.seconds < FAST.wall_seconds + 2


def _sandbox_dirs() -> set[str]:
    return {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("mathtune-sandbox-")}


@pytest.mark.parametrize("mode", MODES)
def test_a_1200_deep_tree_neither_raises_nor_stays(mode):
    before = _sandbox_dirs()
    code = "import os\nfor _ in range(1200):\n    os.mkdir('d')\n    os.chdir('d')\nopen('leaf', 'w').write('x')\nprint('deep')"
    result = run_code(code, Limits(**{**FAST.__dict__, "sandbox": mode}))
    assert (result.status, result.stdout) == ("ok", "deep\n"), result.stderr
    assert _sandbox_dirs() <= before


def test_remove_tree_is_iterative_and_does_not_follow_symlinks(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    root = tmp_path / "tree"
    root.mkdir()
    (root / "link").symlink_to(outside)
    fd = os.open(root, os.O_RDONLY)
    for _ in range(1200):  # deeper than the recursion limit (pathlib's own mkdir would recurse)
        os.mkdir("d", dir_fd=fd)
        fd, old = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(old)
    os.close(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.close(fd)
    remove_tree(str(root))
    assert not root.exists() and (outside / "keep.txt").read_text() == "keep"


def test_final_answer_is_linear_in_the_printed_length():
    def took(n: int) -> float:
        entry = {"code_status": "ok", "code_output": "7" * n + "\n", "generation": ""}
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            assert final_answer(entry) == ("7" * n, "program")
            best = min(best, time.perf_counter() - start)
        return best

    small, large = took(6_553), took(65_535)
    assert large / small < 30, (small, large)  # linear: ~10; the old fraction regex: ~100 (2 minutes here)
    spaced = {"code_status": "ok", "code_output": "7 " * 30_000 + "/ 3", "generation": ""}
    start = time.perf_counter()
    assert final_answer(spaced) == ("7/3", "program")
    assert time.perf_counter() - start < 5


def _mathtune(*args: str, path: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": path}
    return subprocess.run([str(Path(sys.executable).parent / "mathtune"), *args], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.mark.parametrize("command", [["predict", "--input", "x.jsonl", "--out", "y.jsonl"],
                                     ["gsm8k", "--out-dir", "out"]])
def test_cli_refuses_without_bubblewrap_unless_weak(tmp_path, command):
    # a PATH without bwrap: what a machine without the package sees
    missing = _mathtune(*command, "--model-dir", str(tmp_path / "none"), path=str(tmp_path))
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "apt-get install bubblewrap" in missing.stderr
    assert "Traceback" not in missing.stderr
    weak = _mathtune(*command, "--model-dir", str(tmp_path / "none"), "--sandbox=weak", path=str(tmp_path))
    assert "--sandbox=weak" in weak.stderr and "not a security boundary" in weak.stderr
    assert "apt-get install bubblewrap" not in weak.stderr
    skipped = _mathtune(*command, "--model-dir", str(tmp_path / "none"), "--no-execute", path=str(tmp_path))
    assert "bubblewrap" not in skipped.stderr


def test_weak_mode_hook_is_not_a_boundary():
    """What docs/sandbox.md and the warning say: ordinary Python switches the hook off."""
    code = "import __main__\n__main__._DENY = ()\n__main__._PATH_EVENTS = set()\nimport os\nprint('etc' in os.listdir('/'))"
    result = run_code(code, Limits(**{**FAST.__dict__, "sandbox": "weak"}))
    assert (result.status, result.stdout) == ("ok", "True\n")


@pytest.mark.parametrize("mode", MODES)
def test_output_cap_is_per_stream(mode):
    code = "import sys\nprint('a' * 3000)\nsys.stderr.write('b' * 3000)"
    # 6,000 bytes in all, each stream under FAST's 4,096
    result = run_code(code, Limits(**{**FAST.__dict__, "sandbox": mode}))
    assert result.status == "ok" and len(result.stdout) == 3001
