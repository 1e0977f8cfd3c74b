"""Answer strings: pulling them out of solutions and comparing them as numbers."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
# `4,788` / `-18,343,656.387` in hand-written labels: whole groups of 3 only, so a list without
# spaces (`1,2`) and the contest's `[79, 69]` stay separate numbers
_GROUPED = r"(?<![\d,])-?\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(f"{_GROUPED}|{NUMBER}")
_FRACTION_RE = re.compile(rf"-?\d+\s*/\s*-?\d+|{_GROUPED}|{NUMBER}")


def last_number(text: str, fractions: bool = False) -> str | None:
    """The last number in `text` (a/b counts as one when `fractions`; thousands separators
    removed), or None."""
    found = (_FRACTION_RE if fractions else _NUMBER_RE).findall(text)
    return found[-1].replace(" ", "").replace(",", "") if found else None


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_PLAIN_FRACTION = re.compile(r"[-+]?\d+/[-+]?\d+", re.ASCII)
_PLAIN_GROUPED = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII)
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][-+]?\d+)?", re.ASCII)
_INT_LITERAL = re.compile(r"[-+]?0(?:[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|[oO][0-7]+(?:_[0-7]+)*|[bB][01]+(?:_[01]+)*)")
MAX_PLAIN = 1_000_000  # characters of one printed value: the regexes are linear, a line past this is not a value
MAX_LITERAL = 200  # an int literal in base 2/8/16 is converted to decimal digits: keep that cheap


def plain_value(line: str) -> str | None:
    """`line` as one number, as Python prints one (or a person writes one): `42`, `-0.55`, `2.7e+34`,
    `1_000`, `0x2A`, `5/6`, `1,234.5`, `−3`; None for anything else (`a = 5`, `Done in 0.01 s`)."""
    text = line.strip().replace("\u2212", "-")
    if not text or len(text) > MAX_PLAIN:
        return None
    if _PLAIN_FRACTION.fullmatch(text):
        return text.lstrip("+")
    if _PLAIN_GROUPED.fullmatch(text):
        return text.replace(",", "").lstrip("+")
    if _INT_LITERAL.fullmatch(text):
        return str(int(text, 0)) if len(text) <= MAX_LITERAL else None
    if _PLAIN_NUMBER.fullmatch(text):
        return text.replace("_", "").lstrip("+")
    return None


def program_answer(output: str) -> str | None:
    """The answer a program printed: its last output line that is one plain value (`plain_value`).

    The rule programs are trained to follow (every training program prints its answer as its only
    and last line): a line after it that is not a value (`Done in 0.01 s`) does not replace it, nor
    does an earlier one (`a = 5`). Terminal colours and carriage-return overwrites are read as shown.
    None when no line is a plain value."""
    for line in reversed(_ANSI.sub("", output).split("\n")):
        value = plain_value(line.rsplit("\r", 1)[-1] if line.strip("\r") else line)
        if value is not None:
            return value
    return None


def as_exact(text: str) -> Fraction | None:
    """'1.5', '2.7E+34', '5/6' → an exact Fraction; None if it is not a finite number."""
    try:
        if "/" in text:
            num, den = text.split("/")
            return Fraction(int(num), int(den))
        value = Decimal(text)
        return Fraction(value) if value.is_finite() else None
    except (ValueError, ZeroDivisionError, InvalidOperation):
        return None


def extract_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` (or `\\fbox{...}`), braces balanced; None if absent."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        return None
    depth = 0
    for i in range(brace, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[brace + 1 : i].strip()
    return None
