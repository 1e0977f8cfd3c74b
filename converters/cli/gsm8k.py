"""`mathtune data gsm8k-pot`: GSM8K train → verified program-of-thought rows."""
from __future__ import annotations

import sys
from collections import Counter

from converters.solutions import gsm8k_pot as G
from fileio.atomic import atomic_open, write_json, write_jsonl
from fileio.errors import RowError
from fileio.reading import read_rows

SHOWN = 10


def cmd_gsm8k_pot(a) -> int:
    """Convert, verify, write; reasons counted. Exit 1 only for malformed lines (not JSON, no
    question/answer): a well-formed solution that does not convert is expected and only listed."""
    source = a.input or str(G.data_path("train"))
    test = a.test or str(G.data_path("test"))
    errors: list[RowError] = []
    exclude = {G.normalise(r["question"]) for _, r in read_rows(test, [], ("question",))}
    items = list(read_rows(source, errors, ("question", "answer")))
    if a.limit is not None:
        items = items[: a.limit]
    rows, failed = G.convert(items, exclude)
    write_jsonl(a.out, rows)
    total = len(rows) + len(failed)
    print(f"wrote {len(rows)} of {total} GSM8K problems as verified programs to {a.out} "
          f"({100 * len(rows) / max(total, 1):.1f}%)")
    kinds = Counter(G.reason_kind(why) for _, why in failed)
    for why, n in kinds.most_common():
        print(f"  {n:>6}  {why}")
    lines = [f"{source}:{line}: {why}" for line, why in failed]
    for line in lines[:SHOWN]:
        print(line, file=sys.stderr)
    if a.errors:
        with atomic_open(a.errors) as handle:
            handle.writelines(line + "\n" for line in lines)
    if a.report:
        write_json(a.report, {"input": source, "problems": total, "converted": len(rows),
                              "reasons": dict(kinds.most_common()), "bad_lines": [str(e) for e in errors]})
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0
