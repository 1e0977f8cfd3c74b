"""`mathtune report quality OUT`: RESULTS.md and results.json of `scripts/quality_smollm2.sh`.

Reads only files the script's stages wrote: OUT/{base,tuned}/SET/score.json (`mathtune score`),
OUT/times.tsv, the LoRA run's log, OUT/rft/rN/SET/score.json for RFT rounds, OUT/dpo/dN/SET/score.json for
DPO rounds and OUT/majK/SET/score.json for self-consistency. A set
whose score is missing is shown as "not run": the report can be rebuilt at any point of a run.
"""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

from evaluation.reports.demo import _duration, machine, read_times, times_table, write_markdown
from fileio.atomic import atomic_open

MODELS = ("base", "tuned")
# (key, label, what the score rule is); the order of the table
SETS = (
    ("heldout", "held-out contest-style (synthetic)", "exact"),
    ("reworded", "reworded (contest computations, phrasings never trained on)", "exact"),
    ("gsm8k", "GSM8K test", "exact"),
    ("gsm_hard", "GSM-Hard (GSM8K, large numbers)", "pal"),
    ("svamp", "SVAMP", "exact"),
    ("multiarith", "MultiArith", "exact"),
    ("math", "MATH test, levels 1–2 (competition)", "math"),
    ("middle", "middle-school computations (synthetic, held out)", "math"),
)
# Published anchors (percent); GSM-Hard's target is relative to the tuned GSM8K figure
ANCHORS = {"heldout": 99.0, "gsm8k": 18.1, "svamp": 19.5, "multiarith": 54.2}
HARD_RATIO = 0.85
ANCHOR_NOTES = [
    "GSM8K 18.1, MultiArith 54.2, SVAMP 19.5: Flan-T5-Base (250M) fully fine-tuned on GSM8K train with a "
    "calculator (DPO-ST, ACL 2024, Table 2).",
    "GSM-Hard ≥ 0.85 × GSM8K: PAL/PoT with Codex keeps ~85% of its GSM8K accuracy on GSM-Hard (61.2 vs 72.0).",
    "SmolLM2-135M-Instruct's own model card: GSM8K 1.4% (5-shot); 360M 7.4%; 1.7B 48.2%.",
    "Held-out contest-style ≥ 99%: the earlier contest-only LoRA's level, kept.",
]


def read_score(path: Path) -> dict | None:
    """{percent, correct, n, mode} of a score.json, or None when the stage has not run."""
    if not path.is_file():
        return None
    s = json.loads(path.read_text(encoding="utf-8"))
    judged, percent = s.get("judged", "programs run"), round(100 * s["accuracy"], 2)
    text = s.get("text_only") if judged == "programs run" else None
    text_percent = percent if judged == "text only" else round(100 * text["accuracy"], 2) if text else None
    return {"percent": percent, "correct": s["correct"], "n": s["n"], "mode": s.get("mode", "exact"),
            "judged": judged, "text_percent": text_percent}


def targets(scores: dict) -> dict[str, float | None]:
    """The target of each set (percent); None where there is none or it cannot be computed yet."""
    out: dict[str, float | None] = {key: ANCHORS.get(key) for key, _, _ in SETS}
    gsm8k = scores["gsm8k"]["tuned"]
    out["gsm_hard"] = round(HARD_RATIO * gsm8k["percent"], 2) if gsm8k else None
    return out


def met(score: dict | None, target: float | None) -> bool | None:
    return None if score is None or target is None else score["percent"] >= target


