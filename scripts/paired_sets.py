"""Two models on the same problems, problem by problem: right in both, in the first only, in the second only.

    python3 scripts/paired_sets.py FIRST SECOND [SET...]

FIRST and SECOND are quality-run folders of one model each (OUT/tuned, OUT/rft/r1, OUT/rft/r1/reference),
SET the set folders in them (default gsm8k svamp multiarith) holding `mathtune score`'s scored.jsonl. Rows
are paired by their `source` (the set file's line), so only problems both scored count. The p-value is
McNemar's exact test on the problems only one model got right: how often a fair coin splits them at least
this unevenly. With 200 problems two totals a few points apart are usually noise; this says how much.
"""
import json
import math
import sys
from pathlib import Path


def right_by_source(path: Path) -> dict[str, bool]:
    rows = (json.loads(line) for line in open(path, encoding="utf-8") if line.strip())
    return {row["source"]: bool(row.get("correct")) for row in rows}


def mcnemar_p(first_only: int, second_only: int) -> float:
    """Two-sided exact binomial p of a split at least this uneven, under 1/2 each."""
    n, k = first_only + second_only, min(first_only, second_only)
    if n == 0:
        return 1.0
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)


def compare(first: Path, second: Path, sets: list[str]) -> list[str]:
    lines = [f"| set | n | {first} | {second} | both | first only | second only | McNemar p |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in sets:
        a, b = right_by_source(first / name / "scored.jsonl"), right_by_source(second / name / "scored.jsonl")
        shared = [s for s in a if s in b]
        both = sum(a[s] and b[s] for s in shared)
        only_a = sum(a[s] and not b[s] for s in shared)
        only_b = sum(b[s] and not a[s] for s in shared)
        n = len(shared)
        lines.append(f"| {name} | {n} | {100 * (both + only_a) / n:.1f}% | {100 * (both + only_b) / n:.1f}% | {both} | "
                     f"{only_a} | {only_b} | {mcnemar_p(only_a, only_b):.2f} |")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    first, second, sets = Path(argv[0]), Path(argv[1]), argv[2:] or ["gsm8k", "svamp", "multiarith"]
    for folder in (first, second):
        for name in sets:
            if not (folder / name / "scored.jsonl").is_file():
                print(f"paired_sets.py: {folder / name / 'scored.jsonl'}: not found (run `mathtune score`)", file=sys.stderr)
                return 2
    try:
        print("\n".join(compare(first, second, sets)))
    except (ValueError, KeyError, TypeError, ZeroDivisionError) as exc:
        print(f"paired_sets.py: not scored rows with a source ({exc!r})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
