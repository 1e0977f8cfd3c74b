"""`mathtune dpo`: one round of DPO from a trained run and preference pairs, into a new run folder that
`predict --run-dir` and `ckpt` read like any other.

The run's LoRA (if any) is folded into its weights first; a fresh LoRA is trained on top. Its B matrices
start at zero, so before the first step the network *is* the folded model with LoRA off: the reference
log-probabilities are computed then, once, by the same compiled network (checked: every B is zero)."""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fileio.errors import InputError

DEFAULT_PET = {"pet_type": "lora", "lora_rank": 8, "lora_alpha": 16, "lora_dropout": 0.0,
               "target_modules": ".*wq|.*wk|.*wv|.*wo|.*w1|.*w2|.*w3"}


@dataclass
class DPOArgs:
    run_dir: str
    pairs: str
    out: str
    beta: float = 0.1
    lr: float = 5e-5
    epochs: int = 1
    batch_pairs: int = 2
    seq_length: int | None = None  # default: the longest pair, rounded up to 8
    seed: int = 0
    quiet: bool = False


def read_pairs(path: str) -> tuple[list[dict], list[str]]:
    """Pairs with text problem/chosen/rejected; `file:line: reason` for the others."""
    from fileio.reading import read_rows

    bad: list = []
    rows, errors = [], []
    for line, row in read_rows(path, bad, fields=()):
        missing = [k for k in ("problem", "chosen", "rejected") if not isinstance(row.get(k), str) or not row[k].strip()]
        if missing:
            errors.append(f"{path}:{line}: no text in {', '.join(missing)}")
        else:
            rows.append(dict(row, _line=line))
    return rows, errors + [str(e) for e in bad]


def _start(run: Path):
    """(config dict, data meta, folded weights, the run's pet_config or None)."""
    from training.checkpoints.lora import folded_weights
    from training.checkpoints.params import load_params
    from training.run.runfiles import last_checkpoint, read_run

    cfg, meta = read_run(run)
    ckpt = last_checkpoint(run)
    if ckpt is None:
        raise InputError(f"{run}: no checkpoint under checkpoint/rank_0")
    pet = cfg["model"]["model_config"].get("pet_config")
    return cfg, meta, folded_weights(load_params(ckpt), pet), (dict(pet) if pet else None)


