"""`mathtune serve` as a real subprocess on a free 127.0.0.1 port, with the tiny trained run: the
official `openai` client, 16 concurrent clients, 400/503/504, and the page in a real headless Chromium."""
import json
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest

httpx = pytest.importorskip("httpx")
ROOT = Path(__file__).resolve().parents[1]
QUESTION = "What is 2 + 3?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(run: Path, cwd: Path, *options: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mathtune", "serve", "--run-dir", str(run), "--port", str(port),
                             "--quiet", *options], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(proc: subprocess.Popen, url: str, timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited ({proc.returncode}): {proc.stdout.read()[-3000:]}")
        try:
            if httpx.get(url + "/v1/models", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not start")


@pytest.fixture(scope="module")
def servers(tiny_run, tmp_path_factory):
    """The server as users run it, and a busy one (one request at a time, one waiting, 50 ms timeout)."""
    run, _ = tiny_run
    cwd = tmp_path_factory.mktemp("serve")
    main = start(run, cwd, "--max-batch", "8", "--max-new-tokens", "48")
    busy = start(run, cwd, "--max-batch", "1", "--max-queue", "1", "--timeout", "0.05", "--wait-ms", "0")
    try:  # both load the model at once
        for proc, url in (main, busy):
            wait_ready(proc, url)
        yield main[1], busy[1]
    finally:
        for proc, _ in (main, busy):
            proc.terminate()
            proc.wait(30)


def ask(url: str, question: str, **fields) -> httpx.Response:
    body = {"model": "tiny", "messages": [{"role": "user", "content": question}], **fields}
    return httpx.post(url + "/v1/chat/completions", json=body, timeout=120)


def test_openai_client_plain_and_streamed(servers, tiny_run):
    from evaluation.inference.engine import Settings, answer
    from evaluation.inference.model import load_run

    openai = pytest.importorskip("openai")
    url, _ = servers
    # what the shared question→answer path makes of the question: each branch below is then checked,
    # never skipped (the server answers greedily, with the same 48 new tokens)
    expected = answer(load_run(tiny_run[0]), [QUESTION], Settings(max_new_tokens=48))[0]
    assert expected.generation.strip()
    client = openai.OpenAI(base_url=url + "/v1", api_key="unused")
    assert [m.id for m in client.models.list()] == ["tiny"]
    got = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": QUESTION}])
    msg = got.choices[0].message
    extra = msg.model_extra
    assert got.choices[0].finish_reason == "stop" and msg.role == "assistant"
    assert extra["reasoning_content"] and got.usage.completion_tokens > 0 and got.usage.prompt_tokens > 0
    assert extra["reasoning_content"] == expected.generation
    if expected.answer is None:  # no answer could be read: the content is what the model wrote
        assert extra["answer_from"] is None and msg.content == extra["reasoning_content"].strip()
    else:
        assert extra["answer_from"] == expected.answer_from and expected.answer in msg.content
    if expected.program is not None:  # the program it wrote, and what it printed in the sandbox
        assert msg.tool_calls[0].function.name == "python"
        assert json.loads(msg.tool_calls[0].function.arguments)["code"] == expected.program
        assert extra["tool_results"][0]["tool_call_id"] == msg.tool_calls[0].id
    else:
        assert not msg.tool_calls and not extra.get("tool_results")
    stream = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": QUESTION}], stream=True)
    content, reasoning, finish = "", "", None
    for part in stream:
        delta = part.choices[0].delta
        content += delta.content or ""
        reasoning += (delta.model_extra or {}).get("reasoning_content") or ""
        finish = part.choices[0].finish_reason or finish
    assert finish == "stop"
    assert content == msg.content  # the same answer, streamed
    assert reasoning == extra["reasoning_content"] and len(reasoning) > 0  # the text as it was written


def test_sixteen_concurrent_clients_all_answered_in_batches(servers):
    url, _ = servers
    questions = [f"What is {i} + {2 * i}?" for i in range(16)]
    before = httpx.get(url + "/v1/stats").json()
    with ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(lambda q: ask(url, q, max_tokens=24), questions))
    assert [r.status_code for r in replies] == [200] * 16
    bodies = [r.json() for r in replies]
    assert len({b["id"] for b in bodies}) == 16
    after = httpx.get(url + "/v1/stats").json()
    assert after["requests"] - before["requests"] == 16
    assert after["batches"] - before["batches"] < 16 and after["largest_batch"] > 1  # they were batched
    # each client got its own question's answer: the same as asked alone (batching changes no token)
    for q, b in zip(questions[:4], bodies[:4]):
        alone = ask(url, q, max_tokens=24).json()
        assert b["choices"][0]["message"]["reasoning_content"] == alone["choices"][0]["message"]["reasoning_content"]


@pytest.mark.parametrize("body, field", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (json.dumps({"messages": []}).encode(), "messages"),
    (json.dumps({"messages": [{"role": "robot", "content": "hi"}]}).encode(), "messages[0]"),
    (json.dumps({"messages": [{"role": "user", "content": "  "}]}).encode(), "user message"),
    (json.dumps({"messages": [{"role": "user", "content": "1+1"}], "temperature": "hot"}).encode(), "temperature"),
    (json.dumps({"messages": [{"role": "user", "content": "1+1"}], "max_tokens": 0}).encode(), "max_tokens"),
    (json.dumps({"messages": [{"role": "user", "content": "1+1"}], "max_tokens": 10 ** 9}).encode(), "max_tokens"),
    (json.dumps({"messages": [{"role": "user", "content": "1+1"}], "n": 2}).encode(), "n:"),
    (json.dumps({"messages": [{"role": "user", "content": "1+1"}], "stream": "yes"}).encode(), "stream"),
    (json.dumps({"messages": [{"role": "user", "content": "9" * 10 ** 6}]}).encode(), "at most 4,000"),
])
def test_bad_requests_get_400_with_a_message(servers, body, field):
    url, _ = servers
    r = httpx.post(url + "/v1/chat/completions", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and field in r.json()["error"]["message"]
    assert httpx.get(url + "/v1/models").status_code == 200  # still serving


def test_full_queue_503_and_slow_request_504_and_the_server_lives(servers):
    _, busy = servers
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: ask(busy, f"What is {i} * 7?", max_tokens=256).status_code, range(8)))
    assert set(codes) <= {200, 503, 504} and 503 in codes and 504 in codes, codes
    assert httpx.get(busy + "/v1/models").status_code == 200
    streamed = httpx.post(busy + "/v1/chat/completions", timeout=60, json={
        "stream": True, "max_tokens": 256, "messages": [{"role": "user", "content": QUESTION}]})
    if streamed.status_code == 504:  # not even the first token in time
        assert "no answer within" in streamed.json()["error"]["message"]
    else:  # it started in time: the stream ends with a 504 error event, then [DONE]
        events = [e.removeprefix("data: ") for e in streamed.text.split("\n\n") if e]
        assert streamed.status_code == 200 and events[-1] == "[DONE]", streamed.text[-500:]
        assert json.loads(events[-2])["error"]["code"] == 504
    assert httpx.get(busy + "/v1/models").status_code == 200


