"""Rejection-sampling fine-tuning (RFT) rows from `predict --samples k` output.

For every problem keep the distinct programs whose sandboxed output equals the gold under the
rule `mathtune score` uses (evaluation.scoring.symbolic.value_correct: numeric, or math-verify for LaTeX golds), so the verifier, not the model,
decides what is trained on. This lives in evaluation, not converters: it reads prediction rows
and their scoring rule, and converters may not import evaluation. The rows it writes are the
`{problem, solution, category, code, gold}` layout `data gsm8k-pot` writes, which `data prepare`
trains on as given (converters.solutions.rows_with_gold).

A right output is not yet verified reasoning: a program that prints a constant (`print(42)`),
or computes nothing from the problem's numbers, is right by luck or memory, and training on it
would teach exactly that. Such programs are dropped (`trivial_reason`).
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from evaluation.scoring.symbolic import value_correct
from evaluation.inference.answering import final_answer
from evaluation.scoring.score import RowProblem, golds_of

WORD_CATEGORY = "word"  # what `data gsm8k-pot` calls a row without a contest category
# calls that only wrap or show a value: no computation of their own
_NOT_OPERATIONS = frozenset({"print", "int", "float", "str", "Decimal", "round", "abs", "format", "repr"})
_NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?|\.\d+)(\s*%)?")
_WORDS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                     "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
_WORDS.update(thirty=30, forty=40, fifty=50, sixty=60, seventy=70, eighty=80, ninety=90, hundred=100,
              thousand=1000, million=1_000_000, dozen=12, twice=2, double=2, triple=3, half=2, quarter=4)
_WORD = re.compile(r"[a-z]+")
_LAYOUT = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)  # their text is spacing: 2 or 4 spaces alike


def program_key(code: str) -> tuple:
    """What makes two programs the same: their Python tokens, whitespace and comments ignored
    (the block structure kept, not its width); text without spaces when the program does not tokenise."""
    try:
        toks = tokenize.generate_tokens(io.StringIO(code).readline)
        return tuple((t.type, "" if t.type in _LAYOUT else t.string) for t in toks
                     if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return ("text", "".join(code.split()))


def tidy(code: str) -> str:
    """The program as trained: trailing spaces and blank lines at either end removed."""
    return "\n".join(line.rstrip() for line in code.strip("\n").splitlines()).strip("\n")


def problem_numbers(problem: str) -> set[Fraction]:
    """Numbers the problem states: digits (thousands commas allowed, `20%` also as 0.2) and
    English number words (`two`, `dozen`, `half` …), as absolute values."""
    out: set[Fraction] = set()
    for m in _NUMBER.finditer(problem):
        text = m.group(1).replace(",", "")
        try:
            value = Fraction(text)
        except (ValueError, ZeroDivisionError):
            continue
        out.add(value)
        if m.group(2):
            out.add(value / 100)
    out.update(Fraction(_WORDS[w]) for w in _WORD.findall(problem.lower()) if w in _WORDS)
    return out


def _literal(node: ast.AST) -> Fraction | None:
    """The value of a number literal, or of a string literal that is a number (`Decimal('12.50')`)."""
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        value = node.value
        if isinstance(value, (int, float)):
            return Fraction(value).limit_denominator(10**12) if isinstance(value, float) else Fraction(value)
        if isinstance(value, str) and len(value) < 40:
            try:
                return Fraction(value.strip().replace(",", ""))
            except (ValueError, ZeroDivisionError):
                return None
    return None


def _is_operation(node: ast.AST) -> bool:
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name == "Fraction":
            return len(node.args) > 1  # Fraction(6, 8) divides; Fraction('0.5') only spells a number
        return name not in _NOT_OPERATIONS  # sqrt(), sum(), x.sqrt(), …
    return False


def trivial_reason(code: str, problem: str) -> str | None:
    """Why a right program is not verified reasoning, or None: it computes nothing (prints a
    constant), or uses no number the problem states."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return "does not parse"
    nodes = list(ast.walk(tree))
    if not any(_is_operation(n) for n in nodes):
        return "prints a constant (no computation)"
    stated = problem_numbers(problem)
    used = {abs(v) for v in map(_literal, nodes) if v is not None}
    if not used & stated:
        return "no number from the problem"
    return None


