"""`mathtune data rft`: verified, distinct, non-trivial programs from sampled predictions → rows
`data prepare` trains on.

The prediction file is written by the real `evaluation.inference.predict.predict` with `--samples k`
(programs run in the sandbox, votes, the row layout); only the model is a stand-in that writes
scripted texts, so no model has to be trained for it."""
import json
import subprocess
import sys
from fractions import Fraction

import pytest

from evaluation.inference.model import Model
from evaluation.inference.predict import predict
from evaluation.rft.rows import problem_numbers, program_key, trivial_reason
from evaluation.inference.sampling import Sampling
from evaluation.sandbox.limits import Limits

MT = [sys.executable, "-m", "mathtune"]

APPLES = "Tom has 3 boxes with 4 apples in each box. How many apples does Tom have?"
DECIMAL = "计算 12.50 + 3.25 等于多少？"
PENS = "Sam had 5 pens and lost 2 of them. How many pens are left?"


def block(code: str) -> str:
    return f"```python\n{code}\n```\n"


SCRIPTS = {  # the first-pass text of each of the k = 6 samples per problem
    APPLES: [block("apples = 3 * 4\nprint(apples)"),                       # kept (A)
             block("apples = 3 * 4   \nprint(apples)   "),                 # A with trailing spaces: duplicate
             block("apples = 3*4  # boxes times apples\n\nprint(apples)"),  # A, other spacing + comment: duplicate
             block("print(4 * 3)"),                                         # kept (B)
             block("print(12)"),                                            # right, but a constant
             block("print(3 + 4)")],                                        # wrong
    DECIMAL: [block("from decimal import Decimal\nprint(Decimal('12.50') + Decimal('3.25'))"),  # kept (C)
              block("print(10 + 5.75)"),                                    # right, no number of the problem
              block("print(1 / 0)"),                                        # the program fails
              block("print(15.75)"),                                        # right, a constant
              block("from decimal import Decimal\n\nprint(Decimal('12.50')  +  Decimal('3.25'))"),  # C again
              block("print(12.5 + 3.25)")],                                 # kept (D): 12.5 is the problem's 12.50
    PENS: ["The answer is 3.", "The answer is 3.", "I think 3.",            # right in text, but no program
           block("print(5 + 2)"), block("print(5 + 2)"), block("pens = 5 + 2\nprint(pens)")],  # wrong
}


class CharTokenizer:
    bos_id, eos_id = 1, 2

    def encode_batch(self, pieces):
        return [[ord(c) + 3 for c in p] for p in pieces]

    def decode(self, toks):
        return "".join(chr(t - 3) for t in toks if t > 2)


class ScriptedModel:
    """Stands in for the MindFormers backend: each prompt gets the next scripted text of its problem;
    after a program's output, the model just stops."""

    def __init__(self, tok):
        self.tok, self.queue = tok, {p: list(texts) for p, texts in SCRIPTS.items()}

    def generate(self, prompts, max_new_tokens, eos_id, min_new_tokens):
        out = []
        for ids in prompts:
            text = self.tok.decode(ids)
            if "```output" in text:
                out.append([])
                continue
            problem = next(p for p in self.queue if p in text)
            out.append(self.tok.encode_batch([self.queue[problem].pop(0)])[0])
        return out


@pytest.fixture(scope="module")
def predictions(tmp_path_factory):
    d = tmp_path_factory.mktemp("rft")
    tok = CharTokenizer()
    model = Model(decoder=None, tokenizer=tok, chat="chatml", template="none", mc={}, backend=ScriptedModel(tok))
    rows = [{"problem": APPLES, "gold": "12", "category": "word", "source": "train.jsonl:1"},
            {"problem": DECIMAL, "gold": "15.75", "category": "arithmetic", "source": "train.jsonl:2"},
            {"problem": PENS, "gold": "3", "source": "train.jsonl:3"}]
    predict(model, rows, str(d / "pred.jsonl"), batch_size=12, max_new_tokens=200, limits=Limits(sandbox="weak"),
            show_progress=False, samples=6, sampling=Sampling(0.0))
    return d


