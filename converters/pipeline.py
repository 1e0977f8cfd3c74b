"""Steps of the data path as importable functions; the CLI is a thin layer over these."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Iterator

from tqdm import tqdm

from converters.rules.categories import CATEGORIES, OTHER
from converters.solutions.complete import complete
from converters.encode.conversations import contest_conversation, tool_conversation
from fileio.errors import RowError
from converters.read.formats import read_pairs
from converters.solutions.rows_with_gold import FIELDS as GIVEN_FIELDS
from converters.solutions.rows_with_gold import check_given, complete_program, is_given
from converters.rules.prompts import render_prompt
from converters.selection import dedup_both, parse_source, stratified_sample, trim_to_multiple
from converters.parallel import bulk_rows, forked_map
from converters.rules.verify import AGREE, DISAGREE, ROUNDED, STATUSES, UNCHECKED, Checked, check


def load_raw(specs: Iterable[str], errors: list[RowError], seed: int = 0, fmt: str = "auto",
             kinds: Counter | None = None) -> list[dict]:
    """Rows from `file` or `file#N` specs (N rows sampled at random), each tagged with its source.

    Any layout converters.read.formats reads; `kinds` counts the layouts seen."""
    rows: list[dict] = []
    with bulk_rows():
        rows.extend(_load_specs(specs, errors, seed, fmt, kinds))
    return rows


def _load_specs(specs: Iterable[str], errors: list[RowError], seed: int, fmt: str,
                kinds: Counter | None) -> Iterable[dict]:
    for spec in specs:
        path, count = parse_source(spec)
        got = [{"problem": r["problem"], "solution": r["solution"], "source": f"{path}:{line}",
                **({k: r[k] for k in GIVEN_FIELDS if k in r} if "gold" in r and is_given(r) else {})}
               for line, r in read_pairs(path, errors, fmt, kinds)]
        if count is not None and count < len(got):
            got = random.Random(seed).sample(got, count)
        yield from got


_SAME = True  # in a worker's result: the same text as the row's problem, or as the label


def _packed_check(row: dict) -> tuple:
    # plain tuples pickle several times faster than the Checked named tuples; the problem (unchanged
    # unless unwrapped) and an expected answer equal to the label are sent as _SAME: half the bytes
    c = check(row["problem"], row["solution"])
    return (c[0], c[1], _SAME if c[2] == row["problem"] else c[2], c[3], _SAME if c[4] == c[3] else c[4], *c[5:])


def _checked_parts(rows: list[dict], workers: int, show_progress: bool) -> Iterator[tuple]:
    """Yield check() results (as tuples in Checked's field order), in row order, from forked
    workers when it pays. Rows carrying their category and gold are checked against it."""
    if any(is_given(r) for r in rows):
        plain = iter(_checked_parts([r for r in rows if not is_given(r)], workers, show_progress))
        for row in rows:
            yield check_given(row) if is_given(row) else next(plain)
        return
    with tqdm(total=len(rows), desc="check", unit="row", disable=not show_progress, mininterval=1) as bar:
        at = 0
        for part in forked_map(_packed_check, rows, workers, bar.update):
            for c, r in zip(part, rows[at:at + len(part)]):
                yield (c[0], c[1], r["problem"] if c[2] is _SAME else c[2], c[3], c[3] if c[4] is _SAME else c[4],
                       *c[5:])
            at += len(part)


def check_rows(rows: list[dict], show_progress: bool = False, workers: int = 2) -> list[dict]:
    """Add category, status, label, expected answer and our solution line to every row."""
    out = []
    with bulk_rows():
        for row, (category, status, problem, label, expected, final, args, reason, wrapper, rounding) in zip(
                rows, _checked_parts(rows, workers, show_progress)):
            out.append({**row, "problem": problem, "category": category, "status": status, "label": label,
                        "expected": expected, "final": final, "args": args, "reason": reason,
                        "wrapper": wrapper, "rounding": rounding})
    return out


@dataclass
class SelectOptions:
    n: int | None = None
    seed: int = 0
    min_per_category: int = 0
    max_per_category: int | None = None
    multiple_of: int = 1
    drop_competition: bool = False
    keep_disagree: bool = False  # train on our recomputed answer instead of dropping the row


Steps = list[tuple[str, int, int]]  # (step, rows removed, rows left)


def _record(steps: Steps, name: str, before: list[dict], after: list[dict]) -> list[dict]:
    steps.append((name, len(before) - len(after), len(after)))
    return after


def dedup_rows(rows: list[dict], steps: Steps) -> list[dict]:
    """Exact, then whitespace-normalised (problem, solution) de-duplication, first row kept."""
    if not steps:
        steps.append(("input", 0, len(rows)))
    with bulk_rows():
        exact, kept = dedup_both(rows)
        rows = _record(steps, "exact duplicates", rows, exact)
        return _record(steps, "whitespace-normalised duplicates", rows, kept)


def select(rows: list[dict], opts: SelectOptions, steps: Steps) -> list[dict]:
    """Filter checked rows, sample them by category and trim to a batch multiple, logging each step."""
    if not steps:
        steps.append(("input", 0, len(rows)))
    usable = {AGREE, ROUNDED, UNCHECKED} | ({DISAGREE} if opts.keep_disagree else set())
    rows = _record(steps, "unparseable / other", rows,
                   [r for r in rows if r["status"] != "unparseable" and r["category"] != OTHER])
    rows = _record(steps, "label disagrees with the computed answer", rows,
                   [r for r in rows if r["status"] in usable])
    if opts.drop_competition:
        rows = _record(steps, "competition (--drop-competition)", rows, [r for r in rows if r["category"] != "competition"])
    if opts.n is not None or opts.max_per_category is not None:
        n = len(rows) if opts.n is None else opts.n
        rows = _record(steps, "stratified sample", rows, stratified_sample(
            rows, n, opts.seed, opts.min_per_category, opts.max_per_category))
    else:
        rows = list(rows)
        random.Random(opts.seed).shuffle(rows)
    if opts.multiple_of > 1:
        rows = _record(steps, f"trim to a multiple of {opts.multiple_of}", rows,
                       trim_to_multiple(rows, opts.multiple_of))
    return rows


def format_steps(steps: Steps) -> str:
    return "\n".join(f"  {name:<42} -{removed:<8} → {left}" for name, removed, left in steps)


def complete_rows(rows: list[dict], style: str, labels: str = "exact") -> list[dict]:
    """Add `response` (and `code`/`output` for PoT) in the chosen style; `labels` says whether
    a rounded label is trained as the exact value or as given. In this process: forked workers
    were slower (1.8 s against 1.2 s for 100k rows), the results being as large as the work."""
    with bulk_rows():
        return [{**r, **_completed(r, style, labels), "style": style, "labels": labels} for r in rows]


def _completed(r: dict, style: str, labels: str) -> dict:
    if isinstance(r.get("code"), str) and is_given(r):
        return complete_program(r, style)
    checked = Checked(r["category"], r["status"], r["problem"], r["label"], r["expected"], r["final"],
                      tuple(r["args"]), r["reason"], r.get("wrapper", "none"), r.get("rounding", ""))
    return complete(checked, style, r["solution"], labels)


def conversations(rows: list[dict], template: str) -> tuple[list[dict], list[dict]]:
    """The contest JSON items and the tool-call (sharegpt) items for completed rows."""
    flat, tools = [], []
    for i, r in enumerate(rows, start=1):
        prompt = render_prompt(r["problem"], template)
        flat.append(contest_conversation(i, prompt, r["response"]))
        tools.append(tool_conversation(i, prompt, r))
    return flat, tools


def category_table(rows: list[dict]) -> list[dict]:
    """Count, share and status counts per category, in the contest table's order."""
    total = max(len(rows), 1)
    by_cat = Counter(r["category"] for r in rows)
    status = Counter((r["category"], r.get("status")) for r in rows)
    table = []
    for cat in [*CATEGORIES, *sorted(set(by_cat) - set(CATEGORIES) - {OTHER}), OTHER]:
        if not by_cat[cat]:
            continue
        entry = {"category": cat, "name": CATEGORIES.get(cat, "unmatched" if cat == OTHER else cat), "count": by_cat[cat],
                 "share": round(100 * by_cat[cat] / total, 2)}
        entry.update({s: status[(cat, s)] for s in STATUSES})
        table.append(entry)
    return table


def format_table(table: list[dict]) -> str:
    head = (f"{'category':<11} {'count':>9} {'share':>7}  {'agree':>8} {'rounded':>8} {'disagree':>8} "
            f"{'unparse':>8} {'unchk':>6}")
    lines = [head, "-" * len(head)]
    for e in table:
        lines.append(f"{e['category']:<11} {e['count']:>9} {e['share']:>6.2f}%  {e.get('agree', 0):>8} "
                     f"{e.get('rounded', 0):>8} {e.get('disagree', 0):>8} {e.get('unparseable', 0):>8} "
                     f"{e.get('unchecked', 0):>6}")
    total = {s: sum(e.get(s, 0) for e in table) for s in STATUSES}
    lines.append(f"{'total':<11} {sum(e['count'] for e in table):>9} {'':>7}  {total['agree']:>8} "
                 f"{total['rounded']:>8} {total['disagree']:>8} {total['unparseable']:>8} {total['unchecked']:>6}")
    return "\n".join(lines)
