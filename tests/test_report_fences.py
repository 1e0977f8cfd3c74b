"""The demo report quotes the model's answers, which hold ```python blocks: the quoting fence must be longer.

CommonMark closes a fenced block at the first line whose backtick run is at least as long as the opening
fence, so a ``` fence around a generation with ```python in it ends at that line and the rest of the
report renders as code. The check below applies that rule to the lines misses() writes.
"""
import re

from evaluation.reports.demo import fence_for, misses

GENERATION = "```python\ndata = [1, 2]\nprint(sum(data) / len(data))\n```\n```output\n1.5\n```"


def _block_ends(lines: list[str]) -> list[int]:
    """Indexes of the lines that close each fenced block (CommonMark: a run at least as long as the opener)."""
    ends, opener = [], None
    for i, line in enumerate(lines):
        run = re.match(r"\s*(`{3,})", line)
        if not run:
            continue
        if opener is None:
            opener = len(run.group(1))
        elif len(run.group(1)) >= opener and not line.strip().strip("`"):
            ends.append(i)
            opener = None
    return ends


def test_a_quoted_generation_stays_inside_one_block():
    lines = misses([{"problem": "p", "gold": "2", "prediction": "1.5", "correct": False,
                     "generation": GENERATION}])
    body = lines[3:]
    assert _block_ends(body) == [len(body) - 1]  # one block, closed by its own last line
    assert body[0].strip() == "````"


def test_the_rule_would_break_on_a_three_backtick_fence():
    # what the report wrote before: the block closes at the generation's first inner fence
    naive = ["  ```", *("  " + line for line in GENERATION.splitlines()), "  ```"]
    assert _block_ends(naive)[0] < len(naive) - 1


def test_fence_length_follows_the_longest_run():
    assert fence_for("no code") == "```"
    assert fence_for("````x````") == "`````"
