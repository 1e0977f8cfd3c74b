"""Requests from many HTTP clients decoded together: one worker thread owns the model.

The worker takes the oldest waiting request, waits up to `wait_s` for more that use the same
settings (a decoder batch shares one temperature, top-p, top-k and length), decodes up to
`max_batch` of them in one KV-cache batch, and sends each request its own events. A request that
gave up (timeout, disconnected client) before its batch started is dropped.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from evaluation.inference.engine import Settings, answer
from evaluation.inference.answering import prompt_ids
from evaluation.inference.model import Model


class QueueFull(Exception):
    """More requests are waiting than the server was told to hold (HTTP 503)."""


@dataclass
class Job:
    question: str
    settings: Settings
    emit: Callable[[str, object], None]  # called from the worker thread: (kind, value) as in engine.OnEvent
    seed: int = field(default_factory=lambda: secrets.randbits(63))
    cancelled: threading.Event = field(default_factory=threading.Event)
    prompt_tokens: int = 0


class Batcher:
    def __init__(self, model: Model, max_batch: int = 8, max_queue: int = 64, wait_s: float = 0.02):
        self.model, self.max_batch, self.max_queue, self.wait_s = model, max_batch, max_queue, wait_s
        self._pending: deque[Job] = deque()
        self._cond = threading.Condition()
        self.batch_sizes: list[int] = []  # what the worker decoded, for /v1/stats-like checks and the bench
        self.stopped = 0  # requests whose decoding stopped because their client left
        threading.Thread(target=self._loop, name="mathtune-decoder", daemon=True).start()

    def submit(self, job: Job) -> None:
        with self._cond:
            if len(self._pending) >= self.max_queue:  # requests that gave up hold no place
                self._pending = deque(j for j in self._pending if not j.cancelled.is_set())
            if len(self._pending) >= self.max_queue:
                raise QueueFull(f"{len(self._pending)} requests are already waiting (--max-queue {self.max_queue})")
            self._pending.append(job)
            self._cond.notify()

    def waiting(self) -> int:
        with self._cond:
            return sum(not j.cancelled.is_set() for j in self._pending)

    def _take(self) -> list[Job]:
        with self._cond:
            while True:
                while not self._pending:
                    self._cond.wait()
                first = self._pending.popleft()
                if not first.cancelled.is_set():
                    break
            batch, deadline = [first], time.monotonic() + self.wait_s
            while True:
                for job in list(self._pending):
                    if job.cancelled.is_set():
                        self._pending.remove(job)
                    elif job.settings == first.settings and len(batch) < self.max_batch:
                        self._pending.remove(job)
                        batch.append(job)
                left = deadline - time.monotonic()
                if len(batch) >= self.max_batch or left <= 0:
                    break
                self._cond.wait(left)
            return batch

    def _loop(self) -> None:
        while True:
            batch = self._take()
            self.batch_sizes.append(len(batch))
            ready = []
            for job in batch:  # a question the tokenizer refuses fails alone, before the batch starts
                try:
                    job.prompt_tokens = len(prompt_ids(self.model, job.question))
                    ready.append(job)
                except Exception as exc:  # noqa: BLE001
                    job.emit("error", f"{type(exc).__name__}: {exc}")
            if ready:
                self._decode(ready)

    def _decode(self, batch: list[Job]) -> None:
        heard, told = [False], set()

        def cancelled(i: int) -> bool:
            if not batch[i].cancelled.is_set():
                return False
            if i not in told:
                told.add(i)
                self.stopped += 1
            return True

        def tell(i: int, kind: str, value: object) -> None:
            heard[0] = True
            batch[i].emit(kind, value)

        try:
            answer(self.model, [j.question for j in batch], batch[0].settings, tell, [j.seed for j in batch],
                   cancelled=cancelled)
        except Exception as exc:  # noqa: BLE001 - one bad batch must not stop the server
            if len(batch) > 1 and not heard[0]:  # failed before any request heard a word: find the one
                for job in batch:
                    self._decode([job])
                return
            for job in batch:
                job.emit("error", f"{type(exc).__name__}: {exc}")
