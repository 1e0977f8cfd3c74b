"""The sandbox against a hostile suite: each attempt is contained and reported with its status."""
import os

import pytest

from evaluation.sandbox import Limits, run_code

FAST = Limits(cpu_seconds=1, wall_seconds=4, memory_mb=256, output_bytes=4096)

HOSTILE = [
    ("infinite loop", "while True: pass", "cpu_limit"),
    ("sleeping forever", "import time\ntime.sleep(60)", "timeout"),
    ("fork bomb", "import os\nwhile True: os.fork()", "forbidden"),
    ("memory bomb", "x = 'a' * (10**10)", "memory"),
    ("10**10**10", "print(10**10**10)", "cpu_limit"),
    ("read outside", "print(open('/etc/passwd').read())", "forbidden"),
    ("write outside", "open('/tmp/mathtune-escape.txt', 'w').write('x')", "forbidden"),
    ("delete outside", "import os\nos.remove('/tmp/mathtune-escape.txt')", "forbidden"),
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
    # only what Python sets itself (PEP 538 locale coercion) is there
    ("environment is empty", "import os\nassert set(os.environ) <= {'LC_CTYPE'}, dict(os.environ)", "ok"),
]


@pytest.mark.parametrize("name,code,status", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_code_is_contained(name, code, status):
    result = run_code(code, FAST)
    assert result.status == status, (result.stdout[:200], result.stderr[-500:])
    assert result.seconds < FAST.wall_seconds + 2
    assert len(result.stdout.encode()) <= FAST.output_bytes
    assert not os.path.exists("/tmp/mathtune-escape.txt")


def test_programs_of_thought_run_and_print_exact_answers():
    result = run_code("from decimal import Decimal\nprint(Decimal('7469.98') * Decimal('-2455.65'))", FAST)
    assert (result.status, result.stdout) == ("ok", "-18343656.3870\n")
    unicode = run_code("print('平均值为', sum([79, 69, 19, 3, 23, 93]) / 6)", FAST)
    assert unicode.stdout == "平均值为 47.666666666666664\n"
    scratch = run_code("open('n.txt', 'w').write('5')\nprint(int(open('n.txt').read()) + 1)", FAST)
    assert scratch.stdout == "6\n"


def test_errors_are_reported_not_raised():
    result = run_code("1/0", FAST)
    assert result.status == "error" and "ZeroDivisionError" in result.stderr
    assert run_code("def broken(:", FAST).status == "error"
