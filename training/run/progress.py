"""What `mathtune train` shows while it trains: a progress bar with the loss and the time left, read from
the run's own log as MindFormers writes it. MindFormers' INFO lines go to that log only (`--verbose` shows
them on the terminal as before); its warnings and errors still reach the terminal."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from training.run.logs import parse_log


def quiet_mindformers() -> None:
    """MindFormers' terminal handler passes warnings and errors only; its file handlers keep everything.
    MindSpore's own C++ log (GLOG_v) is left at errors unless the user chose a level."""
    import importlib

    os.environ.setdefault("GLOG_v", "3")
    # the module itself (`mindformers.tools.logger` the attribute is a class of the same name)
    mf_logger = importlib.import_module("mindformers.tools.logger")
    handler = mf_logger.LimitedRepeatHandler  # the stdout handler class (files use another)
    if getattr(handler, "_mathtune_quiet", False):
        return
    emit = handler.emit

    def emit_warnings(self, record):
        if record.levelno >= logging.WARNING:
            emit(self, record)

    handler.emit = emit_warnings
    handler._mathtune_quiet = True


class LossBar:
    """A tqdm bar over the global steps of the loss lines appended to `log_file` (polled, not blocking)."""

    def __init__(self, log_file: Path, interval: float = 1.0) -> None:
        self.log_file, self.interval = Path(log_file), interval
        self._stop, self._offset, self._rest, self._bar = threading.Event(), 0, "", None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "LossBar":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._poll()  # the last lines
        if self._bar is not None:
            self._bar.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._poll()

    def _poll(self) -> None:
        try:
            if os.path.getsize(self.log_file) < self._offset:  # rotated (MindFormers starts anew at 50 MB)
                self._offset, self._rest = 0, ""
            with open(self.log_file, encoding="utf-8", errors="replace") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
                self._offset = handle.tell()
        except OSError:
            return  # not written yet
        lines = (self._rest + chunk).split("\n")
        self._rest = lines.pop()  # an unfinished line waits for the next poll
        rows, _ = parse_log("\n".join(lines))
        for row in rows:
            self._show(row)

    def _show(self, row: dict) -> None:
        from tqdm import tqdm

        total = row["epochs"] * row["steps_per_epoch"]
        if self._bar is None:
            self._bar = tqdm(total=total, desc="training", unit="step", dynamic_ncols=True)
        self._bar.total = total
        self._bar.update(max(0, row["global_step"] - self._bar.n))
        self._bar.set_postfix(loss=f"{row['loss']:.4f}", epoch=f"{row['epoch']}/{row['epochs']}", refresh=True)
