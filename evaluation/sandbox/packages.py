"""The packages outside the standard library that a sandboxed program may import: sympy and mpmath.

Under bubblewrap they are bound read-only at their real paths and nothing else of the environment is
visible, so the kernel enforces the list; the prelude's finder turns any other import into a one-line
`forbidden` refusal (a courtesy in `weak` mode, where the finder is the only check).
"""
from __future__ import annotations

import functools
import importlib.util
import os

PACKAGES = ("sympy", "mpmath")
INSIDE = "/sandbox-packages"  # where bwrap binds them: a folder of its own root, holding nothing else
# what a program is told when it reaches for anything else
ALLOWED_TEXT = "the standard library (math, cmath, fractions, decimal, statistics, …), sympy and mpmath"


@functools.lru_cache(maxsize=1)
def package_dirs() -> tuple[str, ...]:
    """The real directories of the installed PACKAGES (those missing are left out)."""
    dirs = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            dirs.append(os.path.realpath(list(spec.submodule_search_locations)[0]))
    return tuple(dirs)


def bind_args() -> list[str]:
    """bwrap arguments binding each package read-only into INSIDE."""
    args: list[str] = []
    for path in package_dirs():
        args += ["--ro-bind", path, f"{INSIDE}/{os.path.basename(path)}"]
    return args


def link_dir(work: str) -> str:
    """For `weak` mode: a folder in `work` holding a symlink per package, so only they are on sys.path."""
    folder = os.path.join(work, ".packages")
    os.mkdir(folder)
    for path in package_dirs():
        os.symlink(path, os.path.join(folder, os.path.basename(path)))
    return folder
