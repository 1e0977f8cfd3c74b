#!/usr/bin/env bash
# Predict a math test file with a trained run, then score it per category.
#
#   scripts/eval_math.sh --run-dir RUN_DIR|NAME --test test.jsonl [--ckpt PATH] [--limit N]
# Works from any directory: paths are taken from where it is called; a NAME is a folder of logs/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUN=""; TEST=""; CKPT=""; LIMIT=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --run-dir|--run) RUN=$2; shift 2 ;;
    --test) TEST=$2; shift 2 ;;
    --ckpt) CKPT=$2; shift 2 ;;
    --limit) LIMIT=(--limit "$2"); shift 2 ;;
    *) echo "eval_math.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$RUN" && -n "$TEST" ]] || { echo "eval_math.sh: --run-dir and --test are required" >&2; exit 2; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
RUN_DIR=$(run_dir "$RUN" "$ROOT")
run mathtune predict --run-dir "$RUN_DIR" ${CKPT:+--ckpt "$CKPT"} --input "$TEST" \
    --out "$RUN_DIR/predictions.jsonl" "${LIMIT[@]}"
run mathtune score "$RUN_DIR/predictions.jsonl" --out "$RUN_DIR/score"
