"""The bubblewrap command around a sandboxed program: what it sees, and a cap on its processes.

The program gets new user, pid, mount, network, ipc and uts namespaces; a root made of read-only
binds of the interpreter, its standard library and the shared libraries they load (nothing from
/etc, /home, /work or the rest of /root); a fresh tmpfs at /tmp as the only writable place; a new
/proc without its global parts (/proc/sys, ...) and a read-only minimal /dev; no capabilities; a
seccomp filter (`seccomp.py`); an empty environment; a new session; and death with its parent.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig

from evaluation.sandbox import packages, seccomp
from evaluation.sandbox.limits import Limits

WORK = "/tmp"  # the tmpfs inside the sandbox
INSTALL_HINT = ("bubblewrap is needed to run the model's programs: `sudo apt-get install bubblewrap` "
                "(or `make install` as root); or pass --sandbox=weak to run them under the in-process "
                "audit hook only (not a security boundary)")
_PIDS_ROOTS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")  # cgroup v1 pids hierarchy, or v2 with pids


def interpreter() -> str:
    """The real interpreter binary (not a virtualenv's symlink: the venv is not in the sandbox)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def _shared_libraries(binary: str) -> list[str]:
    """Paths `ldd` resolves for a binary (including the ELF loader)."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    paths = []
    for line in out.splitlines():
        parts = line.replace("=>", " ").split()
        paths += [p for p in parts if p.startswith("/")]
    return paths


def _exposed(path: str, args: list[str], links: set[str]) -> str:
    """Recreate the symlinks along `path` inside the sandbox (e.g. /lib -> usr/lib); its real path."""
    current = "/"
    for part in [p for p in path.split("/") if p]:
        candidate = os.path.join(current, part)
        if os.path.islink(candidate):
            if candidate not in links:
                links.add(candidate)
                args += ["--symlink", os.readlink(candidate), candidate]
            current = os.path.realpath(candidate)
        else:
            current = candidate
    return os.path.realpath(path)


@functools.lru_cache(maxsize=1)
def read_only_view() -> tuple[str, ...]:
    """bwrap arguments binding only what the interpreter needs, read-only, at the same paths."""
    python = interpreter()
    stdlib = sysconfig.get_path("stdlib", vars={"installed_base": sys.base_prefix, "base": sys.base_prefix})
    wanted = {python, os.path.realpath(stdlib)}
    for lib in _shared_libraries(python):
        # the interpreter's own libpython alone; a system library brings its directory, which also
        # holds what the standard library's extension modules load (libffi, libz, libssl, ...)
        wanted.add(lib if os.path.basename(lib).startswith("libpython") else os.path.dirname(lib))
    args: list[str] = []
    links: set[str] = set()
    binds = sorted({_exposed(p, args, links) for p in wanted if os.path.exists(p)})
    for real in binds:
        args += ["--ro-bind", real, real]
    return tuple(args)


@functools.lru_cache(maxsize=1)
def hidden_site() -> tuple[str, ...]:
    """bwrap arguments covering the interpreter's own site-packages (inside the bound standard library, and
    holding whatever was installed there: numpy, yaml, …) with an empty read-only tmpfs: a program sees the
    standard library and, from `packages.py`, sympy and mpmath, nothing else."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix, "installed_base": sys.base_prefix,
            "installed_platbase": sys.base_exec_prefix}
    found = {os.path.realpath(sysconfig.get_path(kind, vars=base)) for kind in ("purelib", "platlib")}
    found |= {os.path.realpath(p) for p in site_dirs() if p.startswith(sys.base_prefix)}
    args: list[str] = []
    for path in sorted(p for p in found if os.path.isdir(p)):
        args += ["--tmpfs", path, "--remount-ro", path]
    return tuple(args)


def site_dirs() -> list[str]:
    """The base interpreter's site-packages folders, as `site` would add them."""
    import site

    try:
        return list(site.getsitepackages([sys.base_prefix]))
    except (AttributeError, TypeError):
        return []


# Run as root, the sandbox's uid 0 is the host's uid 0 (kuid 0), and its capabilities in its own user
# namespace include CAP_DAC_OVERRIDE over files that uid owns: every root-only file of the new /proc is
# open to it. Most write handlers check a capability against the initial namespace, but not these:
# /proc/sys (global sysctls such as kernel.core_pattern, a way to run a command as the host's root,
# vm.drop_caches, kernel.pid_max), /proc/sysrq-trigger (reboot), and some leak the host (physical page
# flags, keys' descriptions). So they are hidden: directories under an empty read-only tmpfs, files
# under /dev/null, read-only (what Docker masks or makes read-only, plus the kpage* files). Non-root
# runs map the sandbox to the caller's own uid, where none of this applies; it is harmless there.
PROC_HIDDEN_DIRS = ("sys", "fs", "acpi", "scsi", "asound", "driver")
PROC_HIDDEN_FILES = ("sysrq-trigger", "kcore", "kmsg", "keys", "key-users", "kpagecount", "kpageflags",
                     "kpagecgroup", "timer_list", "sched_debug", "latency_stats", "mtrr")


def proc_covers() -> list[str]:
    """bwrap arguments hiding the global, root-writable parts of the sandbox's /proc that exist here."""
    args: list[str] = []
    for name in PROC_HIDDEN_DIRS:
        if os.path.isdir(f"/proc/{name}"):
            args += ["--tmpfs", f"/proc/{name}", "--remount-ro", f"/proc/{name}"]
    for name in PROC_HIDDEN_FILES:
        if os.path.exists(f"/proc/{name}"):
            args += ["--ro-bind", "/dev/null", f"/proc/{name}"]
    return args


