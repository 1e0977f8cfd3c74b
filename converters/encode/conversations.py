"""The contest's conversation JSON, and PoT as tool-call turns (LLaMA-Factory's sharegpt)."""
from __future__ import annotations

import json

PYTHON_TOOL = {
    "name": "python",
    "description": "Run a Python program (standard library, sympy and mpmath) and return what it prints.",
    "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]},
}


def contest_conversation(index: int, prompt: str, response: str) -> dict:
    """One item of the contest's conversations array (ids are strings from "1")."""
    return {"id": str(index), "conversations": [{"from": "human", "value": prompt},
                                                {"from": "gpt", "value": response}]}


def tool_conversation(index: int, prompt: str, completion: dict) -> dict:
    """PoT as function_call / observation / gpt turns; other rows (and rows whose program, output or
    answer line is missing or not text) as a plain exchange of their response."""
    if not all(isinstance(completion.get(k), str) for k in ("code", "output", "final")):
        return contest_conversation(index, prompt, completion["response"])
    call = json.dumps({"name": "python", "arguments": {"code": completion["code"]}}, ensure_ascii=False)
    return {
        "id": str(index),
        "conversations": [
            {"from": "human", "value": prompt},
            {"from": "function_call", "value": call},
            {"from": "observation", "value": completion["output"]},
            {"from": "gpt", "value": completion["final"]},
        ],
        "tools": json.dumps([PYTHON_TOOL], ensure_ascii=False),
    }
