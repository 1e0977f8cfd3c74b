"""Build (once, cached) the stub CANN directory for the installed MindSpore. Development aid only.

Technique (measured with MindSpore 2.9.0; the steps below are the whole of it):
1. the CANN symbols = what the Ascend plugin libraries leave undefined that neither MindSpore nor the
   C/C++ runtime defines, plus the names the plugin looks up with dlsym (acl*, Hccl*, rt*, …);
2. each becomes a function returning 0 (creators of ACL handles return a pointer to a zeroed
   buffer, since MindSpore checks them for null), except the GE C++ entry points in ge_objects.cc;
3. every CANN library name the plugin links or dlopen()s is a symlink to that one library;
4. the install path must contain `latest` (MindSpore's GetAscendPath checks it).
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYSTEM_LIBS = [f"/lib/x86_64-linux-gnu/{n}" for n in (
    "libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libgomp.so.1", "libpthread.so.0",
    "libdl.so.2", "librt.so.1")] + ["/lib64/ld-linux-x86-64.so.2"]
DLSYM_NAME = re.compile(r"^(acl|aclnn|aclrt|aclmdl|aclop|Hccl|hccl|rt|hal|ge[A-Z]|aclprof|acltdt)[A-Za-z0-9_]+$")
HANDLE_CREATOR = re.compile(r"^(acl(op|mdl|tdt|prof)?Create|aclCreate)")  # must not return null
LIB_NAME = re.compile(rb"lib[A-Za-z0-9_]+\.so")
NOT_CANN = re.compile(r"^(libmindspore_|libc\.so|libm\.so|libgcc_s|libgomp|libpthread|libz\.so|libav|libsw|libicu|"
                      r"libopencv|libtinyxml2|_c_)")
HCCL_VERSION = "8.1.RC1"  # what init() compares against MindSpore's supported CANN versions


class BuildError(RuntimeError):
    """The stub could not be built (missing gcc/g++/binutils, or an unexpected MindSpore layout)."""


@dataclass
class FakeCann:
    root: Path  # …/<mindspore-version>

    @property
    def lib_dir(self) -> Path:
        return self.root / "latest" / "lib64"

    @property
    def py_dir(self) -> Path:
        return self.root / "py"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for a subprocess that should load the stub instead of CANN."""
        env = dict(os.environ if base is None else base)
        env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (str(self.lib_dir), env.get("LD_LIBRARY_PATH")) if p)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(self.py_dir), env.get("PYTHONPATH")) if p)
        return env


def mindspore_dir() -> Path:
    spec = importlib.util.find_spec("mindspore")
    if spec is None or spec.origin is None:
        raise BuildError("mindspore is not installed")
    return Path(spec.origin).parent


def mindspore_version() -> str:
    from importlib.metadata import version

    return version("mindspore")


def cache_root() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mathtune" / "fake-cann"


def ensure(root: Path | None = None) -> FakeCann:
    """The cached stub for this MindSpore version, built on first use."""
    root = root or cache_root() / mindspore_version()
    fake = FakeCann(root)
    if (fake.lib_dir / "libcannstub.so").exists() and (fake.py_dir / "hccl").is_dir():
        return fake
    return build(root)


def _run(cmd: list[str], **kw) -> str:
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout
    except FileNotFoundError as exc:
        raise BuildError(f"{cmd[0]} not found (the stub CANN needs gcc, g++ and binutils)") from exc
    except subprocess.CalledProcessError as exc:
        raise BuildError(f"{' '.join(cmd[:3])} …: {exc.stderr.strip()[-500:]}") from exc


