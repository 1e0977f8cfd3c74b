"""`predict --samples k`: k sampled answers per problem, their majority vote (self-consistency,
maj@k), and the pass@k / maj@k figures `mathtune score` prints when rows carry samples."""
from __future__ import annotations

from evaluation.inference.answering import answer_batch, final_answer
from converters.answers.number import to_exact
from evaluation.scoring.symbolic import value_correct
from evaluation.inference.sampling import Sampling, majority_vote, pass_at_k


def sample_rows(model, rows: list[dict], first_row: int, k: int, sampling: Sampling, max_new_tokens: int,
                limits, execute: bool, on_token=None) -> list[dict]:
    """For each row: {"samples": [k answers with their generations], "sample_answers", "vote",
    "generation" of the first sample that gave the vote}. Sample j of row r draws from the
    Generator seeded (seed, r, j), so the answers do not depend on the batch size."""

    problems = [r["problem"] for r in rows for _ in range(k)]
    rngs = sampling.rngs([(first_row + i, j) for i in range(len(rows)) for j in range(k)])
    entries = answer_batch(model, problems, max_new_tokens, limits, execute, on_token, sampling, rngs)
    out = []
    for i in range(len(rows)):
        group = entries[i * k:(i + 1) * k]
        for e in group:
            e["answer"], e["answer_from"] = final_answer(e)
        answers = [e["answer"] for e in group]
        vote = majority_vote(answers, key=to_exact)
        chosen = next((e for e in group if vote is not None and e["answer"] == vote), None)
        out.append({"generation": chosen["generation"] if chosen else "", "vote": vote,
                    "sample_answers": answers, "samples": group,
                    "sampling": {"samples": k, "temperature": sampling.temperature, "top_p": sampling.top_p,
                                 "top_k": sampling.top_k, "seed": sampling.seed}})
    return out


def sample_metrics(rows: list[dict], mode: str = "exact") -> dict | None:
    """pass@1, pass@k (unbiased, Chen et al. 2021; with n = k samples: any correct) and maj@k over
    scored rows that carry `sample_answers`; None when no row does."""
    counts = []
    for row in rows:
        answers, golds = row.get("sample_answers"), row.get("gold")
        if not isinstance(answers, list) or not answers or golds is None or "correct" not in row:
            continue
        golds = [str(g) for g in (golds if isinstance(golds, list) else [golds])]
        c = sum(value_correct(a, golds, mode) for a in answers)
        vote = majority_vote(answers, key=to_exact)
        counts.append((len(answers), c, value_correct(vote, golds, mode)))
    if not counts:
        return None
    k = min(n for n, _, _ in counts)
    ks = sorted({1, k} | {2 ** i for i in range(1, k.bit_length()) if 2 ** i < k})
    return {"rows": len(counts), "k": k,
            "pass": {str(j): sum(pass_at_k(n, c, j) for n, c, _ in counts) / len(counts) for j in ks},
            "maj": sum(v for _, _, v in counts) / len(counts)}


def format_samples(m: dict) -> str:
    passes = ", ".join(f"pass@{j} {100 * v:.2f}%" for j, v in m["pass"].items())
    return f"samples: {m['rows']} rows × ≥{m['k']} samples: {passes}; maj@{m['k']} {100 * m['maj']:.2f}%"
