"""`mathtune predict`: a run's model answers problems, with its programs executed in the sandbox."""
from __future__ import annotations

import json
import time

from fileio.atomic import atomic_open
from evaluation.inference.answering import answer_batch, final_answer
from evaluation.inference.decode import batches
from evaluation.inference.model import Model
from evaluation.inference.sampled_answers import sample_rows
from evaluation.sandbox.limits import Limits


def gold_of(row: dict) -> tuple[str | None, str | None]:
    """(category, gold answer) of a problem row: recomputed when the row has a solution."""
    from converters.rules.verify import check
    from evaluation.scoring.extract import extract_answer

    if row.get("gold") is not None:
        return row.get("category"), str(row["gold"])
    solution = row.get("solution") or row.get("reference")
    c = check(row["problem"], solution or "")
    if c.category == "competition":
        return c.category, c.expected
    if c.expected is not None:
        return c.category, c.expected
    return c.category, extract_answer(solution) if solution else None


def predict(model: Model, rows: list[dict], out: str, batch_size: int = 8, max_new_tokens: int = 128,
            limits: Limits = Limits(), execute: bool = True, show_progress: bool = True,
            samples: int = 1, sampling=None) -> dict:
    """Answer every row; with `samples` k > 1 (or a sampling temperature) each row gets k sampled
    answers and their majority vote (see evaluation.inference.sampled_answers). When programs run, each greedy row also
    keeps `text_generation` and `text_answer`: the model's own text and what a judge that runs no code
    reads from it."""
    from tqdm import tqdm

    from evaluation.scoring.extract import extract_answer

    sampled = samples > 1 or (sampling is not None and not sampling.greedy)
    per_chunk = max(1, batch_size // samples) if sampled else batch_size

    start = time.perf_counter()
    tokens = 0
    bar = tqdm(total=len(rows), desc="predict", unit="problem", disable=not show_progress, mininterval=1)

    def count(n: int) -> None:
        nonlocal tokens
        tokens += n

    with atomic_open(out) as handle:
        for n, chunk in enumerate(batches(rows, per_chunk)):
            if sampled:
                answers = sample_rows(model, chunk, n * per_chunk, samples, sampling, max_new_tokens, limits,
                                      execute, count)
            else:
                answers = answer_batch(model, [r["problem"] for r in chunk], max_new_tokens, limits, execute, count,
                                       keep_text=execute)
            for row, ans in zip(chunk, answers):
                category, gold = gold_of(row)
                answer, source = final_answer(ans) if not sampled else (ans.pop("vote"), "vote")
                if "text_generation" in ans:  # the answer a judge that runs no code reads
                    ans["text_answer"] = extract_answer(ans["text_generation"])
                record = {"source": row.get("source"), "problem": row["problem"], "category": category,
                          "gold": gold, **{k: row[k] for k in ("id", "answers", "seen") if k in row},
                          **ans, "answer": answer, "answer_from": source}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            bar.update(len(chunk))
            bar.set_postfix(tok_s=f"{tokens / max(time.perf_counter() - start, 1e-9):.1f}")
    bar.close()
    took = time.perf_counter() - start
    return {"problems": len(rows), "generated_tokens": tokens, "seconds": took, "tokens_per_s": tokens / max(took, 1e-9)}
