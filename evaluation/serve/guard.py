"""Who may use `mathtune serve`, and how much: the checks every request passes before the app sees it.

A server on a laptop is reachable by every web page its user opens: a page may POST `text/plain`
cross-origin without asking (a "simple" request), and DNS rebinding makes a foreign name resolve to
127.0.0.1. So, for every request (`check`, pure): the `Host` must be one this server answers to (its
loopback names when bound to loopback, else what `--allow-host` lists); a browser's cross-site request
(`Origin` not this host, or `Sec-Fetch-Site: cross-site`) is refused; a POST must be `application/json`
(which a page cannot send cross-origin without a preflight this server never grants); with `--api-key`,
`/v1/` needs `Authorization: Bearer KEY` (what OpenAI clients send); a body over the limit is 413.
Every response carries headers that keep the page out of frames and from loading foreign code.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD = frozenset({"", "0.0.0.0", "::"})
MAX_BODY = 1 << 20  # bytes of one request body: a question is at most a few thousand characters
HEADER_SECONDS = 10.0  # a connection must send a whole request head (and then its body) within this
SINGLE = frozenset({"host", "origin", "authorization", "content-type", "content-length", "sec-fetch-site"})
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    # the page's own inline script and style only; it talks to this server alone
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}


@dataclass(frozen=True)
class Policy:
    hosts: frozenset[str] | None  # Host names answered (None: any, for a server bound to every address)
    api_key: str | None = None
    max_body: int = MAX_BODY


def policy_for(bind_host: str, allow_hosts: list[str] | None = None, api_key: str | None = None,
               max_body: int = MAX_BODY) -> Policy:
    """Loopback names (and the bound name) by default; `allow_hosts` adds names; a server bound to every
    address answers any Host unless names are given."""
    names = {h.lower().strip("[]") for h in allow_hosts or []}
    if bind_host in WILDCARD and not names:
        return Policy(None, api_key, max_body)
    return Policy(frozenset(LOOPBACK | names | ({bind_host.lower().strip("[]")} - WILDCARD)), api_key, max_body)


def host_name(host: str) -> str:
    """`[::1]:8000` → `::1`; `Localhost.:8000` → `localhost`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0].rstrip(".") if host.count(":") == 1 else host.rstrip(".")


def too_large(policy: Policy) -> tuple[int, str, str]:
    """The refusal of a body over the limit, by its `Content-Length` or as counted while it arrives."""
    return 413, f"the body is larger than {policy.max_body:,} bytes", "invalid_request_error"


def check(policy: Policy, method: str, path: str, headers: dict[str, str]) -> tuple[int, str, str] | None:
    """(status, message, error type) when the request is refused; None when it may go on.
    `headers`: names in lower case."""
    host = headers.get("host", "")
    if policy.hosts is not None and host_name(host) not in policy.hosts:
        return 421, f"Host {host[:80]!r} is not served here (mathtune serve --allow-host NAME)", "invalid_host"
    origin = headers.get("origin")
    if origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != host.lower()):
        return 403, "cross-origin requests are refused", "forbidden"
    if "cross-site" in headers.get("sec-fetch-site", "").lower():
        return 403, "cross-site requests are refused", "forbidden"
    if method == "POST" and headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return 415, "the body must be sent as Content-Type: application/json", "invalid_request_error"
    length = headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > policy.max_body):
        return too_large(policy)
    if policy.api_key and path.startswith("/v1/"):
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), policy.api_key.encode()):
            return 401, "a valid API key is needed (Authorization: Bearer KEY)", "invalid_api_key"
    return None
