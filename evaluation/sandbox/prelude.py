"""The code that runs first inside the sandboxed interpreter: limits, the audit hook, the program.

Exit codes are the status channel (never text on stderr, which the program controls too): 0 ok,
MEMORY_EXIT after an uncaught MemoryError, FORBIDDEN_EXIT after the hook refused something and the
program did not handle it, 1 for any other uncaught exception.

The audit hook is a courtesy layer, not the boundary: it turns the usual attempts of a model's
program (open('/etc/passwd'), subprocess, sockets) into a clear `forbidden` status, but its policy
lives in `__main__` and ordinary Python can switch it off. Under bubblewrap the kernel is the boundary.
"""
from __future__ import annotations

from evaluation.sandbox.packages import ALLOWED_TEXT, PACKAGES

MEMORY_EXIT = 101
FORBIDDEN_EXIT = 102

PRELUDE = r'''
import resource, sys
_tmp, _code_path = sys.argv[1], sys.argv[2]
_cpu, _mem, _fsize, _nofile, _nproc = (int(v) for v in sys.argv[3:8])
# the program: a file, or (under bwrap) a pipe given as its fd number, written to once the sandbox has
# started: its length (8 bytes, big-endian), then its bytes; read by length, not to EOF, so that a copy
# of the pipe's write end (a process the caller forked) cannot keep it waiting
def _read_exactly(fd, n):
    import os
    chunks = []
    while n > 0:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)

_f = None
if _code_path.isdigit():
    _fd = int(_code_path)
    _source = _read_exactly(_fd, int.from_bytes(_read_exactly(_fd, 8).rjust(8, b"\0"), "big"))
    __import__("os").close(_fd)
    _small = len(_source) <= _fsize  # copied to /tmp/program.py for tracebacks, within the file-size limit
    _source = _source.decode("utf-8", errors="surrogatepass")
    if _small:
        try:
            with open(_tmp + "/program.py", "w", encoding="utf-8", errors="surrogatepass") as _f:
                _f.write(_source)
        except OSError:  # /tmp is full: no half file left behind
            try:
                __import__("os").remove(_tmp + "/program.py")
            except OSError:
                pass
else:
    with open(_code_path, encoding="utf-8", errors="surrogatepass") as _f:
        _source = _f.read()
_paths, _packages = [p for p in sys.argv[8:9] if p], tuple(p for p in sys.argv[9].split(":") if p)
# CPU: the soft limit sends SIGXCPU; the hard one, a second later, SIGKILL if that was caught
resource.setrlimit(resource.RLIMIT_CPU, (_cpu, _cpu + 1))
# core size 1, not 0: the kernel ignores RLIMIT_CORE when core_pattern pipes to a helper (apport,
# systemd-coredump), which then runs on the host, as root, once per crash, outside every limit here;
# 1 is its "never" for pipes, and below an ELF core's minimum (a page) for files
for _res, _value in ((resource.RLIMIT_AS, _mem), (resource.RLIMIT_FSIZE, _fsize),
                     (resource.RLIMIT_NOFILE, _nofile), (resource.RLIMIT_NPROC, _nproc), (resource.RLIMIT_CORE, 1)):
    resource.setrlimit(_res, (_value, _value))
_lib = tuple(p for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix} if p) + _packages + tuple(_paths)
sys.path += _paths
_ALLOWED = frozenset(sys.stdlib_module_names) | frozenset(%(packages)r)
_preloading = False

class _OnlyAllowed:
    """Refuses a module outside the standard library, sympy and mpmath that would be found (a program's own
    `numpy.py`); one that does not exist stays "not found", so `importlib.util.find_spec` probes work."""
    @staticmethod
    def find_spec(name, path=None, target=None):
        global _preloading
        top = name.partition(".")[0]
        if top == "sympy" and "ctypes" not in sys.modules:
            # sympy needs ctypes (for sizeof(c_long)), whose import loads libpython, an event the hook refuses
            # to programs: imported here for sympy, only when a program asks for sympy (5 ms a run otherwise)
            _preloading = True
            try:
                import ctypes
            finally:
                _preloading = False
        if top in _ALLOWED:
            return None
        import importlib.machinery
        if importlib.machinery.PathFinder.find_spec(top) is not None:
            raise ModuleNotFoundError(_refusal(top), name=name)
        return None

def _refusal(top):
    return f"sandbox: import of {top!r} is refused: a program may import %(allowed)s"

sys.meta_path.insert(0, _OnlyAllowed)
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
    if _preloading:  # the finder's own import of ctypes for sympy (the program's ctypes calls still meet the hook)
        return
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
        if event == "open" and len(args) > 2 and isinstance(args[2], int) and args[2] & 0o1103:
            writing = True  # O_WRONLY, O_RDWR, O_CREAT, O_TRUNC
        roots = (_tmp,) if writing else (_tmp, *_lib)
        if not _inside(path, roots):
            raise PermissionError(f"sandbox: {event} {path!r} is outside the sandbox")

sys.addaudithook(_hook)
del _f
sys.argv = ["program"]
_globals = {"__name__": "__main__", "__builtins__": __builtins__}
try:
    exec(compile(_source, "program.py", "exec"), _globals)
except SystemExit:
    raise
except BaseException as _exc:
    _code = 1
    if isinstance(_exc, MemoryError):
        _code = %(memory)d
    elif (isinstance(_exc, ModuleNotFoundError) and _exc.name and _exc.name.partition(".")[0] not in _ALLOWED
          and not str(_exc).startswith("sandbox:")):  # a package that is not there: the same one-line refusal
        _exc = ModuleNotFoundError(_refusal(_exc.name.partition(".")[0]))
    if isinstance(_exc, (PermissionError, ImportError)) and str(_exc).startswith("sandbox:"):
        _code = %(forbidden)d
        try:  # the refusal in one line, not a traceback through the program
            sys.stdout.flush()
            sys.stderr.write(f"{_exc}\n")
            sys.stderr.flush()
        finally:
            import os
            os._exit(_code)
    try:
        import traceback
        traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    import os
    os._exit(_code)
''' % {"memory": MEMORY_EXIT, "forbidden": FORBIDDEN_EXIT, "allowed": ALLOWED_TEXT, "packages": PACKAGES}
