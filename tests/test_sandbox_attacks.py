"""Attacks on the bubblewrap sandbox, most with the audit hook switched off first (as issue 13 did):
the kernel must contain each one, leaving no file outside, no process alive, no listener reached and
no parent environment in the output."""
import os
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import uuid

import pytest

from evaluation.sandbox.limits import Limits
from evaluation.sandbox.runner import run_code
from hostile import HOOK_OFF, needs_bwrap, new_mark, survivors

pytestmark = needs_bwrap

LIMITS = Limits(cpu_seconds=2, wall_seconds=5, memory_mb=256, output_bytes=4096)
STDLIB = sysconfig.get_path("stdlib", vars={"installed_base": sys.base_prefix})  # bound read-only inside


@pytest.fixture
def mark():
    return new_mark()


@pytest.fixture
def secret(monkeypatch):
    value = "SECRET" + uuid.uuid4().hex
    monkeypatch.setenv("MATHTUNE_TEST_SECRET", value)
    return value


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 that counts the connections it accepted."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                accepted.append(server.accept())
            except OSError:
                pass

    thread = threading.Thread(target=serve)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()




def run(code: str, secret: str | None = None, limits: Limits = LIMITS):
    result = run_code(code, limits)
    assert result.seconds < limits.wall_seconds + 2
    if secret:
        assert secret not in result.stdout + result.stderr
    return result


MARK_SELF = "def mark(name):\n    open('/proc/self/comm', 'w').write(name[:15])\n"


def test_hook_switched_off_then_passwd_environ_and_network(mark, secret, listener):
    port, accepted = listener
    code = HOOK_OFF + f"""
import os, socket
out = []
for path in ['/etc/passwd', '/etc/shadow', '/root/.bash_history', {os.getcwd()!r} + '/setup.cfg']:
    try:
        out.append(open(path).read())
    except OSError as e:
        out.append(type(e).__name__)
for pid in os.listdir('/proc'):
    if pid.isdigit():
        try:
            out.append(open(f'/proc/{{pid}}/environ').read())
        except OSError as e:
            out.append(type(e).__name__)
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=1)
    out.append('CONNECTED')
except OSError as e:
    out.append(type(e).__name__)
print(out)
"""
    result = run(code, secret)
    assert result.status == "ok", result.stderr
    assert "root:" not in result.stdout and "[metadata]" not in result.stdout and "CONNECTED" not in result.stdout
    assert "FileNotFoundError" in result.stdout  # the hook was really off: the kernel answered
    assert not accepted


def test_parent_environment_not_in_proc_of_ppid(secret):
    code = HOOK_OFF + "import os\nprint(open(f'/proc/{os.getppid()}/environ', 'rb').read())\n"
    result = run(code, secret)
    assert result.status in ("ok", "error")


def test_posixsubprocess_fork_exec_child_dies_with_the_sandbox(mark):
    # no hook event fires for _posixsubprocess: this one runs with the hook on (signature of 3.11)
    code = f"""
import _posixsubprocess, os, sys, time
child = "open('/proc/self/comm', 'w').write({mark!r}); print('child up', flush=True); import time; time.sleep(60)"
r, w = os.pipe()
pid = _posixsubprocess.fork_exec([sys.executable, '-c', child], [sys.executable.encode()], True, (), None, None,
                                 -1, -1, -1, -1, -1, -1, r, w, True, True, -1, None, None, None, -1, None, True)
time.sleep(0.5)
"""
    result = run(code)
    assert result.status == "ok", result.stderr
    assert result.stdout == "child up\n"  # the child was alive inside
    assert survivors(mark) == []


def test_multiprocessing_spawn_dies_with_the_sandbox(mark):
    code = HOOK_OFF + f"""
import multiprocessing as mp, os, time
mp.set_start_method('spawn')
child = "open('/proc/self/comm', 'w').write({mark!r}); import time; time.sleep(60)"
p = mp.Process(target=exec, args=(child,))  # a builtin: the program's own functions are not picklable
p.start()
time.sleep(1)
print('alive', p.is_alive(), flush=True)
os._exit(0)
"""
    result = run(code)
    assert (result.status, result.stdout) == ("ok", "alive True\n"), result.stderr
    assert survivors(mark) == []


