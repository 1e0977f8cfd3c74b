"""Rows of a JSONL problem file that a training set does not hold (for rejection-sampling rounds).

    python3 scripts/unseen_rows.py IN.jsonl TRAIN_SELECTED.jsonl OUT.jsonl N SKIP

Writes N rows of IN, from its end backwards after skipping SKIP unseen rows, whose `problem` text is not a
`problem` of TRAIN_SELECTED (the selected.jsonl `data prepare` writes). Round r of the quality run skips
(r - 1) * N, so every round samples problems no earlier round trained on.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository
from fileio.atomic import atomic_open  # noqa: E402


def main(src: str, train: str, out: str, n: int, skip: int) -> int:
    seen = {json.loads(line)["problem"] for line in open(train, encoding="utf-8") if line.strip()}
    rows = [line for line in open(src, encoding="utf-8") if line.strip()]
    unseen = [line for line in reversed(rows) if json.loads(line)["problem"] not in seen]
    picked = unseen[skip: skip + n]
    if len(picked) < n:
        print(f"unseen_rows.py: only {len(picked)} unseen rows after skipping {skip}", file=sys.stderr)
        return 1
    with atomic_open(out) as handle:
        handle.writelines(picked)
    print(f"wrote {n} rows of {src} not in {train} to {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 6:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])))
