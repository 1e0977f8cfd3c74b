"""Sampling in the KV-cache decoder, `predict --samples k` with a majority vote, pass@k and maj@k."""
import json
import subprocess
import sys
from math import comb

import numpy as np
import pytest

from evaluation.inference.decode import decode, greedy
from evaluation.inference.sampling import Sampling, majority_vote, next_tokens, pass_at_k
from evaluation.inference.sampled_answers import sample_metrics
from converters.answers.number import to_exact


# --- pure functions -------------------------------------------------------------------------------

@pytest.mark.parametrize("answers,vote", [
    (["3", "5", "5", "3", "7"], "3"),      # a tie goes to the answer seen first
    (["5", "3", "3", "5", "3"], "3"),
    ([None, "", "4", None], "4"),          # no answer never wins
    ([None, None], None),
    (["2", "2.0", "3", "3"], "2"),         # the same number in two spellings counts once (with a key)
    (["12", "x", "x"], "x"),
])
def test_majority_vote_table(answers, vote):
    assert majority_vote(answers, key=to_exact) == vote


def test_majority_vote_without_key_compares_text():
    assert majority_vote(["2", "2.0", "3"]) == "2" and majority_vote(["2.0", "2", "3", "3"]) == "3"


@pytest.mark.parametrize("n,c,k,expected", [
    (5, 0, 1, 0.0), (5, 5, 3, 1.0), (4, 1, 4, 1.0), (4, 0, 4, 0.0),   # n = k: any correct
    (10, 3, 1, 0.3), (10, 3, 2, 1 - comb(7, 2) / comb(10, 2)), (10, 8, 3, 1.0),
])
def test_pass_at_k_is_chens_estimator(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_refuses_k_beyond_n():
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)


def test_sample_metrics_from_rows():
    rows = [{"gold": "4", "correct": True, "sample_answers": ["4", "4", "5", "6"]},
            {"gold": "7", "correct": False, "sample_answers": ["1", "2", "7", "1"]},
            {"gold": "9", "correct": False, "sample_answers": ["1", "2", "3", "5"]},
            {"gold": "9", "answer": "9"}]  # no samples: not counted
    m = sample_metrics(rows)
    assert m["rows"] == 3 and m["k"] == 4
    assert m["pass"]["1"] == pytest.approx((2 / 4 + 1 / 4 + 0) / 3)
    assert m["pass"]["4"] == pytest.approx(2 / 3) and m["maj"] == pytest.approx(1 / 3)
    assert sample_metrics([{"gold": "1", "correct": True}]) is None


def test_next_tokens_cuts():
    logits = np.log(np.array([[0.5, 0.3, 0.15, 0.05]]))
    rng_keys = [[i] for i in range(400)]
    draw = lambda s: [int(next_tokens(logits, s, [r])[0]) for r in s.rngs(rng_keys)]  # noqa: E731
    assert set(draw(Sampling(1.0, top_k=2))) == {0, 1}
    assert set(draw(Sampling(1.0, top_p=0.75))) == {0, 1}      # 0.5 + 0.3 reaches 0.75
    assert set(draw(Sampling(1.0))) == {0, 1, 2, 3}
    assert set(draw(Sampling(1.0, top_k=1))) == {0} and set(draw(Sampling(0.0))) == {0}
    share = np.mean(np.array(draw(Sampling(1.0))) == 0)
    assert 0.4 < share < 0.6
    with pytest.raises(ValueError):
        Sampling(-1.0)


def _full_sort_draw(logits, sampling, rngs):
    """The definition next_tokens implements: sort the whole vocabulary (stable), cut, draw."""
    out = []
    for row, rng in zip(logits, rngs):
        z = row.astype(np.float64) / sampling.temperature
        order = np.argsort(-z, kind="stable")[: sampling.top_k or None]
        p = np.exp(z[order] - z[order[0]])
        p /= p.sum()
        if sampling.top_p < 1:
            keep = int(np.searchsorted(np.cumsum(p), sampling.top_p)) + 1
            order, p = order[:keep], p[:keep] / p[:keep].sum()
        cum = np.cumsum(p)
        out.append(order[min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), len(cum) - 1)])
    return out


@pytest.mark.parametrize("scale", [0.05, 1.0, 4.0, 12.0])  # flat (top-p needs most tokens) to peaked (a few)
@pytest.mark.parametrize("rounded", [False, True])         # rounded logits: many ties at the cut
def test_next_tokens_draw_what_a_full_sort_draws(scale, rounded):
    """Sampling looks at the likeliest tokens first (a 49k-token sort per row and step halved the speed);
    on a 5,000-token vocabulary every draw is the one the whole sorted vocabulary gives."""
    rng = np.random.default_rng(int(scale * 100) + rounded)
    logits = (rng.standard_normal((40, 5000)) * scale).astype(np.float32)
    logits[:, 7] = logits[:, 9] = logits.max(1)  # a tie at the top
    if rounded:
        logits = np.round(logits, 1)
    for sampling in (Sampling(0.7, 0.95, seed=3), Sampling(1.0, 0.5, seed=4), Sampling(1.3, 0.99, 200, seed=5),
                     Sampling(0.7, 1.0, 64, seed=6), Sampling(1.0, seed=7)):
        keys = [[i] for i in range(len(logits))]
        got = next_tokens(logits, sampling, sampling.rngs(keys))
        assert list(got) == _full_sort_draw(logits, sampling, sampling.rngs(keys))


