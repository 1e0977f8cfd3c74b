"""The table and plot of a settings sweep (scripts/sweep_smollm2.sh).

    python3 scripts/sweep_table.py OUT NAME...

For each run OUT/NAME (config OUT/NAME.yaml, loss log OUT/NAME/log/loss.csv): its optimizer, rate and LoRA, the
steps, the median time per step (the first step, which compiles the graph, aside), the time of
the training stage (OUT/times.tsv) and the progressive-validation loss: the mean loss over the last third of the
steps of one epoch, where each batch is scored before the model trains on it, and its step-by-step gap to the
first run (runs of other step counts are not paired). Writes OUT/SWEEP.md,
OUT/sweep.json and OUT/sweep_loss.png.
"""
import csv
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository
from fileio.atomic import atomic_open, write_json  # noqa: E402
from fileio.plotting import figure, save_png  # noqa: E402
from training.config.errors import ConfigError  # noqa: E402
from training.config.yamledit import flatten, read_yaml  # noqa: E402

SETTINGS = {"lr": "lr_schedule.learning_rate", "rank": "model.model_config.pet_config.lora_rank",
            "alpha": "model.model_config.pet_config.lora_alpha",
            "targets": "model.model_config.pet_config.target_modules", "optimizer": "optimizer.type"}


def _targets(pattern: str) -> str:
    return ",".join(p.lstrip(".*") for p in str(pattern).split("|"))


def read_run(out: Path, name: str, times: dict) -> dict:
    cfg = dict(flatten(read_yaml(out / f"{name}.yaml")))  # dotted keys, as `mathtune yaml set` takes them
    log = out / name / "log" / "loss.csv"
    with open(log, encoding="utf-8") as handle:
        steps = list(csv.DictReader(handle))
    try:
        losses = [float(s["loss"]) for s in steps]
        step_ms = [float(s["per_step_ms"]) for s in steps]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{log}: not a `mathtune logs` loss table ({exc!r})") from None
    if not losses:
        raise ValueError(f"{log}: no steps logged")
    third = max(1, len(losses) // 3)
    settings = {k: cfg.get(key) for k, key in SETTINGS.items()}
    settings["targets"] = _targets(settings["targets"])
    return {"name": name, **settings, "steps": len(losses), "losses": losses,
            "s_per_step": statistics.median(step_ms[1:]) / 1000 if len(step_ms) > 1 else None,
            "train_seconds": times.get(f"train-{name}"),
            "loss_first": losses[0], "loss_last_third": statistics.fmean(losses[-third:])}


def paired(run: dict, base: dict) -> tuple[float, float] | None:
    """Mean and standard error of run − base, step by step over the last third (the same batches in the same
    order, so the batch-to-batch swing of the loss cancels); None when the runs took other steps. The error
    treats the steps as independent: neighbouring steps' gaps are alike, so it is a lower bound."""
    if run["steps"] != base["steps"]:
        return None
    third = max(1, run["steps"] // 3)
    diffs = [a - b for a, b in zip(run["losses"][-third:], base["losses"][-third:])]
    spread = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else 0.0
    return statistics.fmean(diffs), spread


def table(runs: list[dict]) -> str:
    best = min(r["loss_last_third"] for r in runs)
    lines = ["| run | optimizer | lr | rank / alpha | LoRA on | steps | s/step | training s | loss, last third | vs "
             f"{runs[0]['name']} (± s.e.) |", "|---|---|---:|---:|---|---:|---:|---:|---:|---:|"]
    for r in runs:
        mark = "**" if r["loss_last_third"] == best else ""
        gap = paired(r, runs[0])
        step = "–" if r["s_per_step"] is None else f"{r['s_per_step']:.2f}"
        lines.append(f"| {r['name']} | {r['optimizer']} | {r['lr']} | {r['rank']} / {r['alpha']} | {r['targets']} | "
                     f"{r['steps']} | {step} | {'–' if r['train_seconds'] is None else r['train_seconds']} | "
                     f"{mark}{r['loss_last_third']:.4f}{mark} | "
                     f"{'other steps' if gap is None else f'{gap[0]:+.4f} ± {gap[1]:.4f}'} |")
    return "\n".join(lines) + "\n"


def plot(runs: list[dict], path: Path) -> None:
    fig, ax = figure(7, 4)
    for r in runs:
        k = 5  # a moving mean over 5 steps: the per-batch loss swings with the batch's mix
        smooth = [statistics.fmean(r["losses"][max(0, i - k + 1): i + 1]) for i in range(len(r["losses"]))]
        ax.plot(range(1, len(smooth) + 1), smooth, label=r["name"])
    ax.set_xlabel("step (each batch seen once)")
    ax.set_ylabel("training loss (mean of 5 steps)")
    ax.legend()
    save_png(fig, path)


def read_times(path: Path) -> dict[str, int]:
    """Seconds per stage of the sweep's times.tsv (none yet: empty); ValueError names a damaged line."""
    times = {}
    if path.exists():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                stage, seconds, *_ = line.split("\t")
                times[stage] = int(seconds)
            except ValueError:
                raise ValueError(f"{path}:{number}: not a stage<TAB>seconds line") from None
    return times


def missing(root: Path, names: list[str]) -> str | None:
    """Why the table cannot be made (a run without its config or loss log), before any work; None if it can."""
    if not root.is_dir():
        return f"{root}: not a folder"
    for name in names:
        for path in (root / f"{name}.yaml", root / name / "log" / "loss.csv"):
            if not path.is_file():
                return f"{path}: not found (has run {name} finished? sweep_smollm2.sh writes both)"
    return None


def main(out: str, names: list[str]) -> int:
    root = Path(out)
    problem = missing(root, names)
    if problem:
        print(f"sweep_table.py: {problem}", file=sys.stderr)
        return 2
    try:
        times = read_times(root / "times.tsv")
        runs = [read_run(root, n, times) for n in names]
    except (ConfigError, OSError, ValueError, csv.Error) as exc:  # a damaged config, log or times file: one line
        print(f"sweep_table.py: {exc}", file=sys.stderr)
        return 2
    for r in runs:
        r["vs_first"] = paired(r, runs[0])  # [mean, standard error] or None
    with atomic_open(root / "SWEEP.md") as handle:
        handle.write(table(runs))
    write_json(root / "sweep.json", [{k: v for k, v in r.items() if k != "losses"} for r in runs])
    plot(runs, root / "sweep_loss.png")
    print(table(runs), end="")
    print(f"wrote {root / 'SWEEP.md'}, sweep.json, sweep_loss.png")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
