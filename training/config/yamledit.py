"""YAML configs as data: show, diff, set (comments and order kept), derive, and run overrides."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any, Iterator

from fileio.atomic import atomic_open
from training.config.errors import ConfigError


def _float_for_pyyaml(representer, value: float):
    """Floats MindFormers' loader (PyYAML, YAML 1.1) reads back as floats: 1e-05 → 1.0e-05."""
    text = repr(value)
    if "e" in text and "." not in text.split("e")[0]:
        text = text.replace("e", ".0e", 1)
    if text in ("inf", "-inf", "nan"):
        text = {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}[text]
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


def _yaml():
    from ruamel.yaml import YAML

    y = YAML()
    y.preserve_quotes = True
    y.width = 120
    y.indent(mapping=2, sequence=4, offset=2)  # "  - type: …", as MindFormers' files are written
    # MindFormers' YAMLs spell booleans True/False; keep them that way
    y.representer.add_representer(bool, lambda r, d: r.represent_scalar("tag:yaml.org,2002:bool", str(d)))
    y.representer.add_representer(float, _float_for_pyyaml)
    return y


MAX_YAML_BYTES = 1 << 20  # MindFormers' configs are a few KiB; a parser's time grows faster than size
MAX_FLOW_DEPTH = 64  # '[' / '{' nesting: ruamel recurses (and slows) per level
MAX_VALUES = 100_000  # values after aliases are expanded: a 300-byte alias bomb means billions


def read_yaml(path: str | os.PathLike):
    """A YAML file as ruamel's round-trip tree; ConfigError (one line) for anything unusable."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config not found: {path}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_YAML_BYTES:
        raise ConfigError(f"{path}: {len(raw)} bytes is too large for a config (limit {MAX_YAML_BYTES})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    check_text(text, str(path))
    try:
        data = _yaml().load(text)
    except Exception as exc:  # ruamel raises many kinds (scanner, parser, composer, RecursionError)
        raise ConfigError(f"{path}: not valid YAML: {_first_line(exc)}") from None
    check_expansion(data, str(path))
    return data


def _first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def check_text(text: str, where: str) -> None:
    """Refuse flow nesting deeper than MAX_FLOW_DEPTH before a parser recurses into it (linear scan)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_FLOW_DEPTH:
            raise ConfigError(f"{where}: nested deeper than {MAX_FLOW_DEPTH} levels")


_BRACKETS = re.compile(r"[\[\]{}]")


def check_expansion(data, where: str, limit: int = MAX_VALUES) -> None:
    """Refuse aliases that refer to themselves or expand past `limit` values (counted, not expanded)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise ConfigError(f"{where}: an alias refers to a node that contains it")
        active.add(key)
        children = node.values() if isinstance(node, dict) else node
        total = 1 + sum(size(child) for child in children)
        active.discard(key)
        sizes[key] = total
        if total > limit:
            raise ConfigError(f"{where}: aliases expand to more than {limit} values; refusing")
        return total

    try:
        size(data)
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply") from None


def write_yaml(path: str | os.PathLike, data) -> None:
    buf = io.StringIO()
    _yaml().dump(data, buf)
    with atomic_open(path) as handle:
        handle.write(buf.getvalue())


def flatten(node, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """('a.b.c', leaf) pairs; lists of mappings as 'a[0].b', other lists are leaves."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from flatten(value, f"{prefix}{key}.")
    elif isinstance(node, list) and any(isinstance(v, dict) for v in node):
        for i, value in enumerate(node):
            yield from flatten(value, f"{prefix[:-1]}[{i}].")
    else:
        yield prefix[:-1], node


def show(path: str, prefix: str = "") -> str:
    return "\n".join(f"{k}: {_plain(v)}" for k, v in flatten(read_yaml(path)) if k.startswith(prefix))


