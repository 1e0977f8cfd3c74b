"""SQuAD: the contest's set, the official and MindFormers metrics, log re-scoring, the 90% gate."""
import contextlib
import io
import json
import subprocess
import sys

import pytest

from evaluation.scoring.squad import (build_items, gate, mf_scores, official_em, official_f1, official_scores,
                              read_eval_log)

DEV = {"version": "1.1", "data": [{"title": "T", "paragraphs": [
    {"context": "Denver Broncos won Super Bowl 50.", "qas": [
        {"id": "q1", "question": "Who won?", "answers": [{"text": "Denver Broncos", "answer_start": 0},
                                                         {"text": "the Broncos", "answer_start": 7}]},
        {"id": "q2", "question": "Which Super Bowl?", "answers": [{"text": "50", "answer_start": 30}]}]},
    {"context": "Paris is the capital of France.", "qas": [
        {"id": "q3", "question": "What is the capital?", "answers": [{"text": "Paris", "answer_start": 0}]}]},
    {"context": "No questions here.", "qas": []}]}]}


def test_build_takes_the_first_question_of_each_paragraph(tmp_path):
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(DEV))
    items = build_items(path)
    assert [i["id"] for i in items] == ["q1", "q3"]
    assert items[0]["answers"] == ["Denver Broncos", "the Broncos"]
    assert items[0]["problem"] == ("Read the passage and answer the question below.\n\n### Instruction:\n"
                                   "Denver Broncos won Super Bowl 50.\n\n### Input:\nWho won?\n\n### Response:")


@pytest.mark.parametrize("pred,gold,f1,em", [
    ("the Eiffel Tower", "Eiffel Tower", 1.0, 1.0),
    ("Eiffel Tower in Paris", "Eiffel Tower", 2 * (2 / 4) * 1 / (2 / 4 + 1), 0.0),
    ("Paris.", "paris", 1.0, 1.0),
    ("London", "Paris", 0.0, 0.0),
])
def test_official_metric(pred, gold, f1, em):
    assert official_f1(pred, gold) == pytest.approx(f1)
    assert official_em(pred, gold) == em


def test_official_takes_the_best_gold_and_the_first_line():
    scores = official_scores(["Broncos\nexplanation that would lower F1", "Paris"], [["Denver Broncos", "the Broncos"], ["Rome"]])
    assert scores == {"F1": 50.0, "EM": 50.0, "n": 2}


CASES = (["I love Beijing, because it's beautiful", "Hello world。", "Denver Broncos\nmore", "the Eiffel Tower",
          "郑州市。", "郑州", "", "Paris.", "The answer is 50"],
         ["I love Beijing.", "Hello world", "Denver Broncos", "Eiffel Tower", "郑州市", "郑州市", "x", "Paris", "50"])


def _mindformers_metric(preds, labels):
    from mindformers.core.metric.metric import EmF1Metric

    metric = EmF1Metric()
    metric.clear()
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        for p, l in zip(preds, labels):
            metric.update([p], [l])
        result = metric.eval()
    return result, log.getvalue()


def test_mindformers_mode_equals_emf1metric():
    theirs, _ = _mindformers_metric(*CASES)
    ours = mf_scores(*CASES)
    assert ours["F1"] == pytest.approx(theirs["F1"], abs=1e-9) and ours["EM"] == pytest.approx(theirs["Em"], abs=1e-9)
    # the two metrics give different numbers for the same predictions
    official = official_scores(CASES[0], [[l] for l in CASES[1]])
    assert (round(official["F1"], 4), round(ours["F1"], 4)) == (51.8519, 66.2963)
    assert mf_scores(["the Eiffel Tower"], ["Eiffel Tower"])["EM"] == 0.0  # articles count in EmF1Metric
    assert official_scores(["the Eiffel Tower"], [["Eiffel Tower"]])["EM"] == 100.0


