"""Rows of a JSONL problem file that no training set or earlier round holds (for rejection-sampling rounds).

    python3 scripts/unseen_rows.py IN.jsonl OUT.jsonl N --exclude FILE... [--max-steps K] [--within FILE...] [--up-to]

Writes N rows of IN, from its end backwards, whose `problem` text is no `problem` of an --exclude file (the
selected.jsonl `data prepare` writes, earlier rounds' problem files) and, with --within, is one of those
files' problems (e.g. the reference programs of the problems a round solved: `--within rft.jsonl`).

--max-steps keeps problems whose reference program (`code`) has at most K assignment lines: one sample of
the tuned SmolLM2 in 6 is right on 1-step GSM8K problems, one in 14 on 2-step ones and one in 100 or fewer
on longer ones (docs/experiments.md), so a round that must keep hundreds of verified programs samples where
they can be found. Exit 1 when fewer than N rows qualify (none are written); with --up-to the rows that
qualify are written, maybe none (the last chunk of a round that ran out of problems).
"""
import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository
from fileio.atomic import atomic_open  # noqa: E402

ASSIGNMENT = re.compile(r"^\s*[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_]\w*)*\s*([-+*/%]|//|\*\*)?=(?!=)")


def steps(code: str) -> int:
    """Lines of a program that assign a value (`x = …`, `x += …`): its number of steps."""
    return sum(1 for line in code.splitlines() if ASSIGNMENT.match(line))


def problems(path: str) -> set[str]:
    return {json.loads(line)["problem"] for line in open(path, encoding="utf-8") if line.strip()}


def pick(src: str, exclude: list[str], n: int, max_steps: int, within: list[str] | None = None) -> list[str]:
    """The first N qualifying lines of SRC, read from its end."""
    if n <= 0:
        return []
    seen = set().union(*(problems(path) for path in exclude))
    allowed = set().union(*(problems(path) for path in within)) if within else None
    picked = []
    for line in reversed([line for line in open(src, encoding="utf-8") if line.strip()]):
        row = json.loads(line)
        if row["problem"] in seen or (allowed is not None and row["problem"] not in allowed) \
                or (max_steps and steps(row.get("code") or "") > max_steps):
            continue
        seen.add(row["problem"])  # a problem twice in SRC is picked once
        picked.append(line if line.endswith("\n") else line + "\n")
        if len(picked) == n:
            break
    return picked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="unseen_rows.py", description=__doc__.strip().splitlines()[0])
    parser.add_argument("src")
    parser.add_argument("out")
    parser.add_argument("n", type=int)
    parser.add_argument("--exclude", nargs="*", default=[], help="files whose problems are not picked")
    parser.add_argument("--max-steps", type=int, default=0, help="0: any number of steps")
    parser.add_argument("--within", nargs="*", default=[], help="files whose problems alone may be picked")
    parser.add_argument("--up-to", action="store_true", help="fewer than N rows (maybe none) are not an error")
    args = parser.parse_args(argv)
    if args.n < 1 or args.max_steps < 0:
        parser.error("N must be at least 1 and --max-steps at least 0")
    picked = pick(args.src, args.exclude, args.n, args.max_steps, args.within)
    if len(picked) < args.n and not args.up_to:
        print(f"unseen_rows.py: only {len(picked)} rows of {args.src} qualify, {args.n} asked", file=sys.stderr)
        return 1
    with atomic_open(args.out) as handle:
        handle.writelines(picked)
    print(f"wrote {len(picked)} rows of {args.src} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
