"""`mathtune serve` against clients that try to break it (issue 23): one bad request in a batch, clients
that leave, slow headers, huge bodies, foreign pages and hosts, API keys. Real server subprocesses."""
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from evaluation.serve.guard import LOOPBACK, Policy, check, host_name, policy_for
from test_serve import ask, start, wait_ready

httpx = pytest.importorskip("httpx")
KEY = "sk-test-0123456789"
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("host, name", [("127.0.0.1:8000", "127.0.0.1"), ("[::1]:8000", "::1"), ("LocalHost.:80", "localhost"),
                                        ("example.com", "example.com"), ("::1", "::1")])
def test_host_names(host, name):
    assert host_name(host) == name


@pytest.mark.parametrize("method, path, headers, code", [
    ("GET", "/", {"host": "127.0.0.1:8000"}, None),
    ("GET", "/", {"host": "localhost:8000"}, None),
    ("GET", "/v1/models", {"host": "evil.example:8000"}, 421),               # DNS rebinding
    ("GET", "/", {}, 421),                                                     # no Host at all
    ("POST", "/v1/chat/completions", {"host": "127.0.0.1:8000", **JSON}, None),
    ("POST", "/v1/chat/completions", {"host": "127.0.0.1:8000", "content-type": "text/plain"}, 415),  # a "simple" request
    ("POST", "/v1/chat/completions", {"host": "127.0.0.1:8000", "origin": "https://evil.example", **JSON}, 403),
    ("POST", "/v1/chat/completions", {"host": "127.0.0.1:8000", "origin": "null", **JSON}, 403),
    ("POST", "/v1/chat/completions", {"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000", **JSON}, None),
    ("GET", "/v1/models", {"host": "127.0.0.1:8000", "sec-fetch-site": "cross-site"}, 403),
    ("GET", "/v1/models", {"host": "127.0.0.1:8000", "sec-fetch-site": "CROSS-SITE, same-origin"}, 403),
    ("POST", "/v1/chat/completions", {"host": "127.0.0.1:8000", "content-length": str(2 << 20), **JSON}, 413),
    ("POST", "/v1/chat/completions", {"host": "127.0.0.1:8000", "content-length": "-1", **JSON}, 413),
])
def test_the_checks_every_request_passes(method, path, headers, code):
    refused = check(policy_for("127.0.0.1"), method, path, headers)
    assert (refused[0] if refused else None) == code


def test_api_key_and_hosts_by_binding():
    keyed = Policy(frozenset(LOOPBACK), KEY)
    base = {"host": "127.0.0.1:8000"}
    assert check(keyed, "GET", "/v1/models", base)[0] == 401
    assert check(keyed, "GET", "/v1/models", {**base, "authorization": "Bearer wrong"})[0] == 401
    assert check(keyed, "GET", "/v1/models", {**base, "authorization": f"Bearer {KEY}"}) is None
    assert check(keyed, "GET", "/", base) is None  # the page itself asks for the key
    assert policy_for("0.0.0.0").hosts is None  # every address: any name, unless names are given
    assert policy_for("0.0.0.0", ["box.lan"]).hosts == LOOPBACK | {"box.lan"}


@pytest.fixture(scope="module")
def guarded(tiny_run, tmp_path_factory):
    """A server as users run it (short head deadline, small body limit), and one that needs an API key."""
    run, _ = tiny_run
    cwd = tmp_path_factory.mktemp("guard")
    plain = start(run, cwd, "--max-batch", "8", "--wait-ms", "200", "--header-timeout", "1", "--max-body", "65536",
                  "--timeout", "60")
    keyed = start(run, cwd, "--api-key", KEY, "--max-new-tokens", "16")
    try:
        for proc, url in (plain, keyed):
            wait_ready(proc, url) if proc is plain[0] else _wait_keyed(proc, url)
        yield plain[1], keyed[1]
    finally:
        for proc, _ in (plain, keyed):
            proc.terminate()
            proc.wait(30)


