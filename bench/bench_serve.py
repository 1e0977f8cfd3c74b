"""`mathtune serve` throughput: requests/s and p50/p95 latency for a run's model, the same requests
from concurrent clients with batching (--max-batch 8) and one at a time (--max-batch 1).

Usage: python bench/bench_serve.py --run-dir RUN [--requests 32] [--clients 16] [--max-tokens 64]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_serve import start, wait_ready  # noqa: E402 - the tests' own way to run a server


def measure(url: str, questions: list[str], clients: int, max_tokens: int) -> dict:
    def one(q: str) -> float:
        t = time.perf_counter()
        r = httpx.post(url + "/v1/chat/completions", timeout=600,
                       json={"max_tokens": max_tokens, "messages": [{"role": "user", "content": q}]})
        r.raise_for_status()
        return time.perf_counter() - t

    start_t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        lat = sorted(pool.map(one, questions))
    took = time.perf_counter() - start_t
    stats = httpx.get(url + "/v1/stats").json()
    return {"rps": len(questions) / took, "p50": statistics.median(lat),
            "p95": lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))], "seconds": took,
            "batches": stats["batches"], "largest": stats["largest_batch"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--requests", type=int, default=32)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=64)
    a = ap.parse_args()
    questions = [f"What is {17 * i + 3} + {29 * i + 5}?" for i in range(a.requests)]
    print(f"{a.requests} requests from {a.clients} concurrent clients, max_tokens {a.max_tokens}, run {a.run_dir}")
    for batch in (8, 1):
        proc, url = start(Path(a.run_dir), Path.cwd(), "--max-batch", str(batch), "--max-queue", str(a.requests))
        try:
            wait_ready(proc, url)
            ask = lambda q: httpx.post(url + "/v1/chat/completions", timeout=600,  # noqa: E731
                                       json={"max_tokens": 4, "messages": [{"role": "user", "content": q}]})
            ask("warm up")
            m = measure(url, questions, a.clients, a.max_tokens)
        finally:
            proc.terminate()
            proc.wait(30)
        print(f"--max-batch {batch}: {m['rps']:.2f} requests/s, latency p50 {m['p50']:.2f} s, p95 {m['p95']:.2f} s "
              f"({m['seconds']:.1f} s in all; {m['batches'] - 1} batches, the largest {m['largest']})")


if __name__ == "__main__":
    main()
