"""sympy and mpmath in the sandbox: importable and read-only; anything else outside the standard library
refused in one line, and, under bubblewrap, absent even with the import finder and the hook switched off."""
import os

import pytest

from evaluation.sandbox.limits import Limits
from evaluation.sandbox.runner import run_code
from evaluation.sandbox.packages import package_dirs
from hostile import HOOK_OFF, needs_bwrap

MODES = [pytest.param("bwrap", marks=needs_bwrap), "weak"]
SYMPY = """from sympy import Rational, sqrt, symbols, solve, nsimplify, log, pi, cos, latex
x = symbols('x')
print(Rational(3, 4) + Rational(5, 6) * Rational(2, 5))
print(sqrt(12))
print(solve(x**2 - 5*x + 6, x))
print(log(8, 2), cos(pi / 3))
print(latex(Rational(1, 16)))
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_sympy_program_runs_and_prints_exact_values(mode):
    result = run_code(SYMPY, Limits(sandbox=mode))
    assert (result.status, result.stdout) == ("ok", "13/12\n2*sqrt(3)\n[2, 3]\n3 1/2\n\\frac{1}{16}\n"), result.stderr


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("module", ["numpy", "mindspore", "mathtune", "requests.adapters", "yaml"])
def test_other_packages_get_a_one_line_refusal(mode, module):
    result = run_code(f"print('before')\nimport {module}\nprint('after')", Limits(sandbox=mode))
    assert result.status == "forbidden" and result.stdout == "before\n"
    top = module.split(".")[0]
    assert result.stderr == (f"sandbox: import of {top!r} is refused: a program may import the standard library "
                             "(math, cmath, fractions, decimal, statistics, …), sympy and mpmath\n")


@pytest.mark.parametrize("mode", MODES)
def test_standard_library_modules_stay_importable(mode):
    code = "import math, cmath, fractions, decimal, statistics, itertools, functools, json, re\nprint('ok')"
    assert run_code(code, Limits(sandbox=mode)).stdout == "ok\n"


@needs_bwrap
def test_with_finder_and_hook_off_only_sympy_and_mpmath_exist():
    """The kernel enforces the list: the venv's other packages are not in the sandbox's file system."""
    code = HOOK_OFF + """
import importlib.util, os, sys
print(sorted(os.listdir("/sandbox-packages")))
for name in ('numpy', 'mindspore', 'mindformers', 'mathtune', 'sympy', 'mpmath'):
    print(name, importlib.util.find_spec(name) is not None)
"""
    result = run_code(code)
    assert result.status == "ok", result.stderr
    assert result.stdout == ("['mpmath', 'sympy']\nnumpy False\nmindspore False\nmindformers False\n"
                             "mathtune False\nsympy True\nmpmath True\n")


@needs_bwrap
def test_sympy_cannot_be_changed_even_with_the_hook_off():
    target = os.path.join(package_dirs()[0], "__init__.py")
    before = open(target, "rb").read()
    code = HOOK_OFF + f"""
import os
for how in (lambda: open({target!r}, 'a').write('x'), lambda: os.open({target!r}, os.O_WRONLY),
            lambda: os.unlink({target!r}), lambda: open({os.path.dirname(target)!r} + '/planted.py', 'w')):
    try:
        how()
        print('CHANGED')
    except OSError as exc:
        print(type(exc).__name__)
"""
    result = run_code(code)
    assert "CHANGED" not in result.stdout and result.stdout.count("Error") == 4, result
    assert open(target, "rb").read() == before
    assert not os.path.exists(os.path.join(os.path.dirname(target), "planted.py"))


@pytest.mark.parametrize("mode", MODES)
def test_a_program_planting_a_module_named_like_a_package_is_refused_or_shadowed_harmlessly(mode):
    """A program's own `numpy.py` in its work folder is still a refused import."""
    code = "open('numpy.py', 'w').write('print(1)')\nimport sys\nsys.path.insert(0, '.')\nimport numpy"
    assert run_code(code, Limits(sandbox=mode)).status == "forbidden"


@needs_bwrap
def test_the_interpreters_own_site_packages_are_not_in_the_sandbox():
    """A red-team finding: binding the standard library also bound the base interpreter's site-packages
    (numpy, yaml, … installed there), readable and importable once the finder was removed."""
    import sysconfig
    import sys as host_sys

    site = sysconfig.get_path("purelib", vars={"base": host_sys.base_prefix})
    code = HOOK_OFF + f"""
import os, sys
sys.path.append({site!r})
print(os.path.isdir({site!r}) and os.listdir({site!r}))
for name in ('numpy', 'yaml', 'attr', 'setuptools', 'pip'):
    try:
        __import__(name)
        print('IMPORTED', name)
    except ImportError:
        pass
"""
    result = run_code(code)
    assert result.status == "ok" and result.stdout in ("[]\n", "False\n"), result


@pytest.mark.parametrize("mode", MODES)
def test_probing_for_a_missing_module_is_not_a_refusal(mode):
    code = "import importlib.util\nprint(importlib.util.find_spec('numpy') is None, importlib.util.find_spec('nope') is None)"
    result = run_code(code, Limits(sandbox=mode))
    assert (result.status, result.stdout) == ("ok", "True True\n"), result


@pytest.mark.parametrize("mode", MODES)
def test_sympys_ctypes_import_lets_no_ctypes_call_of_the_program_through(mode):
    """ctypes is imported for sympy only when a program asks for sympy; the hook still refuses the program's
    own ctypes calls afterwards, and ctypes alone stays refused."""
    after = run_code("import sympy, ctypes\nprint('in')\nctypes.CDLL(None)", Limits(sandbox=mode))
    assert (after.status, after.stdout) == ("forbidden", "in\n") and "ctypes.dlopen" in after.stderr
    assert run_code("import ctypes", Limits(sandbox=mode)).status == "forbidden"