def rft(d, *args):
    return subprocess.run(MT + ["data", "rft", *args], capture_output=True, text=True, timeout=120, cwd=d)


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_prediction_file_has_predicts_layout(predictions):
    rows = read_jsonl(predictions / "pred.jsonl")
    assert [len(r["samples"]) for r in rows] == [6, 6, 6]
    first = rows[0]["samples"][0]
    assert first["code"] == "apples = 3 * 4\nprint(apples)" and first["code_status"] == "ok"
    assert first["code_output"].strip() == "12" and first["answer_from"] == "program"
    assert rows[1]["samples"][2]["code_status"] != "ok"  # 1 / 0 failed in the sandbox


def test_keeps_distinct_verified_programs(predictions):
    proc = rft(predictions, "pred.jsonl", "--out", "rft.jsonl", "--report", "r.json")
    assert proc.returncode == 0, proc.stderr
    kept = read_jsonl(predictions / "rft.jsonl")
    assert [(r["problem"], r["code"]) for r in kept] == [
        (APPLES, "apples = 3 * 4\nprint(apples)"), (APPLES, "print(4 * 3)"),
        (DECIMAL, "from decimal import Decimal\nprint(Decimal('12.50') + Decimal('3.25'))"),
        (DECIMAL, "print(12.5 + 3.25)")]
    assert [r["source"] for r in kept] == ["rft:train.jsonl:1#0", "rft:train.jsonl:1#3",
                                           "rft:train.jsonl:2#0", "rft:train.jsonl:2#5"]
    assert {r["category"] for r in kept} == {"word", "arithmetic"} and kept[0]["gold"] == "12"
    assert all(r["code"] in r["solution"] for r in kept)  # the model's own text, program included
    report = json.loads((predictions / "r.json").read_text())
    assert (report["problems"], report["solved"], report["kept"]) == (3, 2, 4)
    assert report["samples"] == {"kept": 4, "duplicate": 3, "wrong": 4, "program failed": 1, "no program": 3,
                                 "right but prints a constant (no computation)": 2,
                                 "right but no number from the problem": 1}
    assert report["categories"]["word"] == {"problems": 2, "solved": 1, "kept": 2}  # PENS has no category: word
    assert "3 problems, 2 with ≥1 verified program" in proc.stdout and "duplicate 3" in proc.stdout


def test_distinct_across_files_and_capped(predictions):
    proc = rft(predictions, "pred.jsonl", "pred.jsonl", "--out", "twice.jsonl", "--max-per-problem", "1",
               "--report", "twice.json")
    assert proc.returncode == 0, proc.stderr
    kept = read_jsonl(predictions / "twice.jsonl")
    assert [r["source"] for r in kept] == ["rft:train.jsonl:1#0", "rft:train.jsonl:2#0"]
    samples = json.loads((predictions / "twice.json").read_text())["samples"]
    # first pass: B and D over the cap; second pass: A and C are duplicates, B and D still over it
    assert samples["kept"] == 2 and samples["over --max-per-problem"] == 4 and samples["duplicate"] == 2 * 3 + 2


def test_bad_rows_reported_and_the_rest_used(predictions):
    good = (predictions / "pred.jsonl").read_text(encoding="utf-8").splitlines()
    bad = ["not json", json.dumps({"problem": "q", "samples": [{"code": "print(1)"}]}),
           json.dumps({"problem": "q", "gold": "1", "samples": "x"}),
           json.dumps({"problem": "q", "gold": "1", "samples": [{"code": 5}]})]
    (predictions / "mixed.jsonl").write_text("\n".join([good[0], *bad, good[1]]) + "\n", encoding="utf-8")
    proc = rft(predictions, "mixed.jsonl", "--out", "mixed_rft.jsonl")
    assert proc.returncode == 1
    assert "mixed.jsonl:2: invalid JSON" in proc.stderr
    assert "mixed.jsonl:3: no gold answer" in proc.stderr
    assert "mixed.jsonl:4: field 'samples' is not a non-empty list" in proc.stderr
    assert "mixed.jsonl:5: sample 0: field 'code' is not text" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(read_jsonl(predictions / "mixed_rft.jsonl")) == 4  # rows 1 and 6 still used
    refused = rft(predictions, "pred.jsonl", "--out", "x.jsonl", "--max-per-problem", "0")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1


