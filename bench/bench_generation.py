"""CPU generation on SmolLM2-135M: our KV-cache decoder vs MindFormers' uncached generate.

Both decode greedily from the same converted checkpoint, the same prompts, at the same batch size
(all prompts in one batch, padded on the right), and the bench counts the prompts whose tokens are
identical. MindFormers recomputes the whole padded sequence for every token (graph mode); ours
keeps a KV cache. Also printed: ours at batch 1, and sandbox executions/s.
Usage: python bench/bench_generation.py [--prompts 16] [--new-tokens 32]
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
            "将分数 4/6 进行简化。", "一个长方形的长为 57 厘米，宽为 84 厘米，请计算其面积。",
            "计算 -348.19 的 3 次方？", "把 2.5 千克换算成克。", "一件商品原价 80 元，打八折后多少元？",
            "计算 15% 的 640 是多少？", "Write a haiku about numbers.", "求 144 的平方根。",
            "计算 (3/4) + (5/6) 等于多少？", "Explain what a prime number is."]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--prompts", type=int, default=16, help="prompts, decoded as one batch by both")
    ap.add_argument("--new-tokens", type=int, default=32,
                    help="MindFormers recomputes the whole batch per token: ~10 s a token at batch 16 on 2 cores")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "mathtune", "ckpt", "from-gguf", "--out", tmp, "--no-check"],
                       check=True, capture_output=True)
        import mindspore as ms

        from evaluation.inference.decode import greedy
        from evaluation.inference.answering import prompt_ids
        from evaluation.inference.model import load_model_dir
        from training.checkpoints.params import load_params
        from training.model.cpu import CPU_MODEL_SETTINGS, cpu_argmax_patch
        from training.model.build import build_model

        model = load_model_dir(tmp)
        texts = (PROBLEMS * (a.prompts // len(PROBLEMS) + 1))[: a.prompts]
        prompts = [prompt_ids(model, p) for p in texts]
        n, batch, eos = a.new_tokens, len(prompts), model.tokenizer.eos_id
        t = time.perf_counter()
        ours_1 = [greedy(model.decoder, [p], n, eos, min_new_tokens=0)[0] for p in prompts]
        ours_1_s = time.perf_counter() - t
        t = time.perf_counter()
        ours_b = greedy(model.decoder, prompts, n, eos, min_new_tokens=0)
        ours_b_s = time.perf_counter() - t

        ms.set_context(mode=0, device_target="CPU")
        seq = max(len(p) for p in prompts) + n
        net = build_model({**model.mc, **CPU_MODEL_SETTINGS, "seq_length": seq, "batch_size": batch}, lora=False)
        ms.load_param_into_net(net, {k: ms.Parameter(ms.Tensor(v), name=k)
                                     for k, v in load_params(Path(tmp) / "model.ckpt").items()})
        cpu_argmax_patch(net)
        pad = model.mc.get("pad_token_id", 0)
        ids = np.full((batch, seq), pad, np.int32)
        for i, p in enumerate(prompts):
            ids[i, : len(p)] = p
        t = time.perf_counter()
        net.generate(ids, do_sample=False, max_new_tokens=1, min_new_tokens=0, use_past=False)
        compile_s = time.perf_counter() - t
        t = time.perf_counter()
        out = net.generate(ids, do_sample=False, max_new_tokens=n, min_new_tokens=0, use_past=False)
        mf_s = time.perf_counter() - t
        mf = []
        for i, p in enumerate(prompts):
            toks = [int(x) for x in out[i][len(p): len(p) + n]]
            mf.append(toks[: toks.index(eos)] if eos in toks else toks)
    same = sum(x == y for x, y in zip(mf, ours_b))
    tokens = sum(len(o) for o in ours_b)
    mf_rate, ours_rate_b, ours_rate_1 = sum(len(o) for o in mf) / mf_s, tokens / ours_b_s, tokens / ours_1_s
    print(f"SmolLM2-135M, greedy, up to {n} new tokens, {batch} prompts")
    print(f"MindFormers generate, no cache (graph mode, batch {batch}): {sum(len(o) for o in mf)} tokens in "
          f"{mf_s:.1f}s = {mf_rate:.2f} tokens/s (after a {compile_s:.1f}s warm-up that compiles the graph)")
    print(f"mathtune KV cache, batch {batch}: {tokens} tokens in {ours_b_s:.1f}s = {ours_rate_b:.1f} tokens/s "
          f"({ours_rate_b / mf_rate:.0f}x at the same batch size)")
    print(f"mathtune KV cache, batch 1: {ours_rate_1:.1f} tokens/s; batch {batch} and batch 1 give the same tokens: "
          f"{ours_1 == ours_b}")
    print(f"same greedy tokens as MindFormers: {same}/{batch} prompts")
    for p, o in zip(texts[:3], ours_b):
        print(f"  {p!r} → {model.tokenizer.decode(o)!r}")

    from evaluation.sandbox.runner import run_code

    t = time.perf_counter()
    runs = 40
    for i in range(runs):
        assert run_code(f"from decimal import Decimal\nprint(Decimal('{i}.5') * 2)").ok
    print(f"sandbox: {runs / (time.perf_counter() - t):.1f} executions/s "
          "(bubblewrap: a fresh interpreter in new namespaces each; bench_sandbox.py compares)")


if __name__ == "__main__":
    main()