@functools.lru_cache(maxsize=1)
def _supports() -> frozenset[str]:
    """Options of newer bubblewraps used when present: --disable-userns (0.8), --size (0.7)."""
    try:
        text = subprocess.run([shutil.which("bwrap") or "bwrap", "--help"], capture_output=True, text=True,
                              timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(o for o in ("--disable-userns", "--size") if o in text)


def command(limits, program_fd: int, prelude: str, prelude_args: list[str], block_fd: int | None = None,
            info_fd: int | None = None, seccomp_fd: int | None = None) -> list[str]:
    """The full bwrap command line running `prelude` on the program it will read from `program_fd` (kept
    open into the sandbox: the program may arrive after the sandbox and its interpreter have started)."""
    newer = _supports()
    size = ["--size", str(limits.tmpfs_mb * 1024 * 1024)] if "--size" in newer else []
    cmd = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--unshare-user",
           *(["--disable-userns"] if "--disable-userns" in newer else []),
           "--die-with-parent", "--new-session", "--clearenv",
           "--cap-drop", "ALL",  # as root bwrap keeps them (in the new user namespace) unless told
           *read_only_view(), *hidden_site(), *packages.bind_args(),
           "--proc", "/proc", *proc_covers(), "--dev", "/dev",
           *size, "--tmpfs", WORK,
           "--chdir", WORK, "--remount-ro", "/",
           # bwrap's /dev is a tmpfs of no size limit: writable, it held GBs; shared memory (multiprocessing's
           # locks) gets a tmpfs of its own, sized, mounted after the remount so that it stays writable
           "--remount-ro", "/dev", *size, "--tmpfs", "/dev/shm"]
    if block_fd is not None:
        cmd += ["--block-fd", str(block_fd), "--info-fd", str(info_fd)]
    if seccomp_fd is not None:
        cmd += ["--seccomp", str(seccomp_fd)]
    return [*cmd, interpreter(), "-I", "-S", "-X", "utf8", "-c", prelude, WORK, str(program_fd), *prelude_args]


@functools.lru_cache(maxsize=1)
def problem() -> str | None:
    """None when bwrap runs a program in fresh namespaces here, else why not (one line)."""
    if not shutil.which("bwrap"):
        return "bwrap is not installed"
    why = seccomp.problem()
    if why:
        return why
    try:
        read, write = os.pipe()
        os.write(write, b"pass\n")
        os.close(write)

        filt = seccomp.filter_fd()
        cmd = command(Limits(), read, "pass", [], seccomp_fd=filt)
        run = subprocess.run(cmd, env={}, capture_output=True, timeout=30, pass_fds=(read, filt))
        os.close(read)
        os.close(filt)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap failed: {exc}"
    if run.returncode != 0:
        last = run.stderr.decode(errors="replace").strip().splitlines()
        return f"bwrap cannot run a sandbox here: {last[-1] if last else run.returncode}"
    return None


@functools.lru_cache(maxsize=1)
def pids_cgroup_root() -> str | None:
    """Where a pids cgroup can be made (root only): RLIMIT_NPROC does not bind uid 0, even in a user
    namespace, so as root the process count is capped by a cgroup instead."""
    if os.geteuid() != 0:
        return None
    for root in _PIDS_ROOTS:
        if os.path.exists(os.path.join(root, "pids.max")) or os.path.exists(os.path.join(root, "cgroup.procs")):
            controllers = os.path.join(root, "cgroup.controllers")
            if os.path.exists(controllers) and "pids" not in open(controllers).read().split():
                continue
            base = os.path.join(root, "mathtune-sandbox")
            try:
                os.makedirs(base, exist_ok=True)
                if root == "/sys/fs/cgroup":  # v2: children get the pids controller only if enabled here
                    with open(os.path.join(base, "cgroup.subtree_control"), "w") as handle:
                        handle.write("+pids")
                    try:  # and memory, if this hierarchy has it (see cgroup.py)
                        with open(os.path.join(base, "cgroup.subtree_control"), "w") as handle:
                            handle.write("+memory")
                    except OSError:
                        pass
                probe = os.path.join(base, f"probe-{os.getpid()}")
                os.mkdir(probe)
                ok = os.path.exists(os.path.join(probe, "pids.max"))
                os.rmdir(probe)
                if ok:
                    _remove_stale(base)
                    return base
            except OSError:
                continue
    return None


def _remove_stale(base: str) -> None:
    """Empty cgroups left by an earlier mathtune that was killed mid-run (their owner pid is gone)."""
    for name in os.listdir(base):
        owner = name.split("-", 1)[0]
        if owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
            try:
                os.rmdir(os.path.join(base, name))
            except OSError:
                pass


class PidsCap:
    """A pids cgroup holding one sandbox's processes; removed when the sandbox has ended."""

    def __init__(self, base: str, limit: int) -> None:
        self.path = os.path.join(base, f"{os.getpid()}-{id(self)}-{os.urandom(4).hex()}")
        os.mkdir(self.path)
        with open(os.path.join(self.path, "pids.max"), "w") as handle:
            handle.write(str(limit))

    def add(self, pid: int) -> None:
        with open(os.path.join(self.path, "cgroup.procs"), "w") as handle:
            handle.write(str(pid))

    def kill_all(self) -> None:
        try:
            with open(os.path.join(self.path, "cgroup.procs")) as handle:
                pids = [int(p) for p in handle.read().split()]
        except OSError:
            return
        for pid in pids:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass

    def remove(self) -> None:
        for _ in range(200):  # the kernel frees the cgroup once its last process is reaped
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                self.kill_all()
                import time

                time.sleep(0.005)
