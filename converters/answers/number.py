"""Numbers as the data and the models write them: one reader and one canonical spelling, for labels
(converters) and predictions (scoring) alike.

- Digits: ASCII or any Unicode decimal digit (full-width `１２３` in Chinese text), read back as ASCII.
- Sign: `-`, `−` (U+2212) or `－` (full-width); a leading `+` is dropped.
- Thousands separators: `4,788` and `-18,343,656.387` (whole groups of three) are one number; `1,2` and
  `12,3456` are lists, read as their last item, and `[79, 69]` is two numbers.
- Decimals (`.5`), exponents (`2.7e+34`), and integer fractions (`5/6`) where a reader asks for them.

`canonical` spells a value the one way the project writes it: a whole-number float in plain digits
(`145.0` → `145`, `1e16` → `10000000000000000`), any other float by its repr (`1.95766e-05`), text with its shown precision kept (`3.50` stays `3.50`).
"""
from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction

MAX_EXPONENT = 10_000  # contest values stay below 1e200; building 10**1e9 exactly would never finish
MAX_DIGITS = 10_000

SIGN = "[-−－]"
# possessive quantifiers: a digit run is never backtracked into, so a failed search stays linear
_UNSIGNED = r"(?:\d++(?:,\d{3}(?!\d))*+(?:\.\d++)?|\.\d++)(?:[eE][+-]?\d++)?"
_OVER = r"\d++\s*+/\s*+"  # the numerator of an integer fraction and its slash
_DENOMINATOR_END = r"(?!\d|\.\d)"  # `5/6.` ends a sentence; `3/4.5` is no fraction
NUM = rf"{SIGN}?{_UNSIGNED}"
INT_FRACTION = rf"{SIGN}?{_OVER}{SIGN}?\d++{_DENOMINATOR_END}"
_START = r"(?<![\d.])"  # a number starts where no digit run does
NUMBER_RE = re.compile(_START + NUM)
FRACTION_RE = re.compile(_START + INT_FRACTION)
# whole texts, once `_written` has made signs and digits ASCII
_DECIMAL = re.compile(rf"[-+]?{_UNSIGNED}")
_ONE = re.compile(rf"[-+]?(?:{_OVER}-?\d++{_DENOMINATOR_END}|{_UNSIGNED})")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?(?:[eE][+-]?\d+)?$")
LATEX_FRAC = re.compile(r"\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}")
_SIGNS = str.maketrans({"−": "-", "－": "-", "＋": "+"})


def _ascii_digits(text: str) -> str:
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _written(text: str) -> str | None:
    """`text` with ASCII signs and digits, or None when it is too long to be one number."""
    text = _ascii_digits(text.translate(_SIGNS))
    return text if len(text) <= MAX_DIGITS + 32 else None


def _grouped(written: str) -> bool:
    """No comma, or commas only between whole groups of three (`1,234`; not the list `1,2`)."""
    return "," not in written or bool(_THOUSANDS.match(written.lstrip("+")))


def clean(number: str) -> str:
    """A number as read from text → its plain ASCII spelling: signs and digits normalised, spaces and a
    leading `+` dropped, thousands separators removed; a comma list (`1,2`) gives its last item."""
    number = _ascii_digits(number.translate(_SIGNS).replace(" ", "")).lstrip("+")
    if "," in number:
        number = number.replace(",", "") if _THOUSANDS.match(number) else number.split(",")[-1]
    return number


def last_number(text: str, fractions: bool = False) -> str | None:
    """The last number in `text`, cleaned (an integer fraction `a/b` counts as one when `fractions`); None
    when there is none."""
    best, best_end = None, -1
    if fractions:
        for m in FRACTION_RE.finditer(text):
            best, best_end = m.group(0), m.end()
    for m in NUMBER_RE.finditer(text):
        if m.end() > best_end:
            best, best_end = m.group(0), m.end()
    return clean(best) if best is not None else None


def is_number(text: str) -> bool:
    """Whether `text` (spaces around allowed) is exactly one number in a spelling above: not a fraction,
    not a list (`-2, 1`), however large (`1e999999999` is a number too big to build, still a number)."""
    written = _written(text.strip())
    return written is not None and bool(_DECIMAL.fullmatch(written)) and _grouped(written)


def canonical(value) -> str:
    """A number (int, float, or text holding one number) in the project's one spelling; ValueError for
    anything else (a bool, NaN, infinity, text that is not one number)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        if value.is_integer():  # its shortest decimal digits, in full: 1e16 → 10000000000000000; -0.0 → 0
            if value == 0:
                return "0"
            return format(Decimal(repr(value)).normalize(), "f")
        return repr(value)  # the shortest spelling that reads back as the same float
    text = str(value).strip()
    written = _written(text)
    if written is None or not _ONE.fullmatch(written):
        raise ValueError(f"{text[:40]!r} is not a number")
    if not _grouped(written):
        raise ValueError(f"{text[:40]!r} is a list of numbers, not one")
    return clean(written)


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


def to_exact(answer) -> Fraction | None:
    """An answer (any spelling above, or a LaTeX `\\frac{a}{b}`) as an exact number; None when it is not
    one, or is too large to build (more than MAX_EXPONENT as exponent or MAX_DIGITS digits)."""
    if answer is None:
        return None
    answer = str(answer).strip().replace(" ", "")
    frac = LATEX_FRAC.fullmatch(answer)
    if frac:
        answer = f"{frac.group(1)}/{frac.group(2)}"
    answer = clean(answer)
    if not answer or len(answer) > MAX_DIGITS + 32:
        return None
    if "/" not in answer:
        try:
            value = Decimal(answer)
        except (InvalidOperation, ValueError):
            return None
        if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
            return None
    return as_exact(answer)


def shown_precision(number: str) -> int | None:
    """The exponent of a number's last shown digit (Decimal style: `3.50` → -2), None for fractions."""
    if "/" in number:
        return None
    try:
        return Decimal(clean(number)).as_tuple().exponent
    except (InvalidOperation, ValueError):
        return None