def run_dpo(a: DPOArgs) -> dict:
    """Train, save the new run folder, return the report (also OUT/dpo_report.json)."""
    import mindspore as ms
    from mindspore import nn

    from converters.encode.tokenizers import load_tokenizer
    from training.dpo.loss import batch_order, dpo_loss_cell, sequence_logps_cell
    from training.dpo.pairs_data import encode_pairs
    from training.model.build import build_model, load_weights
    from training.model.cpu import CPU_MODEL_SETTINGS
    from tqdm import tqdm

    from training.run.runfiles import run_tokenizer_path

    run, out = Path(a.run_dir), Path(a.out)
    if out.exists():
        raise InputError(f"{out}: already exists (a DPO round writes a new run folder)")
    pairs, errors = read_pairs(a.pairs)
    if not pairs:
        raise InputError(f"{a.pairs}: no usable pairs" + (f" ({errors[0]})" if errors else ""))
    cfg, meta, weights, run_pet = _start(run)
    tok = load_tokenizer(run_tokenizer_path(run, meta["tokenizer"]), digits=meta["tokenizer"].get("digits", "single"))
    chat, template = meta.get("chat", "vicuna"), meta.get("template") or "none"
    rows, skipped, a.seq_length = encode_pairs(pairs, tok, chat, template, a.seq_length)
    errors += [f"{a.pairs}:{pairs[i]['_line']}: {why}" for i, why in skipped]
    if len(rows.ids) < a.batch_pairs:
        raise InputError(f"{a.pairs}: {len(rows.ids)} usable pairs, fewer than --batch-pairs {a.batch_pairs}"
                         + (f" ({errors[0]})" if errors else ""))

    ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
    ms.set_seed(a.seed)
    pet = run_pet or DEFAULT_PET
    mc = {**dict(cfg["model"]["model_config"]), **CPU_MODEL_SETTINGS, "seq_length": a.seq_length, "pet_config": pet}
    net = build_model(mc)
    missing = [m for m in load_weights(net, weights) if "mindpet_delta_lora" not in m]
    if missing:
        raise InputError(f"{run}: its weights do not cover the model: {missing[:3]}")
    lora = [p for p in net.trainable_params() if "mindpet_delta_lora" in p.name]
    if not lora or any(np.any(p.asnumpy()) for p in lora if p.name.endswith("lora_b")):
        raise RuntimeError("a fresh LoRA must start with B = 0 (the reference is the network with LoRA off)")
    net.set_train(False)  # Llama's training branch returns its own loss; the logits are what DPO needs

    b, count = a.batch_pairs, len(rows.ids)
    names = [p.name for p in lora]  # as the checkpoint names them; wrapping cells must not rename them
    logps = sequence_logps_cell(net)

    def all_logps() -> np.ndarray:  # [pairs, 2]; the last batch filled up from the start (one compiled shape)
        got = np.zeros((count, 2), np.float32)
        order = np.arange(-(-count // b) * b) % count
        for k in range(0, len(order), b):
            idx = order[k:k + b]
            ids, scored = batch_order(rows.ids[idx], rows.scored[idx])
            lp = logps(ms.Tensor(ids), ms.Tensor(scored)).asnumpy()
            got[idx, 0], got[idx, 1] = lp[:b], lp[b:]
        return got

    t0 = time.time()
    ref = all_logps()
    ref_seconds = time.time() - t0
    step = nn.TrainOneStepCell(dpo_loss_cell(net, a.beta), nn.AdamWeightDecay(lora, learning_rate=a.lr, weight_decay=0.0))
    rng, log, t0 = np.random.default_rng(a.seed), [], time.time()
    per_epoch = count // b  # whole batches, the pairs shuffled anew each epoch (a leftover waits for the next)
    with tqdm(total=a.epochs * per_epoch, desc="dpo", disable=a.quiet) as progress:
        for epoch in range(a.epochs):
            order = rng.permutation(count)
            for k in range(per_epoch):
                idx = order[k * b:(k + 1) * b]
                ids, scored, r = batch_order(rows.ids[idx], rows.scored[idx], ref[idx])
                loss = float(step(ms.Tensor(ids), ms.Tensor(scored), ms.Tensor(r)).asnumpy())
                log.append({"step": len(log) + 1, "epoch": epoch + 1, "loss": loss})
                progress.set_postfix(loss=f"{loss:.4f}")
                progress.update()
    train_seconds = time.time() - t0
    after = all_logps()
    margins = a.beta * ((after[:, 0] - ref[:, 0]) - (after[:, 1] - ref[:, 1]))
    report = {"run_dir": str(run), "pairs_file": a.pairs, "pairs": count, "pairs_read": len(pairs),
              "skipped": errors, "beta": a.beta, "lr": a.lr, "epochs": a.epochs, "batch_pairs": b,
              "seq_length": a.seq_length, "lora": pet, "steps": len(log),
              "reference_seconds": round(ref_seconds, 1), "train_seconds": round(train_seconds, 1),
              "loss_first": log[0]["loss"], "loss_last": log[-1]["loss"],
              "margin_mean_after": float(margins.mean()), "preferred_after": float((margins > 0).mean())}
    params = {**weights, **{name: p.asnumpy() for name, p in zip(names, lora)}}
    _save(out, run, cfg, pet, params, log, report)
    return report


def _save(out: Path, run: Path, cfg: dict, pet: dict, params: dict, log: list[dict], report: dict) -> None:
    """The new run folder, whole or not at all: written beside `out` and renamed into place."""
    from fileio.atomic import write_json
    from fileio.plotting import figure, save_png
    from training.checkpoints.params import save_params
    from training.config.yamledit import write_yaml

    work = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    try:
        (work / "checkpoint" / "rank_0").mkdir(parents=True)
        cfg["model"]["model_config"]["pet_config"] = pet
        write_yaml(work / "config.yaml", cfg)
        shutil.copyfile(run / "data.meta.json", work / "data.meta.json")
        if (run / "tokenizer").is_dir():
            shutil.copytree(run / "tokenizer", work / "tokenizer")
        save_params(params, work / "checkpoint" / "rank_0" / "dpo.ckpt")
        with open(work / "dpo_log.jsonl", "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row) + "\n" for row in log)
        write_json(work / "dpo_report.json", report)
        fig, ax = figure(6, 3.2)
        ax.plot([r["step"] for r in log], [r["loss"] for r in log], lw=1)
        ax.axhline(np.log(2), color="grey", ls="--", lw=0.8, label="log 2 (no preference)")
        ax.set(xlabel="step", ylabel="DPO loss", title=f"DPO: {report['pairs']} pairs, β {report['beta']}")
        ax.legend()
        save_png(fig, work / "dpo_loss.png")
        os.rename(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
