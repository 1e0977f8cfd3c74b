"""Read (problem, solution) pairs from every row format the project writes or a user brings.

The container is told from the content (a JSON array starts with `[`, whatever the file is
called), and each item's layout from its keys:

- rows: `{problem, solution}` (the problem possibly wrapped in a prompt)
- conversations: the contest's / LLaMA-Factory sharegpt `{conversations: [{from, value}]}`,
  also the tool-call form (function_call / observation / gpt)
- messages: `{messages: [{role, content}]}` (ms-swift, OpenAI, LLaMA-Factory openai style)
- alpaca: LLaMA-Factory `{instruction, input, output}`
- swift: ms-swift `{query, response}`

Lines are streamed; a bad item is a `file:line` error (for a JSON array, the line where the
item starts) and the rest is read.
"""
from __future__ import annotations

import json
import math
import os
from collections import Counter
from typing import Any, Iterator

from fileio.errors import InputError, RowError
from fileio.reading import MAX_FIELD_CHARS, check_fields, iter_json_array, loads, open_input
from fileio.sniff import BOM, refuse_compressed

FORMATS = ("auto", "rows", "conversations", "messages", "alpaca", "swift")
_KEYS = (("problem", "rows"), ("conversations", "conversations"), ("messages", "messages"),
         ("instruction", "alpaca"), ("query", "swift"))
_USER = {"human", "user"}
_ASSISTANT = {"gpt", "assistant"}


def kind_of(item: Any) -> str | None:
    """The layout of one item, from its keys."""
    if isinstance(item, dict):
        for key, kind in _KEYS:
            if key in item:
                return kind
    return None


def _turns(turns: Any, role: str, content: str) -> tuple[str, str] | str:
    """(first user text, the assistant text that answers it), or why there is none.

    Tool calls and observations in between are skipped: the answer is the assistant's turn."""
    if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
        return "expected a list of turns"
    first = next((i for i, t in enumerate(turns) if t.get(role) in _USER), None)
    if first is None or not isinstance(turns[first].get(content), str):
        return f"no '{role}': user/human turn with a string '{content}'"
    answer = next((t for t in turns[first + 1:] if t.get(role) in _ASSISTANT), None)
    if answer is None or not isinstance(answer.get(content), str):
        return f"no '{role}': assistant/gpt turn with a string '{content}' after the user's"
    return turns[first][content], answer[content]


def to_pair(item: Any, kind: str) -> dict | str:
    """`{"problem", "solution"}` from one item of the given layout, or why it cannot be."""
    if not isinstance(item, dict):
        return f"expected a JSON object, got {type(item).__name__}"
    if kind == "rows":
        return item
    if kind == "alpaca":
        if "instruction" not in item or "output" not in item:
            return "missing field 'instruction' or 'output' (alpaca)"
        extra = item.get("input") or ""
        prompt = item["instruction"]
        if isinstance(extra, str) and extra.strip() and isinstance(prompt, str):
            # keep both parts; categorise tries the input, then the instruction
            prompt = f"### Instruction:\n{prompt}\n\n### Input:\n{extra}\n\n### Response:" if prompt.strip() else extra
        return {"problem": prompt, "solution": item["output"]}
    if kind == "swift":
        if "query" not in item or "response" not in item:
            return "missing field 'query' or 'response' (ms-swift)"
        return {"problem": item["query"], "solution": item["response"]}
    if kind == "conversations":
        got = _turns(item.get("conversations"), "from", "value")
    elif kind == "messages":
        got = _turns(item.get("messages"), "role", "content")
    else:
        return "not a known row layout (problem/solution, conversations, messages, instruction/output, query/response)"
    return {"problem": got[0], "solution": got[1]} if isinstance(got, tuple) else f"{kind}: {got}"


