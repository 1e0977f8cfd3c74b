"""Prompt templates by name, and recognising a prompt someone already wrapped around a problem.

Real files wrap problems in Alpaca-style prompts with whatever preamble sentence their author
chose, so a wrapper is recognised by its shape (preamble, `### Instruction:`, optional
`### Input:`, `### Response:`), not by one exact sentence.
"""
from __future__ import annotations

from typing import NamedTuple

CONTEST_HEAD = (
    "Below is an instruction that describes a task. "
    "Write a response that appropriately completes the request.\n\n### Instruction:\n"
)
GRADE_SCHOOL_HEAD = (
    "Below is an instruction that describes a grade school math problem. "
    "Write a response that gives the correct answer.\n\n### Instruction:\n"
)
RESPONSE_TAIL = "\n\n### Response:"

TEMPLATES: dict[str, str] = {
    "contest": CONTEST_HEAD + "{problem}" + RESPONSE_TAIL,
    "grade-school": GRADE_SCHOOL_HEAD + "{problem}" + RESPONSE_TAIL,
    "short": "{problem}" + RESPONSE_TAIL,
    "none": "{problem}",
}

# Names of recognised wrappers, as reported: the named templates, plus shapes with other wording.
ALPACA, ALPACA_INPUT, VICUNA = "alpaca (other preamble)", "alpaca with ### Input:", "vicuna (USER:/ASSISTANT:)"
_INSTRUCTION, _INPUT, _RESPONSE = "### Instruction:", "### Input:", "### Response:"
_PREAMBLES = {CONTEST_HEAD.split("\n")[0]: "contest", GRADE_SCHOOL_HEAD.split("\n")[0]: "grade-school"}
_USER, _ASSISTANT = "USER:", "ASSISTANT:"
# chat templates rendered into the text: (name, start of the user turn, end of it)
_CHAT_TURNS = (
    ("llama3 chat", "<|start_header_id|>user<|end_header_id|>", "<|eot_id|>"),
    ("chatml", "<|im_start|>user", "<|im_end|>"),
    ("zephyr", "<|user|>", "</s>"),
)
# plain-text turns: (name, start, end), the whole text being `start … end`
LLAMA2 = "llama2 [INST]"
_TEXT_TURNS = (
    ("Question:/Answer:", "Question:", "Answer:"),
    ("Q:/A:", "Q:", "A:"),
    ("Problem:/Solution:", "Problem:", "Solution:"),
    ("问题：/答案：", "问题：", "答案："),
    ("Human:/Assistant:", "Human:", "Assistant:"),
)
_INST, _END_INST, _SYS_END = "[INST]", "[/INST]", "<</SYS>>"
# every wrapper above holds one of these (`:` or `：` in a turn name, `###`, `[/INST]`, `<|…|>`)
_MARKS = (":", "：", "#", "]", "<|")


def render_prompt(problem: str, template: str = "contest") -> str:
    """The human turn for `problem` under the named template."""
    try:
        return TEMPLATES[template].format(problem=problem)
    except KeyError:
        raise ValueError(f"unknown prompt template {template!r}; choose from {sorted(TEMPLATES)}") from None


class Unwrapped(NamedTuple):
    problem: str  # the text the wrapper held (the instruction; see `extra`)
    wrapper: str  # "none", a template name, or one of the shape names above
    extra: str = ""  # the `### Input:` part, when there is one


def unwrap(text: str) -> Unwrapped:
    """Recognise and remove a prompt wrapper; linear in the text, never raises.

    Also Llama 2's `[INST] … [/INST]`, `Question: … Answer:`, `Human: … Assistant:` and rendered
    ChatML, Llama 3 and Zephyr user turns, as files made for other models have them."""
    text = text.strip()
    if not any(mark in text for mark in _MARKS):  # most rows: no wrapper can be there
        return Unwrapped(text, "none")
    head, sep, rest = text.partition(_INSTRUCTION)
    if sep and "###" not in head:
        body = rest.strip()
        if body.endswith(_RESPONSE):
            body = body[: -len(_RESPONSE)].rstrip()
        instruction, has_input, extra = body.partition(_INPUT)
        instruction, extra = instruction.strip(), extra.strip()
        if has_input and extra:
            return Unwrapped(instruction, ALPACA_INPUT, extra)
        return Unwrapped(instruction, _PREAMBLES.get(head.strip(), ALPACA))
    if text.endswith(_RESPONSE) and "###" not in text[: -len(_RESPONSE)]:
        return Unwrapped(text[: -len(_RESPONSE)].strip(), "short")
    if text.endswith(_ASSISTANT) and _USER in text:
        return Unwrapped(text[text.rfind(_USER) + len(_USER): -len(_ASSISTANT)].strip(), VICUNA)
    if text.endswith(_END_INST) and _INST in text:  # Llama 2: [<s>][INST] [<<SYS>>…<</SYS>>] q [/INST]
        body = text[text.rfind(_INST) + len(_INST): -len(_END_INST)]
        return Unwrapped(body[body.find(_SYS_END) + len(_SYS_END):].strip() if _SYS_END in body
                         else body.strip(), LLAMA2)
    for name, start, end in _TEXT_TURNS:
        if text.startswith(start) and text.endswith(end) and len(text) > len(start) + len(end):
            return Unwrapped(text[len(start): -len(end)].strip(), name)
    for name, start, end in _CHAT_TURNS:
        at = text.rfind(start)
        if at >= 0:
            body = text[at + len(start):]
            return Unwrapped(body[: body.find(end)].strip() if end in body else body.strip(), name)
    return Unwrapped(text, "none")


def strip_prompt(text: str) -> str:
    """The problem with any recognised wrapper removed (an Input part joins the instruction)."""
    got = unwrap(text)
    return f"{got.problem}\n{got.extra}" if got.extra else got.problem