def _wait_keyed(proc, url):
    end = time.monotonic() + 300
    while time.monotonic() < end:
        assert proc.poll() is None, proc.stdout.read()[-2000:]
        try:
            if httpx.get(url + "/v1/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("the keyed server did not start")


def _raw(url: str, body: bytes) -> httpx.Response:
    return httpx.post(url + "/v1/chat/completions", content=body, headers=JSON, timeout=120)


def test_one_bad_request_fails_alone_and_the_rest_of_its_batch_is_answered(guarded):
    url, _ = guarded
    good = json.dumps({"messages": [{"role": "user", "content": "What is 2 + 3?"}], "max_tokens": 24}).encode()
    bad = [
        b'{"messages": [{"role": "user", "content": "What is \\ud800 + 1?"}]}',   # a lone surrogate
        b'{"messages": [{"role": "user", "content": "1+1"}], "model": "\\udfff"}',
        b"[" * 30_000 + b"]" * 30_000,                                             # nested past any parser's depth
    ]
    with ThreadPoolExecutor(8) as pool:  # sent together: the server's 200 ms wait puts them in one batch
        replies = list(pool.map(lambda body: _raw(url, body), [good, *bad, good, good]))
    assert [r.status_code for r in replies] == [200, 400, 400, 400, 200, 200], [r.text[:200] for r in replies]
    assert "lone surrogate" in replies[1].json()["error"]["message"]
    sampled = {"messages": [{"role": "user", "content": "What is 4 + 4?"}], "temperature": 0.8, "max_tokens": 24}
    with ThreadPoolExecutor(4) as pool:  # negative and huge seeds are OpenAI seeds like any other
        seeds = [-1, 2**63 - 1, -2**63, 7]
        replies = list(pool.map(lambda s: ask(url, "What is 4 + 4?", **{**sampled, "seed": s}), seeds))
    assert [r.status_code for r in replies] == [200] * 4, [r.text[:200] for r in replies]
    again = ask(url, "What is 4 + 4?", **{**sampled, "seed": -1})
    assert again.json()["choices"][0]["message"]["reasoning_content"] == \
        replies[0].json()["choices"][0]["message"]["reasoning_content"]  # a seed still fixes the sample


def test_clients_that_leave_stop_their_decoding_and_others_are_answered(guarded):
    url, _ = guarded
    before = httpx.get(url + "/v1/stats").json()["stopped_early"]
    port = int(url.rsplit(":", 1)[1])
    # a question the tiny model answers by running on to the token limit (1,024 tokens, ~1 s alone)
    body = json.dumps({"messages": [{"role": "user", "content": "x" * 300}], "max_tokens": 1024}).encode()
    sockets = []
    for _ in range(16):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        sockets.append(s)
    time.sleep(0.5)  # their batch has started
    for s in sockets:
        s.close()
    reply = ask(url, "What is 2 + 3?", max_tokens=24)
    assert reply.status_code == 200
    stats = httpx.get(url + "/v1/stats").json()
    # the batch decoding when its clients left was stopped there (the waiting ones were dropped)
    assert stats["stopped_early"] > before and stats["waiting"] == 0


def test_idle_and_slow_header_connections_are_closed(guarded):
    url, _ = guarded
    port = int(url.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(10)]
    for s in slow:
        s.sendall(b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the head never ends
    time.sleep(2.5)  # --header-timeout 1
    closed = 0
    for s in idle + slow:
        s.settimeout(2)
        try:
            closed += s.recv(1) == b""
        except (TimeoutError, ConnectionResetError):
            closed += 0
        s.close()
    assert closed == 50
    assert httpx.get(url + "/v1/models").status_code == 200


def test_bodies_over_the_limit_are_413_with_or_without_a_length(guarded):
    url, _ = guarded
    big = b'{"messages": [{"role": "user", "content": "' + b"9" * 100_000 + b'"}]}'
    assert _raw(url, big).status_code == 413

    def chunks():
        for _ in range(20):
            yield b" " * 10_000
    r = httpx.post(url + "/v1/chat/completions", content=chunks(), headers=JSON, timeout=60)
    assert r.status_code == 413
    assert httpx.get(url + "/v1/models").status_code == 200


def test_foreign_pages_and_hosts_are_refused_and_the_page_carries_security_headers(guarded):
    url, _ = guarded
    body = json.dumps({"messages": [{"role": "user", "content": "1+1"}]})
    plain = httpx.post(url + "/v1/chat/completions", content=body, headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    cross = httpx.post(url + "/v1/chat/completions", content=body,
                       headers={**JSON, "Origin": "https://evil.example"})
    assert cross.status_code == 403
    rebound = httpx.get(url + "/v1/models", headers={"Host": "evil.example"})
    assert rebound.status_code == 421
    page = httpx.get(url + "/")
    assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_an_api_key_is_needed_when_set_and_openai_clients_send_it(guarded):
    _, url = guarded
    assert httpx.get(url + "/v1/models").status_code == 401
    assert httpx.get(url + "/v1/models", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert httpx.get(url + "/").status_code == 200  # the page, which asks for the key
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=url + "/v1", api_key=KEY)
    got = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "What is 2 + 3?"}])
    assert got.choices[0].finish_reason == "stop"
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=url + "/v1", api_key="wrong").models.list()


def test_a_body_that_trickles_in_is_408_and_headers_given_twice_are_400(guarded):
    url, _ = guarded
    port = int(url.rsplit(":", 1)[1])
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100\r\n\r\n{")  # the head, then one byte of the body, then nothing
    s.settimeout(10)
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    s.close()
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    body = json.dumps({"messages": [{"role": "user", "content": "1+1"}]}).encode()
    for name, value in [(b"Origin", b"http://127.0.0.1"), (b"Authorization", b"Bearer x"), (b"Host", b"127.0.0.1")]:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + name + b": " + value + b"\r\n" + name + b": " + value + b"\r\n"
                  + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        s.settimeout(10)
        head = s.recv(4096)
        s.close()
        assert head.startswith(b"HTTP/1.1 400"), (name, head[:200])


@pytest.mark.parametrize("options, message", [
    (["--api-key", ""], "--api-key"), (["--api-key", " padded "], "--api-key"), (["--api-key", "ключ"], "--api-key"),
    (["--allow-host", "evil.com:80"], "--allow-host"), (["--allow-host", ""], "--allow-host"),
    (["--allow-host", "*"], "--allow-host"), (["--temperature", "nan"], "finite"), (["--timeout", "nan"], "finite"),
    (["--max-tokens-limit", "0"], "--max-tokens-limit"),
])
def test_unusable_serve_options_are_one_line_before_the_model_loads(tmp_path, options, message):
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "mathtune", "serve", "--run-dir", str(tmp_path), *options],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and message in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr


def test_a_temperature_too_small_to_scale_by_is_greedy():
    import numpy as np

    from evaluation.inference.sampling import Sampling, next_tokens

    logits = np.array([[0.0, 1.0, 0.99]], dtype=np.float32)
    for t in (1e-307, 5e-324, 1e-5):
        assert Sampling(t).greedy and next_tokens(logits, Sampling(t), [np.random.default_rng(0)])[0] == 1