def test_data_prepare_trains_on_the_kept_programs(predictions):
    assert rft(predictions, "pred.jsonl", "--out", "rft.jsonl").returncode == 0
    proc = subprocess.run(MT + ["data", "prepare", "rft.jsonl", "--out", "prep", "--style", "pot", "--template", "none",
                                "--no-mindrecord", "--quiet"],
                          capture_output=True, text=True, timeout=300, cwd=predictions)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    items = json.loads((predictions / "prep" / "conversations.json").read_text(encoding="utf-8"))
    answers = sorted(turn["value"] for item in items for turn in item["conversations"] if turn["from"] == "gpt")
    kept = sorted(r["code"] for r in read_jsonl(predictions / "rft.jsonl"))
    assert len(answers) == 4
    assert sorted(a.split("```python\n", 1)[1].split("\n```", 1)[0] for a in answers) == kept


@pytest.mark.parametrize("code,problem,why", [
    ("print(42)", "What is 6 times 7?", "prints a constant (no computation)"),
    ("x = 42\nprint(round(x))", "What is 6 times 7?", "prints a constant (no computation)"),
    ("from fractions import Fraction\nprint(Fraction('0.75'))", "化简 6/8", "prints a constant (no computation)"),
    ("print(40 + 2)", "What is 6 times 7?", "no number from the problem"),
    ("print(6 * 7)", "What is 6 times 7?", None),
    ("print(2 * 12)", "Two dozen eggs: how many eggs?", None),        # number words count
    ("print(0.2 * 50)", "20% of $50 is how much?", None),             # a percentage as a fraction
    ("print(-(-6) * 7)", "What is -6 times 7?", None),
    ("from fractions import Fraction\nprint(Fraction(6, 8))", "化简 6/8", None),  # Fraction(n, d) divides
    ("from decimal import Decimal\nprint(Decimal('9.00').sqrt())", "计算 9.00 的平方根？", None),
    ("print(1200 * 2)", "It costs $1,200. Twice that?", None),
])
def test_trivial_reason(code, problem, why):
    assert trivial_reason(code, problem) == why


def test_program_key_ignores_spacing_and_comments_not_tokens():
    assert program_key("x = 3*4\nprint(x)") == program_key("x=3 * 4   # area\n\nprint( x )\n")
    assert program_key("x = 3*4\nprint(x)") != program_key("x = 4*3\nprint(x)")
    assert program_key("if x:\n  y = 1\nz = 2") == program_key("if x:\n    y = 1\nz = 2\n")
    assert program_key("if x:\n    y = 1\nz = 2") != program_key("if x:\n    y = 1\n    z = 2")
    assert problem_numbers("$1,200 and 15% of 2.5, a dozen") >= {1200, 15, Fraction(3, 20), Fraction(5, 2), 12}


def test_dpo_pairs_set_a_verified_program_against_a_wrong_or_failing_one(predictions):
    proc = subprocess.run(MT + ["data", "dpo-pairs", "pred.jsonl", "--out", "pairs.jsonl", "--report", "p.json"],
                          capture_output=True, text=True, timeout=120, cwd=predictions)
    assert proc.returncode == 0, proc.stderr
    pairs = read_jsonl(predictions / "pairs.jsonl")
    got = [(r["problem"], r["chosen"].split("```output")[0], r["rejected"].split("```output")[0]) for r in pairs]
    assert got == [(APPLES, block("apples = 3 * 4\nprint(apples)"), block("print(3 + 4)")),
                   (APPLES, block("print(4 * 3)"), block("print(3 + 4)")),
                   (DECIMAL, block("from decimal import Decimal\nprint(Decimal('12.50') + Decimal('3.25'))"),
                    block("print(1 / 0)")),
                   (DECIMAL, block("print(12.5 + 3.25)"), block("print(1 / 0)"))]
    assert all("```output" in r["chosen"] for r in pairs)  # the whole answer, the sandbox's output included
    report = json.loads((predictions / "p.json").read_text())
    assert (report["problems"], report["with_pairs"], report["pairs"]) == (3, 2, 4)  # PENS: nothing right
    capped = subprocess.run(MT + ["data", "dpo-pairs", "pred.jsonl", "--out", "one.jsonl", "--max-per-problem", "1"],
                            capture_output=True, text=True, timeout=120, cwd=predictions)
    assert capped.returncode == 0 and len(read_jsonl(predictions / "one.jsonl")) == 2