@dataclass
class Tally:
    """What happened to the samples, overall and per category."""

    problems: dict[str, str] = field(default_factory=dict)  # problem → category
    solved: set[str] = field(default_factory=set)  # problems with ≥ 1 kept program
    samples: Counter = field(default_factory=Counter)  # outcome → count
    kept_per: Counter = field(default_factory=Counter)  # category → programs kept

    def summary(self) -> dict:
        cats = Counter(self.problems.values())
        solved = Counter(self.problems[p] for p in self.solved)
        return {"problems": len(self.problems), "solved": len(self.solved), "kept": sum(self.kept_per.values()),
                "samples": dict(self.samples),
                "categories": {c: {"problems": n, "solved": solved[c], "kept": self.kept_per[c]}
                               for c, n in sorted(cats.items())}}


def sample_entries(row: dict) -> list[dict]:
    """The samples of a prediction row: its `samples` (predict --samples k), else the row itself
    (a greedy prediction is one sample). RowProblem when they are not prediction samples."""
    samples = row.get("samples", [row])
    if not isinstance(samples, list) or not samples:
        raise RowProblem("field 'samples' is not a non-empty list")
    for j, s in enumerate(samples):
        if not isinstance(s, dict):
            raise RowProblem(f"sample {j} is a {type(s).__name__}, not an object")
        for name in ("code", "code_status", "code_output"):
            if s.get(name) is not None and not isinstance(s[name], str):
                raise RowProblem(f"sample {j}: field '{name}' is not text")
    return samples


def checked_rows(rows):
    """(where, row, problem, golds, samples) of each usable `(where, row)` prediction row; `where: reason`
    for the others."""
    for where, row in rows:
        problem = row.get("problem") if isinstance(row, dict) else None
        try:
            if not isinstance(problem, str) or not problem.strip():
                raise RowProblem("no 'problem' text" if isinstance(row, dict) else "not a JSON object")
            yield where, row, problem, golds_of(row), sample_entries(row)
        except RowProblem as exc:
            yield f"{where}: {exc}"


def collect(rows, tally: Tally, seen: dict[str, dict], max_per_problem: int, mode: str = "exact"):
    """Yield RFT rows from `(where, row)` prediction rows; bad rows yield `(where, reason)` strings.

    `seen` maps a problem to the program keys kept for it, across files."""
    for item in checked_rows(rows):
        if isinstance(item, str):
            yield item
            continue
        where, row, problem, golds, samples = item
        category = row.get("category") if isinstance(row.get("category"), str) else WORD_CATEGORY
        tally.problems.setdefault(problem, category)
        kept = seen.setdefault(problem, {})
        for j, s in enumerate(samples):
            outcome = judge_sample(s, problem, golds, mode)
            if outcome == "right":
                key = program_key(s["code"])
                if key in kept:
                    outcome = "duplicate"
                elif len(kept) >= max_per_problem:
                    outcome = "over --max-per-problem"
                else:
                    kept[key] = True
                    tally.solved.add(problem)
                    tally.kept_per[category] += 1
                    origin = row.get("source") if isinstance(row.get("source"), str) else where
                    yield {"problem": problem, "solution": s.get("generation") or "", "category": category,
                           "code": tidy(s["code"]), "gold": golds[0], "output": (s.get("code_output") or "").strip(),
                           "source": f"rft:{origin}#{j}"}
                    outcome = "kept"
            tally.samples[outcome] += 1


def judge_sample(sample: dict, problem: str, golds: list[str], mode: str) -> str:
    """right | no program | program failed | wrong | why it is trivial."""
    if not isinstance(sample.get("code"), str) or not sample["code"].strip():
        return "no program"
    if sample.get("program_cut"):  # its last line was added to a loop the model never closed
        return "program cut (a loop)"
    answer, source = final_answer({"generation": sample.get("generation") or "", **sample})
    if sample.get("code_status") != "ok" or source != "program":
        return "program failed"
    if not value_correct(answer, [str(g) for g in golds], mode):
        return "wrong"
    why = trivial_reason(sample["code"], problem)
    return f"right but {why}" if why else "right"
