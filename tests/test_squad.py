"""SQuAD: the contest's set, the official and MindFormers metrics, log re-scoring, the 90% gate."""
import contextlib
import io
import json
import subprocess
import sys

import pytest

from evaluation.squad import (build_items, gate, mf_scores, official_em, official_f1, official_scores,
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
    _, log = _mindformers_metric(*CASES)
    path = tmp_path / "eval.log"
    path.write_text("[INFO] unrelated\n" + log + "[INFO] done\n")
    preds, labels, printed = read_eval_log(path)
    assert labels == CASES[1] and len(preds) == len(CASES[0])
    ours = mf_scores(preds, labels)
    assert printed["n"] == 9 and printed["F1"] == pytest.approx(ours["F1"]) and printed["EM"] == pytest.approx(ours["EM"])
    proc = subprocess.run([sys.executable, "-m", "mathtune", "squad", "from-log", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "same as the recomputation" in proc.stdout


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
    from converters.files import InputError

    bad = tmp_path / "x.log"
    bad.write_text("nothing here\n")
    with pytest.raises(InputError, match="no 'pred is:'"):
        read_eval_log(bad)