def collect(out: Path) -> dict:
    """results.json: {"sets": {SET: {"base", "tuned", "n"}}} plus scoring, targets, met, training, rft."""
    scores = {key: {m: read_score(out / m / key / "score.json") for m in MODELS} for key, _, _ in SETS}
    goal = targets(scores)
    times = read_times(out / "times.tsv")
    train = next((s for n, s, _ in times if n == "train"), None)
    sets = {}
    for key, _, _ in SETS:
        base, tuned = scores[key]["base"], scores[key]["tuned"]
        entry = {"base": base and base["percent"], "tuned": tuned and tuned["percent"],
                 "tuned_text_only": tuned and tuned["text_percent"], "n": (tuned or base or {}).get("n")}
        if base and tuned and base["n"] != tuned["n"]:
            entry["n_base"] = base["n"]
        sets[key] = entry
    return {"sets": sets,
            "scoring": {k: (scores[k]["tuned"] or scores[k]["base"] or {"mode": rule})["mode"] for k, _, rule in SETS},
            "targets": goal, "met": {k: met(scores[k]["tuned"], goal[k]) for k, _, _ in SETS},
            "training_minutes": None if train is None else round(train / 60, 1),
            "rft": rft_rounds(out, "rft", times), "dpo": rft_rounds(out, "dpo", times), "maj": majority(out),
            "machine": machine(), "_scores": scores}


_ROUND = {"rft": ("r", "rft_report.json", ("problems", "solved", "kept")),
          "dpo": ("d", "pairs_report.json", ("problems", "with_pairs", "pairs"))}


