"""Preference pairs for DPO from `predict --samples k` output: for one problem, a sampled answer whose
program's sandboxed output equals the gold (chosen) against one that does not (rejected).

Both come from the model itself, judged by the rule `mathtune score` uses, as in DPO-augmented
self-training (Wang et al., ACL 2024). Chosen programs must be verified reasoning (`trivial_reason`: no
constant prints, numbers from the problem); rejected ones are any wrong answer, a program that fails,
no program at all, or a loop that never closed (as the model wrote it, not as predict cut it)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from evaluation.rft.rows import checked_rows, judge_sample, program_key

REJECTED = ("wrong", "program failed", "no program", "program cut (a loop)")


@dataclass
class PairTally:
    problems: int = 0
    with_pairs: int = 0
    pairs: int = 0
    samples: Counter = field(default_factory=Counter)

    def summary(self) -> dict:
        return {"problems": self.problems, "with_pairs": self.with_pairs, "pairs": self.pairs,
                "samples": dict(self.samples)}


def make_pairs(rows, tally: PairTally, max_per_problem: int, mode: str = "exact"):
    """Yield {problem, chosen, rejected, gold, source} from `(where, row)` prediction rows; a bad row yields
    a `where: reason` string. Distinct chosen programs and distinct rejected texts are paired in turn, up to
    `max_per_problem` pairs, so every sample is used before any is used twice."""
    for item in checked_rows(rows):
        if isinstance(item, str):
            yield item
            continue
        where, row, problem, golds, samples = item
        tally.problems += 1
        right: dict[tuple, str] = {}
        wrong: dict[str, str] = {}
        for s in samples:
            outcome = judge_sample(s, problem, golds, mode)
            tally.samples[outcome] += 1
            text = s.get("raw_generation") or s.get("generation") or ""  # a cut loop: the loop as written
            if outcome == "right" and text.strip():
                right.setdefault(program_key(s["code"]), text)
            elif outcome in REJECTED and text.strip():
                wrong.setdefault(" ".join(text.split()), text)
        if not right or not wrong:
            continue
        chosen, rejected = list(right.values()), list(wrong.values())
        n = min(max_per_problem, max(len(chosen), len(rejected)))
        tally.with_pairs += 1
        tally.pairs += n
        origin = row.get("source") if isinstance(row.get("source"), str) else where
        for i in range(n):
            yield {"problem": problem, "chosen": chosen[i % len(chosen)], "rejected": rejected[i % len(rejected)],
                   "gold": golds[0], "source": f"dpo:{origin}#{i}"}
