"""A run folder that stands alone: the tokenizer it trained with is copied in, paths are kept
relative to the run, so `predict` and the scripts work from any directory and after a move."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from fileio.errors import InputError

TOKENIZER_DIR = "tokenizer"


def tokenizer_files(path: Path, kind: str) -> list[Path]:
    """The files one tokenizer consists of (a tokenizer.json reads its specials from a config beside it)."""
    files = [path]
    if kind == "hf-tokenizer-json" and path.with_name("tokenizer_config.json").is_file():
        files.append(path.with_name("tokenizer_config.json"))
    return files


def find_data_tokenizer(tok_meta: dict, train_data: str | Path) -> Path:
    """The tokenizer file a MindRecord was made with: its recorded path, or the same path beside the data."""
    recorded = Path(tok_meta["path"])
    for candidate in (recorded, Path(train_data).resolve().parent / recorded):
        if candidate.is_file():
            return candidate.resolve()
    if tok_meta.get("kind") == "llama3-tiktoken":  # data made on another machine: the same packaged Meta file
        from converters.encode.tokenizers import default_llama3_path

        return default_llama3_path()
    raise InputError(f"the data's tokenizer {recorded} is not found (neither from here nor beside {train_data}); "
                     "a run keeps a copy of its tokenizer, so it must exist when training starts")


def copy_tokenizer(tok_meta: dict, train_data: str | Path, run_dir: Path) -> dict:
    """Copy the data's tokenizer into RUN/tokenizer/; returns the metadata with a run-relative path."""
    source = find_data_tokenizer(tok_meta, train_data)
    target = run_dir / TOKENIZER_DIR
    target.mkdir(parents=True, exist_ok=True)
    for file in tokenizer_files(source, tok_meta.get("kind", "")):
        shutil.copyfile(file, target / file.name)
    digest = hashlib.sha256((target / source.name).read_bytes()).hexdigest()
    return {**tok_meta, "path": f"{TOKENIZER_DIR}/{source.name}", "copied_from": str(source), "sha256": digest}


def run_tokenizer_path(run_dir: Path, tok_meta: dict) -> str:
    """Where a run's tokenizer is: its copy (path relative to the run) or, for runs made before
    copies were kept, the recorded path; 'llama3' for the packaged Llama 3 file."""
    recorded = Path(tok_meta["path"])
    if not recorded.is_absolute() and (run_dir / recorded).is_file():
        return str(run_dir / recorded)
    if recorded.is_file():
        return str(recorded)
    if tok_meta.get("kind") == "llama3-tiktoken":
        return "llama3"  # an older run made elsewhere: the packaged file is the same Meta tokenizer
    raise InputError(f"{run_dir}: its tokenizer {recorded} is not found (pass --tokenizer PATH)")


def read_run(run_dir: Path) -> tuple[dict, dict]:
    """(config.yaml, data.meta.json) of a `mathtune train` run folder; InputError when either is missing."""
    import json

    from training.config.yamledit import read_yaml

    for needed in ("config.yaml", "data.meta.json"):
        if not (run_dir / needed).is_file():
            raise InputError(f"{run_dir}: no {needed} (is it a `mathtune train` run folder?)")
    return read_yaml(run_dir / "config.yaml"), json.loads((run_dir / "data.meta.json").read_text(encoding="utf-8"))


def last_checkpoint(run_dir: Path, rank: int = 0) -> Path | None:
    """The newest .ckpt of this rank under a run directory."""
    found = sorted((run_dir / "checkpoint" / f"rank_{rank}").glob("*.ckpt"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def resume_point(run_dir: Path, rank: int = 0) -> Path | None:
    """The checkpoint MindFormers resumes from: the one rank_N/meta.json names, else the newest."""
    import json

    folder = run_dir / "checkpoint" / f"rank_{rank}"
    try:
        named = folder / json.loads((folder / "meta.json").read_text())["last_ckpt_file"]
    except (OSError, ValueError, KeyError, TypeError):
        return last_checkpoint(run_dir, rank)
    return named if named.is_file() else last_checkpoint(run_dir, rank)