def rft_rounds(out: Path, kind: str = "rft", times: list[tuple[str, int, str]] = ()) -> list[dict]:
    """Per round (OUT/rft/r1, r2, … or OUT/dpo/d1, …): the model's percent on each set it was scored on,
    what the round trained on, its sampling time (stages `rft-r1-sample`, `rft-r1-sample-0`, … of
    times.tsv) and training time (`rft-r1-train`; DPO: its report's)."""
    prefix, report_name, fields = _ROUND[kind]
    seconds = {name: s for name, s, _ in times}  # read_times keeps one, the latest, per stage
    rounds = []
    number = lambda p: int(p.name[1:]) if p.name[1:].isdigit() else 0  # noqa: E731
    for folder in sorted((out / kind).glob(f"{prefix}[0-9]*"), key=number):
        got = {key: read_score(folder / key / "score.json") for key, _, _ in SETS}
        entry = {"round": folder.name, **{k: s["percent"] for k, s in got.items() if s}}
        try:  # what the round trained on: problems sampled, solved (or with a pair), programs (or pairs) kept
            report = json.loads((folder / report_name).read_text(encoding="utf-8"))
            entry["data"] = {k: report[k] for k in fields}
        except (OSError, ValueError, KeyError, TypeError):
            pass
        stage = f"{kind}-{folder.name}-"
        sampled = [s for n, s in seconds.items() if n == stage + "sample" or n.startswith(stage + "sample-")]
        if sampled:
            entry["sample_seconds"] = sum(sampled)
        if stage + "train" in seconds:
            entry["train_seconds"] = seconds[stage + "train"]
        try:
            entry["train_seconds"] = json.loads((folder / "run" / "dpo_report.json").read_text())["train_seconds"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        control = {key: read_score(folder / "reference" / key / "score.json") for key, _, _ in SETS}
        if any(control.values()):  # --rft-reference: the same training on the reference programs
            rows = folder / "reference" / "rows.jsonl"
            entry["reference"] = {k: s["percent"] for k, s in control.items() if s}
            entry["reference"]["rows"] = sum(1 for _ in open(rows, encoding="utf-8")) if rows.is_file() else None
            entry["reference"]["train_seconds"] = seconds.get(stage + "reference-train")
        rounds.append(entry)
    return rounds


_MAJ = re.compile(r"maj(\d+)-(.+)")


def majority(out: Path) -> list[dict]:
    """Per OUT/majK-MODEL/SET: maj@k (the score of the vote) and pass@k of the k samples."""
    folders = [(int(m.group(1)), m.group(2), p) for p in out.glob("maj*") if p.is_dir() and (m := _MAJ.fullmatch(p.name))]
    found = []
    for k, model, folder in sorted(folders, key=lambda f: (f[1], f[0])):
        for key, _, _ in SETS:
            path = folder / key / "score.json"
            if path.is_file():
                s = json.loads(path.read_text(encoding="utf-8"))
                sampled = s.get("samples") or {}
                found.append({"k": k, "model": model, "set": key, "maj": round(100 * s["accuracy"], 2),
                              "pass": {j: round(100 * v, 2) for j, v in (sampled.get("pass") or {}).items()},
                              "n": s["n"]})
    return found


def _cell(score: dict | None) -> str:
    return "not run" if score is None else f"{score['percent']:.1f}% ({score['correct']}/{score['n']})"


def _text_cell(score: dict | None) -> str:
    if score is None:
        return "not run"
    if score["text_percent"] is None:
        return "not measured" if score["judged"] == "programs run" else "–"
    return f"{score['text_percent']:.1f}%"


def _target(key: str, goal: float | None) -> str:
    if key == "gsm_hard":
        return f"≥ {HARD_RATIO} × GSM8K" + (f" = {goal:.1f}%" if goal is not None else "")
    return "–" if goal is None else f"≥ {goal:g}%"


def _met(score: dict | None, goal: float | None) -> str:
    ok = met(score, goal)
    if ok is None:
        return "–"
    return "**yes**" if ok else f"no ({score['percent'] - goal:+.1f} pts)"


def results_table(results: dict) -> list[str]:
    scores, goal = results["_scores"], results["targets"]
    lines = ["| set | base | tuned | tuned, text only | n | anchor / target | met? |",
             "|---|---:|---:|---:|---:|---|---|"]
    for key, label, _ in SETS:
        base, tuned = scores[key]["base"], scores[key]["tuned"]
        n = results["sets"][key]["n"]
        lines.append(f"| {label} | {_cell(base)} | {_cell(tuned)} | {_text_cell(tuned)} | "
                     f"{n if n is not None else '–'} | {_target(key, goal[key])} | {_met(tuned, goal[key])} |")
    return lines


def rft_table(rounds: list[dict], tuned: dict[str, float | None] | None = None, start: str = "the tuned LoRA",
              kind: str = "rft") -> list[str]:
    """Round 0 is the model before any round (`tuned`: its percent per set; `start`: what it is), then each
    round."""
    if not rounds:
        return [f"No {kind.upper()} round was run (`--{kind}-rounds 0`)."]
    keys = [k for k, _, _ in SETS if any(k in r for r in rounds)]
    what = "problems → solved → programs kept" if kind == "rft" else "problems → with a pair → pairs; training time"
    lines = [f"| round | trained on ({what}) | " + " | ".join(keys) + " |",
             "|---|---|" + "---:|" * len(keys)]
    tuned = tuned or {}
    lines.append(f"| 0 ({start}) | {'the first mix' if start == 'the tuned LoRA' else 'its rounds'} | "
                 + " | ".join("not run" if tuned.get(k) is None else f"{tuned[k]:.1f}%" for k in keys) + " |")
    for r in rounds:
        d = r.get("data")
        data = " → ".join(str(v) for v in d.values()) if d else "–"
        if "sample_seconds" in r:
            data += f"; sampling {r['sample_seconds'] / 60:.1f} min"
        if "train_seconds" in r:
            data += f"; training {r['train_seconds'] / 60:.1f} min"
        lines.append(f"| {r['round']} | {data} | "
                     + " | ".join(f"{r[k]:.1f}%" if k in r else "not run" for k in keys) + " |")
        ref = r.get("reference")
        if ref:
            what = f"{ref['rows']} reference programs of the problems it solved" if ref["rows"] is not None else "–"
            if ref["train_seconds"] is not None:
                what += f"; training {ref['train_seconds'] / 60:.1f} min"
            lines.append(f"| {r['round']}, control | {what} | "
                         + " | ".join(f"{ref[k]:.1f}%" if k in ref else "not run" for k in keys) + " |")
    return lines


def _dpo_start(results: dict) -> tuple[dict, str]:
    """What the first DPO round starts from: the last RFT round when there was one, else the tuned LoRA."""
    if results["rft"]:
        last = results["rft"][-1]
        return {k: last.get(k) for k, _, _ in SETS}, f"the last RFT round, {last['round']}"
    return {k: v["tuned"] for k, v in results["sets"].items()}, "the tuned LoRA"


def maj_table(found: list[dict]) -> list[str]:
    if not found:
        return ["Not measured (`--maj-k 0`)."]
    lines = ["| model | set | k | maj@k | pass@1 | pass@k | n |", "|---|---|---:|---:|---:|---:|---:|"]
    for m in found:
        p1, pk = m["pass"].get("1"), m["pass"].get(str(m["k"]))
        lines.append(f"| {m['model']} | {m['set']} | {m['k']} | {m['maj']:.1f}% | {'–' if p1 is None else f'{p1:.1f}%'} | "
                     f"{'–' if pk is None else f'{pk:.1f}%'} | {m['n']} |")
    return lines


def training_lines(out: Path, results: dict) -> list[str]:
    from training.run.logs import read_log, summary

    minutes = results["training_minutes"]
    lines = [f"Training time (stage `train` in times.tsv): **{minutes} min**" if minutes is not None
             else "Training has not run yet.", ""]
    log = out / "lora" / "log" / "rank_0" / "info.log"
    if log.is_file():
        rows, info = read_log(log)
        lines += ["```", summary(rows, info), "```", ""]
    lines.append("![loss](lora/log/loss.png)" if (out / "lora" / "log" / "loss.png").is_file()
                 else "Loss curve: not drawn yet (stage `loss`: `mathtune logs`).")
    return lines


def quality_report(out: str | os.PathLike) -> Path:
    """OUT/RESULTS.md and OUT/results.json from the files the quality script's stages wrote."""
    out = Path(out)
    results = collect(out)
    with atomic_open(out / "results.json") as handle:
        json.dump({k: v for k, v in results.items() if not k.startswith("_")}, handle, indent=2)
    times = read_times(out / "times.tsv")
    rules = {"exact": "equal to the gold at its shown precision", "pal": "under 1e-3 from the gold, PAL's rule",
             "rel": "within 1e-6 relative", "contest": "within 0.01",
             "math": "judged symbolically by math-verify (LaTeX, fractions, radicals, intervals, sets)"}
    lines = [
        "# SmolLM2-135M-Instruct + LoRA: quality run", "",
        f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {results['machine']}.", "",
        *results_table(results), "",
        "Zero-shot, greedy, the bare question in the chat format the LoRA was trained with (ChatML); the answer is "
        "the output of the program the model writes, run in the sandbox (text when no program ran). "
        "*Tuned, text only*: the same model judged on its own text, as a judge that runs no code would "
        "(the contest's, MindFormers' predict). "
        "Scoring: " + "; ".join(f"{m}, {rules.get(m, m)}: " + ", ".join(k for k, r in results["scoring"].items()
                                                                        if r == m)
                                for m in dict.fromkeys(results["scoring"].values())) + ".", "",
        "Anchors (published, under their own protocols: shots, answer extraction, model size and training "
        "compute differ):", "", *(f"- {note}" for note in ANCHOR_NOTES), "",
        "## Training", "", *training_lines(out, results), "",
        "## Rejection-sampling rounds (the model after each round)", "",
        *rft_table(results["rft"], {k: v["tuned"] for k, v in results["sets"].items()}), "",
        "## DPO rounds (`mathtune dpo`, the model after each round)", "",
        *rft_table(results["dpo"], *_dpo_start(results), "dpo"), "",
        "## Self-consistency (k samples at temperature 0.7, top-p 0.95, majority vote)", "",
        *maj_table(results["maj"]), "",
        "## Stages", "",
        "Each command repeats its stage by hand (run from the repository root with `.venv/bin` on `PATH`); "
        f"pipeline total {_duration(sum(s for _, s, _ in times))}.", "",
        *times_table(times), "",
    ]
    return write_markdown(out / "RESULTS.md", lines)