def diff(a: str, b: str) -> str:
    fa, fb = dict(flatten(read_yaml(a))), dict(flatten(read_yaml(b)))
    lines = []
    for key in sorted(fa.keys() | fb.keys()):
        if key not in fb:
            lines.append(f"- {key}: {_plain(fa[key])}")
        elif key not in fa:
            lines.append(f"+ {key}: {_plain(fb[key])}")
        elif _plain(fa[key]) != _plain(fb[key]):
            lines.append(f"~ {key}: {_plain(fa[key])} → {_plain(fb[key])}")
    return "\n".join(lines) or "no differences"


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def parse_value(text: str):
    """'8' → 8, '1e-4' → 0.0001, 'true' → True, '[1, 2]' → [1, 2], other text stays a string."""
    from ruamel.yaml import YAML

    if "\n" in text or "\r" in text:
        raise ConfigError(f"a value is one line, got {text!r:.80}")
    check_text(text, f"value {text!r:.80}")
    try:
        value = YAML(typ="safe").load(text)
    except Exception as exc:  # unclosed brackets, unknown aliases, python/* tags the safe loader refuses
        raise ConfigError(f"cannot read the value {text!r:.80}: {_first_line(exc)}") from None
    check_expansion(value, f"value {text!r:.80}", limit=10_000)
    if isinstance(value, str) and _FLOAT.fullmatch(value):  # YAML 1.2 reads '1e-4' as a string
        return float(value)
    return value


def _check_type(key: str, old, new):
    """Refuse a value of another kind than the one it replaces (int stays int, and so on)."""
    if old is None or isinstance(old, str) and isinstance(new, str):
        return new
    if isinstance(old, bool) or isinstance(new, bool):
        if isinstance(old, bool) and isinstance(new, bool):
            return new
    elif isinstance(old, int) and isinstance(new, int):
        return new
    elif isinstance(old, float) and isinstance(new, (int, float)):
        return float(new)
    elif isinstance(old, list) and isinstance(new, list):
        return new
    raise ConfigError(f"{key}: expected {type(old).__name__} like {_plain(old)!r}, got {new!r}")


def _walk(root, key: str):
    """The mapping that holds the last part of a dotted key; refuses unknown keys."""
    node, parts = root, key.split(".")
    for depth, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"unknown key {'.'.join(parts[:depth + 1])} (in {key})")
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        import difflib

        close = difflib.get_close_matches(parts[-1], list(node.keys()) if isinstance(node, dict) else [], n=1)
        raise ConfigError(f"unknown key {key}" + (f" (did you mean {close[0]}?)" if close else ""))
    return node, parts[-1]


def assign(root, assignment: str) -> tuple[str, Any, Any]:
    """Apply one 'key.path=value' to a loaded YAML tree; returns (key, old, new)."""
    key, sep, text = assignment.partition("=")
    if not sep or not key:
        raise ConfigError(f"expected key.path=value, got {assignment!r}")
    node, last = _walk(root, key.strip())
    old = node[last]
    if isinstance(old, dict):
        raise ConfigError(f"{key} is a section, not a value")
    new = _check_type(key, old, parse_value(text.strip()))
    node[last] = new
    return key, old, new


def set_in_file(path: str, assignments: list[str], out: str | None = None) -> list[str]:
    """Set values in a YAML file keeping comments and order; all or nothing."""
    data = read_yaml(path)
    notes = []
    for a in assignments:
        key, old, new = assign(data, a)
        notes.append(f"{key}: {_plain(old)!r} → {_plain(new)!r}")
    write_yaml(out or path, data)
    return notes


def apply_overrides(cfg, assignments: list[str]) -> list[str]:
    """The same rules on a loaded MindFormerConfig (for `mathtune train KEY=VALUE …`)."""
    return [f"{k}: {old!r} → {new!r} (override)" for k, old, new in (assign(cfg, a) for a in assignments)]


def dump_config(cfg) -> str:
    """A MindFormerConfig (or any dict) as YAML text."""
    from ruamel.yaml import YAML

    def plain(node):
        if isinstance(node, dict):
            return {str(k): plain(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [plain(v) for v in node]
        if node is None or isinstance(node, (str, int, float, bool)):
            return node
        if hasattr(node, "__dict__"):  # MindFormers fills some sections with small config objects
            return {k: plain(v) for k, v in vars(node).items() if not k.startswith("_")}
        return str(node)

    buf = io.StringIO()
    y = YAML(typ="safe")
    y.default_flow_style = False
    y.representer.add_representer(float, _float_for_pyyaml)
    y.dump(plain(cfg), buf)
    return buf.getvalue()
