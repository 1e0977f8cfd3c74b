"""Running model-written programs: a separate, limited Python process, under bubblewrap.

`bwrap` (the default): the kernel is the boundary. Each program runs in new user, pid, mount,
network, ipc and uts namespaces, seeing only read-only binds of the interpreter, its standard library
and its shared libraries, with a fresh tmpfs as the only writable place, an empty environment, a new
session, no further user namespaces, and the whole process tree killed with the pid namespace when
time is up. Kernel limits cap CPU time, address space, file size, open files and processes (as root,
where RLIMIT_NPROC does not bind, a pids cgroup does). See `evaluation.sandbox.bwrap`. Each sandbox is
started ahead of its one program, while the previous program runs (`evaluation.sandbox.spare`).

`weak`: the earlier sandbox, for where bubblewrap is missing: the same limits and an audit hook in a plain
subprocess. The hook is not a boundary: ordinary Python switches it off (see `prelude`).

Both: a wall-clock timeout, output capped while it is read, a status from the exit code and signals
(`STATUSES`), and nothing the program does makes `run_code` raise.
"""
from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time

from evaluation.sandbox import bwrap, cgroup
from evaluation.sandbox.limits import Limits, Result
from evaluation.sandbox.packages import link_dir, package_dirs
from evaluation.sandbox.prelude import FORBIDDEN_EXIT, MEMORY_EXIT, PRELUDE
from evaluation.sandbox.spare import SPARES, kill, prelude_args, start
from evaluation.sandbox.workdir import remove_tree

STATUSES = ("ok", "error", "timeout", "cpu_limit", "memory", "output_limit", "forbidden")
MODES = ("bwrap", "weak")


def run_code(code: str, limits: Limits = Limits()) -> Result:
    """Run a program in the sandbox; never raises for anything the program does."""
    source = code.encode("utf-8", errors="surrogatepass")  # a lone surrogate is the program's problem
    if limits.sandbox == "weak":
        return _run_weak(source, limits)
    if limits.sandbox != "bwrap":
        raise ValueError(f"unknown sandbox {limits.sandbox!r}; choose from {MODES}")
    return _run_bwrap(source, limits)


def _run_bwrap(source: bytes, limits: Limits) -> Result:
    why = bwrap.problem()
    if why:  # the CLI says so before any work (`require`); a library caller learns it here
        raise RuntimeError(f"{why}; {bwrap.INSTALL_HINT}")
    sandbox = SPARES.take(limits)  # started while the previous program ran (evaluation/sandbox/spare.py)
    try:
        if not sandbox.hand_over(source, limits.wall_seconds):  # it died waiting (killed from outside)
            sandbox.close()
            sandbox = start(limits)
            sandbox.hand_over(source, limits.wall_seconds)
        begun = time.perf_counter()
        SPARES.refill(limits)  # the next program's sandbox starts while this one runs
        return _collect(sandbox.proc, limits, begun, sandbox.cap)
    finally:
        sandbox.close()


