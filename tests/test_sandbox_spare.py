"""A sandbox started ahead of its program (evaluation/sandbox/spare.py) is still one program's alone."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.sandbox import bwrap
from hostile import HOOK_OFF
from evaluation.sandbox.limits import Limits
from evaluation.sandbox.runner import run_code
from evaluation.sandbox.spare import SPARES

needs_bwrap = pytest.mark.skipif(bwrap.problem() is not None, reason=f"bwrap: {bwrap.problem()}")
LIMITS = Limits(wall_seconds=10)

LEAVE_TRACES = HOOK_OFF + """
import os, time
open('/tmp/left-behind', 'w').write('x')
if os.fork() == 0:  # a process that would outlive the program, if the sandbox let it
    time.sleep(30)
print(os.getpid())
"""
LOOK = HOOK_OFF + """
import os
print((sorted(os.listdir('/tmp')), sorted(p for p in os.listdir('/proc') if p.isdigit())))
"""


@needs_bwrap
def test_the_next_program_sees_nothing_of_the_last():
    first = run_code(LEAVE_TRACES, LIMITS)  # its successor's sandbox was started while it ran
    assert first.status == "ok", first.stderr
    second = run_code(LOOK, LIMITS)
    assert second.status == "ok", second.stderr
    files, pids = eval(second.stdout)
    assert files == ["program.py"]
    assert len(pids) <= 2  # bwrap's init and the program: no process of the first run
    control = run_code(LEAVE_TRACES.replace("time.sleep(30)", "os._exit(0)") + LOOK, LIMITS)
    assert "left-behind" in control.stdout  # control: the listing does see a file the program made


@needs_bwrap
def test_a_sandbox_started_for_other_limits_is_not_used():
    read_cpu = "import resource\nprint(resource.getrlimit(resource.RLIMIT_CPU))"
    assert run_code(read_cpu, Limits(cpu_seconds=1)).stdout == "(1, 2)\n"
    assert run_code(read_cpu, Limits(cpu_seconds=3)).stdout == "(3, 4)\n"  # a spare for cpu_seconds=1 waited
    assert run_code(read_cpu, Limits(cpu_seconds=3)).stdout == "(3, 4)\n"


@needs_bwrap
def test_a_program_larger_than_a_pipe_buffer_arrives_whole():
    code = "x = '" + "a" * 300_000 + "'\nprint(len(x))"
    result = run_code(code, LIMITS)
    assert result.stdout == "300000\n", result.stderr


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0 or bwrap.pids_cgroup_root() is None, reason="cgroups are made as root only")
def test_the_waiting_sandbox_leaves_no_cgroup_when_its_owner_exits():
    script = ("import os; from evaluation.sandbox.runner import run_code; "
              "assert run_code('print(1)').ok; print(os.getpid())")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 0, run.stderr
    pid = run.stdout.split()[-1]
    base = bwrap.pids_cgroup_root()
    assert not [n for n in os.listdir(base) if n.startswith(f"{pid}-")]
    SPARES.drop()


@needs_bwrap
def test_a_forked_child_leaves_its_parents_waiting_sandbox_alone():
    assert run_code("print(1)", LIMITS).ok  # leaves a started sandbox waiting for the next program
    pid = os.fork()
    if pid == 0:  # the child runs a program of its own, then exits without cleaning up
        code = 0 if run_code("print(2)", LIMITS).stdout == "2\n" else 1
        os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    waiting = SPARES._spare
    assert waiting is not None and waiting.proc.poll() is None  # still alive, still the parent's
    assert run_code("print(3)", LIMITS).stdout == "3\n"


@needs_bwrap
def test_a_live_forked_child_does_not_hold_up_the_parents_next_program():
    """The child holds copies of the caller's descriptors: the program is read by its length, not to EOF."""
    import time

    assert run_code("print(1)", LIMITS).ok
    pid = os.fork()
    if pid == 0:
        time.sleep(4)
        os._exit(0)
    try:
        result = run_code("print(2)", Limits(wall_seconds=3))
        assert (result.status, result.stdout) == ("ok", "2\n"), result
    finally:
        os.waitpid(pid, 0)


@needs_bwrap
def test_a_sandbox_started_by_a_thread_that_ended_is_not_used():
    """bwrap's --die-with-parent fires when the thread that started it ends: another thread's program
    must not run in it."""
    import threading

    done = threading.Event()

    def worker():
        assert run_code("print(0)", LIMITS).ok  # leaves a sandbox started by this thread
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert done.is_set()
    busy = "import time\nt = time.time()\nwhile time.time() - t < 0.5:\n    pass\nprint('done')"
    result = run_code(busy, LIMITS)
    assert (result.status, result.stdout) == ("ok", "done\n"), result


@needs_bwrap
def test_a_program_larger_than_the_file_limit_runs_without_its_copy():
    code = "import os\nprint(os.listdir('/tmp'))\n#" + "x" * 3000
    result = run_code(code, Limits(file_bytes=2000))
    assert (result.status, result.stdout) == ("ok", "[]\n"), result


@needs_bwrap
def test_whole_and_fractional_limits_run():
    read_cpu = "import resource\nprint(resource.getrlimit(resource.RLIMIT_CPU))"
    assert run_code(read_cpu, Limits(cpu_seconds=2.0)).stdout == "(2, 3)\n"
    assert run_code(read_cpu, Limits(cpu_seconds=0.5)).stdout == "(1, 2)\n"


@needs_bwrap
def test_runs_when_the_caller_has_over_1024_descriptors_open():
    """A server or a loaded model holds many files: the hand-over must not use select() (fds < 1024 only)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("cannot open 1,100 descriptors here")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200) if hard == resource.RLIM_INFINITY else min(hard, 4096), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        SPARES.drop()
        for i in range(3):  # the first starts a sandbox now, the others take one started ahead
            result = run_code(f"print({i})", LIMITS)
            assert (result.status, result.stdout) == ("ok", f"{i}\n"), result
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
