"""Running model-written programs: a separate, limited Python process.

What it does: a fresh interpreter (`-I -S`: no environment variables, no site packages, no
current directory on the path) with an empty environment, in a temporary working directory;
kernel limits on CPU time, address space, file size and open files; a wall-clock timeout; output
capped while it is read; and an audit hook, installed before the program runs and impossible to
remove, that refuses sockets, new processes (fork, exec, system, subprocess, spawn), signals,
ctypes, and any file access outside the working directory except reading Python's own library.
Where `unshare -n` works (root, or user namespaces enabled) the process also gets a network
namespace with no interfaces.

What it does not do: it is not a security boundary against a determined attacker. CPython's audit
hooks can be sidestepped by code that corrupts the interpreter's memory, and the process still runs
as your user with your kernel. Use it for model-written arithmetic, not for untrusted code in general;
for that, add a container or a VM around the whole evaluation.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

STATUSES = ("ok", "error", "timeout", "cpu_limit", "memory", "output_limit", "forbidden")


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 2
    wall_seconds: float = 5.0
    memory_mb: int = 512
    output_bytes: int = 64 * 1024
    file_bytes: int = 1024 * 1024
    open_files: int = 64


@dataclass
class Result:
    status: str
    stdout: str
    stderr: str
    returncode: int | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# Runs first inside the child: installs the policy, then executes the program file.
PRELUDE = r'''
import resource, sys
_tmp, _code_path = sys.argv[1], sys.argv[2]
_cpu, _mem, _fsize, _nofile = (int(v) for v in sys.argv[3:7])
# CPU: the soft limit sends SIGXCPU; the hard one, a second later, SIGKILL if that was caught
resource.setrlimit(resource.RLIMIT_CPU, (_cpu, _cpu + 1))
for _res, _value in ((resource.RLIMIT_AS, _mem), (resource.RLIMIT_FSIZE, _fsize),
                     (resource.RLIMIT_NOFILE, _nofile), (resource.RLIMIT_CORE, 0)):
    resource.setrlimit(_res, (_value, _value))
_lib = tuple(p for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix} if p)
_DENY = ("socket.", "subprocess.", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork", "os.forkpty",
         "os.kill", "os.killpg", "os.putenv", "os.unsetenv", "ctypes.", "pty.", "sys.addaudithook", "os.setuid",
         "os.chroot", "os.startfile", "webbrowser.", "urllib.", "http.", "ftplib.", "smtplib.", "os.symlink",
         "os.link", "shutil.", "resource.setrlimit", "fcntl.", "mmap.")
_PATH_EVENTS = {"open", "os.listdir", "os.scandir", "os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod",
                "os.chown", "os.truncate", "os.utime", "os.chdir", "glob.glob", "os.walk"}
_WRITE_EVENTS = {"os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.chown", "os.truncate", "os.utime"}

def _inside(path, roots):
    import posixpath
    real = posixpath.realpath(posixpath.join(_tmp, path) if not posixpath.isabs(path) else path)
    return any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots)

def _hook(event, args):
    if event.startswith(_DENY):
        raise PermissionError(f"sandbox: {event} is not allowed")
    if event in _PATH_EVENTS and args:
        path = args[0]
        if isinstance(path, int) or path is None:
            return
        if isinstance(path, bytes):
            path = path.decode(errors="replace")
        path = str(path)
        writing = event in _WRITE_EVENTS or (event == "open" and len(args) > 1 and isinstance(args[1], str)
                                             and any(c in args[1] for c in "wax+"))
        if event == "open" and len(args) > 2 and isinstance(args[2], int) and args[2] & 0o3:
            writing = True
        roots = (_tmp,) if writing else (_tmp, *_lib)
        if not _inside(path, roots):
            raise PermissionError(f"sandbox: {event} {path!r} is outside the sandbox")

with open(_code_path, encoding="utf-8") as _f:
    _source = _f.read()
sys.addaudithook(_hook)
del _f
sys.argv = ["program"]
_globals = {"__name__": "__main__", "__builtins__": __builtins__}
exec(compile(_source, "program.py", "exec"), _globals)
'''

_UNSHARE: list[str] | None = None


def _network_isolation() -> list[str]:
    """['unshare', '-n'] when a network namespace can be made here, else []."""
    global _UNSHARE
    if _UNSHARE is None:
        tool = shutil.which("unshare")
        _UNSHARE = []
        if tool:
            try:
                if subprocess.run([tool, "-n", "true"], capture_output=True, timeout=5).returncode == 0:
                    _UNSHARE = [tool, "-n"]
            except (OSError, subprocess.TimeoutExpired):
                pass
    return _UNSHARE


def _reader(stream, cap: int, sink: list, over: threading.Event, proc) -> None:
    total = 0
    while True:
        chunk = stream.read(8192)
        if not chunk:
            return
        if total < cap:
            sink.append(chunk[: cap - total])
        total += len(chunk)
        if total > cap and not over.is_set():
            over.set()
            _kill(proc)


def _kill(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_code(code: str, limits: Limits = Limits()) -> Result:
    """Run a program in the sandbox; never raises for anything the program does."""
    work = tempfile.mkdtemp(prefix="mathtune-sandbox-")
    try:
        program = os.path.join(work, "program.py")
        with open(program, "w", encoding="utf-8") as handle:
            handle.write(code)
        cmd = [*_network_isolation(), sys.executable, "-I", "-S", "-X", "utf8", "-c", PRELUDE, work, program,
               str(limits.cpu_seconds), str(limits.memory_mb * 1024 * 1024), str(limits.file_bytes),
               str(limits.open_files)]
        start = time.perf_counter()
        # limits are set by the prelude, not a preexec_fn: without one, Python can vfork, which stays fast
        # when the caller is a large process (a loaded model); a new session lets a timeout kill the group
        proc = subprocess.Popen(cmd, cwd=work, env={}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        out, err, over = [], [], threading.Event()
        readers = [threading.Thread(target=_reader, args=(proc.stdout, limits.output_bytes, out, over, proc)),
                   threading.Thread(target=_reader, args=(proc.stderr, limits.output_bytes, err, over, proc))]
        for t in readers:
            t.start()
        timed_out = False
        try:
            proc.wait(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(proc)
            proc.wait()
        for t in readers:
            t.join()
        seconds = time.perf_counter() - start
        stdout = b"".join(out).decode("utf-8", errors="replace")
        stderr = b"".join(err).decode("utf-8", errors="replace")
        return Result(_status(proc.returncode, stderr, timed_out, over.is_set()), stdout, stderr[-2000:],
                      proc.returncode, seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _status(code: int | None, stderr: str, timed_out: bool, over: bool) -> str:
    if over:
        return "output_limit"
    if timed_out:
        return "timeout"
    if code in (-signal.SIGXCPU, -signal.SIGKILL):  # we only kill on timeout or output: this is the CPU limit
        return "cpu_limit"
    if "MemoryError" in stderr:
        return "memory"
    if "PermissionError: sandbox:" in stderr:
        return "forbidden"
    return "ok" if code == 0 else "error"
