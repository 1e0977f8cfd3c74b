"""`mathtune yaml migrate`: the contest's MindFormers 1.1 config → a 1.9 config that checks and trains."""
import subprocess
import sys
from pathlib import Path

import pytest

from training.config.migrate import migrate_tree
from training.config.yamledit import read_yaml

ROOT = Path(__file__).resolve().parents[1]
# the contest's run_llama3_8b_8k_800T_A2_64G_lora_dis_256.yaml, as its users hold it (MindFormers 1.1 layout)
CONTEST = ROOT / "tests" / "fixtures" / "run_llama3_8b_8k_800T_A2_64G_lora_dis_256.yaml"


def mathtune(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mathtune", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_check_names_each_class_1_9_lacks():
    proc = mathtune("yaml", "check", CONTEST)
    assert proc.returncode == 1
    lines = [line.removeprefix(f"{CONTEST}: ") for line in proc.stderr.splitlines() if line.startswith(str(CONTEST))]
    assert lines == [
        "optimizer.type: FP32StateAdamWeightDecay is not a MindFormers 1.9 optimizer (did you mean AdamW? "
        "a MindFormers 1.1 name; `mathtune yaml migrate` rewrites the file)",
        "callbacks[1].type: CheckpointMointor is not a MindFormers 1.9 callback (did you mean CheckpointMonitor? "
        "a MindFormers 1.1 name; `mathtune yaml migrate` rewrites the file)",
        "callbacks[2].type: ObsMonitor is not a MindFormers 1.9 callback (a MindFormers 1.1 name; "
        "`mathtune yaml migrate` rewrites the file)",
        "eval_callbacks[0].type: ObsMonitor is not a MindFormers 1.9 callback (a MindFormers 1.1 name; "
        "`mathtune yaml migrate` rewrites the file)",
        "parallel.strategy_ckpt_config.save_file is ignored by MindFormers 1.9 (it saves the strategy to "
        "output_dir/strategy/ named after parallel.strategy_ckpt_save_file); `mathtune yaml migrate` moves it"]
    assert proc.stdout.strip().endswith("5 problem(s)")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    out = tmp_path_factory.mktemp("migrated") / "contest_1_9.yaml"
    return mathtune("yaml", "migrate", CONTEST, "--out", out), out


def test_migrate_prints_each_change_and_the_result_checks(migrated):
    proc, out = migrated
    assert proc.returncode == 0, proc.stderr[-2000:]
    changes = [line.removeprefix("changed: ") for line in proc.stdout.splitlines() if line.startswith("changed: ")]
    assert changes[:4] == [
        "optimizer.type: FP32StateAdamWeightDecay → AdamW (1.9's AdamW keeps its moments in float32 too)",
        "optimizer.beta1, beta2: 0.9, 0.95 → optimizer.betas: [0.9, 0.95]",
        "callbacks[1].type: CheckpointMointor → CheckpointMonitor",
        "callbacks[2]: ObsMonitor removed (it uploaded outputs to Huawei Cloud OBS on ModelArts; MindFormers 1.9 "
        "has no such callback: copy output_dir yourself)"]
    assert "eval_callbacks: removed (empty)" in changes
    assert any(c.startswith("parallel.strategy_ckpt_config.save_file: './ckpt_strategy.ckpt' → "
                            "parallel.strategy_ckpt_save_file") for c in changes)
    assert {c.split(":")[0] for c in changes if "top level" in c} == {"auto_tune", "filepath_prefix",
                                                                      "autotune_per_step"}
    assert "cannot migrate" not in proc.stderr
    assert proc.stdout.splitlines()[-1] == "yaml check: ok"
    assert mathtune("yaml", "check", out).returncode == 0

    new, old = read_yaml(out), read_yaml(CONTEST)
    assert dict(new["optimizer"]) == {"type": "AdamW", "betas": [0.9, 0.95], "eps": 1e-8}
    assert [cb["type"] for cb in new["callbacks"]] == ["MFLossMonitor", "CheckpointMonitor"]
    assert dict(new["callbacks"][1]) == dict(old["callbacks"][1], type="CheckpointMonitor")
    assert new["parallel"]["strategy_ckpt_save_file"] == "./ckpt_strategy.ckpt"
    assert dict(new["parallel"]["strategy_ckpt_config"]) == {"only_trainable_params": False}
    assert "eval_callbacks" not in new
    assert new["model"] == old["model"] and new["lr_schedule"] == old["lr_schedule"]
    text = out.read_text()
    assert "# lr sechdule" in text  # the file's own comments are kept, also the one after a removed callback
    assert "async_save: False\n\n# mindspore context init config\ncontext:" in text


def test_migrated_contest_config_builds_and_trains(migrated, tmp_path):
    """The migrated file through `mathtune train`, shrunk and stand-alone, as the presets are tested."""
    from pipeline_build import make_data, steps_and_losses, train_shrunk

    data = make_data(tmp_path / "data")
    proc, run = train_shrunk(migrated[1], data, tmp_path, "contest")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert [(s, n) for s, n, _ in steps_and_losses(run)] == [(1, 2), (2, 2)]
    assert len(list((run / "checkpoint" / "rank_0").glob("*.ckpt"))) == 1


def test_fp32_state_defaults_are_written_out():
    """The 1.1 class defaulted beta2 to 0.999 and eps to 1e-6; AdamW's eps default is 1e-8."""
    tree = {"optimizer": {"type": "FP32StateAdamWeightDecay", "weight_decay": 0.1, "learning_rate": 1e-4}}
    changes, left = migrate_tree(tree)
    assert tree["optimizer"] == {"type": "AdamW", "weight_decay": 0.1, "learning_rate": 1e-4,
                                 "betas": [0.9, 0.999], "eps": 1e-6}
    assert "optimizer.eps: 1e-06 written out (the 1.1 class's default; AdamW's is 1e-08)" in changes
    assert left == []


def test_what_has_no_equivalent_is_named_not_guessed():
    tree = {"optimizer": {"type": "FP32StateAdamWeightDecay", "beta1": 0.9, "decay_filter": "x"},
            "recompute_config": {"recompute": True, "recompute_layers": 4},
            "callbacks": [{"type": "SummaryMonitor2"}],
            "model": {"model_config": {"type": "LlamaConfig", "seq_length": 8, "qkv_concat_fused": True}}}
    changes, left = migrate_tree(tree)
    assert left[0].startswith("recompute_config.recompute_layers: MindFormers 1.9 refuses this key (its "
                              "recompute_config has: mp_comm_recompute, ")
    assert left[1:] == [
        "model.model_config.qkv_concat_fused: MindFormers 1.9's LlamaConfig has no such key",
        "optimizer.decay_filter: AdamW takes no argument 'decay_filter'",
        "callbacks[0].type: SummaryMonitor2 is not a MindFormers 1.9 callback (did you mean SummaryMonitor?)"]


def test_auto_tune_on_moves_to_the_dataset():
    tree = {"train_dataset": {"batch_size": 2}, "auto_tune": True, "filepath_prefix": "./at", "autotune_per_step": 5}
    changes, left = migrate_tree(tree)
    assert tree == {"train_dataset": {"batch_size": 2, "auto_tune": True, "filepath_prefix": "./at",
                                      "autotune_per_step": 5}}
    assert changes == [f"{k}: moved to train_dataset.{k} (a dataset option in 1.9)"
                       for k in ("auto_tune", "filepath_prefix", "autotune_per_step")] and left == []


@pytest.mark.parametrize("preset", sorted(p.name for p in (ROOT / "yaml").glob("*.yaml")))
def test_presets_need_no_migration(preset):
    assert migrate_tree(read_yaml(ROOT / "yaml" / preset)) == ([], [])


def test_unusable_paths_are_one_line(tmp_path):
    proc = mathtune("yaml", "migrate", tmp_path / "nope.yaml", "--out", tmp_path / "x.yaml")
    assert proc.returncode == 2 and proc.stderr.strip() == f"mathtune: error: config not found: {tmp_path / 'nope.yaml'}"
    assert not (tmp_path / "x.yaml").exists()
    proc = mathtune("yaml", "migrate", CONTEST, "--out", "/proc/contest.yaml")
    assert proc.returncode == 2 and proc.stderr.strip().startswith("mathtune: error: /proc/contest.yaml: cannot write")
    assert "changed:" not in proc.stdout  # refused before any work


def test_cli_names_what_it_cannot_migrate_and_fails(tmp_path):
    text = CONTEST.read_text().replace("  recompute: True\n", "  recompute: True\n  recompute_layers: 4\n")
    (tmp_path / "old.yaml").write_text(text)
    proc = mathtune("yaml", "migrate", tmp_path / "old.yaml", "--out", tmp_path / "new.yaml")
    assert proc.returncode == 1
    assert "cannot migrate: recompute_config.recompute_layers: MindFormers 1.9 refuses this key" in proc.stderr
    assert "wrote " in proc.stdout and (tmp_path / "new.yaml").exists()  # the rest is migrated all the same