def test_from_log_recomputes_the_printed_totals(tmp_path):
    # the newer layout, printed by the installed EmF1Metric itself: each tag alone, its value on the next line
    _, log = _mindformers_metric(*CASES)
    assert "pred is:\n [\"I love Beijing, because it's beautiful\"]\n label is:\n ['I love Beijing.']" in log
    path = tmp_path / "eval.log"
    path.write_text("[INFO] unrelated\n" + log + "[INFO] done\n")
    preds, labels, printed, errors = read_eval_log(path)
    assert labels == CASES[1] and len(preds) == len(CASES[0]) and errors == []
    ours = mf_scores(preds, labels)
    assert printed["n"] == 9 and printed["F1"] == pytest.approx(ours["F1"]) and printed["EM"] == pytest.approx(ours["EM"])
    proc = _mathtune("squad", "from-log", str(path))
    assert proc.returncode == 0 and "same as the recomputation" in proc.stdout


# the older layout (a real base-model eval log): `pred is: [...]` and `label is: [...]` on one line each,
# with logger prefixes, batches of two, and the per-batch/total lines of EmF1Metric
OLD_LOG = """2024-07-30 10:01:02,123 - mindformers[mindformers/trainer/base_trainer.py:1290] - INFO - .........Starting Evaling Model..........
pred is: ['Denver Broncos', 'the capital of France is Paris']
label is: ['Denver Broncos', 'Paris']
The F1/Em of this example is:  {'F1': 58.333333333333336, 'Em': 50.0}
pred is: ['Santa Clara, California']
label is: ['Santa Clara']
The F1/Em of this example is:  {'F1': 66.66666666666666, 'Em': 0.0}
F1 score: 61.111111111111114, Em score: 33.333333333333336, total_count: 3
2024-07-30 10:05:12,001 - mindformers[mindformers/trainer/base_trainer.py:1320] - INFO - metric: {'F1': 61.111111111111114, 'Em': 33.333333333333336}
"""


def _mathtune(*args):
    return subprocess.run([sys.executable, "-m", "mathtune", *args], capture_output=True, text=True, timeout=120)


def test_from_log_reads_the_older_one_line_layout(tmp_path):
    path = tmp_path / "base_eval.log"
    path.write_text(OLD_LOG)
    preds, labels, printed, errors = read_eval_log(path)
    assert preds == ["Denver Broncos", "the capital of France is Paris", "Santa Clara, California"]
    assert labels == ["Denver Broncos", "Paris", "Santa Clara"] and errors == []
    ours = mf_scores(preds, labels)
    theirs, _ = _mindformers_metric(preds, labels)
    assert ours["F1"] == pytest.approx(theirs["F1"]) and ours["EM"] == pytest.approx(theirs["Em"])
    assert printed == {"F1": pytest.approx(ours["F1"]), "EM": pytest.approx(ours["EM"]), "n": 3}


def test_from_log_gate_on_either_metric(tmp_path):
    path = tmp_path / "base_eval.log"
    path.write_text(OLD_LOG)
    for metric in ("official", "mindformers"):  # official crashed with a TypeError once
        proc = _mathtune("squad", "from-log", str(path), "--baseline-f1", "59.87", "--baseline-em", "44.17",
                         "--gate-metric", metric)
        assert proc.returncode == 1 and f"retention FAIL" in proc.stdout and f"[{metric} metric]" in proc.stdout
        assert "Traceback" not in proc.stderr and "TypeError" not in proc.stderr
    official = official_scores(["Denver Broncos", "the capital of France is Paris", "Santa Clara, California"],
                               [["Denver Broncos"], ["Paris"], ["Santa Clara"]])
    proc = _mathtune("squad", "from-log", str(path), "--baseline-f1", "1", "--baseline-em", "1", "--gate-metric",
                     "official")
    assert proc.returncode == 0 and f"official SQuAD v1.1:      F1 {official['F1']:.3f}" in proc.stdout


def test_from_log_bad_blocks_are_located_and_the_rest_scored(tmp_path):
    path = tmp_path / "eval.log"
    path.write_text(OLD_LOG + "pred is: ['a', 'b']\nlabel is: ['a']\n" + "pred is:\n ['x'\n label is:\n ['y']\n"
                    + "label is: ['orphan']\n")
    preds, labels, _, errors = read_eval_log(path)
    assert len(preds) == len(labels) == 3
    assert [str(e) for e in errors] == [f"{path}:10: 2 predictions but 1 labels", f"{path}:12: 'pred is:' cannot read the list",
                                        f"{path}:14: 'label is:' without a 'pred is:' before it",
                                        f"{path}:16: 'label is:' without a 'pred is:' before it"]
    proc = _mathtune("squad", "from-log", str(path))
    assert proc.returncode == 1 and f"{path}:10: 2 predictions but 1 labels" in proc.stdout and "(n=3)" in proc.stdout


