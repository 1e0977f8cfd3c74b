"""`data synth --kind word`: grade-school word problems in English and Chinese, each with a program of named
variables that is run and must print the exact answer before the row is written.

A row: {problem, solution (the worked steps), category "word", schema, language, code, gold, output} — the
layout `data gsm8k-pot` writes, so `data prepare` treats both alike (converters.solutions.rows_with_gold)."""
from __future__ import annotations

import random
from decimal import Decimal, InvalidOperation
from typing import Iterable, Iterator

from converters.answers.number import program_answer
from converters.read.benchsets import normalise
from converters.solutions.gsm8k_pot import run_programs
from converters.synth.word import lexicon
from converters.synth.word.chain import chain
from converters.synth.word.draft import Draft, decimal_text
from converters.synth.word.schemas import SCHEMAS as _ONE_STEP

SCHEMAS = dict(_ONE_STEP, chain=chain)
LANGUAGES = ("en", "zh")
_BATCH = 2000  # programs run per subprocess


def _distract(d: Draft, schema: str) -> None:
    """One sentence with a number the answer does not use, somewhere after the first — never about what
    the schema counts (visitors in `percent`, distances in `rate` and `convert`)."""
    (p, _), = d.people(1)
    place, zplace = d.rng.choice(lexicon.PLACES)
    n = d.text(d.count(digits=max(3, d.size)))
    options = [(f"{p} is {d.small(6, 70)} years old.", f"{p}今年{d.small(6, 70)}岁。"),
               (f"It was {d.small(1, 12)} o'clock when it all began.", f"事情从{d.small(1, 12)}点开始。")]
    if schema not in ("rate", "convert"):
        options.append((f"The {place} is {n} metres away.", f"{zplace}离这里{n}米。"))
    if schema != "percent":
        options.append((f"The {place} has {n} visitors a year.", f"{zplace}每年有{n}位游客。"))
    en, zh = d.rng.choice(options)
    d.facts.insert(d.rng.randint(1, len(d.facts)), zh if d.chinese else en)


def _problem(d: Draft) -> str:
    en_q, en_clause, zh_q = d.question
    if d.chinese:
        facts = "".join(d.facts)
        return d.pick(facts + zh_q, facts + "请算出" + zh_q.rstrip("？") + "。", facts + "问：" + zh_q,
                      "求" + zh_q.rstrip("？") + "。已知" + facts)
    facts = " ".join(d.facts)
    return d.pick(f"{facts} {en_q}", f"{facts} {en_q}", f"{facts} {d.pick('Find', 'Calculate', 'Work out')} {en_clause}.",
                  f"{facts} Can you tell {en_clause}?", f"Answer this: {facts} {en_q}")


def word_row(schema: str, rng: random.Random, language: str) -> dict:
    """One problem of `schema` in `language`, its program not yet run."""
    d = Draft(rng, language == "zh")
    SCHEMAS[schema](d)
    if rng.random() < 0.3:
        _distract(d, schema)
    gold = decimal_text(d.values[d.answer])
    solution = "\n".join(d.work + [f"#### {gold}"])
    return {"problem": _problem(d), "solution": solution, "category": "word", "schema": schema,
            "language": language, "code": d.program(), "gold": gold}


def _agrees(out: str, err: str, gold: str) -> bool:
    printed = program_answer(out) if not err else None
    try:
        return printed is not None and out.strip() == printed and Decimal(printed) == Decimal(gold)
    except InvalidOperation:
        return False


def synth_word(n: int, seed: int = 0, schemas: Iterable[str] = tuple(SCHEMAS), languages: Iterable[str] = LANGUAGES,
               exclude: set[str] = frozenset(), stats: dict | None = None) -> Iterator[dict]:
    """`n` distinct verified rows, schemas and languages in turn, none of whose problems is in `exclude`
    (compared as `data bench` does). A drawn problem whose program does not print exactly its gold (a float
    that does not come out exact) is drawn again; `stats` counts those as `redrawn`."""
    rng, schemas, languages = random.Random(seed), list(schemas), list(languages)
    seen = {normalise(p) for p in exclude}
    stats = stats if stats is not None else {}
    stats.setdefault("redrawn", 0)
    stats.setdefault("repeated", 0)
    written, k = 0, 0
    while written < n:
        batch = []
        while len(batch) < min(_BATCH, 2 * (n - written) + 8):
            row = word_row(schemas[k % len(schemas)], rng, languages[(k // len(schemas)) % len(languages)])
            k += 1
            key = normalise(row["problem"])
            if key in seen:
                stats["repeated"] += 1
                continue
            seen.add(key)
            batch.append(row)
        for row, (out, err) in zip(batch, run_programs([r["code"] for r in batch])):
            if written == n:
                break
            if not _agrees(out, err, row["gold"]):
                stats["redrawn"] += 1
                continue
            row["output"] = out.strip()
            written += 1
            yield row
        if stats["repeated"] > 50 * n + 1000:
            raise ValueError("no new problems: the schemas' space is used up")
