"""`mathtune data bench`: a fixed-seed sample of a public test set, refused if training holds any of it."""
from __future__ import annotations

import sys

from converters.read import benchsets as B
from fileio.atomic import write_jsonl
from fileio.errors import InputError

SHOWN = 60  # characters of the first overlapping problem in the refusal


def cmd_bench(a) -> int:
    """Sample, check against every --exclude file, write; exit 1 (nothing written) on any overlap."""
    from converters.synth.problem_sets import read_problems

    if a.levels and a.set != "math":
        raise InputError(f"--levels: only the math set has levels, not {a.set}")
    rows = B.sample(a.set, a.n, a.seed, a.input, a.levels)
    training = ((r["source"], r["problem"]) for path in a.exclude for r in read_problems(path, a.format))
    found = B.overlaps(rows, training)
    if found:
        where, row = found[0]
        text = " ".join(row["problem"].split())
        text = text if len(text) <= SHOWN else text[:SHOWN] + "…"
        print(f"{where}: {len(found)} of the {len(rows)} sampled {a.set} problems occur in training; "
              f"the first: {row['source']} {text!r} (nothing written)", file=sys.stderr)
        return 1
    n = write_jsonl(a.out, rows)
    checked = f"; none of them in {len(a.exclude)} training file(s)" if a.exclude else ""
    print(f"wrote {n} {a.set} problems (seed {a.seed}) to {a.out}{checked}")
    return 0
