"""Every row layout, told from the content; the project's own outputs read back; a property test."""
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converters import pipeline as P
from fileio.errors import InputError
from converters.read.formats import read_items, read_pairs
from converters.synth.problem_sets import read_problems
from converters.synth.contest import GENERATORS, synth_rows
from converters.rules.verify import check
from real_layouts import ROUNDINGS, WRAPPERS, relabel, write_conversations

PROBLEM = "计算 1.00 + 2.00 等于多少？"
WRAPPED = WRAPPERS["contest"].format(problem=PROBLEM)
ITEMS = {
    "rows": {"problem": WRAPPED, "solution": "1.00 + 2.00 = 3.00"},
    "conversations": {"id": "1", "conversations": [{"from": "human", "value": WRAPPED},
                                                   {"from": "gpt", "value": "1.00 + 2.00 = 3.00"}]},
    "sharegpt user/assistant": {"conversations": [{"from": "system", "value": "be exact"},
                                                  {"from": "user", "value": PROBLEM},
                                                  {"from": "assistant", "value": "3.00"}]},
    "tool call": {"conversations": [{"from": "human", "value": PROBLEM},
                                    {"from": "function_call", "value": '{"name": "python", "arguments": {"code": "print(1)"}}'},
                                    {"from": "observation", "value": "3.00"}, {"from": "gpt", "value": "1.00 + 2.00 = 3.00"}],
                  "tools": "[]"},
    "sharegpt two exchanges": {"conversations": [{"from": "human", "value": PROBLEM},
                                                 {"from": "gpt", "value": "3.00"},
                                                 {"from": "human", "value": "And 1.00 * 2.00?"},
                                                 {"from": "gpt", "value": "2.00"}]},
    "messages": {"messages": [{"role": "system", "content": "be exact"}, {"role": "user", "content": WRAPPED},
                              {"role": "assistant", "content": "3.00"}]},
    "alpaca": {"instruction": WRAPPED, "input": "", "output": "3.00"},
    "alpaca with input": {"instruction": "Solve the math problem.", "input": PROBLEM, "output": "3.00"},
    "swift": {"query": WRAPPED, "response": "3.00", "history": []},
}


@pytest.mark.parametrize("name", sorted(ITEMS))
@pytest.mark.parametrize("container", ["jsonl", "array"])
def test_each_layout_reads_the_problem_and_answer(tmp_path, name, container):
    # the name says .jsonl in both cases: the content decides
    path = tmp_path / "train.jsonl"
    item = ITEMS[name]
    if container == "jsonl":
        path.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps([item], ensure_ascii=False, indent=2), encoding="utf-8")
    errors = []
    pairs = list(read_pairs(path, errors))
    assert errors == [] and len(pairs) == 1
    c = check(pairs[0][1]["problem"], pairs[0][1]["solution"])
    assert (c.problem, c.category, c.status) == (PROBLEM, "arithmetic", "agree")


def test_json_array_errors_name_the_line_where_the_item_starts(tmp_path):
    path = tmp_path / "conv.jsonl"
    good = ITEMS["conversations"]
    path.write_text(json.dumps([good, {"conversations": [{"from": "gpt", "value": "x"}]}, {"other": 1}, good],
                               indent=2), encoding="utf-8")
    errors = []
    lines = [line for line, _ in read_pairs(path, errors)]
    starts = [i for i, text in enumerate(path.read_text().splitlines(), start=1) if text.startswith("  {")]
    assert lines == [starts[0], starts[3]]
    assert [e.line for e in errors] == starts[1:3]
    assert "no 'from': user/human turn" in errors[0].reason and "not a known row layout" in errors[1].reason
    assert str(errors[0]).startswith(f"{path}:{starts[1]}: ")


def test_format_option_forces_a_layout(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(ITEMS["rows"]) + "\n", encoding="utf-8")
    errors = []
    assert list(read_pairs(path, errors, fmt="swift")) == []
    assert errors[0].line == 1 and "ms-swift" in errors[0].reason
    with pytest.raises(InputError, match="unknown format"):
        list(read_pairs(path, [], fmt="csv"))


def test_problems_for_predict_from_any_layout(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps([ITEMS["conversations"], ITEMS["swift"]]), encoding="utf-8")
    rows = read_problems(str(path))
    assert [r["problem"] for r in rows] == [PROBLEM, PROBLEM]
    assert rows[0]["reference"] == "1.00 + 2.00 = 3.00"
    plain = tmp_path / "p.jsonl"
    plain.write_text(json.dumps({"problem": WRAPPED, "gold": "3"}) + "\n", encoding="utf-8")
    assert read_problems(str(plain)) == [{"problem": PROBLEM, "gold": "3", "source": f"{plain}:1"}]


