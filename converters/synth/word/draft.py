"""One word problem as it is built: the sentences, the program's named lines, and each value kept exactly.

A schema states a quantity with `given` (a line `name = literal`), derives one with `step` (a line
`name = expression` over earlier names, its value computed here with Fractions from the same expression the
program holds), and says both in the problem's language with `say`. Numbers are written as the language
writes them; the program holds plain literals."""
from __future__ import annotations

import random
import re
from fractions import Fraction

from converters.synth.word import lexicon

_NAME = re.compile(r"[A-Za-z_]\w*")
# how many digits a problem's main quantities have: mostly small, up to seven
_SIZES, _SIZE_WEIGHTS = (1, 2, 3, 4, 5, 6, 7), (14, 30, 24, 12, 8, 7, 5)


def decimal_text(value: Fraction) -> str:
    """An exact terminating value as a plain decimal: 38, 12.5, 0.25 (ValueError when it does not end)."""
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        raise ValueError(f"{value} is not a terminating decimal")
    if value.denominator == 1:
        return str(value.numerator)
    places = 0  # scale by 10 until whole: exact in integers, at any size (no decimal context)
    while (value * 10 ** places).denominator != 1:
        places += 1
    digits = str(abs(value * 10 ** places).numerator).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")


class Draft:
    """The problem under construction; `chinese` picks the language of every sentence."""

    def __init__(self, rng: random.Random, chinese: bool):
        self.rng, self.chinese = rng, chinese
        self.size = rng.choices(_SIZES, _SIZE_WEIGHTS)[0]
        self.commas = rng.random() < 0.6  # English thousands separators, one choice per problem
        self.facts: list[str] = []
        self.lines: list[str] = []
        self.work: list[str] = []
        self.values: dict[str, Fraction] = {}
        self.texts: dict[str, str] = {}
        self.question: tuple[str, str, str] = ("", "", "")  # English question, English clause, Chinese question
        self.answer = ""

    # --- numbers
    def count(self, low: int = 1, digits: int | None = None) -> int:
        """A whole amount of about the problem's size (or `digits` digits), at least `low`."""
        d = digits or max(1, self.size + self.rng.choice((-1, 0, 0, 0)))
        return self.rng.randint(max(low, 10 ** (d - 1)), max(low, 10 ** d - 1))

    def small(self, low: int = 2, high: int = 12) -> int:
        return self.rng.randint(low, high)

    def price(self, low: int, high: int) -> Fraction:
        """A price in [low, high], whole or in quarters / tenths (what shop prices look like)."""
        whole = self.rng.randint(low, high)
        cents = self.rng.choice((0, 0, 0, 25, 50, 75, 10, 20, 40, 60, 80, 90, 99, 5))
        return Fraction(whole * 100 + cents, 100)

    def text(self, value: Fraction, money: bool = False) -> str:
        plain = decimal_text(Fraction(value))
        if money and "." in plain and len(plain.split(".")[1]) == 1:
            plain += "0"
        if not self.chinese and self.commas and abs(value) >= 1000:
            head, _, tail = plain.partition(".")
            plain = f"{int(head):,}" + (f".{tail}" if tail else "")
        if money:
            return f"{plain}元" if self.chinese else f"${plain}"
        return plain

    # --- the program
    def _name(self, base: str) -> str:
        name, k = base, 2
        while name in self.values:
            name, k = f"{base}_{k}", k + 1
        return name

    def given(self, base: str, value, money: bool = False) -> str:
        """A stated quantity: its program line and its text (`self[name]`)."""
        name, value = self._name(base), Fraction(value)
        self.values[name] = value
        self.texts[name] = self.text(value, money)
        self.lines.append(f"{name} = {decimal_text(value)}")
        return name

    def step(self, base: str, expr: str, money: bool = False) -> str:
        """A derived quantity: `expr` over earlier names (and whole literals), evaluated exactly."""
        name = self._name(base)
        value = eval(expr, {"__builtins__": {}}, dict(self.values))  # noqa: S307 - expressions this module writes
        value = Fraction(value)
        shown = _NAME.sub(lambda m: decimal_text(self.values[m.group()]), expr)
        self.values[name] = value
        self.texts[name] = self.text(value, money)
        self.lines.append(f"{name} = {expr}")
        self.work.append(f"{name} = {shown} = {decimal_text(value)}")
        return name

    def many(self, name: str, thing, word: str = "") -> str:
        """`3 apples`, `1 apple`, `5 more apples`: the amount of `name` with `thing`'s English noun."""
        noun = thing.en if self.values[name] == 1 else thing.ens
        return f"{self[name]} {word + ' ' if word else ''}{noun}"

    def __getitem__(self, name: str) -> str:
        return self.texts[name]

    def say(self, en: str, zh: str) -> None:
        self.facts.append(zh if self.chinese else en)

    def ask(self, en_question: str, en_clause: str, zh_question: str, answer: str) -> None:
        """The question in its forms and the name whose value is the answer."""
        self.question, self.answer = (en_question, en_clause, zh_question), answer

    def pick(self, *options):
        return self.rng.choice(options)

    def people(self, k: int) -> list[tuple[str, str]]:
        return lexicon.people(self.rng, k, self.chinese)

    def program(self) -> str:
        return "\n".join(self.lines + [f"print({self.answer})"])