def is_json_array(path: str | os.PathLike, probe: int = 1 << 20) -> bool:
    """True when the file is one JSON array: it starts with `[` (the name is not looked at), and is
    not JSON Lines whose first line happens to be a complete array."""
    with open_input(path) as handle:
        head = handle.read(probe)
        refuse_compressed(path, head)
        text = head.removeprefix(BOM).lstrip()
        if text[:1] != b"[":
            return False
        first, newline, rest = text.partition(b"\n")
        if not newline:
            return True
        try:
            json.loads(first)
        except (ValueError, RecursionError):
            return True  # an array spread over lines (or hostile: the array reader says why)
        # a complete value on line 1: JSON Lines when anything follows it
        return not (rest.strip() or handle.read(1 << 16).strip())


SPREAD_OBJECT = ("{path}:{line}: a JSON object spread over several lines (pretty-printed); "
                 "expected JSON Lines (one object per line) or a JSON array of objects")


def read_json_items(path: str | os.PathLike, errors: list[RowError]) -> Iterator[tuple[int, Any]]:
    """`(line, item)` from a JSON array or JSON Lines (told from the content); bad lines go to `errors`."""
    return _items(str(path), errors)


def _items(path: str, errors: list[RowError]) -> Iterator[tuple[int, Any]]:
    if is_json_array(path):
        yield from iter_json_array(path, errors=errors)
        return
    with open_input(path) as handle:
        seen = False
        for lineno, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                errors.append(RowError(path, lineno, f"not UTF-8 ({exc.reason} at byte {exc.start})"))
                continue
            stripped = line.strip()
            if not stripped:
                continue
            if stripped == "{" and not seen:  # never a JSON Lines row: one line per block otherwise
                raise InputError(SPREAD_OBJECT.format(path=path, line=lineno))
            seen = True
            try:
                item = loads(line)  # refuses NaN, too deep nesting and lone surrogates
            except ValueError as exc:
                item = _without_trailing_comma(line)
                if item is None:
                    errors.append(RowError(path, lineno, f"invalid JSON: {exc}"))
                    continue
            yield lineno, item


def _without_trailing_comma(line: str) -> Any:
    """The object on a line that ends with `,` (an array's items pasted without its brackets), or None."""
    line = line.rstrip()
    if not (line.startswith("{") and line.endswith("},")):
        return None
    try:
        return loads(line[:-1])
    except ValueError:
        return None


def read_items(path: str | os.PathLike, errors: list[RowError], fmt: str = "auto",
               need_solution: bool = True) -> Iterator[tuple[int, dict, str]]:
    """Yield `(line, {"problem", "solution", …}, layout)` from a file in any supported layout.

    `fmt` forces one layout. Without `need_solution`, a missing solution is None (problems to
    predict). A {problem, solution} row keeps its other fields (gold, category …).
    """
    path = str(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    fields = ("problem", "solution") if need_solution else ("problem",)
    rows = fmt in ("auto", "rows")
    for line, item in _items(path, errors):
        if rows and type(item) is dict:  # the common row, two short strings: none of the checks below can fail
            problem, solution = item.get("problem"), item.get("solution")
            if (type(problem) is str and type(solution) is str and len(problem) <= MAX_FIELD_CHARS
                    and len(solution) <= MAX_FIELD_CHARS):
                yield line, item, "rows"
                continue
        kind = kind_of(item) if fmt == "auto" else fmt
        pair = to_pair(item, kind or "")
        if isinstance(pair, dict) and _is_number(pair.get("solution")):
            # a numeric column exported by pandas (`"solution": 40.96`): its repr is the label
            pair = {**pair, "solution": repr(pair["solution"])}
        reason = pair if isinstance(pair, str) else check_fields(pair, fields)
        if not reason and not need_solution and pair.get("solution") is not None:
            reason = check_fields(pair, ("solution",))
        if reason:
            errors.append(RowError(path, line, reason))
            continue
        yield line, ({**pair, "solution": pair.get("solution")} if kind == "rows" else pair), kind


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_pairs(path: str | os.PathLike, errors: list[RowError], fmt: str = "auto",
               kinds: Counter | None = None, need_solution: bool = True) -> Iterator[tuple[int, dict]]:
    """`read_items` without the layout; `kinds` counts the layouts seen."""
    for line, pair, kind in read_items(path, errors, fmt, need_solution):
        if kinds is not None:
            kinds[kind] += 1
        yield line, pair
