"""What the runaway rule (evaluation.inference.program_turn.runaway_program) does to predictions made without it.

    python3 scripts/runaway_effect.py PRED.jsonl [--mode exact|pal]

For each row whose program never closed, cut the program where it starts repeating, end it by printing its
last name, run it in the sandbox, and count how many answers that makes right. Greedy generation up to the
limit is the same with or without the rule, so this is the rule's effect on the score, measured without
generating again. Prints one JSON object: rows, unclosed, cut, right before, right after.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository
from evaluation.inference.answering import final_answer  # noqa: E402
from evaluation.inference.program_turn import closed_code_block, observation, runaway_program  # noqa: E402
from evaluation.sandbox.runner import run_code  # noqa: E402
from evaluation.scoring.score import golds_of  # noqa: E402
from evaluation.scoring.symbolic import value_correct  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("pred")
    p.add_argument("--mode", default="exact")
    a = p.parse_args()
    rows = [json.loads(line) for line in open(a.pred, encoding="utf-8") if line.strip()]
    counts = {"rows": len(rows), "unclosed": 0, "cut": 0, "right_before": 0, "right_after": 0, "newly_right": 0}
    for row in rows:
        golds = [str(g) for g in golds_of(row)]
        before = value_correct(row.get("answer"), golds, a.mode)
        after = before
        text = row.get("generation") or ""
        if row.get("code") is None and "```python" in text and closed_code_block(text) is None:
            counts["unclosed"] += 1
            found = runaway_program(text)
            if found is not None:
                counts["cut"] += 1
                run = run_code(found[0])
                entry = {"generation": text[:found[1]] + observation(run), "code": found[0],
                         "code_status": run.status, "code_output": run.stdout if run.ok else run.stderr}
                after = value_correct(final_answer(entry)[0], golds, a.mode)
        counts["right_before"] += before
        counts["right_after"] += after
        counts["newly_right"] += after and not before
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