def test_setsid_child_does_not_outlive_the_wall_clock_kill(mark):
    code = HOOK_OFF + MARK_SELF + f"""
import os, time
if os.fork() == 0:
    os.setsid()
    mark({mark!r})
    time.sleep(60)
time.sleep(0.3)
print('forked', flush=True)
time.sleep(60)
"""
    result = run(code)
    assert result.status == "timeout"
    assert result.stdout == "forked\n"
    assert survivors(mark) == []


def test_child_holding_stdout_does_not_hold_run_code(mark):
    code = HOOK_OFF + MARK_SELF + f"""
import os, time
if os.fork() == 0:
    mark({mark!r})
    time.sleep(60)
time.sleep(0.3)
print(42)
"""
    result = run(code)
    assert (result.status, result.stdout) == ("ok", "42\n")
    assert result.seconds < 2
    assert survivors(mark) == []


@pytest.fixture
def victim(mark):
    """A file the test puts in the interpreter's (read-only inside) standard library, and removes."""
    path = os.path.join(STDLIB, f"{mark}_victim.py")
    with open(path, "w") as handle:
        handle.write("VALUE = 1\n")
    yield path
    os.remove(path)


def test_writes_outside_through_every_path_fail(mark, victim, tmp_path):
    targets = [os.path.join(STDLIB, f"{mark}_{n}") for n in range(8)] + [str(tmp_path / f"{mark}_host")]
    code = HOOK_OFF + f"""
import os, stat
t = {targets!r}
victim = {victim!r}
attempts = [
    lambda: (open('x', 'w').write('x'), os.rename('x', t[0])),
    lambda: os.open('y', os.O_WRONLY | os.O_CREAT, dir_fd=os.open({STDLIB!r}, os.O_RDONLY)),
    lambda: (os.fchdir(os.open({STDLIB!r}, os.O_RDONLY)), open({os.path.basename(targets[2])!r}, 'w')),
    lambda: os.open(t[3], os.O_RDONLY | os.O_CREAT),
    lambda: os.open(victim, os.O_RDONLY | os.O_TRUNC),
    lambda: os.mkfifo(t[4]),
    lambda: os.mknod(t[5], 0o600 | stat.S_IFCHR, os.makedev(1, 3)),
    lambda: os.symlink('/tmp', t[6]),
    lambda: open(t[8], 'w').write('x'),
]
for n, attempt in enumerate(attempts):
    try:
        attempt()
        print(n, 'DONE')
    except OSError as e:
        print(n, type(e).__name__, e.errno)
"""
    result = run(code)
    assert result.status == "ok", result.stderr
    assert "DONE" not in result.stdout, result.stdout
    assert not [t for t in targets if os.path.lexists(t)] and not os.path.exists(os.path.join(STDLIB, "y"))
    assert open(victim).read() == "VALUE = 1\n"


def test_sitecustomize_cannot_be_planted_in_the_prefix(mark):
    places = [os.path.join(STDLIB, "sitecustomize.py"), os.path.join(STDLIB, "site-packages", "sitecustomize.py"),
              os.path.join(STDLIB, "usercustomize.py")]
    before = {p: os.path.exists(p) for p in places}
    code = HOOK_OFF + f"""
for path in {places!r}:
    try:
        open(path, 'w').write("open('/tmp/{mark}', 'w')")
        print('PLANTED', path)
    except OSError as e:
        print(type(e).__name__)
"""
    result = run(code)
    assert "PLANTED" not in result.stdout
    assert {p: os.path.exists(p) for p in places} == before
    later = subprocess.run([sys.executable, "-c", "pass"], capture_output=True)
    assert later.returncode == 0 and not os.path.exists(f"/tmp/{mark}")


NATIVE = r"""
#include <fcntl.h>
#include <unistd.h>
void *PyInit_evil(void) {
    write(1, "native ran\n", 11);
    int fd = open("%s", O_CREAT | O_WRONLY, 0644);
    if (fd >= 0) { write(1, "WROTE\n", 6); close(fd); }
    return 0;
}
"""


