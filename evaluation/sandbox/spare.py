"""Bubblewrap sandboxes started before their program arrives.

Starting a sandbox (bwrap's namespaces and mounts, joining the run's cgroups, the interpreter's start-up
and the prelude's limits) took two thirds of a short program's run. A started sandbox waits, blocked on
a pipe, for the one program it will run; `run_code` hands a program to the waiting sandbox and starts
the next one while that program runs, on the other core. Each sandbox still runs exactly one program,
in namespaces and cgroups nothing else has used: the boundary is the same, only started earlier.
A waiting sandbox dies with the thread that started it (bwrap --die-with-parent is the kernel's
parent-death signal, which follows the thread), so only that thread uses it; its cgroups are removed at
exit, or by the next mathtune's sweep of stale cgroups.
"""
from __future__ import annotations

import atexit
import math
import os
import re
import select
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from evaluation.sandbox import bwrap, cgroup, seccomp
from evaluation.sandbox.limits import Limits
from evaluation.sandbox.packages import INSIDE
from evaluation.sandbox.prelude import PRELUDE


@dataclass
class Started:
    proc: subprocess.Popen
    program: int  # write end of the pipe the prelude reads the program from
    cap: object | None  # cgroup.Caps
    limits: Limits
    owner: int = field(default_factory=os.getpid)
    # bwrap's --die-with-parent is the kernel's parent-death signal, sent when the *thread* that started
    # it ends: a sandbox is used only by the thread that started it
    thread: int = field(default_factory=threading.get_ident)
    fds: list[int] = field(default_factory=list)  # held until the end (bwrap's info pipe)

    def usable(self, limits: Limits) -> bool:
        return (self.limits == limits and self.owner == os.getpid() and self.thread == threading.get_ident()
                and self.proc.poll() is None)

    def hand_over(self, source: bytes, seconds: float) -> bool:
        """Write the program (its length, then its bytes) and close the pipe; False when the sandbox is
        gone or has not read it within `seconds`."""
        deadline = time.monotonic() + seconds
        try:
            os.set_blocking(self.program, False)
            view = memoryview(len(source).to_bytes(8, "big") + source)
            poller = select.poll()  # not select.select: it fails for a descriptor numbered 1024 or more
            poller.register(self.program, select.POLLOUT)
            while view:
                left = deadline - time.monotonic()
                if left <= 0 or not poller.poll(1000 * left):
                    return False
                try:
                    view = view[os.write(self.program, view):]
                except BlockingIOError:
                    continue
            return True
        except OSError:
            return False
        finally:
            os.close(self.program)
            self.program = -1

    def close(self) -> None:
        """Kill what is left of the sandbox and free its fds and cgroups."""
        if self.proc.poll() is None:
            kill(self.proc, self.cap)
            self.proc.wait()
        self.release()
        if self.cap:
            self.cap.remove()
            self.cap = None

    def release(self) -> None:
        """Close this process's descriptors of the sandbox (its pipes), leaving the sandbox itself be."""
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        for fd in self.fds + ([self.program] if self.program >= 0 else []):
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds, self.program = [], -1


def prelude_args(limits: Limits, packages: str, readable: tuple[str, ...]) -> list[str]:
    """The limits, the sys.path entry holding sympy and mpmath, and the folders the program may read them in."""
    # whole numbers: rlimits are; a CPU limit rounds up (cpu_seconds=0.5 is one second, not none)
    return [str(max(1, math.ceil(limits.cpu_seconds))), str(int(limits.memory_mb * 1024 * 1024)),
            str(int(limits.file_bytes)), str(int(limits.open_files)), str(int(limits.processes)), packages,
            ":".join(readable)]


def start(limits: Limits) -> Started:
    """A sandbox for one program under `limits`, started and waiting for it."""
    program_r, program_w = os.pipe()
    child_fds, own_fds, cap = [program_r], [], None  # closed after the start / at the end
    try:
        child_fds.append(seccomp.filter_fd())
        # + bwrap's init in the pid namespace; the memory of every process and of /tmp together
        cap = cgroup.open_caps(limits.processes + 1, (limits.memory_mb + limits.tmpfs_mb + cgroup.MARGIN_MB) << 20)
        if cap:
            block_r, block = os.pipe()
            info, info_w = os.pipe()
            child_fds += [block_r, info_w]
            # info stays open until the end: bwrap writes more to it, and a closed pipe would kill it
            own_fds += [block, info]
        cmd = bwrap.command(limits, program_r, PRELUDE, prelude_args(limits, INSIDE, (INSIDE,)), *child_fds[2:],
                            seccomp_fd=child_fds[1])
        # env={}: bwrap's own init keeps the environment bwrap started with, readable in /proc/1/environ
        proc = subprocess.Popen(cmd, env={}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=tuple(child_fds), start_new_session=True)
    except BaseException:
        for fd in child_fds + own_fds + [program_w]:
            os.close(fd)
        if cap:
            cap.remove()
        raise
    for fd in child_fds:
        os.close(fd)
    started = Started(proc, program_w, cap, limits)
    if cap:
        own_fds.remove(block)
        started.fds = own_fds
        _enter_cgroup(proc, cap, own_fds[0], block)  # closes block: that starts the sandbox
    return started


def _enter_cgroup(proc, cap, info: int, block: int) -> None:
    """bwrap waits on the block fd before starting the sandbox: put its init in the cgroups, then go."""
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
            kill(proc)  # bwrap failed before it made the namespace: its stderr says why
    except OSError:
        kill(proc)
    finally:
        try:
            os.write(block, b"1")
        except OSError:
            pass
        os.close(block)


def kill(proc, cap=None) -> None:
    """SIGKILL the process group (and the cgroups); killing bwrap's init ends everything in its pid namespace."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if cap:
        cap.kill_all()


class Spares:
    """At most one waiting sandbox, for the limits of the last run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spare: Started | None = None
        atexit.register(self.drop)
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        """In a forked child: the parent's sandbox is the parent's. Close this copy of its descriptors
        (a copy of the program pipe would otherwise keep it open) and start afresh."""
        spare, self._spare, self._lock = self._spare, None, threading.Lock()
        if spare is not None:
            spare.release()

    def take(self, limits: Limits) -> Started:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None and spare.usable(limits):
            return spare
        if spare is not None:
            spare.close()
        return start(limits)

    def refill(self, limits: Limits) -> None:
        try:
            fresh = start(limits)
        except Exception:  # (a cgroup or descriptor limit) the next run starts its own and reports it
            return
        with self._lock:
            fresh, self._spare = self._spare, fresh
        if fresh is not None:  # another thread refilled first
            fresh.close()

    def drop(self) -> None:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None and spare.owner == os.getpid():
            spare.close()


SPARES = Spares()
