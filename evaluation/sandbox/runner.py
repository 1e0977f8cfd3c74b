"""Running model-written programs: a separate, limited Python process, under bubblewrap.

`bwrap` (the default): the kernel is the boundary. Each program runs in new user, pid, mount,
network, ipc and uts namespaces, seeing only read-only binds of the interpreter, its standard library
and its shared libraries, with a fresh tmpfs as the only writable place, an empty environment, a new
session, no further user namespaces, and the whole process tree killed with the pid namespace when
time is up. Kernel limits cap CPU time, address space, file size, open files and processes (as root,
where RLIMIT_NPROC does not bind, a pids cgroup does). See `evaluation.sandbox.bwrap`.

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

from evaluation.sandbox import bwrap, cgroup, seccomp
from evaluation.sandbox.limits import Limits, Result
from evaluation.sandbox.packages import INSIDE, link_dir, package_dirs
from evaluation.sandbox.prelude import FORBIDDEN_EXIT, MEMORY_EXIT, PRELUDE
from evaluation.sandbox.workdir import remove_tree

STATUSES = ("ok", "error", "timeout", "cpu_limit", "memory", "output_limit", "forbidden")
MODES = ("bwrap", "weak")


def _prelude_args(limits: Limits, packages: str, readable: tuple[str, ...]) -> list[str]:
    """The limits, the sys.path entry holding sympy and mpmath, and the folders the program may read them in."""
    return [str(limits.cpu_seconds), str(limits.memory_mb * 1024 * 1024), str(limits.file_bytes),
            str(limits.open_files), str(limits.processes), packages, ":".join(readable)]


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
    program = os.memfd_create("program.py")
    os.write(program, source)
    os.lseek(program, 0, os.SEEK_SET)
    child_fds, own_fds, cap = [program], [], None  # closed after the start / at the end
    try:
        child_fds.append(seccomp.filter_fd())
        # + bwrap's init in the pid namespace; the memory of every process and of /tmp together
        cap = cgroup.open_caps(limits.processes + 1,
                                       (limits.memory_mb + limits.tmpfs_mb + cgroup.MARGIN_MB) << 20)
        if cap:
            block_r, block = os.pipe()
            info, info_w = os.pipe()
            child_fds += [block_r, info_w]
            # info stays open until the end: bwrap writes more to it, and a closed pipe would kill it
            own_fds += [block, info]
        cmd = bwrap.command(limits, program, PRELUDE, _prelude_args(limits, INSIDE, (INSIDE,)), *child_fds[2:],
                                    seccomp_fd=child_fds[1])
        start = time.perf_counter()
        # env={}: bwrap's own init keeps the environment bwrap started with, readable in /proc/1/environ
        proc = subprocess.Popen(cmd, env={}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=tuple(child_fds), start_new_session=True)
        for fd in child_fds:
            os.close(fd)
        child_fds = []
        if cap:
            own_fds.remove(block)
            _enter_cgroup(proc, cap, info, block)  # closes block: that starts the program
        return _collect(proc, limits, start, cap)
    finally:
        for fd in child_fds + own_fds:
            os.close(fd)
        if cap:
            cap.remove()


def _enter_cgroup(proc, cap, info: int, block: int) -> None:
    """bwrap waits on the block fd before starting the program: put its init in the cgroup, then go."""
    import re

    data = b""
    try:
        while not re.search(rb'"child-pid": *\d+[^\d]', data):  # bwrap writes its JSON in pieces
            chunk = os.read(info, 4096)
            if not chunk:
                break
            data += chunk
        found = re.search(rb'"child-pid": *(\d+)', data)
        if found:
            cap.add(int(found.group(1)))
        else:
            _kill(proc)  # bwrap failed before it made the namespace: its stderr says why
    except OSError:
        _kill(proc)
    finally:
        try:
            os.write(block, b"1")
        except OSError:
            pass
        os.close(block)


def _run_weak(source: bytes, limits: Limits) -> Result:
    work = tempfile.mkdtemp(prefix="mathtune-sandbox-")
    try:
        program = os.path.join(work, "program.py")
        with open(program, "wb") as handle:
            handle.write(source)
        packages = link_dir(work)
        cmd = [sys.executable, "-I", "-S", "-X", "utf8", "-c", PRELUDE, work, program,
               *_prelude_args(limits, packages, package_dirs())]
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
    _kill(proc, cap)
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


def _kill(proc, cap=None) -> None:
    """SIGKILL the process group (and the pids cgroup); under bwrap, killing it ends its init, and with
    the init the kernel kills everything left in the pid namespace."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if cap:
        cap.kill_all()


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