def test_native_extension_runs_only_inside(tmp_path, mark):
    outside = tmp_path / f"{mark}-native"
    (tmp_path / "evil.c").write_text(NATIVE % outside)
    built = subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(tmp_path / "evil.so"), str(tmp_path / "evil.c")],
                           capture_output=True)
    if built.returncode != 0:
        pytest.skip(f"gcc could not build the extension: {built.stderr.decode()[-200:]}")
    blob = (tmp_path / "evil.so").read_bytes().hex()
    code = HOOK_OFF + f"""
open('evil.so', 'wb').write(bytes.fromhex({blob!r}))
sys.path.insert(0, '.')
import evil
"""
    result = run(code)
    assert "native ran" in result.stdout  # the native code did run...
    assert "WROTE" not in result.stdout and not outside.exists()  # ...and wrote nothing outside
    assert result.status == "error"  # its init returned NULL: SystemError


def test_setns_into_other_network_namespaces_fails(listener):
    port, accepted = listener
    code = HOOK_OFF + f"""
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
for pid in os.listdir('/proc'):
    if pid.isdigit():
        try:
            fd = os.open(f'/proc/{{pid}}/ns/net', os.O_RDONLY)
            print(pid, libc.setns(fd, 0x40000000), ctypes.get_errno())
        except OSError as e:
            print(pid, type(e).__name__)
for path in ['/proc/1/root/proc/1/ns/net']:
    try:
        print(libc.setns(os.open(path, os.O_RDONLY), 0), ctypes.get_errno())
    except OSError as e:
        print(type(e).__name__)
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=1)
    print('CONNECTED')
except OSError as e:
    print(type(e).__name__)
"""
    result = run(code)
    assert result.status == "ok", result.stderr
    assert "CONNECTED" not in result.stdout and not accepted


def test_fork_bomb_is_capped_and_leaves_nothing(mark):
    code = HOOK_OFF + MARK_SELF + f"""
import os, time
n = 0
try:
    while n < 500:
        if os.fork() == 0:
            mark({mark!r})
            time.sleep(60)
        n += 1
except OSError as e:
    print('capped at', n, type(e).__name__)
"""
    result = run(code)
    assert result.status == "ok", result.stderr
    assert result.stdout.startswith("capped at")
    assert int(result.stdout.split()[2]) < LIMITS.processes
    assert survivors(mark) == []


def test_memory_bomb_and_infinite_output():
    assert run(HOOK_OFF + "x = bytearray(10**10)").status == "memory"
    assert run(HOOK_OFF + "blocks = []\nwhile True: blocks.append(bytearray(10**7))").status == "memory"
    assert run(HOOK_OFF + "import os\nwhile True: os.write(1, b'x' * 65536)").status == "output_limit"
    assert run(HOOK_OFF + "import os\nwhile True: os.write(2, b'x' * 65536)").status == "output_limit"


def test_sandbox_sees_no_project_home_or_etc():
    code = HOOK_OFF + "import os\nprint(sorted(os.listdir('/')), os.path.exists('/etc/passwd'), os.getcwd())"
    result = run(code)
    assert result.status == "ok", result.stderr
    assert "'work'" not in result.stdout and "'home'" not in result.stdout and "'etc'" not in result.stdout
    assert "False /tmp" in result.stdout


def test_the_process_table_check_sees_a_marked_process(mark):
    """survivors() can fail: a marked process on the host is found (then killed)."""
    proc = subprocess.Popen([sys.executable, "-c", f"open('/proc/self/comm', 'w').write({mark!r})\n"
                             "import time\ntime.sleep(30)"])
    try:
        deadline = time.time() + 10
        while not survivors(mark) and time.time() < deadline:
            time.sleep(0.05)
        assert survivors(mark) == [proc.pid]
    finally:
        proc.kill()
        proc.wait()


def test_filling_the_work_dir_stops_at_the_tmpfs_size():
    code = HOOK_OFF + """
n = 0
try:
    while n < 1000:
        with open(f'f{n}', 'wb') as handle:
            handle.write(b'x' * (1024 * 1024 - 1))
        n += 1
except OSError as e:
    print(n, e.errno)
"""
    result = run(code)
    assert result.status == "ok", result.stderr
    written, errno = map(int, result.stdout.split())
    assert written < LIMITS.tmpfs_mb + 1 and errno == 28  # ENOSPC
