"""llama.cpp (llama-cpp-python) as the generation reference: greedy decoding of given token ids,
one sequence at a time or many sequences in one batch (one context, a sequence id each).

Only `make bench` installs llama-cpp-python; mathtune never imports it.
"""
from __future__ import annotations

import time

import numpy as np


class LlamaCpp:
    def __init__(self, gguf: str, threads: int, n_ctx: int = 4096):
        import llama_cpp

        self.L = llama_cpp
        self.llm = llama_cpp.Llama(model_path=gguf, n_ctx=n_ctx, n_batch=512, n_threads=threads,
                                   n_threads_batch=threads, verbose=False)
        self.threads, self.vocab = threads, self.llm.n_vocab()
        self.eos = self.llm.token_eos()

    def one(self, prompt: list[int], new_tokens: int, eos: bool = False) -> tuple[list[int], float, float]:
        """Greedy tokens for one prompt; (tokens, seconds to the first token, seconds in all)."""
        llm = self.llm
        llm.reset()
        start = time.perf_counter()
        llm.eval(prompt)
        out, first = [], 0.0
        for i in range(new_tokens):
            logits = np.ctypeslib.as_array(self.L.llama_get_logits_ith(llm.ctx, -1), shape=(self.vocab,))
            token = int(logits.argmax())
            if i == 0:
                first = time.perf_counter() - start
            if eos and token == self.eos:
                break
            out.append(token)
            if i < new_tokens - 1:
                llm.eval([token])
        return out, first, time.perf_counter() - start

    def batch(self, prompts: list[list[int]], new_tokens: int) -> tuple[list[list[int]], float, float]:
        """Greedy tokens for all prompts decoded together: each a sequence of one context, every step
        one `llama_decode` of one token per sequence. (tokens, seconds to the first tokens, seconds)."""
        L, n = self.L, len(prompts)
        params = L.llama_context_default_params()
        params.n_ctx = sum(len(p) for p in prompts) + n * new_tokens + 64
        params.n_batch = params.n_ubatch = max(512, sum(len(p) for p in prompts))
        params.n_seq_max = n
        params.n_threads = params.n_threads_batch = self.threads
        params.no_perf = True
        ctx = L.llama_init_from_model(self.llm.model, params)
        batch = L.llama_batch_init(params.n_batch, 0, n)
        try:
            start = time.perf_counter()
            entries = [(tok, pos, seq, pos == len(p) - 1) for seq, p in enumerate(prompts) for pos, tok in enumerate(p)]
            rows = self._decode(ctx, batch, entries)
            first = time.perf_counter() - start
            outs: list[list[int]] = [[] for _ in prompts]
            for step in range(new_tokens):
                tokens = []
                for seq, row in enumerate(rows):
                    logits = np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, row), shape=(self.vocab,))
                    tokens.append(int(logits.argmax()))
                for seq, token in enumerate(tokens):
                    outs[seq].append(token)
                if step == new_tokens - 1:
                    break
                rows = self._decode(ctx, batch, [(tok, len(prompts[seq]) + step, seq, True)
                                                 for seq, tok in enumerate(tokens)])
            return outs, first, time.perf_counter() - start
        finally:
            L.llama_batch_free(batch)
            L.llama_free(ctx)

    def _decode(self, ctx, batch, entries: list[tuple[int, int, int, bool]]) -> list[int]:
        """One llama_decode of (token, position, sequence, wants logits); the batch rows with logits."""
        batch.n_tokens = len(entries)
        rows = []
        for i, (tok, pos, seq, logits) in enumerate(entries):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = tok, pos, 1
            batch.seq_id[i][0] = seq
            batch.logits[i] = logits
            if logits:
                rows.append(i)
        if self.L.llama_decode(ctx, batch) != 0:
            raise RuntimeError("llama_decode failed")
        return rows



def main() -> None:
    """Run as a script (its own process: llama.cpp's OpenMP and MindSpore's threads do not mix):
    prompts as JSON token ids in, figures and tokens as one JSON line out."""
    import argparse
    import json

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--prompts", required=True, help="JSON file: a list of token-id lists")
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--batches", default="4,16,64")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    prompts = json.loads(open(a.prompts, encoding="utf-8").read())
    ref = LlamaCpp(a.gguf, a.threads)
    ref.one(prompts[0], 4)  # warm-up
    ones = [ref.one(p, a.new_tokens) for p in prompts]
    result = {"batch1_tokens_per_s": len(prompts) * a.new_tokens / sum(o[2] for o in ones),
              "ttft_ms": 1000 * sum(o[1] for o in ones) / len(ones), "tokens": [o[0] for o in ones], "batched": {}}
    for size in map(int, a.batches.split(",")):
        group = (prompts * (size // len(prompts) + 1))[:size]
        outs, first, seconds = ref.batch(group, a.new_tokens)
        result["batched"][size] = {"tokens_per_s": size * a.new_tokens / seconds, "first_s": first,
                                   "same_as_batch1": sum(o == ones[i % len(ones)][0] for i, o in enumerate(outs))}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
