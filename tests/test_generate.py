"""The CPU KV-cache decoder gives MindFormers' own greedy tokens."""
import numpy as np
import pytest

from evaluation.inference.decode import KVDecoder, decode, greedy
from evaluation.inference.sampling import Sampling
from training.config.loader import load_config
from training.model.cpu import apply_cpu_config, cpu_argmax_patch
from training.model.build import build_model


@pytest.fixture(scope="module")
def model():
    import mindspore as ms

    from pathlib import Path

    ms.set_context(mode=1, device_target="CPU")
    cfg = load_config(Path(__file__).resolve().parents[1] / "yaml" / "cpu_tiny.yaml")
    apply_cpu_config(cfg)
    mc = cfg.model.model_config
    mc.update(dict(hidden_size=64, num_layers=2, num_heads=4, n_kv_heads=2, intermediate_size=128, vocab_size=97,
                   seq_length=40, pad_token_id=0, eos_token_id=2))
    ms.set_seed(0)
    net = build_model(mc)
    cpu_argmax_patch(net)
    return net, dict(mc), {p.name: p.asnumpy() for p in net.get_parameters()}


def test_same_greedy_tokens_as_mindformers_generate(model):
    net, mc, params = model
    rng = np.random.default_rng(1)
    prompts = [list(map(int, rng.integers(3, 97, size=n))) for n in (3, 7, 11, 16, 24)]
    ours = greedy(KVDecoder(params, mc), prompts, 14, eos_id=2, min_new_tokens=0)
    for prompt, got in zip(prompts, ours):
        ids = np.zeros((1, mc["seq_length"]), np.int32)
        ids[0, : len(prompt)] = prompt
        out = net.generate(ids, do_sample=False, max_new_tokens=14, min_new_tokens=0, use_past=False)
        theirs = [int(t) for t in out[0][len(prompt): len(prompt) + 14]]
        if 2 in theirs:
            theirs = theirs[: theirs.index(2)]
        assert got == theirs


def test_min_new_tokens_and_stop(model):
    _, mc, params = model
    dec = KVDecoder(params, mc)
    prompt = [[5, 6, 7]]
    free = greedy(dec, prompt, 8, eos_id=2, min_new_tokens=0)[0]
    forced = greedy(dec, prompt, 8, eos_id=int(free[0]) if free else 2, min_new_tokens=3)[0]
    assert len(forced) >= 3  # EOS cannot end the output before min_new_tokens
    stopped = greedy(dec, prompt, 8, eos_id=2, min_new_tokens=0, stop=lambda i, toks: len(toks) == 2)[0]
    assert stopped == free[:2]


def test_rows_that_finish_leave_the_batch_without_changing_the_others(model):
    """decode() drops finished rows once a quarter of the batch is done; every prompt still gets the
    tokens it gets alone, greedy and sampled (each row draws from its own generator)."""

    _, mc, params = model
    dec = KVDecoder(params, mc)
    rng = np.random.default_rng(2)
    prompts = [list(map(int, rng.integers(3, 97, size=n))) for n in (4, 9, 5, 12, 6, 8, 3, 10)]
    stop_at = [1, 2, 3, 12, 2, 12, 4, 12]  # five rows stop early: the batch shrinks twice
    stop = lambda i, toks: len(toks) >= stop_at[i]  # noqa: E731
    together = greedy(dec, prompts, 12, eos_id=2, min_new_tokens=0, stop=stop)
    alone = [greedy(dec, [p], 12, eos_id=2, min_new_tokens=0, stop=lambda _, toks, s=s: len(toks) >= s)[0]
             for p, s in zip(prompts, stop_at)]
    assert together == alone and [len(t) for t in together][:3] == [1, 2, 3]
    sampling = Sampling(temperature=1.0, top_p=1.0, top_k=0, seed=5)
    rngs = sampling.rngs([[i] for i in range(len(prompts))])
    drawn = decode(dec, prompts, 12, 2, 0, stop, sampling=sampling, rngs=rngs)
    for i, p in enumerate(prompts):
        one = decode(dec, [p], 12, 2, 0, lambda _, toks, s=stop_at[i]: len(toks) >= s, sampling=sampling,
                     rngs=sampling.rngs([[i]]))
        assert drawn[i] == one[0]


def test_prompts_prefilled_in_groups_give_the_same_tokens(model, monkeypatch):
    """Prompts are prefilled together up to PREFILL_TOKENS tokens: a split into groups changes nothing."""
    from evaluation.inference import decode as dec_module

    _, mc, params = model
    rng = np.random.default_rng(2)
    prompts = [list(map(int, rng.integers(3, 97, size=n))) for n in (5, 9, 2, 14, 7, 1)]
    whole = greedy(KVDecoder(params, mc), prompts, 10, eos_id=2, min_new_tokens=0)
    monkeypatch.setattr(dec_module, "PREFILL_TOKENS", 10)  # groups [5], [9], [2], [14], [7, 1]
    assert greedy(KVDecoder(params, mc), prompts, 10, eos_id=2, min_new_tokens=0) == whole
    alone = [greedy(KVDecoder(params, mc), [p], 10, eos_id=2, min_new_tokens=0)[0] for p in prompts]
    assert alone == whole


def test_a_prompt_asked_several_times_is_prefilled_once_with_the_same_draws(model, monkeypatch):
    """k samples of one question share its prefill (the decoder sees each distinct prompt once); every
    sample still draws from its own generator, so the tokens equal those of prompts prefilled one by one."""
    _, mc, params = model
    rng = np.random.default_rng(4)
    a, b = (list(map(int, rng.integers(3, 97, size=n))) for n in (6, 11))
    prompts = [a, a, b, a, b]
    dec = KVDecoder(params, mc)
    seen = []
    real = dec.prefill
    monkeypatch.setattr(dec, "prefill", lambda ps, n: seen.append(ps) or real(ps, n))
    sampling = Sampling(temperature=1.0, top_p=1.0, top_k=0, seed=9)
    shared = decode(dec, prompts, 8, 2, 0, sampling=sampling, rngs=sampling.rngs([[i] for i in range(5)]))
    assert seen == [[a, b]]
    alone = [decode(KVDecoder(params, mc), [p], 8, 2, 0, sampling=sampling, rngs=sampling.rngs([[i]]))[0]
             for i, p in enumerate(prompts)]
    assert shared == alone and len({tuple(t) for t in shared}) > 2  # the same prompt, different draws
