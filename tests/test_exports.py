"""ms-swift 3.x messages export (PoT as tool_call / tool_response + tools), 2.x query/response, and the
LLaMA-Factory dataset_info.json entry `convert --tools-out` writes."""
import json
import subprocess
import sys

from converters.encode.conversations import tool_conversation
from converters.encode.exports import swift_messages_item

CODE = "from decimal import Decimal\nprint(Decimal('6948.67') + Decimal('-4898.62'))"
POT = {"problem": "计算 6948.67 + -4898.62 等于多少？", "code": CODE, "output": "2050.05",
       "final": "6948.67 + -4898.62 = 2050.05",
       "response": f"```python\n{CODE}\n```\n```output\n2050.05\n```\n6948.67 + -4898.62 = 2050.05"}
TOOLS = ('[{"type": "function", "function": {"name": "python", "description": "Run a Python program (standard '
         'library, sympy and mpmath) and return what it prints.", "parameters": {"type": "object", "properties": '
         '{"code": {"type": "string"}}, "required": ["code"]}}}]')


def test_pot_row_as_swift3_messages():
    item = swift_messages_item(tool_conversation(1, POT["problem"], POT))
    assert item == {
        "messages": [
            {"role": "user", "content": "计算 6948.67 + -4898.62 等于多少？"},
            {"role": "tool_call", "content": json.dumps({"name": "python", "arguments": {"code": CODE}},
                                                        ensure_ascii=False)},
            {"role": "tool_response", "content": "2050.05"},
            {"role": "assistant", "content": "6948.67 + -4898.62 = 2050.05"}],
        "tools": TOOLS}
    assert json.loads(item["messages"][1]["content"])["arguments"]["code"] == CODE


def test_plain_row_has_no_tools():
    row = {"problem": "What is $1+1$?", "response": "It is $\\boxed{2}$."}
    assert swift_messages_item(tool_conversation(2, row["problem"], row)) == {
        "messages": [{"role": "user", "content": "What is $1+1$?"},
                     {"role": "assistant", "content": "It is $\\boxed{2}$."}]}


def test_incomplete_pot_fields_fall_back_to_the_plain_response():
    """A row with a program but no output (or non-text fields) is exported as its plain response."""
    for row in ({"problem": "x", "response": "y", "code": "print(1)"},
                {"problem": "x", "response": "y", "code": 5, "output": 3, "final": None}):
        assert swift_messages_item(tool_conversation(3, "x", row)) == {
            "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}


def _run(*args, cwd):
    proc = subprocess.run([sys.executable, "-m", "mathtune", "data", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def test_cli_swift_3_and_2_and_tools_out_dataset_info(tmp_path):
    rows = [POT, {"problem": "What is $1+1$?", "response": "It is $\\boxed{2}$."}]
    (tmp_path / "done.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    _run("export", "done.jsonl", "--format", "swift", "--template", "none", "--out", "s3.jsonl", cwd=tmp_path)
    first, second = [json.loads(line) for line in (tmp_path / "s3.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [m["role"] for m in first["messages"]] == ["user", "tool_call", "tool_response", "assistant"]
    assert first["tools"] == TOOLS and set(second) == {"messages"}
    _run("export", "done.jsonl", "--format", "swift", "--swift-format", "2", "--template", "none",
         "--out", "s2.jsonl", cwd=tmp_path)
    assert json.loads((tmp_path / "s2.jsonl").read_text(encoding="utf-8").splitlines()[0]) == {
        "query": POT["problem"], "response": POT["response"]}

    (tmp_path / "lf").mkdir()
    (tmp_path / "lf" / "dataset_info.json").write_text(json.dumps({"mine": {"file_name": "mine.json"}}))
    out = _run("convert", "done.jsonl", "--template", "none", "--out", "conv.json",
               "--tools-out", "lf/math_tools.json", cwd=tmp_path).stdout
    assert "entry 'math_tools'" in out
    info = json.loads((tmp_path / "lf" / "dataset_info.json").read_text())
    assert info == {"mine": {"file_name": "mine.json"}, "math_tools": {
        "file_name": "math_tools.json", "formatting": "sharegpt",
        "columns": {"messages": "conversations", "tools": "tools"},
        "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                 "function_tag": "function_call", "observation_tag": "observation"}}}
    tools = json.loads((tmp_path / "lf" / "math_tools.json").read_text(encoding="utf-8"))
    assert [t["from"] for t in tools[0]["conversations"]] == ["human", "function_call", "observation", "gpt"]
