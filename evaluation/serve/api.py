"""The OpenAI chat-completions shapes `mathtune serve` reads and writes (pure functions).

A response's `message.content` is the answer. The program the model wrote is an assistant
`tool_calls` entry (function `python`, arguments `{"code": …}`) and what it printed is a tool
message in `message.tool_results` ({"role": "tool", "tool_call_id", "content", "status"}), ready to
append to a conversation. `message.reasoning_content` is everything the model wrote. Streamed, the
same arrives as chunks: `delta.reasoning_content` as it is generated, `delta.tool_calls` when the
program closes, `delta.tool_result` after it ran, `delta.content` (the answer) last.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass

ROLES = ("system", "developer", "user", "assistant", "tool")
# the decoder's prefill holds an n×n attention matrix per layer: a huge question must be refused, not tried
MAX_QUESTION_CHARS = 4000


class BadRequest(ValueError):
    """The request cannot be answered as sent (HTTP 400); the message says which field and why."""


@dataclass(frozen=True)
class ChatRequest:
    question: str
    model: str | None
    stream: bool
    max_tokens: int
    temperature: float | None
    top_p: float | None
    top_k: int | None
    seed: int | None


def _text(content, where: str) -> str:
    """A message's content: a string, or a list of {"type": "text", "text": …} parts."""
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        parts = []
        for n, part in enumerate(content):
            if not (isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)):
                raise BadRequest(f"{where}.content[{n}]: only text parts ({{\"type\": \"text\", \"text\": …}}) are understood")
            parts.append(part["text"])
        return "".join(parts)
    raise BadRequest(f"{where}.content: must be a string or a list of text parts")


def _number(body: dict, name: str, low: float, high: float, integer: bool = False, low_open: bool = False):
    value = body.get(name)
    if value is None:
        return None
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or (isinstance(value, float) and not math.isfinite(value)):
        raise BadRequest(f"{name}: must be {'an integer' if integer else 'a number'}, not {json.dumps(value)[:40]}")
    if value < low or value > high or (low_open and value == low):
        raise BadRequest(f"{name}: must be {'>' if low_open else '≥'} {low} and ≤ {high}, not {value}")
    return value


def _unicode(text: str, where: str) -> None:
    """JSON may escape a lone surrogate (`"\\ud800"`); no tokenizer or reply can carry one."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRequest(f"{where}: not valid Unicode (a lone surrogate at character {exc.start})") from None


def _seed(seed: int | None) -> int | None:
    """OpenAI's seed is any 64-bit integer; the sampler's Generator takes non-negative ones."""
    return None if seed is None else seed % 2**64


def parse_request(raw: bytes, default_max_tokens: int, max_tokens_limit: int,
                  max_question_chars: int = MAX_QUESTION_CHARS) -> ChatRequest:
    """The question (the last user message) and the options of a /v1/chat/completions body."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadRequest("the body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: must be a non-empty list")
    question = None
    for n, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise BadRequest(f"messages[{n}]: must be an object with a role in {', '.join(ROLES)}")
        text = _text(m.get("content"), f"messages[{n}]")
        if m["role"] == "user":
            question = text
    if question is None or not question.strip():
        raise BadRequest("messages: needs a user message with a question (the last one is answered)")
    if len(question.strip()) > max_question_chars:
        raise BadRequest(f"messages: the question has {len(question.strip()):,} characters; "
                         f"this server answers at most {max_question_chars:,}")
    _unicode(question, "messages: the question")
    if body.get("model") is not None and not isinstance(body["model"], str):
        raise BadRequest("model: must be a string")
    _unicode(body.get("model") or "", "model")
    if not isinstance(body.get("stream", False), bool):
        raise BadRequest("stream: must be true or false")
    _number(body, "n", 1, 1, integer=True)  # one choice per request
    max_tokens = _number(body, "max_completion_tokens", 1, max_tokens_limit, integer=True)
    if max_tokens is None:
        max_tokens = _number(body, "max_tokens", 1, max_tokens_limit, integer=True)
    return ChatRequest(question.strip(), body.get("model"), body.get("stream", False),
                       max_tokens or default_max_tokens, _number(body, "temperature", 0, 2),
                       _number(body, "top_p", 0, 1, low_open=True), _number(body, "top_k", 0, 1_000_000, integer=True),
                       _seed(_number(body, "seed", -2**63, 2**63 - 1, integer=True)))


def error_body(message: str, kind: str = "invalid_request_error", code: int = 400) -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def tool_call(call_id: str, code: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": "python", "arguments": json.dumps({"code": code})}}


def tool_result(call_id: str, output: str | None, status: str | None) -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": output or "", "status": status}


def completion(rid: str, model: str, answer, call_id: str, prompt_tokens: int) -> dict:
    """A chat.completion object for an engine Answer."""
    message = {"role": "assistant", "content": answer.content, "reasoning_content": answer.generation,
               "answer_from": answer.answer_from if answer.answer is not None else None}
    if answer.program is not None:
        message["tool_calls"] = [tool_call(call_id, answer.program)]
        message["tool_results"] = [tool_result(call_id, answer.program_output, answer.program_status)]
    return {"id": rid, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": answer.tokens,
                      "total_tokens": prompt_tokens + answer.tokens}}


def chunk(rid: str, model: str, delta: dict, finish_reason: str | None = None) -> dict:
    return {"id": rid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}]}


def sse(obj: dict | str) -> bytes:
    """One server-sent event: `data: {...}` and a blank line."""
    return f"data: {obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)}\n\n".encode("utf-8")
