"""Hostile inputs and options for every `mathtune` command, and an in-process runner.

`python tests/fuzz_corpus.py WORKDIR` builds the corpus in WORKDIR, runs every case through
`mathtune.cli.main` in this one process (importing MindSpore once, not per case) and prints
one JSON line per case as it finishes, so a hang is pinned to its case by the parent's timeout.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import traceback
from pathlib import Path

DEEP = 200_000  # '[' × DEEP overflows the json module's recursion
GOOD_ROWS = 4


def _good_rows() -> list[dict]:
    from converters.synth.contest import synth_rows

    return [dict(problem=r["problem"], solution=r["solution"]) for r in synth_rows(GOOD_ROWS, seed=3)]


def _lines(rows) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)


def generic_files(d: Path) -> dict[str, Path]:
    """Files hostile to any reader: the same bytes are given to every command."""
    files = {
        "missing": d / "no-such-file",
        "dir": d / "a-directory",
        "empty": d / "empty",
        "binary": d / "binary",
        "not_utf8": d / "not_utf8",
        "nested_array": d / "nested_array.json",
        "nested_line": d / "nested_line.jsonl",
        "nested_value": d / "nested_value.jsonl",
        "huge_line": d / "huge_line.jsonl",
        "nan": d / "nan.jsonl",
        "huge_number": d / "huge_number.jsonl",
        "surrogate": d / "surrogate.jsonl",
        "scalars": d / "scalars.jsonl",
        "unclosed_array": d / "unclosed.json",
    }
    files["dir"].mkdir()
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(bytes(range(256)) * 64 + b"\x00\x00\n\xff")
    files["not_utf8"].write_bytes(b'{"problem": "\xff\xfe", "solution": "\xc3"}\n\xed\xa0\x80\n')
    files["nested_array"].write_text("[" * DEEP)
    files["nested_line"].write_text("[" * DEEP + "\n" + "]" * 10 + "\n")
    files["nested_value"].write_text('{"problem": ' + "[" * DEEP + "1" + "]" * DEEP + ', "solution": "1"}\n')
    files["huge_line"].write_text('{"problem": "' + "1+" * 1_000_000 + '1", "solution": "x"}\n')
    files["nan"].write_text('{"problem": NaN, "solution": Infinity}\n{"problem": "1", "solution": -Infinity}\n'
                            '{"generation": NaN, "gold": NaN}\n')
    files["huge_number"].write_text('{"problem": 1e999999, "solution": ' + "9" * 5000 + "}\n"
                                    '{"generation": ' + "7" * 5000 + ', "gold": 1e999999}\n')
    files["surrogate"].write_text('{"problem": "\\ud800 计算 1+1=?", "solution": "\\udfff 2", '
                                  '"response": "\\ud83d", "generation": "\\udc00", "gold": "\\ud800"}\n')
    files["scalars"].write_text("null\ntrue\n1\n\"text\"\n[1, 2]\n{}\n")
    files["unclosed_array"].write_text('[{"conversations": [{"from": "human", "value": "x"}')
    return files


def typed_files(d: Path) -> dict[str, Path]:
    """Files shaped like each kind of input, with one bad field at a time among good rows."""
    good = _good_rows()
    wrong = [None, 1, 1.5, True, [], {}, ["a"], {"a": 1}, "\ud800"]
    raw = [dict(good[0], **{field: value}) for field in ("problem", "solution") for value in wrong]
    completed = [{"problem": g["problem"], "response": g["solution"]} for g in good]
    completed_bad = completed + [dict(completed[0], **{f: v}) for f in ("problem", "response") for v in wrong]
    turn = {"from": "human", "value": "1+1=?"}
    conversations = [
        {"conversations": [turn, {"from": "gpt", "value": "2"}]},
        {"conversations": "not a list"}, {"conversations": []}, {"conversations": [turn]}, [], "text", None, 1,
        {"conversations": [1, 2]}, {"conversations": [turn, {"from": "gpt", "value": 2}]},
        {"conversations": [turn, {"from": "gpt"}]}, {"conversations": [{"from": "gpt", "value": "x"}, turn]},
        {"conversations": [turn, {"from": "function_call", "value": "{not json"},
                           {"from": "observation", "value": "2"}, {"from": "gpt", "value": "2"}]},
        {"conversations": [turn, {"from": "function_call", "value": "[1]"},
                           {"from": "observation", "value": "2"}, {"from": "gpt", "value": "2"}]},
        {"conversations": [turn, {"from": "function_call", "value": '{"arguments": {"code": 5}}'},
                           {"from": "observation", "value": "2"}, {"from": "gpt", "value": "2"}]},
        {"conversations": [turn, {"from": "function_call", "value": "[" * DEEP},
                           {"from": "observation", "value": "2"}, {"from": "gpt", "value": "2"}]},
        {"conversations": [{"from": "human", "value": "\ud800"}, {"from": "gpt", "value": "\udfff"}]},
        {"conversations": [turn, {"from": "gpt", "value": "2"}]},
    ]
    golds = [1, 1.5, [1], {"a": 1}, None, True, "1e999999999", "-1e999999999", "9" * 5000, "1/0", "nan", "inf",
             "\ud800", "1" * 4000 + "/" + "7" * 4000]
    predictions = ([{"generation": "The answer is 2", "gold": "2", "category": "add"}]
                   + [{"generation": "2", "gold": g} for g in golds]
                   + [{"generation": g, "gold": "2"} for g in golds]
                   + [{"generation": "x", "gold": "1", "category": c} for c in (1, [], {}, None)]
                   + [{"generation": "x", "gold": "1", "answers": a} for a in (1, [1], "text", [None], {})])
    squad = {"data": [{"paragraphs": [{"context": "c", "qas": [{"question": "q", "answers": [{"text": "a"}]}]},
                                      {"context": 1, "qas": "x"}, {"qas": [{}]}, {}, 1]}, {"title": 1}, 1]}
    files = {
        "raw_bad_fields": d / "raw_bad_fields.jsonl",
        "completed_bad_fields": d / "completed_bad_fields.jsonl",
        "conversations_bad_items": d / "conversations_bad_items.json",
        "conversations_empty": d / "conversations_empty.json",
        "predictions_bad": d / "predictions_bad.jsonl",
        "squad_dev_bad": d / "squad_dev_bad.json",
        "squad_dev_shapes": d / "squad_dev_shapes.json",
        "log_bad": d / "log_bad.log",
        "squad_log_bad": d / "squad_log_bad.log",
    }
    files["raw_bad_fields"].write_text(_lines(good + raw), encoding="utf-8", errors="surrogatepass")
    files["completed_bad_fields"].write_text(_lines(completed_bad), encoding="utf-8", errors="surrogatepass")
    files["conversations_bad_items"].write_text(json.dumps(conversations))  # ASCII escapes keep surrogates
    files["conversations_empty"].write_text("[]")
    files["predictions_bad"].write_text(json.dumps(predictions).strip("[]").replace("}, {", "}\n{") + "\n")
    files["squad_dev_bad"].write_text(json.dumps(squad))
    files["squad_dev_shapes"].write_text('{"data": 1}\n')
    files["log_bad"].write_text(
        "loss: nan\nloss: 1e999999\nstep:[ 1/ 0], loss: 1.0, per_step_time: 0ms\n"
        "trainable parameters: 5 of 0\nNetwork Parameters: 0\nloss: " + "9" * 500 + "\n\x00\xff")
    files["squad_log_bad"].write_text("pred: \nlabel: \npred: a\npred: b\nlabel:\nF1 score: x, Em score: y, total_count: z\n")
    return files


LOG_LINE = ("2024-07-30 10:01:02 - INFO - { Epoch:[  1/  5], step:[    2/  535], loss: 2.248, "
            "per_step_time: 364368ms, lr: 1.25e-07, overflow cond: False, loss_scale: 1.0")


def scaled_files(d: Path) -> dict[str, Path]:
    """Inputs whose run time must grow linearly: the same shape at 1× and 10×."""
    out = {}
    for scale, n in (("1x", 4_000), ("10x", 40_000)):
        log = d / f"loss_digits_{scale}.log"
        log.write_text(LOG_LINE + "\n" + LOG_LINE.replace("loss: 2.248", f"loss: {'9' * n}") + "\n"
                       + LOG_LINE.replace("loss: 2.248", f"loss: {'1.' * n}") + "\n")
        out[f"log_digits_{scale}"] = log
        pred = d / f"gen_digits_{scale}.jsonl"
        pred.write_text(json.dumps({"generation": "7" * n + "/" + "3" * n + " 1." * n, "gold": "2"}) + "\n")
        out[f"pred_digits_{scale}"] = pred
        rows = d / f"row_digits_{scale}.jsonl"
        rows.write_text(json.dumps({"problem": "计算 " + "1" * n + " + 1 = ?", "solution": "1." * n}) + "\n")
        out[f"row_digits_{scale}"] = rows
    return out


def yaml_files(d: Path) -> dict[str, Path]:
    files = {"yaml_good": d / "good.yaml", "alias_bomb": d / "bomb.yaml", "yaml_broken": d / "broken.yaml",
             "yaml_python": d / "python.yaml", "yaml_scalar": d / "scalar.yaml", "yaml_nested": d / "nested.yaml"}
    files["yaml_good"].write_text("# a comment\nrunner_config:\n  epochs: 2\n  batch_size: 8\n"
                                  "optimizer:\n  learning_rate: 1.0e-4\n  name: adam\nlist: [1, 2]\n")
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        bomb.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    files["alias_bomb"].write_text("\n".join(bomb) + "\n")
    files["yaml_broken"].write_text("a: [1,\nb: {c\n  - :\n")
    files["yaml_python"].write_text("a: !!python/object/apply:os.system ['echo pwned']\n")
    files["yaml_scalar"].write_text("just a string\n")
    files["yaml_nested"].write_text("a: " + "[" * 20_000 + "]" * 20_000 + "\n")
    return files


# commands whose time on long numbers and lines is measured at 1× and 10× (regexes, number parsing)
SCALED_COMMANDS = ("check", "categorise", "score", "squad_score", "squad_log", "logs", "yaml_show")
BAD_VALUES = ["[1,", "{a: 1", "*x", "!!python/object/apply:os.system ['true']", "1\n2", "a: b\nc: d", "&a [*a]",
              "", "[" * 5000, "\ud800", "1e999999", "9" * 5000, "!!binary AAAA", "- 1\n- 2", "{", "'", "%YAML 1.1"]
OPTIONS = {
    "seq": ["--seq-length", "abc"], "seq_huge": ["--seq-length", "99999999999"], "seq_neg": ["--seq-length", "-5"],
    "seq_zero": ["--seq-length", "0"], "shards0": ["--shards", "0"], "shards_neg": ["--shards", "-1"],
    "shards_huge": ["--shards", "100000"], "seq_float": ["--seq-length", "1.5"],
}


def cases(d: Path) -> list[dict]:
    """(id, argv) for every command × hostile input, and hostile options and outputs."""
    out = d / "out"
    out.mkdir()
    f = {**generic_files(d), **typed_files(d), **yaml_files(d)}
    sc = scaled_files(d)
    tok = _tokenizer(d)
    good = d / "good.jsonl"
    good.write_text(_lines(_good_rows()))
    good_conv = d / "good_conversations.json"
    good_conv.write_text(json.dumps([{"conversations": [{"from": "human", "value": r["problem"]},
                                                        {"from": "gpt", "value": r["solution"]}]}
                                     for r in _good_rows()]))
    mr = ["--tokenizer", str(tok), "--chat", "plain", "--seq-length", "auto", "--no-check", "--quiet"]
    commands = {
        "check": lambda p, o: ["data", "check", p, "--quiet", "--out", o],
        "prepare": lambda p, o: ["data", "prepare", p, "--out-dir", o, "--quiet", "--no-mindrecord"],
        "categorise": lambda p, o: ["data", "categorise", p, "--report", o],
        "select": lambda p, o: ["data", "select", p, "--out", o, "--quiet"],
        "complete": lambda p, o: ["data", "complete", p, "--out", o],
        "convert": lambda p, o: ["data", "convert", p, "--out", o],
        "export": lambda p, o: ["data", "export", p, "--format", "swift", "--out", o],
        "mindrecord": lambda p, o: ["data", "mindrecord", p, "--out", o, *mr],
        "stats": lambda p, o: ["data", "stats", p, "--png", o],
        "heldout": lambda p, o: ["data", "heldout", "--exclude", p, "--per-category", "2", "--out", o],
        "score": lambda p, o: ["score", p, "--out-dir", o],
        "squad_build": lambda p, o: ["squad", "build", "--dev", p, "--out", o],
        "squad_score": lambda p, o: ["squad", "score", p],
        "squad_log": lambda p, o: ["squad", "from-log", p],
        "logs": lambda p, o: ["logs", p, "--out-dir", o],
        "yaml_show": lambda p, o: ["yaml", "show", p],
        "yaml_check": lambda p, o: ["yaml", "check", p],
        "yaml_diff": lambda p, o: ["yaml", "diff", p, str(f["yaml_good"])],
        "yaml_set": lambda p, o: ["yaml", "set", p, "runner_config.epochs=3", "--out", o],
        "predict": lambda p, o: ["predict", "--input", p, "--model-dir", str(d / "no-model"), "--out", o,
                                "--no-execute"],
    }
    result = []
    n = 0
    for cmd, make in commands.items():
        scaled = sc if cmd in SCALED_COMMANDS else {}
        for name, path in {**f, **scaled, "good": good, "good_conv": good_conv}.items():
            n += 1
            target = out / f"{n}-{cmd}"
            result.append({"id": f"{cmd}[{name}]", "argv": make(str(path), str(target))})
    # outputs that cannot be written: each must be one line, exit 2, before any work
    blocker = d / "a-file"
    blocker.write_text("x")
    bad_outs = {"dir": str(f["dir"]), "under_file": str(blocker / "x" / "y"), "proc": "/proc/mathtune-x/y",
                "trailing_slash": str(d / "new-dir") + "/"}
    for cmd in ("check", "select", "complete", "convert", "export", "mindrecord", "heldout", "squad_build",
                "yaml_set", "predict", "categorise"):
        for name, o in bad_outs.items():
            src = {"convert": good_conv, "export": good_conv, "mindrecord": good_conv, "yaml_set": f["yaml_good"],
                   "squad_build": f["squad_dev_bad"]}.get(cmd, good)
            if cmd in ("convert", "export"):
                src = d / "completed.jsonl"
                src.write_text(_lines({"problem": r["problem"], "response": r["solution"]} for r in _good_rows()))
            if name == "dir" and cmd == "export":
                continue  # swift export takes a .jsonl path; llamafactory takes a directory
            result.append({"id": f"{cmd}[out:{name}]", "argv": commands[cmd](str(src), o), "expect": 2})
    for cmd in ("prepare", "score", "logs"):
        src = {"score": f["predictions_bad"], "logs": f["log_bad"]}.get(cmd, good)
        for name, o in (("under_file", str(blocker / "x")), ("proc", "/proc/mathtune-x"), ("file", str(blocker))):
            result.append({"id": f"{cmd}[outdir:{name}]", "argv": commands[cmd](str(src), o), "expect": 2})
    for name, opt in OPTIONS.items():
        result.append({"id": f"mindrecord[opt:{name}]", "expect": 2,
                       "argv": ["data", "mindrecord", str(good_conv), "--out", str(out / "opt.mindrecord"),
                                "--tokenizer", str(tok), "--chat", "plain", "--quiet", *opt]})
        result.append({"id": f"prepare[opt:{name}]", "expect": 2,
                       "argv": ["data", "prepare", str(good), "--out-dir", str(out / f"opt-{name}"),
                                "--tokenizer", str(tok), "--chat", "plain", "--quiet", *opt]})
    for i, value in enumerate(BAD_VALUES):
        for key in ("runner_config.epochs", "optimizer.name", "list"):
            result.append({"id": f"yaml_set[value:{i}:{key}]",
                           "argv": ["yaml", "set", str(f["yaml_good"]), f"{key}={value}", "--out", str(out / "v.yaml")]})
    for name, argv in {"n_neg": ["--n", "-1"], "multiple0": ["--multiple-of", "0"], "seed_huge": ["--seed", "9" * 30],
                       "min_huge": ["--min-per-category", "99999999999"], "max_neg": ["--max-per-category", "-3"]}.items():
        result.append({"id": f"select[opt:{name}]", "argv": ["data", "select", str(good), "--out", str(out / "s.jsonl"),
                                                             "--quiet", *argv]})
    for name, argv in {"per_cat_neg": ["--per-category", "-1"], "per_cat_huge": ["--per-category", "99999999999"]}.items():
        result.append({"id": f"heldout[opt:{name}]", "argv": ["data", "heldout", "--out", str(out / "h.jsonl"), *argv]})
    return result


def _tokenizer(d: Path) -> Path:
    import string

    from converters.encode.char_tokenizer import build_char_tokenizer

    return build_char_tokenizer(["计算等于？"], d / "tok", extra=string.printable)


def run_case(argv: list[str]) -> dict:
    """One `mathtune` run in this process: exit code, seconds, stderr, and any escaped exception."""
    from mathtune.cli import main

    err, out = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    escaped = None
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - a fuzz case must report what escaped, whatever it is
            code, escaped = None, traceback.format_exc()
    took = time.perf_counter() - start
    stderr = err.getvalue()
    return {"code": code, "seconds": round(took, 3), "stderr": stderr[-2000:],
            "traceback": escaped or ("Traceback" in stderr and stderr[stderr.index("Traceback"):][:3000]) or None}


def main(workdir: str) -> None:
    d = Path(workdir)
    d.mkdir(parents=True, exist_ok=True)
    os.chdir(d)
    os.environ.setdefault("LOCAL_DEFAULT_PATH", str(d / "mf"))
    for case in cases(d):
        result = run_case(case["argv"])
        print(json.dumps({**case, **result}), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    main(sys.argv[1])
