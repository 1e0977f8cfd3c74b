"""The app behind `mathtune serve`: an OpenAI-compatible HTTP API (FastAPI) and a page at `/`.

Each request is one question answered by the program-of-thought loop on the server (see
`api` for the shapes). Requests wait in the `Batcher`'s queue; a full queue is 503, a request
not finished within `timeout` seconds is 504, anything else that goes wrong is 500 for that request
only; a client that leaves stops its decoding. Who may ask, and how much: `guard`.
"""
from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
import threading
import time
import uuid
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from evaluation.serve import api, guard
from evaluation.serve.batcher import Batcher, Job, QueueFull
from evaluation.inference.engine import Settings
from evaluation.inference.program_turn import observation
from evaluation.inference.sampling import Sampling

PAGE = Path(__file__).with_name("page.html")


def _settings(base: Settings, req: api.ChatRequest) -> Settings:
    """The server's settings with what the request may change (its length and sampling)."""
    s = base.sampling
    sampling = Sampling(s.temperature if req.temperature is None else req.temperature,
                        s.top_p if req.top_p is None else req.top_p, s.top_k if req.top_k is None else req.top_k, 0)
    return dataclasses.replace(base, max_new_tokens=req.max_tokens, sampling=sampling)


class Guard:
    """ASGI middleware: `guard.check` on every request, the security headers on every response."""

    def __init__(self, app, policy: guard.Policy):
        self.app, self.policy = app, policy
        self.extra = [(k.lower().encode(), v.encode()) for k, v in guard.SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        pairs = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        headers, counts = dict(pairs), Counter(k for k, _ in pairs)
        twice = sorted(k for k in guard.SINGLE if counts[k] > 1)  # which one would a check read?
        refused = (400, f"header {twice[0]} given more than once", "invalid_request_error") if twice else \
            guard.check(self.policy, scope["method"], scope["path"], headers)

        async def send_secured(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.extra]}
            await send(message)

        if refused:
            code, message, kind = refused
            extra = {"WWW-Authenticate": "Bearer"} if code == 401 else {}
            return await JSONResponse(api.error_body(message, kind, code), code, extra)(scope, receive, send_secured)
        await self.app(scope, receive, send_secured)


async def _body(request: Request, limit: int, seconds: float) -> bytes | int:
    """The request body, or the status that refuses it: 413 when larger than `limit` (a chunked body has no
    length to check), 408 when it does not arrive within `seconds`, 499 when the client left."""
    from starlette.requests import ClientDisconnect

    body = bytearray()

    async def read() -> None:
        async for part in request.stream():
            body.extend(part)
            if len(body) > limit:
                raise OverflowError

    try:
        await asyncio.wait_for(read(), seconds)
    except OverflowError:
        return 413
    except TimeoutError:
        return 408
    except ClientDisconnect:
        return 499
    return bytes(body)


