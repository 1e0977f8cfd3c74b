"""The error of a config that cannot be used: one line, raised before any work."""
from __future__ import annotations

from fileio.errors import InputError


class ConfigError(InputError):
    """A config that would fail (or silently misbehave) if a run started with it."""