def test_page_in_headless_chromium(servers, tmp_path):
    from browser import Browser, find_chromium

    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium (Debian package `chromium`; `make chromium` installs it)")
    url, _ = servers
    expected = ask(url, QUESTION).json()["choices"][0]["message"]
    browser = Browser(binary)
    try:
        browser.open(url + "/?q=" + quote(QUESTION))
        browser.wait_for("document.body && document.body.dataset.state === 'done'", timeout=60)
        text = {k: browser.js(f"document.getElementById('{k}').textContent")
                for k in ("question", "answer", "stream", "program", "output", "status")}
        text["question"] = browser.js("document.getElementById('question').value")
        shot = tmp_path / "serve_page.png"
        browser.screenshot(shot)
    finally:
        browser.close()
    assert text["status"] == "done" and text["question"] == QUESTION
    assert text["stream"] == expected["reasoning_content"]  # streamed into the page as the model wrote it
    assert text["answer"] == (expected["content"] if expected["answer_from"] else "(no answer in what the model wrote)")
    if expected.get("tool_calls"):
        assert text["program"] == json.loads(expected["tool_calls"][0]["function"]["arguments"])["code"]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
    (ROOT / "logs").mkdir(exist_ok=True)
    shutil.copy(shot, ROOT / "logs" / "serve_screenshot.png")  # for a person to look at