@pytest.mark.parametrize("nans", [2, 10, 70, 5000])
def test_next_tokens_with_nan_logits_draw_what_a_full_sort_draws(nans):
    """A diverged row (NaN logits) draws as the full sort does instead of failing a whole sampling stage."""
    rng = np.random.default_rng(nans)
    logits = (rng.standard_normal((3, 5000)) * 4).astype(np.float32)
    logits[:, rng.choice(5000, nans, replace=False)] = np.nan
    for sampling in (Sampling(0.7, 0.95, seed=1), Sampling(1.0, 0.9, 10, seed=2), Sampling(1.0, 1.0, 10, seed=3)):
        keys = [[i] for i in range(len(logits))]
        with np.errstate(invalid="ignore"):
            got = next_tokens(logits, sampling, sampling.rngs(keys))
            assert list(got) == _full_sort_draw(logits, sampling, sampling.rngs(keys))


# --- the trained tiny model ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny(tiny_run):
    from evaluation.inference.answering import prompt_ids
    from evaluation.inference.model import load_run

    run, _ = tiny_run
    model = load_run(run)
    problems = ["计算 12.50 + 3.25 等于多少？", "计算 9.00 的平方根？", "解方程 3x + 6 = 0"]
    return model, [prompt_ids(model, p) for p in problems]


def _run(model, prompts, sampling=None, n=20):
    return decode(model.decoder, prompts, n, model.tokenizer.eos_id, sampling=sampling)


def test_temperature_zero_and_top_k_one_are_greedy(tiny):
    model, prompts = tiny
    ref = greedy(model.decoder, prompts, 20, model.tokenizer.eos_id)
    assert _run(model, prompts, Sampling(0.0, seed=3)) == ref
    assert _run(model, prompts, Sampling(5.0, top_k=1, seed=3)) == ref


def test_same_seed_same_samples_other_seed_other_samples(tiny):
    model, prompts = tiny
    a = _run(model, prompts, Sampling(5.0, seed=1))
    assert _run(model, prompts, Sampling(5.0, seed=1)) == a
    assert _run(model, prompts, Sampling(5.0, seed=2)) != a
    assert a != greedy(model.decoder, prompts, 20, model.tokenizer.eos_id)
    # a sample depends on its own Generator only, not on the batch it is decoded in
    alone = decode(model.decoder, prompts[1:2], 20, model.tokenizer.eos_id, sampling=Sampling(5.0, seed=1),
                   rngs=Sampling(5.0, seed=1).rngs([[1]]))
    assert alone[0] == a[1]


def test_predict_samples_vote_and_score(tiny_run, tmp_path):
    run, _ = tiny_run
    m = [sys.executable, "-m", "mathtune"]
    subprocess.run(m + ["data", "synth", "--n", "4", "--seed", "5", "--out", str(tmp_path / "t.jsonl")], check=True)

    def predict(name, *extra):
        proc = subprocess.run(m + ["predict", "--run-dir", str(run), "--input", str(tmp_path / "t.jsonl"),
                                   "--out", str(tmp_path / name), "--max-new-tokens", "40",
                                   "--samples", "3", "--temperature", "1.5", "--top-p", "0.95", "--quiet", *extra],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return [json.loads(line) for line in (tmp_path / name).read_text().splitlines()]

    rows = predict("a.jsonl", "--seed", "7", "--batch-size", "6")
    assert predict("b.jsonl", "--seed", "7", "--batch-size", "3") == rows  # batching changes nothing
    assert len(rows) == 4
    for r in rows:
        assert len(r["samples"]) == 3 and len(r["sample_answers"]) == 3
        assert r["answer"] == majority_vote(r["sample_answers"], key=to_exact) and r["answer_from"] == "vote"
    score = subprocess.run(m + ["score", str(tmp_path / "a.jsonl")], capture_output=True, text=True, timeout=300)
    assert score.returncode == 0, score.stderr
    result = json.loads((tmp_path / "score.json").read_text())
    assert result["samples"]["k"] == 3 and set(result["samples"]["pass"]) == {"1", "2", "3"}
    assert result["samples"]["maj"] == pytest.approx(result["accuracy"])
    assert "pass@3" in score.stdout and "maj@3" in score.stdout
    bad = subprocess.run(m + ["predict", "--run-dir", str(run), "--input", str(tmp_path / "t.jsonl"), "--out",
                              str(tmp_path / "c.jsonl"), "--top-p", "0"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and bad.stderr.startswith("mathtune: error:")
