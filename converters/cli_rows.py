"""`mathtune data` commands on raw {problem, solution} rows: synth … check, select, complete, prepare."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from converters import pipeline as P
from converters.categories import categorise
from converters.cli_common import _failures, _load_checked, _report_failures, _select_opts, write_dataset
from converters.files import RowError, write_json, write_jsonl

def cmd_synth(a) -> int:
    from converters.synth import SHARES, synth_rows

    shares = dict.fromkeys(SHARES, 1.0) if a.balanced else None
    n = write_jsonl(a.out, synth_rows(a.n, a.seed, shares, duplicate_share=a.duplicates))
    print(f"wrote {n} rows to {a.out}")
    return 0


def cmd_heldout(a) -> int:
    from converters.problems import CHINESE, held_out, read_problems

    exclude = {r["problem"] for path in a.exclude for r in read_problems(path)}
    rows = held_out(a.per_category, a.seed, exclude, a.categories or CHINESE)
    n = write_jsonl(a.out, rows)
    seen = Counter(r["category"] for r in rows if r["seen"])
    note = ", ".join(f"{c} {k}" for c, k in seen.items())
    print(f"wrote {n} rows to {a.out}" + (f" (already in training or repeated: {note})" if seen else ""))
    return 0


def cmd_reworded(a) -> int:
    from converters.reworded import reworded_rows

    n = write_jsonl(a.out, reworded_rows(a.n, a.seed))
    print(f"wrote {n} rows to {a.out}")
    return 0


def cmd_categorise(a) -> int:
    errors: list[RowError] = []
    rows = P.load_raw(a.inputs, errors)
    for r in rows:
        parsed = categorise(r["problem"])
        r["category"] = parsed.category
        r["status"] = None
    table = P.category_table(rows)
    print(P.format_table(table))
    others = [f"{r['source']}: matches no category rule" for r in rows if r["category"] == "other"]
    if a.report:
        write_json(a.report, {"rows": len(rows), "categories": table, "other": others[:1000]})
    return _report_failures([str(e) for e in errors] + others, a.errors)


def cmd_check(a) -> int:
    errors: list[RowError] = []
    rows = _load_checked(a.inputs, errors, 0, not a.quiet)
    table = P.category_table(rows)
    print(P.format_table(table))
    if a.out:
        write_jsonl(a.out, rows)
        print(f"wrote {len(rows)} checked rows to {a.out}")
    if a.report:
        write_json(a.report, {"rows": len(rows), "bad_lines": len(errors), "categories": table})
    return _report_failures(_failures(errors, rows), a.errors)


def cmd_select(a) -> int:
    errors: list[RowError] = []
    steps: P.Steps = []
    rows = P.dedup_rows(P.load_raw(a.inputs, errors, a.seed), steps)
    rows = P.check_rows(rows, show_progress=not a.quiet)
    chosen = P.select(rows, _select_opts(a), steps)
    print(P.format_steps(steps))
    print(P.format_table(P.category_table(chosen)))
    write_jsonl(a.out, chosen)
    print(f"wrote {len(chosen)} rows to {a.out}")
    return _report_failures(_failures(errors, rows), a.errors)


def cmd_complete(a) -> int:
    errors: list[RowError] = []
    rows = _load_checked([a.input], errors, 0, False)
    usable = [r for r in rows if r["status"] in ("agree", "unchecked") or (a.keep_disagree and r["status"] == "disagree")]
    done = P.complete_rows(usable, a.style)
    write_jsonl(a.out, done)
    print(f"wrote {len(done)} {a.style} completions to {a.out} ({len(rows) - len(usable)} rows left out)")
    return _report_failures(_failures(errors, rows), a.errors)


def cmd_prepare(a) -> int:
    """Raw rows → checked → selected → completed → conversations → MindRecord, in one go."""
    out = Path(a.out_dir)
    errors: list[RowError] = []
    steps: P.Steps = []
    rows = P.dedup_rows(P.load_raw(a.inputs, errors, a.seed), steps)
    rows = P.check_rows(rows, show_progress=not a.quiet)
    table = P.category_table(rows)
    print(P.format_table(table))
    chosen = P.select(rows, _select_opts(a), steps)
    print(P.format_steps(steps))
    done = P.complete_rows(chosen, a.style)
    write_jsonl(out / "selected.jsonl", done)
    flat, tools = P.conversations(done, a.template)
    write_json(out / "conversations.json", flat)
    write_json(out / "conversations_tools.json", tools)
    summary = None
    if not a.no_mindrecord:
        summary = write_dataset(str(out / "conversations.json"), str(out / "train.mindrecord"), a,
                                source=", ".join(a.inputs))
    failures = _failures(errors, rows)
    write_json(out / "report.json", {
        "inputs": a.inputs, "checked": len(rows), "bad_lines": len(errors), "failed_rows": len(failures),
        "categories": table, "steps": [{"step": s, "removed": r, "left": n} for s, r, n in steps],
        "selected": P.category_table(chosen), "style": a.style, "template": a.template,
        "mindrecord": summary})
    print(f"wrote {out}/selected.jsonl, conversations.json, conversations_tools.json, report.json"
          + ("" if a.no_mindrecord else ", train.mindrecord"))
    return _report_failures(failures, a.errors or str(out / "errors.txt") if failures else None)
