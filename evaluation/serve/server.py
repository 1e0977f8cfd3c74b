"""`mathtune serve`: the app on uvicorn, with the port checked before the model loads, a deadline for
request heads and as many open files as the system allows."""
from __future__ import annotations

import socket

from fileio.errors import InputError
from evaluation.inference.engine import Settings
from evaluation.inference.model import Model
from evaluation.serve import guard
from evaluation.serve.app import make_app
from evaluation.serve.batcher import Batcher


def check_port(host: str, port: int) -> None:
    """Refuse a port that cannot be bound, in one line, before the model is loaded."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _protocol(head_seconds: float):
    """uvicorn's HTTP/1.1 protocol with a deadline for the request head: a client that opens a
    connection and sends nothing (or a header a minute) is closed, so idle sockets cannot pile up."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeadDeadline(H11Protocol):
        def connection_made(self, transport):
            super().connection_made(transport)
            self._head_timer = None
            self._arm()

        def _arm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            self._head_timer = self.loop.call_later(head_seconds, self._too_slow)

        def _too_slow(self) -> None:
            if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
                self.transport.close()

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete and self._head_timer is not None:
                self._head_timer.cancel()  # a whole request head arrived
                self._head_timer = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request on this connection has the same deadline

        def connection_lost(self, exc):
            if self._head_timer is not None:
                self._head_timer.cancel()
            super().connection_lost(exc)

    return HeadDeadline


def _more_open_files() -> None:
    """Raise the open-files limit to what the system allows: each client holds one."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else max(soft, 65536), hard))


def serve(model: Model, settings: Settings, name: str, host: str, port: int, max_batch: int, max_queue: int,
          wait_s: float, timeout: float, max_tokens_limit: int, quiet: bool = False,
          policy: guard.Policy | None = None, head_seconds: float = guard.HEADER_SECONDS) -> None:
    import uvicorn

    policy = policy or guard.policy_for(host)
    app = make_app(Batcher(model, max_batch, max_queue, wait_s), settings, name, timeout, max_tokens_limit, policy,
                   head_seconds)
    _more_open_files()
    where = f"[{host}]" if ":" in host else host  # an IPv6 address in a URL
    print(f"mathtune: serving {name} at http://{where}:{port}/ (OpenAI API: http://{where}:{port}/v1)", flush=True)
    if policy.hosts is None and not policy.api_key:
        print("mathtune: every address, any Host, no --api-key: anyone who reaches this port may use it", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning" if quiet else "info", access_log=not quiet,
                http=_protocol(head_seconds), limit_concurrency=max(4 * max_queue, 256), timeout_keep_alive=5)