def test_counts_must_match():
    from fileio.errors import InputError

    with pytest.raises(InputError, match="2 predictions but 1 labels"):
        mf_scores(["a", "b"], ["a"])
    with pytest.raises(InputError, match="1 predictions but 2 labels"):
        official_scores(["a"], [["a"], ["b"]])


def test_gate_and_exit_codes(tmp_path):
    assert gate({"F1": 53.9, "EM": 39.76}, 59.87, 44.17)[0] is True
    ok, text = gate({"F1": 53.8, "EM": 40.0}, 59.87, 44.17)
    assert ok is False and text.startswith("retention FAIL: F1 53.800 (needs ≥ 53.883")
    preds = tmp_path / "pred.jsonl"
    preds.write_text("\n".join(json.dumps({"generation": g, "gold": a, "answers": [a]})
                               for g, a in [("Paris", "Paris"), ("Denver Broncos", "Denver Broncos")]))
    m = [sys.executable, "-m", "mathtune", "squad", "score", str(preds)]
    passing = subprocess.run(m + ["--baseline-f1", "59.87", "--baseline-em", "44.17"], capture_output=True, text=True)
    assert passing.returncode == 0 and "retention PASS" in passing.stdout
    failing = subprocess.run(m + ["--baseline-f1", "200", "--baseline-em", "44.17"], capture_output=True, text=True)
    assert failing.returncode == 1 and "retention FAIL" in failing.stdout


def test_log_without_blocks_is_a_clear_error(tmp_path):
    from fileio.errors import InputError

    bad = tmp_path / "x.log"
    bad.write_text("nothing here\n")
    with pytest.raises(InputError, match="no 'pred is:'"):
        read_eval_log(bad)


def test_score_rows_without_fields_are_located(tmp_path):
    preds = tmp_path / "pred.jsonl"
    preds.write_text("\n".join([json.dumps({"generation": "Paris", "gold": "Paris", "answers": ["Paris"]}),
                                json.dumps({"gold": "Rome"}), json.dumps({"generation": "Rome"}),
                                json.dumps({"prediction": "Denver", "answers": ["Denver Broncos"]})]) + "\n")
    proc = _mathtune("squad", "score", str(preds))
    assert proc.returncode == 1 and "KeyError" not in proc.stderr and "(n=2)" in proc.stdout
    assert f"{preds}:2: no 'generation' or 'prediction' text" in proc.stdout
    assert f"{preds}:3: no gold answer ('answers' list or 'gold' text)" in proc.stdout
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"gold": "x"}) + "\n")
    proc = _mathtune("squad", "score", str(empty))
    assert proc.returncode == 2 and proc.stderr.strip().splitlines()[-1].startswith("mathtune: error: ")


def test_build_reports_each_malformed_paragraph_and_keeps_the_rest(tmp_path):
    from fileio.errors import InputError

    dev = {"data": [{"paragraphs": [{"context": "c", "qas": [{"id": "1", "question": "q", "answers": [{"text": "a"}]}]},
                                    {"context": 1, "qas": [{"id": "2", "question": "q", "answers": [{"text": "a"}]}]},
                                    5, {"qas": "x"}]}, 7]}
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(dev))
    errors = []
    assert [item["id"] for item in build_items(path, errors)] == ["1"]
    assert errors == [f"{path}: data[0].paragraphs[1]: 'context' is int, not a string",
                      f"{path}: data[0].paragraphs[2]: a paragraph is an object, not int",
                      f"{path}: data[0].paragraphs[3]: 'qas' is not a list of questions",
                      f"{path}: data[1]: no 'paragraphs' list"]
    (tmp_path / "conv.json").write_text("[]")
    with pytest.raises(InputError, match="expected SQuAD v1.1 JSON"):
        build_items(tmp_path / "conv.json")
