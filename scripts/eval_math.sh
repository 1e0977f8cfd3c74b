#!/usr/bin/env bash
# Predict a math test file with a trained run, then score it per category.
#
#   scripts/eval_math.sh --run NAME --test test.jsonl [--ckpt PATH] [--limit N]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=""; TEST=""; CKPT=""; LIMIT=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --run) RUN=$2; shift 2 ;;
    --test) TEST=$2; shift 2 ;;
    --ckpt) CKPT=$2; shift 2 ;;
    --limit) LIMIT=(--limit "$2"); shift 2 ;;
    *) echo "eval_math.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$RUN" && -n "$TEST" ]] || { echo "eval_math.sh: --run and --test are required" >&2; exit 2; }
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
run mathtune predict --run-dir "logs/$RUN" ${CKPT:+--ckpt "$CKPT"} --input "$TEST" \
    --out "logs/$RUN/predictions.jsonl" "${LIMIT[@]}"
run mathtune score "logs/$RUN/predictions.jsonl" --out-dir "logs/$RUN/score"