def _run_weak(source: bytes, limits: Limits) -> Result:
    work = tempfile.mkdtemp(prefix="mathtune-sandbox-")
    try:
        program = os.path.join(work, "program.py")
        with open(program, "wb") as handle:
            handle.write(source)
        packages = link_dir(work)
        cmd = [sys.executable, "-I", "-S", "-X", "utf8", "-c", PRELUDE, work, program,
               *prelude_args(limits, packages, package_dirs())]
        start = time.perf_counter()
        # limits are set by the prelude, not a preexec_fn: without one, Python can vfork, which stays fast
        # when the caller is a large process (a loaded model); a new session lets a timeout kill the group
        proc = subprocess.Popen(cmd, cwd=work, env={}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        return _collect(proc, limits, start, None)
    finally:
        remove_tree(work)


def _collect(proc, limits: Limits, start: float, cap) -> Result:
    """Read both pipes until the program ends (or time, or output, runs out); then kill what is left.

    Reading stops shortly after the process exits even if a child of it still holds the pipes."""
    out, err = bytearray(), bytearray()
    sinks = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
    selector = selectors.DefaultSelector()
    for fd in sinks:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    deadline = start + limits.wall_seconds
    timed_out = over = cpu_over = False
    totals = dict.fromkeys(sinks, 0)  # each stream has its own cap, as the model sees stdout or stderr
    while sinks:
        now = time.perf_counter()
        if proc.poll() is not None:
            deadline = min(deadline, now + 0.2)  # whatever is still buffered in the pipes
        if now >= deadline:
            timed_out = proc.poll() is None
            break
        if _cpu_over(proc, limits, cap):
            cpu_over = True
            break
        for key, _ in selector.select(timeout=min(deadline - now, 0.1)):
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                selector.unregister(key.fd)
                del sinks[key.fd]
                continue
            totals[key.fd] += len(chunk)
            sink = sinks[key.fd]
            sink += chunk[: max(0, limits.output_bytes - len(sink))]
            if totals[key.fd] > limits.output_bytes:
                over = True
        if over:
            break
    selector.close()
    while not (over or timed_out or cpu_over) and proc.poll() is None:  # it closed its pipes but runs on
        try:  # usually it is exiting: wait for that itself, not a fixed sleep (that cost ~10 ms a run)
            proc.wait(timeout=max(0.0, min(0.1, deadline - time.perf_counter())))
        except subprocess.TimeoutExpired:
            pass
        timed_out = proc.poll() is None and time.perf_counter() >= deadline
        cpu_over = _cpu_over(proc, limits, cap)
    kill(proc, cap)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    seconds = time.perf_counter() - start
    stdout = out[: limits.output_bytes].decode("utf-8", errors="replace")
    stderr = err.decode("utf-8", errors="replace")
    status = "cpu_limit" if cpu_over else _status(proc.returncode, timed_out, over)
    if status in ("cpu_limit", "error") and cap and cap.oom_killed():  # the run's memory cgroup was full
        status = "memory"
    return Result(status, stdout, stderr[-2000:], proc.returncode, seconds)


def _cpu_over(proc, limits: Limits, cap) -> bool:
    """RLIMIT_CPU is per process: the run's total (its cgroup's) ends it at the hard limit's second."""
    return bool(cap) and proc.poll() is None and cap.cpu_seconds() > limits.cpu_seconds + 1


def _status(code: int | None, timed_out: bool, over: bool) -> str:
    """From what the kernel and the prelude report, never from text the program printed."""
    if over:
        return "output_limit"
    if timed_out:
        return "timeout"
    # killed only on timeout or output above: a signal here is the CPU limit (SIGXCPU, then SIGKILL);
    # bwrap reports a signal as 128 + its number
    if code in (-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU, 128 + signal.SIGKILL):
        return "cpu_limit"
    if code == MEMORY_EXIT:
        return "memory"
    if code == FORBIDDEN_EXIT:
        return "forbidden"
    return "ok" if code == 0 else "error"


def require(mode: str, execute: bool = True) -> str:
    """Check before any work that programs can run under `mode`: InputError (one line saying how to
    install bubblewrap) where bwrap cannot; a warning on stderr for `weak`."""
    from fileio.errors import InputError

    if not execute:
        return mode
    if mode == "weak":
        print("mathtune: warning: --sandbox=weak runs the model's programs under an audit hook only, which "
              "ordinary Python can switch off: not a security boundary", file=sys.stderr)
        return mode
    why = bwrap.problem()
    if why:
        raise InputError(f"{why}; {bwrap.INSTALL_HINT}")
    if os.geteuid() == 0 and bwrap.pids_cgroup_root() is None:
        print("mathtune: warning: running as root with no writable pids cgroup: the number of processes a "
              "program starts is not capped (RLIMIT_NPROC does not bind uid 0)", file=sys.stderr)
    elif os.geteuid() == 0:
        caps = cgroup.open_caps(2, 1 << 30)
        missing = [what for what, path in (("memory", caps and caps.memory_path), ("CPU time", caps and caps.cpu_path))
                   if not path]
        if caps:
            caps.remove()
        if missing:
            print(f"mathtune: warning: no cgroup for the {' and '.join(missing)} of a program's processes together: "
                  "each is capped on its own only", file=sys.stderr)
    return mode
