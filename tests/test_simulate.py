"""`mathtune simulate`: a real dryrun compile of the 4-card preset, its strategy file and memory, and refusals.

The compile runs MindSpore's simulation (MS_SIMULATION_LEVEL=1) in a subprocess; on this CPU machine
through the stub CANN that training.simulate.fakecann builds (once, cached). It is the one real compile here:
the 4p preset at 2 layers with a MindRecord of seq_length 64 (the preset's 256 compiles the same
graph, only slower), so its memory figure is for that shape, not the preset's.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training.config.loader import load_config
from training.simulate.rules import Peak, judge, parse_peak, refusal, size_mb, strategy_problems

ROOT = Path(__file__).resolve().parents[1]
PRESET = ROOT / "yaml" / "llama3_8b_lora_4p.yaml"
ENV = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
# what MindSpore 2.9 prints when a simulated process ends (copied from a compile log)
MS_TAIL = """Device MOC memory size: 65536M
MindSpore Used memory size: 61430M
MindSpore memory base address: 0x7ffc1d7370b7
Used peak memory usage (without fragments): 16720M
Actual peak memory usage (with fragments): 18618M
"""


def mathtune(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "mathtune", *args], cwd=ROOT, capture_output=True, text=True,
                          env=ENV, timeout=timeout)


@pytest.fixture(scope="module")
def llama3_data(tmp_path_factory):
    """Contest-style conversations → Llama 3 tokenizer → MindRecord of seq_length 64 (the real pipeline)."""
    from converters.encode.mindrecord import EncodeOptions, encode, write_mindrecord
    from converters.encode.tokenizers import load_tokenizer

    tok = load_tokenizer("llama3")
    rng = np.random.default_rng(3)
    pairs = []
    for _ in range(128):  # two global batches of the 4p preset (batch 64 × dp 1)
        a, b = rng.integers(1, 10000, 2)
        pairs.append((f"计算 {a} + {b} 等于多少？", f"{a} + {b} = {a + b}"))
    out = tmp_path_factory.mktemp("llama3") / "train.mindrecord"
    write_mindrecord(encode(pairs, tok, EncodeOptions(chat="plain")), out, 64, tok.pad_id,
                     {"tokenizer": tok.describe(), "chat": "plain", "template": "none", "label_mode": "exact"},
                     truncate=True)
    return out


def test_memory_lines_parsed_and_extrapolated():
    peak = parse_peak("noise\n" + MS_TAIL, 2)
    assert peak == Peak(2, 16720, 18618)
    assert parse_peak("Used peak memory usage (without fragments): 5M", 2) is None  # half a pair
    fig = judge([Peak(2, 3638, 3700), Peak(4, 4476, 4600)], 32, size_mb("58GB"))
    assert fig["mb_per_layer"] == 450 and fig["peak_actual_mb"] == 3700 + 450 * 30 and fig["fits"] is True
    assert fig["peak_used_mb"] == 3638 + 419 * 30 and fig["peak_mb"] == fig["peak_actual_mb"]
    # used memory growing faster than the with-fragments figure: the larger one is judged
    fig = judge([Peak(2, 9570, 10290), Peak(4, 9931, 10391)], 32, 12000.0)
    assert fig["peak_mb"] == fig["peak_used_mb"] == 9570 + round(180.5 * 30) and fig["fits"] is False
    assert fig["mb_per_layer"] == 180.5 and fig["peak_actual_mb"] == 10290 + round(50.5 * 30)
    assert judge([Peak(2, 30000, 31000), Peak(4, 34000, 35000)], 32, size_mb("58GB"))["fits"] is False
    assert judge([Peak(2, 100, 100)], 32, 59392.0)["fits"] is None  # one depth short of 32: not judged
    assert size_mb("58GB") == 58 * 1024 and size_mb("512MB") == 512
    with pytest.raises(ValueError):
        size_mb("lots")


def test_refusal_picks_mindspore_reason():
    log = ("[WARNING] noise\nTraceback (most recent call last):\n  File x\nRuntimeError: For 'MatMul', the "
           "strategy requires 8 devices, but the device number of this stage is 4\n\n" + MS_TAIL)
    assert refusal(log) == "requires 8 devices, but the device number of this stage is 4"
    assert refusal("a\nValueError: n_kv_heads must be divisible\nxx") == "n_kv_heads must be divisible"


def test_strategy_rules_on_the_presets():
    cfg = load_config(PRESET)
    assert strategy_problems(cfg, 4, 0, [2, 4]) == []
    assert strategy_problems(load_config(ROOT / "yaml" / "llama3_8b_lora_8p.yaml"), 8, 7, [2, 4]) == []
    assert strategy_problems(load_config(ROOT / "yaml" / "llama3_8b_lora_1p.yaml"), 1, 0, [2, 4]) == []
    cfg.parallel_config.model_parallel = 8
    assert strategy_problems(cfg, 4, 0, [2, 4]) == [
        "data_parallel 1 × model_parallel 8 × pipeline_stage 1 = 8 devices, but the run has 4 rank(s)"]
    cfg.parallel_config.model_parallel = 4
    cfg.model.model_config.n_kv_heads = 6
    assert strategy_problems(cfg, 4, 4, [2, 4]) == ["--rank 4 is outside 0..3",
                                                    "n_kv_heads 6 is not divisible by model_parallel 4"]


@pytest.mark.parametrize("override, reason", [
    ("parallel_config.model_parallel=8", "model_parallel 8 × pipeline_stage 1 = 8 devices, but the run has 4 rank(s)"),
    ("model.model_config.n_kv_heads=6", "n_kv_heads 6 is not divisible by model_parallel 4"),
])
def test_bad_strategy_refused_in_one_line_before_compiling(override, reason, tmp_path):
    proc = mathtune("simulate", "--config", str(PRESET), "--cards", "4", "--out", str(tmp_path / "sim"), override)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("mathtune: error:")]
    assert len(errors) == 1 and reason in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "sim").exists()


def test_train_sh_dry_run_checks_then_simulates(llama3_data):
    """--dry-run on 4 cards: the launch line, the config/data checks, then `mathtune simulate` (refusing here)."""
    proc = subprocess.run(["bash", "scripts/train.sh", "--config", str(PRESET), "--data", str(llama3_data),
                           "--cards", "4", "--run", "simcheck", "--dry-run", "--", "model.model_config.n_kv_heads=6"],
                          cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=900)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("+ mathtune launch --workers 4"), proc.stdout
    assert "dry run: config resolved and checked" in proc.stdout
    assert any(line.startswith("+ mathtune simulate --config") and "--cards 4" in line for line in lines)
    assert proc.returncode == 2 and "n_kv_heads 6 is not divisible by model_parallel 4" in proc.stderr


@pytest.mark.slow
def test_mindspore_own_refusal_is_one_line(tmp_path):
    """--skip-checks compiles a wrong strategy anyway: MindFormers/MindSpore refuse it, in one line."""
    proc = mathtune("simulate", "--config", str(PRESET), "--cards", "4", "--layers", "2", "--seq-length", "32",
                    "--skip-checks", "--out", str(tmp_path / "sim"), "parallel_config.model_parallel=8", timeout=1200)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("mathtune: error:")]
    assert proc.returncode == 2 and len(errors) == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "MindSpore refused the 2-layer simulated compile" in errors[0] and "8 != device_num(4)" in errors[0]
    assert "Traceback" not in proc.stderr


def test_4p_preset_compiles_at_2_layers_with_strategy_and_memory(llama3_data, tmp_path):
    out = tmp_path / "sim"
    proc = mathtune("simulate", "--config", str(PRESET), "--data", str(llama3_data), "--layers", "2",
                    "--out", str(out), timeout=1500)
    log = out / "compile_2_layers.log"
    assert proc.returncode == 0, proc.stderr[-2000:] + (log.read_text()[-4000:] if log.exists() else "")
    report = json.loads((out / "simulate.json").read_text())
    assert report["cards"] == 4 and report["mp"] == 4 and report["seq_length"] == 64
    assert report["compiles"][0]["layers"] == 2 and report["compiles"][0]["used_mb"] > 0
    assert report["peak_mb"] == report["peak_actual_mb"] >= report["peak_used_mb"] > 0
    assert "estimate" in proc.stdout and f"~{report['peak_mb']} MB peak at 2 layers" in proc.stdout
    import mindspore as ms

    layouts = ms.build_searched_strategy(str(out / "strategy" / "strategy_rank_0.ckpt"))
    sharded = {name for name, lay in layouts.items() if any(d >= 0 for d in lay.tensor_map[0].dim)}
    # the frozen attention weight and the LoRA B matrix are split over the 4 model-parallel ranks
    assert "model.layers.0.attention.wq.weight" in sharded and any("mindpet_delta_lora_b" in n for n in sharded)
    assert "model.layers.1.attention.wv.mindpet_delta_lora_a" in layouts
