"""predict → score with a trained tiny run, in real subprocesses, and the PoT loop's text rules."""
import json
import subprocess
import sys

import numpy as np

from converters.rules.categories import CATEGORIES
from evaluation.scoring.extract import extract_answer, is_correct
from evaluation.inference.program_turn import closed_code_block, observation
from evaluation.sandbox.limits import Result


def test_closed_code_block():
    assert closed_code_block("```python\nprint(1)") is None
    assert closed_code_block("x ```python\nprint(1)\n```\nrest") == ("print(1)", len("x ```python\nprint(1)\n```"))
    assert closed_code_block("no code") is None


def test_observation_blocks():
    assert observation(Result("ok", "3.00\n", "", 0, 0.01)) == "```output\n3.00\n```\n"
    failed = observation(Result("error", "", "Traceback…\nZeroDivisionError: division by zero\n", 1, 0.01))
    assert failed == "```output\n[error] ZeroDivisionError: division by zero\n```\n"


def _predict(run, inp, out, *extra):
    proc = subprocess.run([sys.executable, "-m", "mathtune", "predict", "--run-dir", str(run), "--input", str(inp),
                           "--out", str(out), "--limit", "10", "--max-new-tokens", "48", "--quiet", *extra],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "tokens/s" in proc.stdout
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _first_token_by_mindformers(run, problems):
    """The greedy first token after each prompt from MindFormers' own Llama forward pass (no cache,
    no batching), the prompt built here from the run's recorded format: plain chat, no template."""
    import mindspore as ms

    from converters.encode.tokenizers import load_tokenizer
    from training.checkpoints.params import load_params, model_weights
    from training.model.build import build_model, load_weights, logits
    from training.run.runfiles import last_checkpoint
    from training.config.yamledit import read_yaml

    meta = json.loads((run / "data.meta.json").read_text(encoding="utf-8"))
    assert (meta["chat"], meta["template"]) == ("plain", "none")
    tok = load_tokenizer(str(run / meta["tokenizer"]["path"]))
    mc = dict(read_yaml(run / "config.yaml")["model"]["model_config"])
    ms.set_context(mode=1, device_target="CPU")
    net = build_model(mc)
    assert not load_weights(net, model_weights(load_params(last_checkpoint(run))))
    firsts = []
    for problem in problems:
        ids = [tok.bos_id] + tok.encode_batch([problem + "\n"])[0]
        padded = np.full((1, mc["seq_length"]), tok.pad_id, np.int32)
        padded[0, :len(ids)] = ids  # causal: the padding after the prompt cannot change its logits
        firsts.append(tok.decode([int(logits(net, padded)[0, len(ids) - 1].argmax())]))
    return firsts


def test_predict_then_score(tiny_run, tmp_path):
    from converters.encode.tokenizers import load_tokenizer

    run, _ = tiny_run
    m = [sys.executable, "-m", "mathtune"]
    subprocess.run(m + ["data", "synth", "--n", "20", "--seed", "77", "--out", str(tmp_path / "test.jsonl")], check=True)
    rows = _predict(run, tmp_path / "test.jsonl", tmp_path / "pred.jsonl", "--batch-size", "10")
    assert len(rows) == 10
    # batching (left padding, per-row cache positions) must not change a single generated token
    one_by_one = _predict(run, tmp_path / "test.jsonl", tmp_path / "pred1.jsonl", "--batch-size", "1")
    assert one_by_one == rows
    tok = load_tokenizer(str(run / "tokenizer" / "tokenizer.json"))
    firsts = _first_token_by_mindformers(run, [r["problem"] for r in rows])
    for r, first in zip(rows, firsts):
        assert set(r) >= {"problem", "category", "gold", "generation", "code", "code_status", "answer"}
        assert r["gold"] is not None and r["category"] in CATEGORIES
        assert r["generation"].startswith(first), (r["generation"][:20], first)
        assert not r["generation"].startswith(r["problem"])  # no prompt echo
        # what a judge that runs no code reads: the model's own text, to its end
        assert r["text_answer"] == extract_answer(r["text_generation"])
        if r["code_status"] is None:  # no program ran: the generation is the model's text, within the budget
            assert r["code"] is None and closed_code_block(r["generation"]) is None
            assert len(tok.encode_batch([r["generation"]])[0]) <= 48
            assert r["text_generation"] == r["generation"]
        else:  # a program ran: its output follows it in an output block; the same program opens the text
            assert r["code"] is not None and f"```output\n" in r["generation"]
            end = closed_code_block(r["text_generation"])[1]
            assert r["generation"][:end] == r["text_generation"][:end]
    score = subprocess.run(m + ["score", str(tmp_path / "pred.jsonl")], capture_output=True, text=True, timeout=300)
    assert score.returncode == 0 and "overall" in score.stdout
    head, text_right = score.stdout.splitlines()[0], sum(is_correct(r["text_answer"], r["gold"]) for r in rows)
    if any(r["answer_from"] == "program" for r in rows):  # both figures, each saying how it was judged
        assert "% programs run (" in head and f"text only (a judge that runs no code): {10 * text_right:.2f}% " in head
    else:
        assert "% text only (a judge that runs no code) (" in head
    result = json.loads((tmp_path / "score.json").read_text())
    scored = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text().splitlines()]
    assert result["n"] == 10 and result["correct"] == sum(s["correct"] for s in scored)
    assert sum(c["n"] for c in result["categories"]) == 10
    for s in scored:  # exact mode: correct exactly when the answer, rounded half-even to the gold's places, is it
        assert s["correct"] == _rounds_to(s["answer"], s["gold"]), s
    assert (tmp_path / "accuracy.png").read_bytes()[:4] == b"\x89PNG"
    # the same predictions plus one right and one wrong-signed answer: the count moves by exactly one
    extra = [dict(rows[0], answer=rows[0]["gold"], answer_from="program", code_status="ok"),
             dict(rows[1], answer="-" + rows[1]["gold"].lstrip("-") if not rows[1]["gold"].startswith("-")
                  else rows[1]["gold"][1:], answer_from="program", code_status="ok")]
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "pred.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                          for r in rows + extra), encoding="utf-8")
    again = subprocess.run(m + ["score", str(tmp_path / "more" / "pred.jsonl")], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    more = json.loads((tmp_path / "more" / "score.json").read_text())
    assert (more["n"], more["correct"]) == (12, result["correct"] + 1)


def _rounds_to(answer, gold) -> bool:
    from decimal import Context, Decimal, InvalidOperation

    try:
        a, g = Decimal(str(answer)), Decimal(str(gold))
    except InvalidOperation:
        return False
    if g.as_tuple().exponent >= 0:
        return a == g
    return a.quantize(g, context=Context(prec=200)) == g


def test_run_dir_or_model_dir_is_required(tmp_path):
    (tmp_path / "x.jsonl").write_text('{"problem": "计算 1 + 1 等于多少？"}\n', encoding="utf-8")  # input is read first
    proc = subprocess.run([sys.executable, "-m", "mathtune", "predict", "--input", "x.jsonl", "--out", "y.jsonl"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "give one of --run-dir" in proc.stderr
    missing = subprocess.run([sys.executable, "-m", "mathtune", "predict", "--model-dir", str(tmp_path), "--input",
                              "x.jsonl", "--out", "y.jsonl"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "no model_config.json" in missing.stderr and "Traceback" not in missing.stderr


def test_mindformers_backend_gives_the_same_predictions(tiny_run, tmp_path):
    """The whole predict path with MindFormers' own generate (uncached on CPU) vs the KV-cache decoder."""
    run, _ = tiny_run
    m = [sys.executable, "-m", "mathtune"]
    subprocess.run(m + ["data", "synth", "--n", "6", "--seed", "78", "--out", str(tmp_path / "t.jsonl")], check=True)
    outs = {}
    for backend in ("kvcache", "mindformers"):
        proc = subprocess.run(m + ["predict", "--run-dir", str(run), "--input", str(tmp_path / "t.jsonl"), "--out",
                                   str(tmp_path / f"{backend}.jsonl"), "--limit", "3", "--max-new-tokens", "24",
                                   "--backend", backend, "--seq-length", "128", "--quiet"],
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outs[backend] = [json.loads(l)["generation"] for l in (tmp_path / f"{backend}.jsonl").read_text().splitlines()]
    assert outs["kvcache"] == outs["mindformers"]


def test_the_program_output_is_the_answer_when_it_ran():
    from evaluation.inference.answering import final_answer

    ran = {"code_status": "ok", "code_output": "-69583138.6374\n",
           "generation": "```python\n…\n```\n```output\n-69583138.6374\n```\n-7170.19 * 7719.77 = -16191179.2826"}
    assert final_answer(ran) == ("-69583138.6374", "program")
    failed = dict(ran, code_status="error", code_output="ZeroDivisionError")
    assert final_answer(failed) == ("-16191179.2826", "text")
    assert final_answer({"code_status": None, "code_output": None, "generation": "面积为 4788 平方厘米"}) == ("4788", "text")


def test_runaway_program_is_cut_after_the_loop_starts_and_prints_its_last_name():
    from evaluation.inference.program_turn import runaway_program

    loop = "".join(f"months_{k} = months_{k - 1} + 1\n" for k in range(3, 12))
    text = "Let me compute.\n```python\nmonths = 12\nmonths_2 = months + 1\n" + loop + "months_12 = mo"
    code, cut = runaway_program(text)
    assert code == "months = 12\nmonths_2 = months + 1\nmonths_3 = months_2 + 1\nprint(months_3)"
    assert text[:cut].endswith("months_3 = months_2 + 1\n")
    assert runaway_program(text, repeats=20) is None  # not repeated that often
    assert runaway_program("```python\nx = 5\ny = x * 2\nz = y + 3\nw = z - 1\n") is None  # no two lines alike
    assert runaway_program(text + "\n```\n") is None  # a closed block is run as written
    assert runaway_program("no program at all " * 20) is None
    assert runaway_program("```python\n" + "print(1)\n" * 8) is None  # nothing assigned to print


def test_runaway_cycles_of_two_lines_and_operators_aside():
    from evaluation.inference.program_turn import runaway_program

    body = "".join(f"r_{2 * k} = r_{2 * k - 1} + 5\nr_{2 * k + 1} = r_{2 * k} - 2\n" for k in range(1, 6))
    code, _ = runaway_program("```python\nr_1 = 7\n" + body + "r_12 =")
    assert code == "r_1 = 7\nr_2 = r_1 + 5\nprint(r_2)"  # + and - alike: one shape, a cycle of one
    ounces = "".join(f"ounces_{2 * k} = 16\nounces_{2 * k + 1} = ounces_{2 * k} + 1\n" for k in range(5))
    assert runaway_program("```python\n" + ounces + "ou")[0].endswith("ounces_1 = ounces_0 + 1\nprint(ounces_1)")


def test_runaway_only_the_loop_the_program_ends_in():
    """Four given lines of one shape earlier in the program are not the loop; the loop at its end is."""
    from evaluation.inference.program_turn import runaway_program

    givens = "".join(f"a_{k} = {k}\n" for k in range(1, 5))
    loop = "".join(f"b_{k} = b_{k - 1} * 2\n" for k in range(2, 10))
    code, _ = runaway_program("```python\n" + givens + "total = a_1 + a_4\nb_1 = total\n" + loop + "b_1")
    assert code.endswith("b_1 = total\nb_2 = b_1 * 2\nprint(b_2)")
    assert runaway_program("```python\n" + givens + "total = a_1 + a_4\n") is None  # it moved on: no loop