def _run(*args, cwd):
    proc = subprocess.run([sys.executable, "-m", "mathtune", "data", *args, "--quiet"], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    return proc


def _seen(path, fmt="auto"):
    rows = P.check_rows(P.load_raw([str(path)], [], fmt=fmt))
    return [(r["problem"], r["category"], r["status"]) for r in rows]


def test_the_projects_own_outputs_read_back_alike(tmp_path):
    """convert, --tools-out, export alpaca/sharegpt/swift: check sees the same problems and statuses."""
    rows = list(synth_rows(40, seed=5, shares=dict.fromkeys(GENERATORS, 1.0)))
    rows = [relabel(r, "2 decimals") or r for r in rows]  # rounded labels survive with --labels given
    (tmp_path / "raw.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    _run("complete", "raw.jsonl", "--style", "pot", "--labels", "given", "--out", "done.jsonl", cwd=tmp_path)
    done = [json.loads(line) for line in (tmp_path / "done.jsonl").read_text().splitlines()]
    expected = [(r["problem"], r["category"], check(r["problem"], r["final"]).status) for r in done]
    assert {s for _, _, s in expected} >= {"agree", "rounded", "unchecked"}
    _run("convert", "done.jsonl", "--out", "conv.json", "--tools-out", "tools.json", cwd=tmp_path)
    _run("export", "done.jsonl", "--format", "llamafactory", "--out", "lf", cwd=tmp_path)
    _run("export", "done.jsonl", "--format", "swift", "--template", "grade-school", "--out", "swift.jsonl",
         cwd=tmp_path)
    for name in ["conv.json", "tools.json", "lf/mathtune_alpaca.json", "lf/mathtune_sharegpt.json", "swift.jsonl"]:
        assert _seen(tmp_path / name) == expected, name


LAYOUTS = ["rows-jsonl", "rows-array", "conversations", "messages", "alpaca", "swift"]


def _write(path, layout, rows):
    if layout == "conversations":
        return write_conversations(path, rows)
    items = {
        "rows-jsonl": lambda r: {"problem": r["problem"], "solution": r["solution"]},
        "rows-array": lambda r: {"problem": r["problem"], "solution": r["solution"]},
        "messages": lambda r: {"messages": [{"role": "user", "content": r["problem"]},
                                            {"role": "assistant", "content": r["solution"]}]},
        "alpaca": lambda r: {"instruction": r["problem"], "input": "", "output": r["solution"]},
        "swift": lambda r: {"query": r["problem"], "response": r["solution"]},
    }[layout]
    if layout == "rows-jsonl":
        path.write_text("".join(json.dumps(items(r), ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    else:
        path.write_text(json.dumps([items(r) for r in rows], ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31), layout=st.sampled_from(LAYOUTS),
       picks=st.lists(st.tuples(st.sampled_from(sorted(GENERATORS)), st.sampled_from(sorted(WRAPPERS)),
                                st.sampled_from(sorted(ROUNDINGS))), min_size=1, max_size=6))
def test_any_layout_round_trips_to_the_same_problems_and_statuses(tmp_path, seed, layout, picks):
    rows = []
    for i, (category, wrapper, rounding) in enumerate(picks):
        row = next(synth_rows(1, seed + i, shares={category: 1.0}))
        row = relabel(row, rounding) or row
        rows.append({"problem": WRAPPERS[wrapper].format(problem=row["problem"]), "solution": row["solution"]})
    want = [(c.problem, c.category, c.status) for c in (check(r["problem"], r["solution"]) for r in rows)]
    path = _write(tmp_path / f"t{seed}.jsonl", layout, rows)
    errors = []
    got = [(c.problem, c.category, c.status) for _, r, _ in read_items(path, errors)
           for c in [check(r["problem"], r["solution"])]]
    assert errors == [] and got == want


def test_heldout_exclude_reads_a_wrapped_conversations_file(tmp_path):
    """Training problems in any layout and wrapper are excluded from the held-out set."""
    from real_layouts import WRAPPERS as W

    fractions = [{"problem": f"将分数 {n}/{d} 进行简化。", "solution": "x"} for d in range(2, 11) for n in range(1, d)]
    rows = [dict(r, problem=W["alpaca with ### Input:"].format(problem=r["problem"])) for r in fractions[:40]]
    write_conversations(tmp_path / "train.jsonl", rows)
    _run("heldout", "--per-category", "5", "--categories", "fraction", "--exclude", "train.jsonl",
         "--out", "h.jsonl", cwd=tmp_path)
    held = [json.loads(line)["problem"] for line in (tmp_path / "h.jsonl").read_text().splitlines()]
    assert len(held) == 5 and not set(held) & {r["problem"] for r in fractions[:40]}


def test_hostile_items_are_row_errors(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([json.dumps(ITEMS["rows"]), "[" * 100_000 + "]" * 100_000,
                               '{"problem": "\\ud800 x", "solution": "1"}', json.dumps(ITEMS["swift"])]) + "\n")
    errors = []
    assert [line for line, _ in read_pairs(path, errors)] == [1, 4]
    assert [(e.line, e.reason) for e in errors] == [
        (2, "invalid JSON: too deeply nested"), (3, "invalid JSON: a lone surrogate '\\ud800' is not Unicode text")]
    array = tmp_path / "bad.json"
    array.write_text('[{"problem": "\\udc00", "solution": "1"},\n' + json.dumps(ITEMS["rows"]) + "]")
    errors = []
    assert [line for line, _ in read_pairs(array, errors)] == [2]
    assert [(e.line, e.reason) for e in errors] == [(1, "a lone surrogate '\\udc00' is not Unicode text")]


def test_json_lines_whose_first_line_is_a_list_is_not_an_array(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(["a list"]) + "\n" + json.dumps(ITEMS["rows"]) + "\n")
    errors = []
    assert [line for line, _ in read_pairs(path, errors)] == [2]
    assert [(e.line, e.reason) for e in errors] == [(1, "expected a JSON object, got list")]
    one_line = tmp_path / "one.json"
    one_line.write_text(json.dumps([ITEMS["rows"], ITEMS["swift"]]) + "\n")
    assert [line for line, _ in read_pairs(one_line, [])] == [1, 1]
