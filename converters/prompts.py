"""Prompt templates by name, and stripping a template someone already wrapped around a problem."""
from __future__ import annotations

CONTEST_HEAD = (
    "Below is an instruction that describes a task. "
    "Write a response that appropriately completes the request.\n\n### Instruction:\n"
)
RESPONSE_TAIL = "\n\n### Response:"

TEMPLATES: dict[str, str] = {
    "contest": CONTEST_HEAD + "{problem}" + RESPONSE_TAIL,
    "short": "{problem}" + RESPONSE_TAIL,
    "none": "{problem}",
}


def render_prompt(problem: str, template: str = "contest") -> str:
    """The human turn for `problem` under the named template."""
    try:
        return TEMPLATES[template].format(problem=problem)
    except KeyError:
        raise ValueError(f"unknown prompt template {template!r}; choose from {sorted(TEMPLATES)}") from None


_HEAD, _TAIL = CONTEST_HEAD.strip(), RESPONSE_TAIL.strip()


def strip_prompt(text: str) -> str:
    """Remove a contest/short template wrapped around a problem; other text is returned stripped."""
    text = text.strip()
    if text.startswith(_HEAD):
        text = text[len(_HEAD):].strip()
    if text.endswith(_TAIL):
        text = text[: -len(_TAIL)].strip()
    return text
