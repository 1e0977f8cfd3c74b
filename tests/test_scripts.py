"""The shell entry points print the exact command they run, and refuse unknown options."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def sh(*args):
    return subprocess.run(["bash", *args], cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=300)


def test_train_sh_four_cards_goes_through_msrun(tiny_data):
    proc = sh("scripts/train.sh", "--config", "yaml/llama3_8b_lora_4p.yaml", "--data", str(tiny_data / "train.mindrecord"),
              "--cards", "4", "--run", "t4", "--dry-run", "--no-simulate")
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("+ mathtune launch --workers 4 --local-workers 4 --master-addr 127.0.0.1")
    assert "--worker_num=4" in lines[1] and "--use-parallel True" in lines[1]
    # then the config and data checks run: this char-level data does not fit the 8B preset
    assert any(line.startswith("+ mathtune train --config") and "--dry-run" in line for line in lines)
    assert proc.returncode == 2 and "differs from the data's pad id" in proc.stderr, proc.stderr


def test_train_sh_one_card_runs_mathtune_train(tiny_data):
    proc = sh("scripts/train.sh", "--config", "yaml/cpu_tiny.yaml", "--data", str(tiny_data / "train.mindrecord"),
              "--run", "t1", "--dry-run", "--no-simulate", "--", "runner_config.batch_size=8")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("+ mathtune train --config yaml/cpu_tiny.yaml")
    assert "dry run: config resolved and checked" in proc.stdout


@pytest.mark.parametrize("script", ["train.sh", "merge.sh", "eval_math.sh", "eval_squad.sh", "base_numbers.sh", "demo.sh",
                                    "quality_smollm2.sh", "sweep_smollm2.sh"])
def test_unknown_options_are_refused(script):
    proc = sh(f"scripts/{script}", "--no-such-option", "1")
    assert proc.returncode == 2 and "unknown option --no-such-option" in proc.stderr


def test_quality_run_refuses_an_unknown_set_before_any_work(tmp_path):
    out = tmp_path / "q"
    proc = sh("scripts/quality_smollm2.sh", "--out", str(out), "--sets", "gsm8k gsm9k", "--no-base")
    assert proc.returncode == 2 and "unknown set gsm9k" in proc.stderr and proc.stdout == ""
    assert not out.exists()
    proc = sh("scripts/quality_smollm2.sh", "--out", str(out), "--rft-sets", "svamp heldout2")
    assert proc.returncode == 2 and "unknown set heldout2" in proc.stderr and not out.exists()


@pytest.mark.parametrize("option,value", [("--pack", "abc"), ("--rows", "-5"), ("--whole-numbers", "1e2"),
                                          ("--heads", "four"), ("--train-seed", "-1"), ("--rows", "010")])
def test_demo_refuses_a_non_number_before_any_work(tmp_path, option, value):
    out = tmp_path / "demo"
    proc = sh("scripts/demo.sh", "--out", str(out), option, value)
    assert proc.returncode == 2 and proc.stderr.strip() == f"demo.sh: {option} {value}: expected a whole number"
    assert proc.stdout == "" and not out.exists()


@pytest.mark.parametrize("value", ["1.5", "-0.2", "x"])
def test_demo_refuses_a_share_outside_0_1_before_any_work(tmp_path, value):
    out = tmp_path / "demo"
    proc = sh("scripts/demo.sh", "--out", str(out), "--short-numbers", value)
    assert proc.returncode == 2 and proc.stderr.strip() == f"demo.sh: --short-numbers {value}: expected a share in 0..1"
    assert proc.stdout == "" and not out.exists()


@pytest.mark.parametrize("option,value", [("--lr", "abc"), ("--lr-end", "-2e-5"), ("--lr", "1e"), ("--init-std", "x")])
def test_demo_refuses_a_learning_rate_that_is_not_a_number(tmp_path, option, value):
    out = tmp_path / "demo"
    proc = sh("scripts/demo.sh", "--out", str(out), option, value)
    assert proc.returncode == 2 and proc.stderr.strip() == f"demo.sh: {option} {value}: expected a number"
    assert proc.stdout == "" and not out.exists()


def test_sweep_table_compares_the_last_third_of_each_runs_loss(tmp_path):
    """scripts/sweep_table.py: settings that differ, median step time without the compiling first step, and
    the mean loss over the last third of the steps (each batch scored before the model trained on it)."""
    import re
    import shutil

    out = tmp_path / "sweep"
    out.mkdir()
    for name, lr, losses in (("base", "5.e-4", [2.0, 1.0, 1.0, 1.0, 0.8, 0.6]),
                             ("fast", "1.e-3", [2.0, 1.0, 1.0, 1.0, 0.5, 0.4]),
                             ("short", "1.e-3", [2.0, 1.0, 0.9])):
        shutil.copy(ROOT / "yaml/cpu_smollm2_135m_lora_pot.yaml", out / f"{name}.yaml")
        text = re.sub(r"learning_rate: \S+", f"learning_rate: {lr}", (out / f"{name}.yaml").read_text())
        text = re.sub(r"lora_alpha: \d+", "lora_alpha: 32", re.sub(r"lora_rank: \d+", "lora_rank: 16", text))
        (out / f"{name}.yaml").write_text(text)
        log = out / name / "log"
        log.mkdir(parents=True)
        rows = ["epoch,epochs,step,steps_per_epoch,global_step,loss,loss_avg,per_step_ms,lr"]
        rows += [f"1,1,{i},{len(losses)},{i},{x},{x},{175000 if i == 1 else 9000 + i},0.0005" for i, x in enumerate(losses, 1)]
        (log / "loss.csv").write_text("\n".join(rows) + "\n")
    (out / "times.tsv").write_text("train-base\t61\tmathtune train\ntrain-fast\t62\tmathtune train\n")
    proc = subprocess.run([sys.executable, "scripts/sweep_table.py", str(out), "base", "fast", "short"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = (out / "SWEEP.md").read_text().splitlines()
    assert lines[2].startswith("| base | AdamW | 0.0005 | 16 / 32 | wq,wk,wv,wo,w1,w2,w3 | 6 | 9.00 | 61 | 0.7000 | +0.0000 ± 0.0000 |")
    assert lines[3].startswith("| fast | AdamW | 0.001 |") and "| **0.4500** | -0.2500 ± 0.0500 |" in lines[3]
    assert lines[4].startswith("| short |") and lines[4].endswith("| 0.9000 | other steps |")  # not paired
    assert (out / "sweep_loss.png").read_bytes()[:4] == b"\x89PNG"


def test_a_stopped_training_starts_again_from_nothing(tmp_path):
    """scripts/lib.sh fresh_run: a run folder without its checkpoint's meta.json (a stopped training) is removed
    before the stage runs again, so the new log is not appended to the old one; a finished run is kept."""
    stopped, done = tmp_path / "stopped", tmp_path / "done"
    (stopped / "log" / "rank_0").mkdir(parents=True)
    (stopped / "log" / "rank_0" / "info.log").write_text("loss: [1.5]\n")
    (done / "checkpoint" / "rank_0").mkdir(parents=True)
    (done / "checkpoint" / "rank_0" / "meta.json").write_text("{}")
    proc = sh("-c", f'source scripts/lib.sh; RESUME=1; fresh_run "{stopped}"; fresh_run "{done}"')
    assert proc.returncode == 0 and not stopped.exists() and (done / "checkpoint" / "rank_0" / "meta.json").exists()
    assert proc.stdout == f"= {stopped}: a stopped training; removed to start again\n"


def test_a_training_stage_is_done_only_when_its_checkpoint_is_saved(tmp_path):
    """scripts/lib.sh train_stage: skipped once checkpoint/rank_0/meta.json exists; a folder without it (a
    stopped training, train_args.json already written) is cleared and the command runs."""
    done, stopped = tmp_path / "done", tmp_path / "stopped"
    (done / "checkpoint" / "rank_0").mkdir(parents=True)
    (done / "checkpoint" / "rank_0" / "meta.json").write_text("{}")
    stopped.mkdir()
    (stopped / "train_args.json").write_text("{}")
    script = (f'source scripts/lib.sh; RESUME=1; TIMES="{tmp_path}/times.tsv"; '
              f'train_stage a "{done}" false; train_stage b "{stopped}" touch "{tmp_path}/ran"')
    proc = sh("-c", script)
    assert proc.returncode == 0, proc.stderr
    assert f"= a: {done}/checkpoint/rank_0/meta.json exists, skipped" in proc.stdout
    assert (tmp_path / "ran").exists() and not stopped.exists()


@pytest.mark.parametrize("option,value", [("--rft-keep", "abc"), ("--rft-problems", "-5"), ("--rft-chunk", "0"),
                                          ("--rft-max-steps", "2.5"), ("--rft-problems", "09"), ("--dpo-problems", "0")])
def test_quality_run_refuses_a_bad_count_before_any_work(tmp_path, option, value):
    out = tmp_path / "q"
    proc = sh("scripts/quality_smollm2.sh", "--out", str(out), option, value)
    assert proc.returncode == 2 and proc.stderr.startswith(f"quality_smollm2.sh: {option} {value}: expected")
    assert proc.stdout == "" and not out.exists()


def test_unseen_rows_picks_problems_no_earlier_file_holds_with_few_enough_steps(tmp_path):
    """scripts/unseen_rows.py: read from the end, skips problems of every --exclude file (training selection,
    earlier chunks) and, with --max-steps, programs with more assignments; too few rows: exit 1, nothing written."""
    import json

    def rows(path, items):
        path.write_text("".join(json.dumps({"problem": p, "code": c}) + "\n" for p, c in items))

    src = tmp_path / "src.jsonl"
    rows(src, [("a", "x = 1\nprint(x)"), ("b", "x = 1\ny = x * 2\nz = y + 1\nprint(z)"), ("c", "x, y = 1, 2\nx += y\nprint(x == 3)"),
               ("d", "print(4)"), ("e", "x = 5\nprint(x)")])
    rows(tmp_path / "train.jsonl", [("e", "")])
    rows(tmp_path / "chunk0.jsonl", [("d", "")])
    run = lambda *a: subprocess.run([sys.executable, "scripts/unseen_rows.py", *map(str, a)], cwd=ROOT,  # noqa: E731
                                    capture_output=True, text=True, timeout=60)
    out = tmp_path / "out.jsonl"
    proc = run(src, out, 2, "--max-steps", 2, "--exclude", tmp_path / "train.jsonl", tmp_path / "chunk0.jsonl")
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["problem"] for line in out.read_text().splitlines()] == ["c", "a"]  # b has 3 steps
    proc = run(src, tmp_path / "more.jsonl", 3, "--max-steps", 2, "--exclude", tmp_path / "train.jsonl", tmp_path / "chunk0.jsonl")
    assert proc.returncode == 1 and "only 2 rows" in proc.stderr and not (tmp_path / "more.jsonl").exists()
    proc = run(src, tmp_path / "all.jsonl", 4, "--exclude", tmp_path / "train.jsonl")
    assert proc.returncode == 0 and len((tmp_path / "all.jsonl").read_text().splitlines()) == 4
    rows(tmp_path / "solved.jsonl", [("b", "y = 2"), ("e", "y = 5")])  # the reference rows of solved problems
    proc = run(src, tmp_path / "ref.jsonl", 1, "--within", tmp_path / "solved.jsonl", "--exclude", tmp_path / "train.jsonl")
    assert proc.returncode == 0 and json.loads((tmp_path / "ref.jsonl").read_text())["code"].startswith("x = 1\ny = x * 2")


def test_sweep_table_names_a_missing_or_damaged_loss_log_in_one_line(tmp_path):
    """By hand on a run that has not finished: `file: reason`, exit 2, no traceback, nothing written."""
    import shutil

    table = lambda *names: subprocess.run([sys.executable, "scripts/sweep_table.py", str(tmp_path), *names],  # noqa: E731
                                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    shutil.copy(ROOT / "yaml/cpu_smollm2_135m_lora_pot.yaml", tmp_path / "a.yaml")
    proc = table("a")
    assert proc.returncode == 2 and proc.stderr.startswith(f"sweep_table.py: {tmp_path}/a/log/loss.csv: not found")
    (tmp_path / "a" / "log").mkdir(parents=True)
    for text, reason in (("epoch,loss,per_step_ms\n", "no steps logged"), ("epoch,loss\n1,0.5\n", "not a `mathtune logs` loss table")):
        (tmp_path / "a" / "log" / "loss.csv").write_text(text)
        proc = table("a")
        assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1 and reason in proc.stderr, proc.stderr
    (tmp_path / "a" / "log" / "loss.csv").write_text("epoch,loss,per_step_ms\n1,0.5,9000\n")
    (tmp_path / "times.tsv").write_text("train-a\t61\tmathtune train\ntrain-b\n")
    proc = table("a")
    assert proc.returncode == 2 and proc.stderr == f"sweep_table.py: {tmp_path}/times.tsv:2: not a stage<TAB>seconds line\n"
    assert not (tmp_path / "SWEEP.md").exists()


def test_paired_sets_counts_problem_by_problem_with_mcnemars_p(tmp_path):
    """scripts/paired_sets.py pairs rows by source; p is McNemar's exact test (0 against 5: 2/32)."""
    import json

    def scored(folder, right):
        (folder / "gsm8k").mkdir(parents=True)
        (folder / "gsm8k" / "scored.jsonl").write_text("".join(
            json.dumps({"source": f"sets/gsm8k.jsonl:{i}", "correct": ok}) + "\n" for i, ok in right))

    scored(tmp_path / "a", [(1, True), (2, False), (3, False), (4, False), (5, False), (6, False), (7, True)])
    scored(tmp_path / "b", [(7, True), (1, True), (2, True), (3, True), (4, True), (5, True), (6, True), (8, True)])
    proc = subprocess.run([sys.executable, "scripts/paired_sets.py", str(tmp_path / "a"), str(tmp_path / "b"), "gsm8k"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[2] == "| gsm8k | 7 | 28.6% | 100.0% | 2 | 0 | 5 | 0.06 |"  # row 8: b only, unpaired
    proc = subprocess.run([sys.executable, "scripts/paired_sets.py", str(tmp_path / "a"), str(tmp_path / "c")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("paired_sets.py:") and "not found" in proc.stderr
