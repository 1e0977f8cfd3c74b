"""Runs stand alone (tokenizer copied in, template recorded) and data that does not fit a config is refused."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from converters.encode.mindrecord import template_of
from converters.rules.prompts import render_prompt

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def mathtune(*args, cwd, timeout=600):
    return subprocess.run([sys.executable, "-m", "mathtune", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=ENV)


def test_template_is_read_off_the_human_turn():
    problem = "计算 12.5 * 3.25 等于多少？"
    for name in ("contest", "short", "none"):
        assert template_of(render_prompt(problem, name)) == name
    assert template_of("\n\n### Response:") == "short"  # an empty problem still has the short wrapper
    assert template_of("计算 1 + 1\n\n### Response: extra") == "none"  # the wrapper must end the turn


@pytest.fixture(scope="module")
def llama3_data(tmp_path_factory):
    """Completed rows (a user's JSONL) → `data convert --template short` → `data mindrecord` (Llama 3)."""
    d = tmp_path_factory.mktemp("l3")
    rows = [{"problem": f"计算 {i}.5 + {i + 3}.25 等于多少？", "response": f"{i}.5 + {i + 3}.25 = {2 * i + 3.75}"}
            for i in range(70)]
    (d / "done.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    conv = mathtune("data", "convert", "done.jsonl", "--template", "short", "--out", "conv.json", cwd=d)
    assert conv.returncode == 0, conv.stderr[-2000:]
    made = mathtune("data", "mindrecord", "conv.json", "--out", "train.mindrecord", "--seq-length", "auto",
                    "--quiet", cwd=d)
    assert made.returncode == 0, made.stderr[-2000:]
    assert "prompt template of the human turns: 'short'" in made.stdout
    return d / "train.mindrecord"


def test_convert_then_mindrecord_records_the_template(llama3_data):
    meta = json.loads(Path(str(llama3_data) + ".meta.json").read_text(encoding="utf-8"))
    assert meta["template"] == "short" and meta["templates_seen"] == {"short": 70}
    assert Path(meta["tokenizer"]["path"]).is_absolute()


def test_mixed_templates_record_none_and_say_so(tmp_path):
    items = [{"id": str(i), "conversations": [{"from": "human", "value": render_prompt(f"{i} + 1 = ?", t)},
                                              {"from": "gpt", "value": str(i + 1)}]}
             for i, t in enumerate(["contest", "contest", "none"])]
    (tmp_path / "conv.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    made = mathtune("data", "mindrecord", "conv.json", "--out", "m.mindrecord", "--quiet", "--no-check", cwd=tmp_path)
    assert made.returncode == 0, made.stderr[-2000:]
    assert "mix prompt templates {'contest': 2, 'none': 1}" in made.stderr
    meta = json.loads((tmp_path / "m.mindrecord.meta.json").read_text(encoding="utf-8"))
    assert meta["template"] is None and meta["templates_seen"] == {"contest": 2, "none": 1}


def test_data_for_another_vocabulary_is_refused_in_one_line(llama3_data, tmp_path):
    args = ["train", "--config", str(ROOT / "yaml" / "cpu_tiny.yaml"), "--train_data", str(llama3_data),
            "--device", "cpu", "--dry-run", "runner_config.batch_size=8"]
    refused = mathtune(*args, cwd=tmp_path)
    assert refused.returncode == 2
    errors = [line for line in refused.stderr.splitlines() if line.startswith("mathtune")]
    assert errors == [f"mathtune: error: {llama3_data} does not fit {ROOT / 'yaml' / 'cpu_tiny.yaml'}: the data's "
                      "tokenizer has 128256 ids but vocab_size is 512; pad_token_id 0 differs from the data's pad id "
                      "128002 (use a config made for this tokenizer, or --fit-model-to-data to build the model from "
                      "the data)"]
    assert "Traceback" not in refused.stderr and "trainable parameters" not in refused.stdout
    fitted = mathtune(*args, "--fit-model-to-data", cwd=tmp_path)
    assert fitted.returncode == 0, fitted.stderr[-2000:]
    assert "model.model_config.vocab_size: 512 → 128256" in fitted.stdout
    assert "model.model_config.pad_token_id: 0 → 128002" in fitted.stdout


def test_cpu_clamps_dataset_workers_to_the_cores(llama3_data, tmp_path):
    from training.config.loader import load_config
    from training.model.cpu import clamp_workers, cpu_cores

    cfg = load_config(ROOT / "yaml" / "llama3_8b_lora_1p.yaml")
    assert clamp_workers(cfg, 3) == [
        "train_dataset.num_parallel_workers: 8 → 3 (this machine has 3 cores)",
        "train_dataset_task.dataset_config.num_parallel_workers: 8 → 3 (this machine has 3 cores)"]
    assert cfg.train_dataset.num_parallel_workers == cfg.train_dataset_task.dataset_config.num_parallel_workers == 3
    assert clamp_workers(cfg, 3) == []  # already within the cores: nothing to say
    if cpu_cores() < 8:  # the 8B preset (Llama 3 vocabulary: the data fits) resolved for CPU says so
        proc = mathtune("train", "--config", str(ROOT / "yaml" / "llama3_8b_lora_1p.yaml"), "--train_data",
                        str(llama3_data), "--device", "cpu", "--dry-run", "runner_config.batch_size=1", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert f"config: train_dataset.num_parallel_workers: 8 → {cpu_cores()}" in proc.stdout


def test_run_keeps_its_tokenizer_and_predicts_from_anywhere(tiny_run, tiny_data, tmp_path):
    run, _ = tiny_run
    meta = json.loads((run / "data.meta.json").read_text(encoding="utf-8"))
    tok = meta["tokenizer"]
    assert tok["path"] == "tokenizer/tokenizer.json" and tok["copied_from"] == str(tiny_data / "tok" / "tokenizer.json")
    assert tok["sha256"] == hashlib.sha256((tiny_data / "tok" / "tokenizer.json").read_bytes()).hexdigest()
    assert (run / "tokenizer" / "tokenizer_config.json").read_bytes() == \
        (tiny_data / "tok" / "tokenizer_config.json").read_bytes()
    assert meta["template"] == "none" and meta["chat"] == "plain"
    # the run moved elsewhere, predict called from a third folder with a relative --run-dir
    shutil.copytree(run, tmp_path / "moved" / "tiny", ignore=shutil.ignore_patterns("log", "*.log"))
    (tmp_path / "here").mkdir()
    problems = [{"problem": "计算 1.5 + 2.25 等于多少？"}, {"problem": "计算 3.00 * 4.00 等于多少？"}]
    (tmp_path / "here" / "t.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in problems),
                                               encoding="utf-8")
    proc = mathtune("predict", "--run-dir", "../moved/tiny", "--input", "t.jsonl", "--out", "p.jsonl",
                    "--max-new-tokens", "16", "--quiet", cwd=tmp_path / "here")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "records no prompt template" not in proc.stderr
    assert len((tmp_path / "here" / "p.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    # and the script, called from that folder with paths relative to it
    script = subprocess.run(["bash", str(ROOT / "scripts" / "eval_math.sh"), "--run", "../moved/tiny", "--test",
                             "t.jsonl", "--limit", "2"], cwd=tmp_path / "here", capture_output=True, text=True,
                            timeout=600, env=ENV)
    assert script.returncode == 0, script.stdout[-2000:] + script.stderr[-2000:]
    assert json.loads((tmp_path / "moved" / "tiny" / "score" / "score.json").read_text())["n"] == 2
