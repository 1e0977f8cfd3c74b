"""`mathtune data` commands on raw {problem, solution} rows: synth … check, select, complete, prepare."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from converters import pipeline as P
from converters.cli import summary as S
from converters.rules.categories import categorise
from converters.cli.common import (_failures, _load_checked, _report_failures, _select_opts, format_kinds,
                                   write_dataset)
from fileio.atomic import write_json, write_jsonl
from fileio.errors import InputError, RowError


def weights(specs: list[str], names: list[str]) -> dict[str, float]:
    """`--weight CATEGORY=W` options → {category: W}; InputError (one line) for a bad one."""
    out: dict[str, float] = {}
    for spec in specs:
        name, _, value = spec.partition("=")
        try:
            factor = float(value)
        except ValueError:
            factor = -1.0
        if name not in names or not factor >= 0 or factor == float("inf"):
            raise InputError(f"--weight {spec!r}: expected CATEGORY=W with W ≥ 0 and CATEGORY one of {', '.join(names)}")
        out[name] = factor
    return out


def cmd_synth(a) -> int:
    from converters.synth.contest import SHARES, synth_rows, valid_ops

    if a.kind == "middle":
        return _synth_middle(a)
    if a.kind == "word":
        return _synth_word(a)
    if a.exclude:
        raise InputError("--exclude applies to --kind middle and word only")
    if a.languages != ["en", "zh"]:
        raise InputError("--languages applies to --kind word only")
    if a.phrasings == "varied":
        from converters.synth.phrasings import phrased_rows

        if a.duplicates or a.balanced or a.weight or a.short_numbers or a.only or a.ops != "+-*/":
            raise InputError("--duplicates, --balanced, --weight, --short-numbers, --only and --ops apply to "
                             "--phrasings contest only")
        n = write_jsonl(a.out, phrased_rows(a.n, a.seed))
        print(f"wrote {n} rows in varied phrasings to {a.out}")
        return 0
    if not valid_ops(a.ops):
        raise InputError(f"--ops {a.ops!r}: expected some of + - * /")
    unknown = sorted(set(a.only or []) - set(SHARES))
    if unknown:
        raise InputError(f"--only {' '.join(unknown)}: expected categories among {', '.join(SHARES)}")
    shares = dict.fromkeys(SHARES, 1.0) if a.balanced else dict(SHARES)
    if a.only:
        shares = {name: share for name, share in shares.items() if name in a.only}
    for name, factor in weights(a.weight, list(shares)).items():
        shares[name] *= factor
    if not sum(shares.values()) > 0:
        raise InputError("--weight: every category has weight 0")
    n = write_jsonl(a.out, synth_rows(a.n, a.seed, shares, duplicate_share=a.duplicates,
                                         short_numbers=a.short_numbers, ops=a.ops))
    print(f"wrote {n} rows to {a.out}")
    return 0


def _refuse_contest_options(a) -> None:
    if a.duplicates or a.balanced or a.weight or a.short_numbers or a.ops != "+-*/" or a.phrasings != "contest":
        raise InputError("--duplicates, --balanced, --weight, --short-numbers, --ops and --phrasings apply to "
                         "--kind contest only")


def _synth_middle(a) -> int:
    from converters.synth.middle import KINDS, synth_middle
    from converters.synth.problem_sets import read_problems

    _refuse_contest_options(a)
    unknown = sorted(set(a.only or []) - set(KINDS))
    if unknown:
        raise InputError(f"--only {' '.join(unknown)}: expected kinds among {', '.join(KINDS)}")
    exclude = {r["problem"] for path in a.exclude for r in read_problems(path, a.format)}
    try:
        n = write_jsonl(a.out, synth_middle(a.n, a.seed, a.only or KINDS, exclude))
    except ValueError as exc:
        raise InputError(f"--n {a.n}: {exc}") from None
    print(f"wrote {n} middle-school rows to {a.out} (each program run and its output checked)"
          + (f"; none of them in {len(a.exclude)} excluded file(s)" if a.exclude else ""))
    return 0


def _synth_word(a) -> int:
    from converters.synth.word.generate import SCHEMAS, synth_word
    from converters.synth.problem_sets import read_problems

    _refuse_contest_options(a)
    unknown = sorted(set(a.only or []) - set(SCHEMAS))
    if unknown:
        raise InputError(f"--only {' '.join(unknown)}: expected schemas among {', '.join(SCHEMAS)}")
    exclude = {r["problem"] for path in a.exclude for r in read_problems(path, a.format)}
    stats: dict = {}
    try:
        n = write_jsonl(a.out, synth_word(a.n, a.seed, a.only or SCHEMAS, a.languages, exclude, stats))
    except ValueError as exc:
        raise InputError(f"--n {a.n}: {exc}") from None
    print(f"wrote {n} word problems to {a.out} (each program run and its output checked; {stats['redrawn']} drawn "
          f"again because a float did not come out exact)"
          + (f"; none of them in {len(a.exclude)} excluded file(s)" if a.exclude else ""))
    return 0


def cmd_heldout(a) -> int:
    from converters.synth.problem_sets import CHINESE, held_out, read_problems

    exclude = {r["problem"] for path in a.exclude for r in read_problems(path, a.format)}
    rows = held_out(a.per_category, a.seed, exclude, a.categories or CHINESE)
    n = write_jsonl(a.out, rows)
    seen = Counter(r["category"] for r in rows if r["seen"])
    note = ", ".join(f"{c} {k}" for c, k in seen.items())
    print(f"wrote {n} rows to {a.out}" + (f" (already in training or repeated: {note})" if seen else ""))
    return 0


def cmd_reworded(a) -> int:
    from converters.synth.reworded import reworded_rows

    n = write_jsonl(a.out, reworded_rows(a.n, a.seed))
    print(f"wrote {n} rows to {a.out}")
    return 0


def cmd_categorise(a) -> int:
    errors: list[RowError] = []
    kinds: Counter = Counter()
    rows = P.load_raw(a.inputs, errors, 0, a.format, kinds)
    for r in rows:
        parsed = categorise(r["problem"])
        r["category"], r["wrapper"] = parsed.category, parsed.wrapper
        r["status"] = None
    table = P.category_table(rows)
    wrappers = S.wrapper_counts(rows)
    print(format_kinds(kinds))
    print(S.format_wrappers(wrappers))
    print(P.format_table(table))
    others = [f"{r['source']}: matches no category rule" for r in rows if r["category"] == "other"]
    if S.other_hint(rows):
        print(S.other_hint(rows), file=sys.stderr)
    if a.report:
        write_json(a.report, {"rows": len(rows), "formats": dict(kinds), "wrappers": wrappers,
                              "categories": table, "other": others[:1000]})
    return _report_failures([str(e) for e in errors] + others, a.errors)


def _print_checked(rows: list[dict], kinds: Counter) -> tuple[dict, dict, dict]:
    """What check and prepare print about checked rows: layouts, wrappers, the status table, roundings."""
    table = P.category_table(rows)
    wrappers, roundings = S.wrapper_counts(rows), S.rounding_counts(rows)
    print(format_kinds(kinds))
    print(S.format_wrappers(wrappers))
    print(P.format_table(table))
    print(S.format_roundings(roundings))
    return table, wrappers, roundings


def cmd_check(a) -> int:
    errors: list[RowError] = []
    kinds: Counter = Counter()
    rows = _load_checked(a.inputs, errors, 0, not a.quiet, a.format, kinds)
    table, wrappers, roundings = _print_checked(rows, kinds)
    if S.other_hint(rows):
        print(S.other_hint(rows), file=sys.stderr)
    if not rows and not errors:  # an empty file is more often a mistake than a data set
        print(f"mathtune: warning: no row in {', '.join(map(str, a.inputs))} (empty?)", file=sys.stderr)
    if a.out:
        write_jsonl(a.out, rows)
        print(f"wrote {len(rows)} checked rows to {a.out}")
    if a.report:
        write_json(a.report, {"rows": len(rows), "bad_lines": len(errors), "formats": dict(kinds),
                              "wrappers": wrappers, "roundings": roundings, "categories": table})
    return _report_failures(_failures(errors, rows), a.errors)


def cmd_select(a) -> int:
    errors: list[RowError] = []
    steps: P.Steps = []
    rows = P.dedup_rows(P.load_raw(a.inputs, errors, a.seed, a.format), steps)
    rows = P.check_rows(rows, show_progress=not a.quiet)
    chosen = P.select(rows, _select_opts(a), steps)
    print(P.format_steps(steps))
    print(P.format_table(P.category_table(chosen)))
    if not chosen:
        print(f"mathtune: no row left: {S.why_empty(steps, rows)}", file=sys.stderr)
    write_jsonl(a.out, chosen)
    print(f"wrote {len(chosen)} rows to {a.out}")
    return _report_failures(_failures(errors, rows), a.errors)


def cmd_complete(a) -> int:
    errors: list[RowError] = []
    rows = _load_checked([a.input], errors, 0, False, a.format)
    keep = {"agree", "rounded", "unchecked"} | ({"disagree"} if a.keep_disagree else set())
    usable = [r for r in rows if r["status"] in keep]
    done = P.complete_rows(usable, a.style, a.labels)
    if S.format_given(done):
        print(S.format_given(done))
    write_jsonl(a.out, done)
    print(f"wrote {len(done)} {a.style} completions to {a.out} ({len(rows) - len(usable)} rows left out)")
    return _report_failures(_failures(errors, rows), a.errors)


def cmd_prepare(a) -> int:
    """Raw rows → checked → selected → completed → conversations → MindRecord, in one go.

    The folder's outputs are one set (`fileio.fileset`): written into a new version and switched in
    by one rename, so a run killed at any point leaves the old set or the new one, never a mix."""
    from fileio.fileset import flatten, locked, new_version

    out = Path(a.out_dir)
    with locked(out / ".prepare.lock", a.out_dir), new_version(out / "prepare") as work:
        code = _prepare(a, work, out)
        flatten(work)  # the MindRecord's own version links become plain files of this set
    return code


def _errors_file(a, out: Path, shown: Path, wanted: bool) -> tuple[str | None, str | None]:
    """(the errors file as named to the user, where it is written): `--errors` as given, else
    errors.txt of the set, written into the new version (`out`) when `wanted`."""
    if a.errors:
        return a.errors, None
    return (str(shown / "errors.txt"), str(out / "errors.txt")) if wanted else (None, None)


def _prepare(a, out: Path, shown: Path) -> int:
    """Write the outputs into `out` (the new version); messages name them as published, in `shown`."""
    errors: list[RowError] = []
    steps: P.Steps = []
    kinds: Counter = Counter()
    rows = P.dedup_rows(P.load_raw(a.inputs, errors, a.seed, a.format, kinds), steps)
    rows = P.check_rows(rows, show_progress=not a.quiet)
    table, wrappers, roundings = _print_checked(rows, kinds)
    chosen = P.select(rows, _select_opts(a), steps)
    print(P.format_steps(steps))
    failures = _failures(errors, rows)
    report = {"inputs": a.inputs, "checked": len(rows), "bad_lines": len(errors), "failed_rows": len(failures),
              "formats": dict(kinds), "wrappers": wrappers, "roundings": roundings, "categories": table,
              "steps": [{"step": s, "removed": r, "left": n} for s, r, n in steps],
              "style": a.style, "template": a.template, "labels": a.labels}
    if not chosen:  # say why, before any later step fails for a wrong reason
        why = S.why_empty(steps, rows)
        write_json(out / "report.json", {**report, "selected": [], "no_rows_left": why})
        _report_failures(failures, *_errors_file(a, out, shown, True))
        print(f"mathtune: no row left to train on: {why}", file=sys.stderr)
        return 1
    done = P.complete_rows(chosen, a.style, a.labels)
    if S.format_given(done):
        print(S.format_given(done))
    write_jsonl(out / "selected.jsonl", done)
    flat, tools = P.conversations(done, a.template)
    write_json(out / "conversations.json", flat)
    write_json(out / "conversations_tools.json", tools)
    summary = None
    if not a.no_mindrecord:
        summary = write_dataset(str(out / "conversations.json"), str(out / "train.mindrecord"), a,
                                source=", ".join(a.inputs), shown=str(shown / "train.mindrecord"))
    write_json(out / "report.json", {**report, "selected": P.category_table(chosen), "mindrecord": summary})
    print(f"wrote {shown}/selected.jsonl, conversations.json, conversations_tools.json, report.json"
          + ("" if a.no_mindrecord else ", train.mindrecord"))
    return _report_failures(failures, *_errors_file(a, out, shown, bool(failures)))
