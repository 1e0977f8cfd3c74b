"""The program path of chat and serve: a program the model writes runs in the real sandbox, its
output goes back to the model, and the server reports it as tool_calls / tool_results.

The tiny trained run writes no program yet, so here the network is a scripted decoder (the same
prefill/step interface as the KV-cache decoder) that writes a fixed program and then an answer line
through the run's real character tokenizer; everything else is real: prompt rendering, the
stop-at-closed-block loop, bubblewrap, the FastAPI app and the official `openai` client."""
import json

import numpy as np
import pytest

PROGRAM = "```python\nprint(6 * 7)\n```"
AFTER = "The answer is 42."


class ScriptedDecoder:
    """Writes PROGRAM after a question and AFTER once the program's output is in the prompt."""

    layers = 1

    def __init__(self, tok):
        self.tok, self.vocab = tok, 256  # more than the character vocabulary
        self.scripts = [tok.encode_batch([PROGRAM])[0], tok.encode_batch([AFTER])[0]]

    def _logits(self, script: int, n: int) -> np.ndarray:
        ids = self.scripts[script]
        out = np.zeros(self.vocab, np.float32)
        out[ids[n] if n < len(ids) else self.tok.eos_id] = 1.0
        return out

    def prefill(self, prompts, cache_len):
        scripts = [1 if "```output" in self.tok.decode(ids) else 0 for ids in prompts]
        state = np.array([[script, 0] for script in scripts])  # the "cache": where each sequence is in its script
        return np.stack([self._logits(script, 0) for script in scripts]), [(state, state.copy())]

    def step(self, tokens, pos, caches):
        state = caches[0][0]
        state[:, 1] += 1
        return np.stack([self._logits(int(s), int(n)) for s, n in state])


@pytest.fixture(scope="module")
def scripted(tiny_data):
    from converters.encode.tokenizers import load_tokenizer
    from evaluation.inference.model import Model

    tok = load_tokenizer(str(tiny_data / "tok" / "tokenizer.json"))
    return Model(ScriptedDecoder(tok), tok, "plain", "none", {})


def test_engine_runs_the_program_and_streams_events(scripted):
    from evaluation.inference.engine import Settings, answer

    events = []
    got = answer(scripted, ["What is 6 * 7?", "And 6 * 7 again?"], Settings(max_new_tokens=64),
                 lambda i, kind, value: events.append((i, kind, value)))
    for i, a in enumerate(got):
        assert (a.answer, a.answer_from, a.program, a.program_status) == ("42", "program", "print(6 * 7)", "ok")
        assert a.program_output == "42\n" and a.generation == PROGRAM + "\n```output\n42\n```\n" + AFTER
        mine = [(k, v) for j, k, v in events if j == i]
        kinds = [k for k, _ in mine]
        assert kinds.index("program") < kinds.index("output") < len(kinds) - 1 and kinds[-1] == "answer"
        text = [v for k, v in mine if k == "text"]
        assert "".join(text[: kinds.index("program")]) == PROGRAM and "".join(text[kinds.index("program"):]) == AFTER
        assert len(text) > 10  # token by token, not at the end


def test_server_reports_program_and_output_to_openai_client(scripted):
    openai = pytest.importorskip("openai")
    from fastapi.testclient import TestClient

    from evaluation.serve.batcher import Batcher
    from evaluation.inference.engine import Settings
    from evaluation.serve.app import make_app
    from evaluation.serve.guard import policy_for

    app = make_app(Batcher(scripted, 4, 8, 0.01), Settings(max_new_tokens=64), "scripted", 60, 256,
                   policy_for("127.0.0.1", ["testserver"]))  # TestClient's Host
    with TestClient(app) as http:
        client = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=http)
        r = client.chat.completions.create(model="scripted", messages=[{"role": "user", "content": "What is 6 * 7?"}])
        msg = r.choices[0].message
        assert msg.content == "42" and msg.model_extra["answer_from"] == "program"
        call = msg.tool_calls[0]
        assert call.type == "function" and call.function.name == "python"
        assert json.loads(call.function.arguments) == {"code": "print(6 * 7)"}
        assert msg.model_extra["tool_results"] == [{"role": "tool", "tool_call_id": call.id, "content": "42\n",
                                                    "status": "ok"}]
        chunks = list(client.chat.completions.create(model="scripted", stream=True,
                                                     messages=[{"role": "user", "content": "What is 6 * 7?"}]))
        deltas = [c.choices[0].delta for c in chunks]
        calls = [d.tool_calls[0] for d in deltas if d.tool_calls]
        results = [d.model_extra["tool_result"] for d in deltas if (d.model_extra or {}).get("tool_result")]
        assert len(calls) == 1 and json.loads(calls[0].function.arguments)["code"] == "print(6 * 7)"
        assert results == [{"role": "tool", "tool_call_id": calls[0].id, "content": "42\n", "status": "ok"}]
        assert "".join(d.content or "" for d in deltas) == "42"
        assert "".join((d.model_extra or {}).get("reasoning_content") or "" for d in deltas) == msg.model_extra[
            "reasoning_content"] == PROGRAM + "\n```output\n42\n```\n" + AFTER
        assert chunks[-1].choices[0].finish_reason == "stop"


def test_page_shows_program_and_output_in_chromium(scripted, tmp_path):
    import shutil
    import threading
    import time
    from pathlib import Path

    import uvicorn
    from browser import Browser, find_chromium
    from test_serve import free_port

    from evaluation.serve.batcher import Batcher
    from evaluation.inference.engine import Settings
    from evaluation.serve.app import make_app
    from evaluation.serve.guard import policy_for

    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium (Debian package `chromium`; `make chromium` installs it)")
    port = free_port()
    app = make_app(Batcher(scripted, 4, 8, 0.01), Settings(max_new_tokens=64), "scripted", 60, 256,
                   policy_for("127.0.0.1", ["testserver"]))  # TestClient's Host
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    browser = None
    try:
        while not server.started:
            time.sleep(0.05)
        browser = Browser(binary)
        browser.open(f"http://127.0.0.1:{port}/?q=What%20is%206%20*%207%3F")
        browser.wait_for("document.body && document.body.dataset.state === 'done'", timeout=60)
        shown = {k: browser.js(f"document.getElementById('{k}').textContent")
                 for k in ("model", "answer", "stream", "program", "output")}
        shot = tmp_path / "serve_page_program.png"
        browser.screenshot(shot)
    finally:
        if browser:
            browser.close()
        server.should_exit = True
        thread.join(10)
    assert shown == {"model": "scripted", "answer": "42", "stream": PROGRAM + "\n```output\n42\n```\n" + AFTER, "program": "print(6 * 7)",
                     "output": "[ok] 42\n"}
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    logs = Path(__file__).resolve().parents[1] / "logs"
    logs.mkdir(exist_ok=True)
    shutil.copy(shot, logs / "serve_screenshot_program.png")  # for a person to look at
