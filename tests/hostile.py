"""Shared by the sandbox attack suites: the skip without bubblewrap, switching the audit hook off, and
finding processes a run left behind in the host's process table (not a test module)."""
import os
import uuid

import pytest

from evaluation.sandbox import bwrap

BWRAP_PROBLEM = bwrap.problem()
needs_bwrap = pytest.mark.skipif(BWRAP_PROBLEM is not None, reason=f"bubblewrap sandbox unavailable: {BWRAP_PROBLEM}")
# what issue 13's attacker did first: the in-process policy switched off, so only the kernel is left
# the audit hook's policy emptied and the import finder removed: both live in the program's own interpreter
HOOK_OFF = ("import __main__, sys\n__main__._DENY = ()\n__main__._PATH_EVENTS = set()\n"
            "sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, '__name__', '') != '_OnlyAllowed']\n")


def new_mark() -> str:
    """A unique name spawned processes write to /proc/self/comm, so the host's process table shows them."""
    return "mt" + uuid.uuid4().hex[:12]


def survivors(mark: str) -> list[int]:
    """Host pids whose name or command line carries `mark`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm", "rb") as comm, open(f"/proc/{pid}/cmdline", "rb") as cmd:
                if mark.encode()[:15] in comm.read() + cmd.read():
                    found.append(int(pid))
        except OSError:
            continue
    return found
