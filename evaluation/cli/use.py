"""`mathtune chat` and `mathtune serve`: use a tuned model interactively or over HTTP."""
from __future__ import annotations


from evaluation.cli.common import FMT, SANDBOX_OPTION, model_from_args, sampling_from_args


def _settings(a):
    from evaluation.inference.engine import Settings
    from evaluation.sandbox.limits import Limits
    from evaluation.sandbox.runner import require

    sampling = sampling_from_args(a)
    require(a.sandbox, not a.no_execute)
    if a.max_new_tokens < 1:
        from fileio.errors import InputError

        raise InputError("--max-new-tokens must be at least 1")
    limits = Limits(cpu_seconds=a.code_cpu_seconds, wall_seconds=a.code_wall_seconds, sandbox=a.sandbox)
    return Settings(a.max_new_tokens, limits, not a.no_execute, sampling)


def cmd_chat(a) -> int:
    from evaluation.serve.chat import chat

    settings = _settings(a)
    model = model_from_args(a, a.template)
    chat(model, settings, a.show_program)
    return 0


def cmd_serve(a) -> int:
    import math
    import os

    from fileio.errors import InputError
    from evaluation.serve.server import check_port, serve
    from evaluation.serve.guard import policy_for

    for name in ("max_batch", "max_queue"):
        if getattr(a, name) < 1:
            raise InputError(f"--{name.replace('_', '-')} must be at least 1")
    if a.timeout <= 0 or not 0 <= a.wait_ms <= 10_000 or not 0 < a.port < 65536:
        raise InputError("need --timeout > 0, 0 ≤ --wait-ms ≤ 10000 and 0 < --port < 65536")
    if not 0 < a.header_timeout <= 3600:
        raise InputError("--header-timeout must be > 0 and ≤ 3600 seconds")
    if a.max_body < 1024:
        raise InputError("--max-body must be at least 1024 bytes")
    if not math.isfinite(a.temperature) or not math.isfinite(a.timeout) or a.max_tokens_limit < 1:
        raise InputError("need a finite --temperature and --timeout, and --max-tokens-limit ≥ 1")
    for name in a.allow_host or []:
        if not name or any(c in name for c in " :/*@") and not (name.startswith("[") and name.endswith("]")):
            raise InputError(f"--allow-host {name!r}: give a host name without port or wildcard (e.g. box.lan)")
    key = a.api_key if a.api_key is not None else os.environ.get("MATHTUNE_API_KEY")
    if key is not None and (not key or key != key.strip() or not key.isascii() or not key.isprintable()):
        raise InputError("--api-key / $MATHTUNE_API_KEY: give printable ASCII without leading or trailing spaces")
    policy = policy_for(a.host, a.allow_host, key, a.max_body)
    settings = _settings(a)
    check_port(a.host, a.port)
    model = model_from_args(a, a.template)
    name = a.name or (a.run_dir or a.model_dir).rstrip("/").split("/")[-1]
    serve(model, settings, name, a.host, a.port, a.max_batch, a.max_queue, a.wait_ms / 1000, a.timeout,
          a.max_tokens_limit, quiet=a.quiet, policy=policy, head_seconds=a.header_timeout)
    return 0


def _common(p, seed_help: str | None) -> None:
    p.add_argument("--run-dir", help="a `mathtune train` run folder (logs/RUN)")
    p.add_argument("--model-dir", help="or a converted model folder (`mathtune ckpt from-gguf`/`from-hf`)")
    p.add_argument("--ckpt", "--load-checkpoint", "--load_checkpoint", help="default: the run's newest checkpoint")
    p.add_argument("--tokenizer", help="override the tokenizer recorded with the data")
    p.add_argument("--template", help="override the prompt template recorded with the data")
    p.add_argument("--chat", choices=["vicuna", "plain", "chatml"], help="override the chat format recorded with the data")
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--no-execute", action="store_true", help="do not run generated programs")
    p.add_argument("--temperature", type=float, default=0.0, help="0: greedy")
    p.add_argument("--top-p", type=float, default=1.0, help="keep the smallest set of tokens with this mass")
    p.add_argument("--top-k", type=int, default=0, help="keep the k likeliest tokens (0: all; 1: greedy)")
    if seed_help:
        p.add_argument("--seed", type=int, default=0, help=seed_help)

    p.add_argument("--sandbox", **SANDBOX_OPTION)
    p.add_argument("--code-cpu-seconds", type=int, default=2)
    p.add_argument("--code-wall-seconds", type=float, default=5.0)
    p.set_defaults(samples=1, backend="kvcache", seed=0)


def add_parsers(sub) -> None:
    c = sub.add_parser("chat", help="ask a tuned model questions (streamed; programs run in the sandbox)",
                       description="Each question is rendered as in training, the answer is streamed as it is "
                                   "generated, a program the model writes runs in the sandbox and its output goes "
                                   "back to the model. Without a terminal, answers each line of stdin and exits.",
                       formatter_class=FMT)
    _common(c, "sampling: each question draws from a Generator seeded (seed, 0)")
    c.add_argument("--show-program", action="store_true", help="print the program and its output after each answer")
    c.set_defaults(func=cmd_chat)

    s = sub.add_parser("serve", help="an OpenAI-compatible HTTP API (+ a web page at /) for a tuned model",
                       description="GET /v1/models, POST /v1/chat/completions (stream: true for server-sent events). "
                                   "Concurrent requests are batched through the KV-cache decoder.",
                       formatter_class=FMT)
    _common(s, None)  # a request samples with its own `seed`, or a random one (as OpenAI's API)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--name", help="the model's name in /v1/models (default: the folder's name)")
    s.add_argument("--max-batch", type=int, default=8, help="requests decoded together")
    s.add_argument("--max-queue", type=int, default=64, help="waiting requests beyond this get 503")
    s.add_argument("--wait-ms", type=float, default=20, help="how long a batch waits for more requests")
    s.add_argument("--timeout", type=float, default=60, help="seconds before a request gets 504")
    s.add_argument("--max-tokens-limit", type=int, default=1024, help="the largest max_tokens a request may ask")
    s.add_argument("--quiet", action="store_true", help="no access log")
    s.add_argument("--api-key", help="require `Authorization: Bearer KEY` on /v1/ (default: $MATHTUNE_API_KEY)")
    s.add_argument("--allow-host", action="append", metavar="NAME",
                   help="a Host name this server answers to besides its loopback names (repeatable); "
                        "bound to 0.0.0.0 without it, any Host is answered")
    s.add_argument("--max-body", type=int, default=1 << 20, help="bytes of the largest request body (413 above)")
    s.add_argument("--header-timeout", type=float, default=10.0,
                   help="seconds a connection has to send a whole request head before it is closed")
    s.set_defaults(func=cmd_serve)

