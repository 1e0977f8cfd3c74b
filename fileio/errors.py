"""The errors every stage reports: a whole input that cannot be used, and one bad row (`file:line: reason`)."""
from __future__ import annotations

from dataclasses import dataclass


class InputError(ValueError):
    """A whole input cannot be used (missing, unreadable, wrong format)."""


@dataclass(frozen=True)
class RowError:
    """One bad input line; printed as `file:line: reason`."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"
