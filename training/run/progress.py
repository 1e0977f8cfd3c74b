"""What `mathtune train` shows while it trains: a progress bar with the loss and the time left, read from
the run's own log as MindFormers writes it. MindFormers' INFO and WARNING lines and the config it prints go
to that log only (`--verbose` shows them on the terminal as before); its errors still reach the terminal.
MindSpore's own log lines are kept to errors unless the user chose a level (GLOG_v)."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from training.run.logs import parse_log


# MindSpore's C++ and Python loggers read these when mindspore is first imported: set them before.
# GLOG_v=3 keeps only errors: no "[WARNING] ME…" lines, no "Load dynamic library … failed" (INFO) lines.
QUIET_ENV = {"GLOG_v": "3", "MS_SUBMODULE_LOG_v": "{ME:3}"}


def quiet_mindspore(override: bool = True) -> None:
    """MindSpore's own log lines off for this process and the processes it starts; with `override` False a
    level the user set stays."""
    for key, value in QUIET_ENV.items():
        if override:
            os.environ[key] = value
        else:
            os.environ.setdefault(key, value)


def quiet_mindformers() -> None:
    """MindFormers' terminal handler passes errors only; its file handlers keep everything, and the config
    its trainers pprint to the terminal goes to its log (INFO) instead. Called before MindSpore is imported,
    it also keeps MindSpore's own log to errors unless the user chose a level."""
    quiet_mindspore(override=False)
    import contextlib
    import importlib
    import io
    import pprint
    import sys

    trainers = ("mindformers.trainer.base_trainer",
                "mindformers.trainer.causal_language_modeling.causal_language_modeling")
    held = io.StringIO()
    with contextlib.redirect_stdout(held):  # what MindFormers logs while it imports is in its log files too
        # the module itself (`mindformers.tools.logger` the attribute is a class of the same name)
        mf_logger = importlib.import_module("mindformers.tools.logger")
        modules = [importlib.import_module(name) for name in trainers]
    handler = mf_logger.LimitedRepeatHandler  # the stdout handler class (files use another)
    for each in list(logging.Logger.manager.loggerDict.values()):  # made during the import: back to stdout
        for h in getattr(each, "handlers", []):
            if isinstance(h, handler) and h.stream is held:
                h.setStream(sys.stdout)
    if getattr(handler, "_mathtune_quiet", False):
        return
    emit = handler.emit

    def emit_errors(self, record):
        if record.levelno >= logging.ERROR:
            emit(self, record)

    handler.emit = emit_errors
    handler._mathtune_quiet = True

    def config_to_log(obj, *args, **kwargs) -> None:
        mf_logger.logger.info("config:\n%s", pprint.pformat(obj))

    for module in modules:
        if getattr(module, "pprint", None) is pprint.pprint:
            module.pprint = config_to_log


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