def make_app(batcher: Batcher, settings: Settings, name: str, timeout: float, max_tokens_limit: int,
             policy: guard.Policy = guard.Policy(frozenset(guard.LOOPBACK)), body_seconds: float = guard.HEADER_SECONDS):
    app = FastAPI(title="mathtune", docs_url=None, redoc_url=None)
    app.add_middleware(Guard, policy=policy)
    started = int(time.time())

    def fail(code: int, message: str, kind: str) -> JSONResponse:
        return JSONResponse(api.error_body(message, kind, code), status_code=code)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):  # the server answers and carries on
        return fail(500, f"{type(exc).__name__}: {exc}", "server_error")

    @app.get("/", response_class=HTMLResponse)
    async def page():
        return HTMLResponse(PAGE.read_text(encoding="utf-8"))

    @app.get("/v1/stats")
    async def stats():  # how requests were batched (the bench and tests read it)
        sizes = batcher.batch_sizes
        return {"batches": len(sizes), "requests": sum(sizes), "largest_batch": max(sizes, default=0),
                "waiting": batcher.waiting(), "stopped_early": batcher.stopped}

    @app.get("/v1/models")
    async def models():
        return {"object": "list", "data": [{"id": name, "object": "model", "created": started, "owned_by": "mathtune"}]}

    @app.post("/v1/chat/completions")
    async def completions(request: Request):
        raw = await _body(request, policy.max_body, body_seconds)
        if raw == 499:
            return Response(status_code=499)  # nobody is left to read an answer
        if raw == 408:  # a body that trickles in would hold a connection for as long as it likes
            return fail(408, f"the body did not arrive within {body_seconds:g} s", "timeout")
        if raw == 413:
            return fail(*guard.too_large(policy))
        try:
            req = api.parse_request(raw, settings.max_new_tokens, max_tokens_limit)
            job_settings = _settings(settings, req)
        except (api.BadRequest, ValueError) as exc:
            return fail(400, str(exc), "invalid_request_error")
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()

        # Waking the event loop for every token of every request makes the decoder thread wait for
        # the GIL: a plain request hears only its end, and a stream's events are handed over in bunches.
        waiting, lock, scheduled = [], threading.Lock(), [False]

        def hand_over() -> None:
            with lock:
                items, scheduled[0] = waiting[:], False
                waiting.clear()
            for item in items:
                events.put_nowait(item)

        def emit(kind: str, value: object) -> None:
            if not req.stream and kind not in ("answer", "error"):
                return
            with lock:
                waiting.append((kind, value))
                if scheduled[0]:
                    return
                scheduled[0] = True
            try:
                loop.call_soon_threadsafe(hand_over)
            except RuntimeError:  # the loop is gone (server shutting down)
                pass

        job = Job(req.question, job_settings, emit, **({"seed": req.seed} if req.seed is not None else {}))
        try:
            batcher.submit(job)
        except QueueFull as exc:
            return fail(503, f"the server is busy: {exc}; retry later", "server_busy")
        deadline = loop.time() + timeout
        rid, call_id, model = f"chatcmpl-{uuid.uuid4().hex}", f"call_{uuid.uuid4().hex[:24]}", req.model or name

        async def next_event():
            while True:
                left = deadline - loop.time()
                if left <= 0:
                    raise TimeoutError
                try:  # wake now and then to see whether the client is still there
                    return await asyncio.wait_for(events.get(), min(left, 0.2))
                except TimeoutError:
                    if await request.is_disconnected():
                        job.cancelled.set()  # its decoding stops; nobody is left to read it
                        raise ConnectionAbortedError from None

        def too_long() -> JSONResponse:
            job.cancelled.set()
            return fail(504, f"no answer within {timeout:g} s (--timeout)", "timeout")

        if not req.stream:
            try:
                while True:
                    kind, value = await next_event()
                    if kind == "answer":
                        return api.completion(rid, model, value, call_id, job.prompt_tokens)
                    if kind == "error":
                        return fail(500, value, "server_error")
            except TimeoutError:
                return too_long()
            except ConnectionAbortedError:
                return Response(status_code=499)  # nginx's "client closed request": nobody reads it
        try:
            first = await next_event()  # a stream that never starts is still a 504
        except TimeoutError:
            return too_long()
        except ConnectionAbortedError:
            return Response(status_code=499)

        async def stream():
            event = first
            yield api.sse(api.chunk(rid, model, {"role": "assistant", "content": ""}))
            try:
                while True:
                    kind, value = event
                    if kind == "text":
                        yield api.sse(api.chunk(rid, model, {"reasoning_content": value}))
                    elif kind == "program":
                        call = dict(api.tool_call(call_id, value), index=0)
                        yield api.sse(api.chunk(rid, model, {"tool_calls": [call]}))
                    elif kind == "output":
                        out = value.stdout if value.ok else value.stderr[-500:]
                        yield api.sse(api.chunk(rid, model, {"tool_result": api.tool_result(call_id, out, value.status)}))
                        # what the model reads next, so the streamed text adds up to reasoning_content
                        yield api.sse(api.chunk(rid, model, {"reasoning_content": "\n" + observation(value)}))
                    elif kind == "answer":
                        answer_from = value.answer_from if value.answer is not None else None
                        yield api.sse(api.chunk(rid, model, {"content": value.content, "answer_from": answer_from}))
                        yield api.sse(api.chunk(rid, model, {}, "stop"))
                        break
                    elif kind == "error":
                        yield api.sse(api.error_body(value, "server_error", 500))
                        break
                    try:
                        event = await next_event()
                    except TimeoutError:
                        job.cancelled.set()
                        yield api.sse(api.error_body(f"no answer within {timeout:g} s (--timeout)", "timeout", 504))
                        break
                    except ConnectionAbortedError:
                        break
                yield api.sse("[DONE]")
            finally:
                job.cancelled.set()  # a client that left frees its place if the batch has not started

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    return app
