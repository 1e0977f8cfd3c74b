"""Converter throughput: 550k synthetic rows → dedup → categorise + verify → sample 100k → PoT.

Prints wall time and rows/s for each stage and in total. Target (issue 26): ≤ 10 s on a 2-core
machine with reading the JSONL file included; the slowest adversarial row ≤ 2 ms.
Usage: python bench/bench_converters.py [--rows 550000] [--sample 100000]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from converters import pipeline as P
from fileio.atomic import write_jsonl
from converters.synth.contest import synth_rows


WORST_CASES = [  # each is refused or computed within the guards; none may take long
    ("计算 " + "9" * 40 + " 的 1000 次方？", ""),
    ("计算 2.00 的 99999999 次方？", ""),
    ("当 x = 9.99 时，求函数 y = 100x^1000 的值", ""),
    ("求以下数据的平均值：[" + ", ".join(["99"] * 1000) + "]", ""),
    ("计算 " + "9" * 40 + " / 7 等于多少？", ""),
    ("计算 " + "1" * 90000 + " * 2 等于多少？", ""),
    ("What is " + "x + " * 20000 + "1?", "\\boxed{" + "{" * 5000 + "}" * 5000 + "}"),
]


def worst_row_ms() -> tuple[float, str]:
    """The slowest single row among adversarial inputs, in milliseconds."""
    from converters.rules.verify import check

    worst, which = 0.0, ""
    for problem, solution in WORST_CASES:
        t = time.perf_counter()
        check(problem, solution)
        ms = 1000 * (time.perf_counter() - t)
        if ms > worst:
            worst, which = ms, problem[:40]
    return worst, which


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=550_000)
    ap.add_argument("--sample", type=int, default=100_000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "raw.jsonl"
        t = time.perf_counter()
        write_jsonl(path, synth_rows(a.rows, seed=0, duplicate_share=0.1))
        print(f"synthesised {a.rows} rows in {time.perf_counter() - t:.1f}s (not part of the target)")
        errors: list = []
        t = time.perf_counter()
        rows = P.load_raw([str(path)], errors)
        read = time.perf_counter() - t
    times = {}
    steps: P.Steps = []
    t = time.perf_counter()
    rows = P.dedup_rows(rows, steps)
    times["dedup (exact + whitespace)"] = time.perf_counter() - t
    t = time.perf_counter()
    checked = P.check_rows(rows)
    times["categorise + verify"] = time.perf_counter() - t
    t = time.perf_counter()
    chosen = P.select(checked, P.SelectOptions(n=a.sample, seed=0), steps)
    times[f"filter + stratified sample {a.sample}"] = time.perf_counter() - t
    t = time.perf_counter()
    done = P.complete_rows(chosen, "pot")
    times["complete (pot)"] = time.perf_counter() - t
    total = sum(times.values())
    print(f"read JSONL: {read:.2f}s ({a.rows / read:,.0f} rows/s)")
    for name, secs in times.items():
        print(f"  {name:<38} {secs:6.2f}s")
    print(f"pipeline: {total:.2f}s for {a.rows:,} rows → {len(done):,} PoT rows ({a.rows / total:,.0f} rows/s)")
    print(f"with reading: {total + read:.2f}s; target ≤ 10 s: {'met' if total + read <= 10 else 'NOT met'}")
    worst, which = worst_row_ms()
    print(f"slowest adversarial row: {worst:.2f} ms ({which}…); target ≤ 2 ms: {'met' if worst <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