def _shared_objects(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.so*") if p.is_file() and not p.is_symlink())


def _defined(files: list[Path | str]) -> set[str]:
    names: set[str] = set()
    for f in files:
        if not Path(f).exists():
            continue
        out = subprocess.run(["nm", "-D", "--defined-only", str(f)], capture_output=True, text=True).stdout
        names.update(line.split()[-1].split("@")[0] for line in out.splitlines() if len(line.split()) >= 3)
    return names


def _undefined_strong(files: list[Path]) -> set[str]:
    names: set[str] = set()
    for f in files:
        for line in _run(["readelf", "-W", "--dyn-syms", str(f)]).splitlines():
            cols = line.split()
            if len(cols) >= 8 and cols[6] == "UND" and cols[4] != "WEAK":
                names.add(cols[7].split("@")[0])
    return names


def _strings(path: Path) -> list[bytes]:
    return re.findall(rb"[\x20-\x7e]{5,}", path.read_bytes())


def cann_symbols(ms_dir: Path) -> tuple[set[str], list[Path]]:
    """Symbols the Ascend plugin expects from CANN: linked ones nobody else defines, plus dlsym() names."""
    lib = ms_dir / "lib"
    ascend = [lib / "plugin" / "libmindspore_ascend.so.2", lib / "plugin" / "libmindspore_ops_ascend.so",
              *_shared_objects(lib / "plugin" / "ascend")]
    ascend = [p for p in ascend if p.exists()]
    if not ascend:
        raise BuildError(f"no Ascend plugin under {lib / 'plugin'}: this MindSpore wheel cannot target Ascend")
    defined = _defined([*_shared_objects(lib), *ms_dir.glob("*.so"), *SYSTEM_LIBS])
    linked = {s for s in _undefined_strong(ascend) - defined if s and not s.startswith(("Py", "_Py"))}
    looked_up = set()
    for f in [*ascend, *lib.glob("*.so")]:
        looked_up.update(s.decode() for s in _strings(f) if DLSYM_NAME.match(s.decode()))
    return linked | looked_up, ascend


def _stub_assembly(symbols: list[str]) -> str:
    lines = [".bss", ".align 64", "mt_zero_handle: .zero 65536", ".text"]
    for s in symbols:
        body = ("  leaq mt_zero_handle(%rip), %rax" if HANDLE_CREATOR.match(s) and not s.startswith("aclrt")
                else "  xorl %eax, %eax")
        lines += [f'.globl "{s}"', f'.type "{s}", @function', f'"{s}":', body, "  ret"]
    lines.append('.section .note.GNU-stack,"",@progbits')
    return "\n".join(lines) + "\n"


def _cann_library_names(ms_dir: Path, ascend: list[Path]) -> set[str]:
    names: set[str] = set()
    for f in ascend:
        ldd = subprocess.run(["ldd", str(f)], capture_output=True, text=True).stdout
        names.update(line.split()[0] for line in ldd.splitlines() if "not found" in line)
        names.update(m.decode() for m in LIB_NAME.findall(f.read_bytes()))
    shipped = {p.name for p in ms_dir.rglob("lib*.so*")}
    system = [Path("/lib/x86_64-linux-gnu"), Path("/usr/lib/x86_64-linux-gnu")]

    def present(name: str) -> bool:
        return name in shipped or any(next(d.glob(name + "*"), None) for d in system if d.is_dir())

    return {n for n in names if not NOT_CANN.match(n) and not present(n)}


def build(root: Path) -> FakeCann:
    """Build the stub into ROOT (atomically: a temporary sibling renamed into place)."""
    ms_dir = mindspore_dir()
    print(f"simulate: building the stub CANN (development aid) into {root} …", flush=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=root.name + ".building-", dir=root.parent))
    try:
        fake = FakeCann(tmp)
        fake.lib_dir.mkdir(parents=True)
        symbols, ascend = cann_symbols(ms_dir)
        work = tmp / "build"
        work.mkdir()
        _run(["g++", "-O1", "-fPIC", "-D_GLIBCXX_USE_CXX11_ABI=0", "-c", str(HERE / "ge_objects.cc"),
              "-o", str(work / "ge_objects.o")])
        hand_written = {line.split()[-1] for line in _run(["nm", str(work / "ge_objects.o")]).splitlines()
                        if line.split()[-2:-1] in (["T"], ["D"])}
        (work / "stubs.S").write_text(_stub_assembly(sorted(symbols - hand_written)))
        _run(["gcc", "-c", str(work / "stubs.S"), "-o", str(work / "stubs.o")])
        _run(["g++", "-shared", "-o", str(fake.lib_dir / "libcannstub.so"), str(work / "stubs.o"),
              str(work / "ge_objects.o")])
        for name in sorted(_cann_library_names(ms_dir, ascend)):
            (fake.lib_dir / name).symlink_to("libcannstub.so")
        hccl = fake.py_dir / "hccl"
        hccl.mkdir(parents=True)
        (hccl / "__init__.py").write_text('"""Stub of CANN\'s hccl package (mathtune fake-cann, dryrun only)."""\n')
        (hccl / "sys_version.py").write_text(f"__sys_version__ = {HCCL_VERSION!r}\n")
        (tmp / "README.txt").write_text(
            "mathtune stub CANN: a development aid for MindSpore dryrun compiles on CPU. NOT CANN.\n"
            f"Built for mindspore {mindspore_version()} from {ms_dir}; {len(symbols)} stub symbols.\n")
        shutil.rmtree(work)
        if root.exists():
            shutil.rmtree(root)
        tmp.rename(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"simulate: stub CANN ready ({len(symbols)} stub symbols)", flush=True)
    return FakeCann(root)
