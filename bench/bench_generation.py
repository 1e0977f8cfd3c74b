"""CPU generation on SmolLM2-135M: our KV-cache decoder vs MindFormers' uncached generate.

Both run greedy decoding from the same converted checkpoint on the same prompts; the bench checks
the tokens are identical and prints tokens/s for MindFormers (batch 1, graph mode, the whole
sequence recomputed per token) and for ours at batch 1 and batch 8. Also: sandbox executions/s.
Usage: python bench/bench_generation.py [--prompts 4] [--new-tokens 24]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PROBLEMS = ["计算 7469.98 * -2455.65 等于多少？", "解方程 -81x + -45 = 0", "计算 6145.00 的平方根？",
            "求以下数据的平均值：[79, 69, 19, 3, 23, 93]", "What is 12 + 7?", "The capital of France is",
            "将分数 4/6 进行简化。", "一个长方形的长为 57 厘米，宽为 84 厘米，请计算其面积。"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--prompts", type=int, default=2, help="prompts decoded by MindFormers (slow: ~2 tokens/s)")
    ap.add_argument("--new-tokens", type=int, default=96, help="96: the length prediction uses for PoT answers")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "mathtune", "ckpt", "from-gguf", "--out", tmp, "--no-check"],
                       check=True, capture_output=True)
        import mindspore as ms

        from evaluation.predict import load_model_dir, prompt_ids
        from training.ckpt import load_params
        from training.cpu import CPU_MODEL_SETTINGS, cpu_argmax_patch
        from training.models import build_model

        model = load_model_dir(tmp)
        prompts = [prompt_ids(model, p) for p in PROBLEMS]
        n = a.new_tokens
        from evaluation.generate import greedy

        t = time.perf_counter()
        ours_1 = [greedy(model.decoder, [p], n, model.tokenizer.eos_id, min_new_tokens=0)[0] for p in prompts]
        ours_1_s = time.perf_counter() - t
        t = time.perf_counter()
        ours_8 = greedy(model.decoder, prompts, n, model.tokenizer.eos_id, min_new_tokens=0)
        ours_8_s = time.perf_counter() - t
        assert ours_8 == ours_1, "batched and single decoding disagree"
        t = time.perf_counter()
        ours_16 = greedy(model.decoder, prompts * 2, n, model.tokenizer.eos_id, min_new_tokens=0)
        ours_16_s = time.perf_counter() - t

        ms.set_context(mode=0, device_target="CPU")
        seq = max(len(p) for p in prompts) + n
        net = build_model({**model.mc, **CPU_MODEL_SETTINGS, "seq_length": seq}, lora=False)
        ms.load_param_into_net(net, {k: ms.Parameter(ms.Tensor(v), name=k) for k, v in load_params(Path(tmp) / "model.ckpt").items()})
        cpu_argmax_patch(net)
        warm = np.zeros((1, seq), np.int32)
        warm[0, : len(prompts[0])] = prompts[0]
        t = time.perf_counter()
        net.generate(warm, do_sample=False, max_new_tokens=1, min_new_tokens=0, use_past=False)
        compile_s = time.perf_counter() - t
        mf, mf_tokens = [], 0
        t = time.perf_counter()
        for p in prompts[: a.prompts]:
            ids = np.zeros((1, seq), np.int32)
            ids[0, : len(p)] = p
            out = net.generate(ids, do_sample=False, max_new_tokens=n, min_new_tokens=0, use_past=False)
            toks = [int(x) for x in out[0][len(p): len(p) + n]]
            if model.tokenizer.eos_id in toks:
                toks = toks[: toks.index(model.tokenizer.eos_id)]
            mf.append(toks)
            mf_tokens += len(toks)
        mf_s = time.perf_counter() - t
    same = sum(x == y for x, y in zip(mf, ours_1))
    tok_1 = sum(len(o) for o in ours_1)
    ours_rate_1, ours_rate_8, mf_rate = tok_1 / ours_1_s, tok_1 / ours_8_s, mf_tokens / mf_s
    ours_rate_16 = sum(len(o) for o in ours_16) / ours_16_s
    print(f"SmolLM2-135M, greedy, {n} new tokens, {len(prompts)} prompts ({a.prompts} through MindFormers)")
    print(f"MindFormers generate, no cache (graph mode, batch 1): {mf_tokens} tokens in {mf_s:.1f}s = {mf_rate:.2f} tokens/s "
          f"(after a {compile_s:.1f}s warm-up that compiles the graph)")
    print(f"mathtune KV cache, batch 1: {tok_1} tokens in {ours_1_s:.1f}s = {ours_rate_1:.1f} tokens/s "
          f"({ours_rate_1 / mf_rate:.0f}x)")
    print(f"mathtune KV cache, batch {len(prompts)}: {tok_1} tokens in {ours_8_s:.1f}s = {ours_rate_8:.1f} tokens/s "
          f"({ours_rate_8 / mf_rate:.0f}x)")
    print(f"mathtune KV cache, batch {2 * len(prompts)}: {ours_rate_16:.1f} tokens/s ({ours_rate_16 / mf_rate:.0f}x); "
          f"target ≥ 20x")
    print(f"same greedy tokens as MindFormers: {same}/{len(mf)} prompts")
    for p, o in zip(PROBLEMS[:3], ours_1):
        print(f"  {p!r} → {model.tokenizer.decode(o)!r}")

    from evaluation.sandbox import run_code

    t = time.perf_counter()
    runs = 40
    for i in range(runs):
        assert run_code(f"from decimal import Decimal\nprint(Decimal('{i}.5') * 2)").ok
    print(f"sandbox: {runs / (time.perf_counter() - t):.1f} executions/s (fresh isolated interpreter each)")


if __name__ == "__main__":
    main()
