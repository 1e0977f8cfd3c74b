"""A seccomp filter for the sandboxed program: kernel interfaces that namespaces do not isolate.

bwrap's namespaces leave some of the kernel shared with the host. The session keyring is inherited
through clone, and keys are found by serial and checked against uid 0, which the sandbox maps to the
host's root: without this filter a program reads the secrets in the caller's keyrings and plants keys
that outlive it. inotify instances are counted per user across namespaces: a run could take all of the
host root's 128. The rest is attack surface a Python program has no use for (io_uring, bpf, ptrace,
mount and namespace calls, clone into a new user namespace, kernel modules, terminal injection, socket
families other than unix, inet, inet6 and netlink: AF_VSOCK reaches a VM's host whatever the network
namespace). The filter is compiled by libseccomp (the library systemd, Flatpak and container runtimes
use) through ctypes, and bwrap installs it (`--seccomp FD`) before the interpreter starts. Other
architectures' syscall ABIs (i386's int 0x80, x32) kill the process: libseccomp's default for an
architecture the filter was not built for.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os

DENIED = (
    "keyctl", "add_key", "request_key",  # keyrings: shared with the host, see above
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "bpf", "perf_event_open", "userfaultfd",
    "inotify_init", "inotify_init1", "fanotify_init",  # counted against the host root's 128 instances
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr",
    "name_to_handle_at", "open_by_handle_at",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "syslog", "acct", "quotactl", "uselib", "vhangup",
)
_TTY_IOCTLS = (0x5412, 0x541C)  # TIOCSTI, TIOCLINUX: push input into a terminal
_ALLOW = 0x7FFF0000
_CLONE_NEWUSER = 0x10000000
_SCMP_CMP_EQ, _SCMP_CMP_GE, _SCMP_CMP_MASKED_EQ = 4, 5, 7


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def _library():
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    lib = ctypes.CDLL(name, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_ArgCmp)]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


@functools.lru_cache(maxsize=1)
def program() -> bytes:
    """The compiled BPF filter (raises OSError where libseccomp cannot be loaded or fails)."""
    lib = _library()
    ctx = lib.seccomp_init(_ALLOW)
    if not ctx:
        raise OSError("seccomp_init failed")
    deny = 0x00050000 | errno.EPERM  # SCMP_ACT_ERRNO(EPERM)
    try:
        for name in DENIED:
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number < 0:  # not a syscall of this architecture (e.g. uselib on arm64)
                continue
            if lib.seccomp_rule_add_array(ctx, deny, number, 0, None) < 0:
                raise OSError(f"seccomp: cannot filter {name}")
        rules = [("ioctl", deny, _ArgCmp(1, _SCMP_CMP_MASKED_EQ, 0xFFFFFFFF, r)) for r in _TTY_IOCTLS]
        # new user namespaces by clone too, where bwrap is older than --disable-userns (0.8); clone3's
        # flags are in memory, out of a filter's reach: ENOSYS makes the C library fall back to clone
        rules += [("clone", deny, _ArgCmp(0, _SCMP_CMP_MASKED_EQ, _CLONE_NEWUSER, _CLONE_NEWUSER)),
                  ("clone3", 0x00050000 | errno.ENOSYS, None)]
        # sockets: unix, inet, inet6 and netlink only (all in the run's network namespace); AF_VSOCK (40)
        # reaches a VM's host whatever the namespace, and the rare families are kernel attack surface
        rules += [("socket", deny, _ArgCmp(0, _SCMP_CMP_GE, 17, 0))]
        rules += [("socket", deny, _ArgCmp(0, _SCMP_CMP_EQ, f, 0)) for f in (0, *range(3, 10), *range(11, 16))]
        for name, action, cmp in rules:
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number >= 0 and lib.seccomp_rule_add_array(ctx, action, number, int(cmp is not None),
                                                          ctypes.byref(cmp) if cmp else None) < 0:
                raise OSError(f"seccomp: cannot filter {name}")
        out = os.memfd_create("seccomp-export")  # a file, not a pipe: export never blocks on its size
        try:
            if lib.seccomp_export_bpf(ctx, out) < 0:
                raise OSError("seccomp_export_bpf failed")
            return os.pread(out, os.fstat(out).st_size, 0)
        finally:
            os.close(out)
    finally:
        lib.seccomp_release(ctx)


def problem() -> str | None:
    """None when the filter can be built here, else why not (one line)."""
    try:
        program()
    except (OSError, AttributeError) as exc:
        return f"the sandbox's seccomp filter cannot be built ({exc}): `sudo apt-get install libseccomp2`"
    return None


def filter_fd() -> int:
    """A fresh fd holding the filter, for bwrap's --seccomp (bwrap reads it once, then it is closed)."""
    fd = os.memfd_create("seccomp.bpf")
    os.write(fd, program())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
