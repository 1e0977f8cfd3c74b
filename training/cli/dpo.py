"""`mathtune dpo`: a DPO round from a trained run and preference pairs (training/dpo)."""
from __future__ import annotations

import argparse
import sys


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value
    return parse


def cmd_dpo(a) -> int:
    from training.dpo.run import DPOArgs, run_dpo

    report = run_dpo(DPOArgs(run_dir=a.run_dir, pairs=a.pairs, out=a.out, beta=a.beta, lr=a.lr, epochs=a.epochs,
                             batch_pairs=a.batch_pairs, seq_length=a.seq_length, seed=a.seed, quiet=a.quiet))
    print(f"DPO: {report['pairs']} pairs, {report['steps']} steps in {report['train_seconds']:.0f} s "
          f"(reference log-probs {report['reference_seconds']:.0f} s); loss {report['loss_first']:.4f} → "
          f"{report['loss_last']:.4f}; after training {100 * report['preferred_after']:.1f}% of the pairs prefer "
          f"the right answer over the reference (mean margin {report['margin_mean_after']:.3f}) → {a.out}")
    for line in report["skipped"][:20]:
        print(line, file=sys.stderr)
    return 1 if report["skipped"] else 0


def add_parser(sub) -> None:
    p = sub.add_parser(
        "dpo", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="a DPO round (Rafailov et al. 2023) on MindFormers' Llama with LoRA, graph mode",
        description="Folds the run's LoRA into its weights, trains a fresh LoRA on the pairs (`data dpo-pairs`) with "
                    "the DPO loss against the folded model with LoRA off (its log-probabilities computed once "
                    "before training), and writes a new run folder (config.yaml, data.meta.json, tokenizer, "
                    "checkpoint/rank_0/dpo.ckpt, dpo_report.json, dpo_log.jsonl, dpo_loss.png) that `predict "
                    "--run-dir` reads. Pairs that do not fit --seq-length are reported as file:line (exit 1).")
    p.add_argument("--run-dir", required=True, help="a `mathtune train` run folder (its last checkpoint)")
    p.add_argument("--pairs", required=True, help="{problem, chosen, rejected} JSONL (`mathtune data dpo-pairs`)")
    p.add_argument("--out", required=True, help="the new run folder (must not exist)")
    p.add_argument("--beta", type=_positive(float), default=0.1, help="DPO's β (strength of the reference)")
    p.add_argument("--lr", type=_positive(float), default=5e-5, help="AdamW learning rate (constant)")
    p.add_argument("--epochs", type=_positive(int), default=1)
    p.add_argument("--batch-pairs", type=_positive(int), default=2, help="pairs per step")
    p.add_argument("--seq-length", type=_positive(int), help="default: the longest pair, rounded up to 8")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_dpo)
