"""Build and run the whole training pipeline of a config, shrunk, on CPU: what `mathtune train` does.

Shared by test_presets.py and test_migrate.py. Only the model's dimensions shrink and parallelism
becomes stand-alone; everything else (dataset, optimizer, lr schedule, wrapper, callbacks, Trainer)
is the config's own, built by MindFormers from a real MindRecord.
"""
from __future__ import annotations

import re
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRS = [(f"{a} + {b} =", str(a + b)) for a, b in [(1, 2), (13, 29), (7, 8), (40, 2), (5, 55), (3, 9), (11, 11), (6, 60)]]
BATCH = 4  # 8 rows / 4 = 2 steps
SHRUNK = {"hidden_size": 32, "num_layers": 2, "num_heads": 4, "n_kv_heads": 2, "intermediate_size": 64,
          "vocab_size": 32}
STAND_ALONE = {"parallel.parallel_mode": 0, "parallel.enable_parallel_optimizer": False, "parallel.full_batch": False,
               "parallel_config.data_parallel": 1, "parallel_config.model_parallel": 1,
               "parallel_config.pipeline_stage": 1, "parallel_config.micro_batch_num": 1}


def make_data(out_dir: Path) -> Path:
    """8 rows of 16 tokens from a character tokenizer of 17 ids (fits SHRUNK's vocabulary of 32)."""
    from converters.encode.char_tokenizer import build_char_tokenizer
    from converters.encode.mindrecord import EncodeOptions, encode, write_mindrecord
    from converters.encode.tokenizers import load_tokenizer

    tok = load_tokenizer(str(build_char_tokenizer([h + g for h, g in PAIRS], out_dir / "tok",
                                                  extra=string.digits + " +=")))
    assert tok.describe()["vocab_size"] <= SHRUNK["vocab_size"]
    out = out_dir / "train.mindrecord"
    write_mindrecord(encode(iter(PAIRS), tok, EncodeOptions(chat="plain")), out, 15, tok.pad_id,
                     {"tokenizer": tok.describe(), "chat": "plain", "template": "none", "label_mode": "exact"})
    return out


def overrides(config: Path, data: Path) -> list[str]:
    """key=value overrides that shrink the model and make it stand-alone; only keys the file has."""
    from converters.encode.mindrecord import read_meta
    from training.config.yamledit import flatten, read_yaml

    have = dict(flatten(read_yaml(config)))
    tok = read_meta(data)["tokenizer"]
    wanted = {f"model.model_config.{k}": v for k, v in SHRUNK.items()}
    wanted.update({"model.model_config.pad_token_id": tok["pad_id"], "model.model_config.bos_token_id": tok["bos_id"],
                   "model.model_config.eos_token_id": tok["eos_id"]})
    wanted.update(STAND_ALONE)
    wanted.update({"runner_config.batch_size": BATCH, "train_dataset.batch_size": BATCH,
                   "train_dataset.num_parallel_workers": 1,
                   "context.mode": 1})  # PyNative: 2 steps run in ~8 s, graph mode compiles for ~17 s first
    return [f"{k}={v}" for k, v in wanted.items() if k in have]


def train_shrunk(config: Path, data: Path, work: Path, name: str) -> tuple[subprocess.CompletedProcess, Path]:
    """`mathtune train` on CPU in a real subprocess; returns the process and the run folder."""
    proc = subprocess.run([sys.executable, "-m", "mathtune", "train", "--config", str(config),
                           "--train_data", str(data), "--run-name", name, "--device", "cpu", "--epochs", "1",
                           *overrides(config, data)],
                          cwd=work, capture_output=True, text=True, timeout=600)
    return proc, work / "logs" / name


STEP = re.compile(r"step:\[\s*(\d+)/\s*(\d+)\], loss:\[([-\d.e+naif]+)/")


def steps_and_losses(run: Path) -> list[tuple[int, int, float]]:
    """(step, steps, loss) of each MFLossMonitor line of the run's log (the terminal shows a bar instead)."""
    text = (run / "log" / "rank_0" / "info.log").read_text(encoding="utf-8")
    return [(int(a), int(b), float(c)) for a, b, c in STEP.findall(text)]
