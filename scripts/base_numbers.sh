#!/usr/bin/env bash
# SmolLM2-135M-Instruct before any fine-tuning: 200 synthetic contest-style problems and 200 GSM8K.
#
#   scripts/base_numbers.sh [--out logs/base] [--n 200] [--gsm8k-styles "cot"]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=logs/base; N=200; STYLES="cot"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --n) N=$2; shift 2 ;;
    --gsm8k-styles) STYLES=$2; shift 2 ;;
    *) echo "base_numbers.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
[[ -f "$OUT/smollm2/model.ckpt" ]] || run mathtune ckpt from-gguf --out "$OUT/smollm2"
run mathtune data synth --n "$N" --seed 2024 --out "$OUT/contest_test.jsonl"
run mathtune predict --model-dir "$OUT/smollm2" --input "$OUT/contest_test.jsonl" --out "$OUT/contest_pred.jsonl" \
    --max-new-tokens 96 --batch-size 16 --quiet
run mathtune score "$OUT/contest_pred.jsonl" --mode exact
run mathtune score "$OUT/contest_pred.jsonl" --mode contest --out "$OUT/contest_mode"
# shellcheck disable=SC2086
run mathtune gsm8k --model-dir "$OUT/smollm2" --styles $STYLES --limit "$N" --max-new-tokens 256 --batch-size 16 \
    --out "$OUT/gsm8k" --quiet
