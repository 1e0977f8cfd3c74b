"""What a sandboxed run may use (`Limits`), and what it reports (`Result`)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 2
    wall_seconds: float = 5.0
    memory_mb: int = 512
    output_bytes: int = 64 * 1024
    file_bytes: int = 1024 * 1024
    open_files: int = 64
    processes: int = 16
    tmpfs_mb: int = 64
    sandbox: str = "bwrap"


@dataclass
class Result:
    status: str
    stdout: str
    stderr: str
    returncode: int | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"
