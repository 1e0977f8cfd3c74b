"""Exports for other trainers: LLaMA-Factory (alpaca, sharegpt + dataset_info) and ms-swift.

ms-swift 3.x reads its standard `messages` format; agent data adds `tool_call` / `tool_response`
turns and a `tools` field holding a JSON string of OpenAI-style function schemas. ms-swift 2.x
read `{query, response}` (still written with `--swift-format 2`).
"""
from __future__ import annotations

import json
from pathlib import Path

from fileio.atomic import write_json, write_jsonl

_SWIFT_ROLES = {"human": "user", "gpt": "assistant", "function_call": "tool_call", "observation": "tool_response"}


def alpaca_item(prompt: str, response: str) -> dict:
    return {"instruction": prompt, "input": "", "output": response}


def swift_item(prompt: str, response: str) -> dict:
    return {"query": prompt, "response": response}


def swift_messages_item(tool_item: dict) -> dict:
    """A tool-call conversation (sharegpt turns, see conversations.tool_conversation) → ms-swift 3.x."""
    item = {"messages": [{"role": _SWIFT_ROLES[t["from"]], "content": t["value"]} for t in tool_item["conversations"]]}
    if "tools" in tool_item:
        item["tools"] = json.dumps([{"type": "function", "function": tool} for tool in json.loads(tool_item["tools"])],
                                   ensure_ascii=False)
    return item


def sharegpt_entry(file_name: str) -> dict:
    """LLaMA-Factory's dataset_info.json entry for a tool-call sharegpt file."""
    return {"file_name": file_name, "formatting": "sharegpt",
            "columns": {"messages": "conversations", "tools": "tools"},
            "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                     "function_tag": "function_call", "observation_tag": "observation"}}


def dataset_info(name: str, alpaca_file: str, sharegpt_file: str) -> dict:
    """LLaMA-Factory's dataset_info.json entries for the two files."""
    return {
        f"{name}_alpaca": {"file_name": alpaca_file,
                           "columns": {"prompt": "instruction", "query": "input", "response": "output"}},
        f"{name}_sharegpt": sharegpt_entry(sharegpt_file),
    }


def add_dataset_info(folder: str | Path, name: str, entry: dict) -> Path:
    """Add or replace one entry of `folder`/dataset_info.json, keeping the others."""
    from fileio.errors import InputError

    path = Path(folder) / "dataset_info.json"
    info = {}
    if path.is_file():
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: not JSON ({exc}); not overwriting it") from None
        if not isinstance(info, dict):
            raise InputError(f"{path}: not a JSON object (LLaMA-Factory's dataset_info.json); not overwriting it")
    info[name] = entry
    write_json(path, info)
    return path


def write_llamafactory(out_dir: str | Path, name: str, pairs: list[tuple[str, str]],
                       tool_items: list[dict]) -> list[Path]:
    """alpaca JSON, sharegpt JSON and dataset_info.json in `out_dir`."""
    out = Path(out_dir)
    alpaca, sharegpt = f"{name}_alpaca.json", f"{name}_sharegpt.json"
    write_json(out / alpaca, [alpaca_item(p, r) for p, r in pairs])
    write_json(out / sharegpt, [{k: v for k, v in item.items() if k != "id"} for item in tool_items])
    write_json(out / "dataset_info.json", dataset_info(name, alpaca, sharegpt))
    return [out / alpaca, out / sharegpt, out / "dataset_info.json"]


def write_swift(path: str | Path, pairs: list[tuple[str, str]], tool_items: list[dict], version: int = 3) -> Path:
    """ms-swift JSONL: 3.x `messages` (+ `tools` for PoT rows), or 2.x `query`/`response`."""
    if version == 2:
        write_jsonl(path, (swift_item(p, r) for p, r in pairs))
    else:
        write_jsonl(path, (swift_messages_item(t) for t in tool_items))
    return Path(path)