def test_a_runaway_program_is_stopped_cut_and_run(tmp_path):
    """predict with a model that loops and never closes its program: the program is cut after the loop's first
    turn, ended by printing its last name, and run; the row says so."""
    problem = "Tom is 12 months old. How old is he in a year and two months?"
    loop = "".join(f"months_{k} = months_{k - 1} + 1\n" for k in range(3, 40))
    tok = CharTokenizer()
    backend = ScriptedModel(tok)
    backend.queue = {problem: ["```python\nmonths = 12\nmonths_2 = months + 1\n" + loop]}
    model = Model(decoder=None, tokenizer=tok, chat="chatml", template="none", mc={}, backend=backend)
    predict(model, [{"problem": problem, "gold": "14"}], str(tmp_path / "pred.jsonl"), batch_size=1,
            max_new_tokens=4000, limits=Limits(sandbox="weak"), show_progress=False)
    row = read_jsonl(tmp_path / "pred.jsonl")[0]
    assert row["program_cut"] is True
    assert row["code"] == "months = 12\nmonths_2 = months + 1\nmonths_3 = months_2 + 1\nprint(months_3)"
    assert row["answer"] == "14" and row["answer_from"] == "program"
    assert row["generation"].startswith("```python\nmonths = 12\nmonths_2 = months + 1\nmonths_3 = months_2 + 1\n"
                                        "print(months_3)\n```\n```output\n14\n```")


def test_a_cut_loop_is_rejected_as_written_and_never_kept(tmp_path):
    loop = "```python\nn = 3\nn_2 = n + 1\n" + "".join(f"n_{k} = n_{k - 1} + 1\n" for k in range(3, 9))
    cut = {"generation": "```python\nn = 3\nn_2 = n + 1\nn_3 = n_2 + 1\nprint(n_3)\n```\n```output\n5\n```\n5",
           "code": "n = 3\nn_2 = n + 1\nn_3 = n_2 + 1\nprint(n_3)", "code_status": "ok", "code_output": "5\n",
           "program_cut": True, "raw_generation": loop}
    right = {"generation": block("n = 3 + 2\nprint(n)") + "```output\n5\n```\n5", "code": "n = 3 + 2\nprint(n)",
             "code_status": "ok", "code_output": "5\n"}
    row = {"problem": "Add 3 and 2.", "gold": "5", "samples": [cut, right]}
    (tmp_path / "s.jsonl").write_text(json.dumps(row) + "\n")
    pairs = subprocess.run(MT + ["data", "dpo-pairs", "s.jsonl", "--out", "p.jsonl"], capture_output=True, text=True,
                           timeout=120, cwd=tmp_path)
    assert pairs.returncode == 0, pairs.stderr
    got = read_jsonl(tmp_path / "p.jsonl")
    assert [(p["chosen"], p["rejected"]) for p in got] == [(right["generation"], loop)]  # right by a print it never wrote: rejected
    kept = subprocess.run(MT + ["data", "rft", "s.jsonl", "--out", "r.jsonl"], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert kept.returncode == 0 and "program cut (a loop) 1" in kept.stdout
    assert [(r["code"], r["output"]) for r in read_jsonl(tmp_path / "r.jsonl")] == [("n = 3 + 2\nprint(n)", "5")]
