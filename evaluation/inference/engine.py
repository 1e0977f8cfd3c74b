"""One question → answer path shared by `predict`, `chat` and `serve`.

The prompt is rendered as in training (`answering.prompt_ids`), the model generates, a closed program
runs in the sandbox and its output goes back to the model (`answering.answer_batch`), and the answer is
taken from the program's output or the model's text (`answering.final_answer`). This module only adds
the settings in one place and the per-question events the interactive commands stream.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from evaluation.inference.answering import answer_batch, final_answer
from evaluation.inference.model import Model
from evaluation.inference.sampling import Sampling
from evaluation.sandbox.limits import Limits

# on_event(i, kind, value): kind "text" (new characters), "program" (code), "output" (sandbox Result),
# "answer" (the finished Answer)
OnEvent = Callable[[int, str, object], None]


@dataclass(frozen=True)
class Settings:
    max_new_tokens: int = 128
    limits: Limits = field(default_factory=Limits)
    execute: bool = True
    sampling: Sampling = field(default_factory=Sampling)


@dataclass
class Answer:
    answer: str | None
    answer_from: str  # "program": printed by the program; "text": the model's answer line
    generation: str
    program: str | None
    program_status: str | None
    program_output: str | None
    tokens: int

    @property
    def content(self) -> str:
        """What a reader is given: the answer, or what the model wrote when no answer could be read."""
        return self.answer if self.answer is not None else self.generation.strip()


def answer(model: Model, problems: list[str], settings: Settings, on_event: OnEvent | None = None,
           seeds: list[int] | None = None, cancelled=None) -> list[Answer]:
    """Answer a batch of questions in one decoder batch; question i samples from a Generator seeded
    `seeds[i]` (default: its position) when `settings.sampling` is not greedy. `cancelled(i)` true stops
    question i where it is."""
    rngs = None
    if not settings.sampling.greedy:
        keys = [[settings.sampling.seed, i] for i in range(len(problems))] if seeds is None else [[s] for s in seeds]
        rngs = [np.random.default_rng(k) for k in keys]
    entries = answer_batch(model, problems, settings.max_new_tokens, settings.limits, settings.execute,
                           sampling=settings.sampling, rngs=rngs, on_event=on_event, cancelled=cancelled)
    out = []
    for i, e in enumerate(entries):
        got, source = final_answer(e)
        a = Answer(got, source, e["generation"], e["code"], e["code_status"], e["code_output"],
                   len(model.tokenizer.encode_batch([e["generation"]])[0]) if e["generation"] else 0)
        out.append(a)
        if on_event is not None:
            on_event(i, "answer", a)
    return out
