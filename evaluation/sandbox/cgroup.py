"""Cgroups around one sandboxed run: its process count, its total memory and CPU time (root only).

RLIMIT_AS caps each process, but a program may start up to `processes` of them, and tmpfs pages and
pipe buffers count against no rlimit: without a memory cgroup 16 processes of 512 MB each could take
8 GB of the host. The memory cgroup holds everything the run charges (every process's pages, its
/tmp), so the run's total is capped at `memory_mb + tmpfs_mb` plus a small margin for bwrap itself;
past it the kernel's OOM killer ends a process of the run, and the status says `memory`.

cgroup v1 (a `memory` hierarchy): the run's memory cgroup is made under the caller's own, so the
caller's limits still apply above it. cgroup v2: the limit is set in the run's pids cgroup (a process
is in one v2 cgroup only), when the memory controller can be enabled there (not tested here: this
machine has v1 controllers).

RLIMIT_CPU, too, is per process: 16 processes spinning took every core for the whole wall-clock
limit. A cpuacct cgroup (v1; v2's cpu.stat) measures the run's total, which `runner._collect` polls
and ends the run on, as `cpu_limit`, once past the limit.
"""
from __future__ import annotations

import functools
import os
import threading

from evaluation.sandbox import bwrap

MARGIN_MB = 64  # bwrap's init and the interpreter's first pages, above the program's own limits
TCP_BYTES = 16 << 20  # TCP buffers of the run's loopback connections (v1): a math program needs none


def memory_cgroup_root() -> str | None:
    """Where a v1 memory cgroup can be made: `mathtune-sandbox` under the caller's own (root only)."""
    return _v1_root("memory")


def cpuacct_cgroup_root() -> str | None:
    """Where a v1 cpuacct cgroup can be made, as for memory."""
    return _v1_root("cpuacct")


@functools.lru_cache(maxsize=None)
def _v1_root(controller: str) -> str | None:
    if os.geteuid() != 0 or not os.path.exists(f"/sys/fs/cgroup/{controller}/cgroup.procs"):
        return None
    try:
        with open("/proc/self/cgroup") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    own = None
    for line in lines:  # "4:memory:/path", "2:cpu,cpuacct:/path" (v1)
        parts = line.split(":", 2)
        if len(parts) == 3 and controller in parts[1].split(","):
            own = parts[2]
    if own is None:
        return None
    base = os.path.normpath(f"/sys/fs/cgroup/{controller}/{own}/mathtune-sandbox")
    try:
        os.makedirs(base, exist_ok=True)
        bwrap._remove_stale(base)
    except OSError:
        return None
    return base


class Cgroup(bwrap.PidsCap):
    """A v1 cgroup holding one run's processes, with no limit (PidsCap's add, kill_all and remove)."""

    def __init__(self, base: str) -> None:
        self.path = os.path.join(base, f"{os.getpid()}-{id(self)}-{os.urandom(4).hex()}")
        os.mkdir(self.path)


class MemoryCap(Cgroup):
    """A v1 memory cgroup of one run."""

    def __init__(self, base: str, limit: int) -> None:
        super().__init__(base)
        try:
            _write(os.path.join(self.path, "memory.limit_in_bytes"), limit)
        except OSError:
            os.rmdir(self.path)
            raise
        # v1 counts socket buffers apart, and only once given a limit (v2 counts them in memory.max);
        # memory plus swap, where swap is accounted, as much as memory alone: the run swaps nothing out
        for name, value in (("memory.kmem.tcp.limit_in_bytes", TCP_BYTES),
                            ("memory.memsw.limit_in_bytes", limit)):
            try:
                _write(os.path.join(self.path, name), value)
            except OSError:
                pass


def _write(path: str, value: int) -> None:
    with open(path, "w") as handle:
        handle.write(str(value))


def cpu_seconds(path: str) -> float:
    """CPU time used by a cgroup's processes, the dead included: v1 cpuacct.usage, v2 cpu.stat."""
    try:
        with open(os.path.join(path, "cpuacct.usage")) as handle:
            return int(handle.read()) / 1e9
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(path, "cpu.stat")) as handle:
            for line in handle:
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
    except (OSError, ValueError):
        pass
    return 0.0


def _oom_kills(path: str) -> int:
    """OOM kills in a cgroup so far: v1 memory.oom_control, v2 memory.events."""
    for name in ("memory.oom_control", "memory.events"):
        try:
            with open(os.path.join(path, name)) as handle:
                for line in handle:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except (OSError, ValueError):
            continue
    return 0


class Caps:
    """The cgroups of one run, used as one: add its init, kill everything, remove them."""

    def __init__(self, caps: list, memory_path: str | None, cpu_path: str | None = None) -> None:
        self.caps, self.memory_path, self.cpu_path = caps, memory_path, cpu_path

    def add(self, pid: int) -> None:
        """Into every cgroup at once: a move waits for the kernel (an RCU grace period, ~3 ms each on
        cgroup v1), and waiting for them one after another was a fifth of a short program's run."""
        if len(self.caps) == 1:
            self.caps[0].add(pid)
            return
        errors: list[BaseException] = []

        def move(cap) -> None:
            try:
                cap.add(pid)
            except BaseException as exc:  # raised below, in the caller's thread
                errors.append(exc)

        threads = [threading.Thread(target=move, args=(cap,)) for cap in self.caps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def kill_all(self) -> None:
        for cap in self.caps:
            cap.kill_all()

    def remove(self) -> None:
        for cap in self.caps:
            cap.remove()

    def oom_killed(self) -> bool:
        return bool(self.memory_path) and _oom_kills(self.memory_path) > 0

    def cpu_seconds(self) -> float:
        """CPU time of all the run's processes so far (0 where it cannot be measured)."""
        return cpu_seconds(self.cpu_path) if self.cpu_path else 0.0


def open_caps(processes: int, memory_bytes: int) -> Caps | None:
    """Cgroups capping a run's processes and memory and measuring its CPU time, where they can be
    made; None where none can (the per-process rlimits alone then)."""
    caps, memory_path = [], None
    base = bwrap.pids_cgroup_root()
    if base:
        try:
            caps.append(bwrap.PidsCap(base, processes))
        except OSError:
            pass  # e.g. the cgroup hierarchy is full
    if caps and os.path.exists(os.path.join(caps[0].path, "memory.max")):  # v2, memory enabled
        try:
            _write(os.path.join(caps[0].path, "memory.max"), memory_bytes)
            memory_path = caps[0].path
            if os.path.exists(os.path.join(memory_path, "memory.swap.max")):
                _write(os.path.join(memory_path, "memory.swap.max"), 0)
        except OSError:
            pass
    root = None if memory_path else memory_cgroup_root()
    if root:
        try:
            caps.append(MemoryCap(root, memory_bytes))
            memory_path = caps[-1].path
        except OSError:
            pass
    cpu_path = caps[0].path if caps and os.path.exists(os.path.join(caps[0].path, "cpu.stat")) else None  # v2
    root = None if cpu_path else cpuacct_cgroup_root()
    if root:
        try:
            caps.append(Cgroup(root))
            cpu_path = caps[-1].path
        except OSError:
            pass
    return Caps(caps, memory_path, cpu_path) if caps else None
