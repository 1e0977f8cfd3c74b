"""The request rules and response shapes of `mathtune serve` (pure functions, no model)."""
import json

import pytest

from evaluation.serve import api
from evaluation.inference.engine import Answer


def parse(body, default=128, limit=1024):
    return api.parse_request(json.dumps(body).encode(), default, limit)


def test_the_last_user_message_is_the_question_and_options_are_read():
    req = parse({"model": "m", "stream": True, "max_tokens": 64, "temperature": 0.5, "top_p": 0.9, "top_k": 5, "seed": 3,
                 "messages": [{"role": "system", "content": "be exact"}, {"role": "user", "content": "1 + 1?"},
                              {"role": "assistant", "content": "2"},
                              {"role": "user", "content": [{"type": "text", "text": " What is "},
                                                           {"type": "text", "text": "3 * 4? "}]}]})
    assert req == api.ChatRequest("What is 3 * 4?", "m", True, 64, 0.5, 0.9, 5, 3)
    plain = parse({"messages": [{"role": "user", "content": "2+2"}], "max_completion_tokens": 9})
    assert (plain.max_tokens, plain.stream, plain.temperature, plain.seed) == (9, False, None, None)
    assert parse({"messages": [{"role": "user", "content": "2+2"}]}).max_tokens == 128


@pytest.mark.parametrize("body, says", [
    ({"messages": [{"role": "user", "content": "x"}], "temperature": True}, "temperature: must be a number"),
    ({"messages": [{"role": "user", "content": "x"}], "temperature": 2.5}, "temperature: must be ≥ 0 and ≤ 2"),
    ({"messages": [{"role": "user", "content": "x"}], "top_p": 0}, "top_p: must be > 0"),
    ({"messages": [{"role": "user", "content": "x"}], "max_tokens": 1.5}, "max_tokens: must be an integer"),
    ({"messages": [{"role": "user", "content": "x"}], "max_tokens": 2000}, "max_tokens: must be ≥ 1 and ≤ 1024, not 2000"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, "messages[0].content[0]"),
    ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
    ({"messages": [{"role": "system", "content": "x"}]}, "messages: needs a user message"),
    ({"messages": "hi"}, "messages: must be a non-empty list"),
    ({"messages": [{"role": "user", "content": "1+" * 2001}]}, "messages: the question has 4,002 characters"),
    ({"messages": [{"role": "user", "content": "x"}], "model": 3}, "model: must be a string"),
])
def test_bad_fields_are_named(body, says):
    with pytest.raises(api.BadRequest) as exc:
        parse(body)
    assert str(exc.value).startswith(says)


def test_bad_bodies():
    for raw, says in ((b"{", "not valid JSON"), (b"\xff\xfe", "not valid JSON"), (b"null", "JSON object")):
        with pytest.raises(api.BadRequest, match=says):
            api.parse_request(raw, 128, 1024)


def test_completion_carries_answer_program_and_output():
    a = Answer("42", "program", "```python\nprint(6*7)\n```\n```output\n42\n```\n", "print(6*7)\n", "ok", "42\n", 20)
    body = api.completion("id1", "tiny", a, "call_1", 7)
    msg = body["choices"][0]["message"]
    assert msg["content"] == "42" and msg["answer_from"] == "program"
    assert msg["tool_calls"] == [{"id": "call_1", "type": "function",
                                  "function": {"name": "python", "arguments": json.dumps({"code": "print(6*7)\n"})}}]
    assert msg["tool_results"] == [{"role": "tool", "tool_call_id": "call_1", "content": "42\n", "status": "ok"}]
    assert body["usage"] == {"prompt_tokens": 7, "completion_tokens": 20, "total_tokens": 27}
    none = api.completion("id2", "tiny", Answer(None, "text", " rambling ", None, None, None, 3), "c", 1)
    msg = none["choices"][0]["message"]
    assert msg["content"] == "rambling" and msg["answer_from"] is None and "tool_calls" not in msg
    assert api.sse("[DONE]") == b"data: [DONE]\n\n"
    assert json.loads(api.sse(api.chunk("i", "m", {"content": "é"}))[6:]) ["choices"][0]["delta"] == {"content": "é"}
