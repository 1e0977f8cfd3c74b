"""Exports for other trainers: LLaMA-Factory (alpaca, sharegpt + dataset_info) and ms-swift."""
from __future__ import annotations

from pathlib import Path

from converters.files import write_json, write_jsonl


def alpaca_item(prompt: str, response: str) -> dict:
    return {"instruction": prompt, "input": "", "output": response}


def swift_item(prompt: str, response: str) -> dict:
    return {"query": prompt, "response": response}


def dataset_info(name: str, alpaca_file: str, sharegpt_file: str) -> dict:
    """LLaMA-Factory's dataset_info.json entries for the two files."""
    return {
        f"{name}_alpaca": {"file_name": alpaca_file,
                           "columns": {"prompt": "instruction", "query": "input", "response": "output"}},
        f"{name}_sharegpt": {
            "file_name": sharegpt_file, "formatting": "sharegpt",
            "columns": {"messages": "conversations", "tools": "tools"},
            "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human",
                     "assistant_tag": "gpt", "function_tag": "function_call",
                     "observation_tag": "observation"},
        },
    }


def write_llamafactory(out_dir: str | Path, name: str, pairs: list[tuple[str, str]],
                       tool_items: list[dict]) -> list[Path]:
    """alpaca JSON, sharegpt JSON and dataset_info.json in `out_dir`."""
    out = Path(out_dir)
    alpaca, sharegpt = f"{name}_alpaca.json", f"{name}_sharegpt.json"
    write_json(out / alpaca, [alpaca_item(p, r) for p, r in pairs])
    write_json(out / sharegpt, [{k: v for k, v in item.items() if k != "id"} for item in tool_items])
    write_json(out / "dataset_info.json", dataset_info(name, alpaca, sharegpt))
    return [out / alpaca, out / sharegpt, out / "dataset_info.json"]


def write_swift(path: str | Path, pairs: list[tuple[str, str]]) -> Path:
    write_jsonl(path, (swift_item(p, r) for p, r in pairs))
    return Path(path)
