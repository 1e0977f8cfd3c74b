"""Sandbox cost: start-up of a bare interpreter vs one under bubblewrap, and executions/s of
`run_code` in each mode (a fresh sandbox per program, as `mathtune predict` runs them; under bwrap each
is started while the previous program runs), for a program using `decimal` and one importing sympy
(whose import is most of such a program's time). Target (issue 26): ≥ 30 runs/s under bubblewrap.

Usage: python bench/bench_sandbox.py [--runs 40]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import time

from evaluation.sandbox import bwrap
from evaluation.sandbox.limits import Limits
from evaluation.sandbox.runner import run_code


def per_run_ms(cmd: list[str], runs: int, **kwargs) -> float:
    start = time.perf_counter()
    for _ in range(runs):
        subprocess.run(cmd, check=True, **kwargs)
    return 1000 * (time.perf_counter() - start) / runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40)
    a = ap.parse_args()
    python = bwrap.interpreter()
    bare = per_run_ms([python, "-I", "-S", "-c", "pass"], a.runs)
    print(f"start-up, bare `python -I -S -c pass`: {bare:.1f} ms")
    problem = bwrap.problem()
    modes = ["weak"]
    if problem is None:
        read, write = os.pipe()
        os.close(write)
        cmd = bwrap.command(Limits(), read, "pass", [])
        wrapped = per_run_ms(cmd, a.runs, env={}, pass_fds=(read,))
        os.close(read)
        print(f"start-up, the same under bwrap (namespaces, binds, tmpfs): {wrapped:.1f} ms "
              f"(+{wrapped - bare:.1f} ms)")
        modes.insert(0, "bwrap")
    else:
        print(f"bwrap: skipped ({problem})")
    for mode in modes:
        limits = Limits(sandbox=mode)
        rates = {}
        for kind, program in (("decimal", "from decimal import Decimal\nprint(Decimal('{i}.5') * 2)"),
                              ("sympy", "from sympy import Rational, sqrt\nprint(Rational({i}, 7) + sqrt(12))")):
            start = time.perf_counter()
            for i in range(a.runs):
                assert run_code(program.format(i=i), limits).ok
            rates[kind] = a.runs / (time.perf_counter() - start)
            print(f"run_code --sandbox={mode}, a {kind} program: {rates[kind]:.1f} executions/s")
        print(f"  importing sympy costs {1000 / rates['sympy'] - 1000 / rates['decimal']:.0f} ms a program "
              f"({rates['decimal'] / rates['sympy']:.1f}x the time of a program without it)")


if __name__ == "__main__":
    main()
