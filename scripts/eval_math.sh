#!/usr/bin/env bash
# Predict a math test file with a trained run, then score it per category.
#
#   scripts/eval_math.sh --run-dir RUN_DIR|NAME --test test.jsonl [--ckpt PATH] [--limit N] [--mode contest]
#                        [--max-new-tokens 128]
# Programs the model writes run in the sandbox, and the score shows two figures side by side: with the
# programs run, and on the model's text alone (what the contest's judge and MindFormers' predict see:
# they run no code). --mode: how an answer is compared with the gold (default contest: within 0.01).
# Works from any directory: paths are taken from where it is called; a NAME is a folder of logs/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUN=""; TEST=""; CKPT=""; LIMIT=(); MODE=contest; NEW=128
while [[ $# -gt 0 ]]; do
  case "$1" in
    --run-dir|--run) RUN=$2; shift 2 ;;
    --test) TEST=$2; shift 2 ;;
    --ckpt) CKPT=$2; shift 2 ;;
    --limit) LIMIT=(--limit "$2"); shift 2 ;;
    --mode) MODE=$2; shift 2 ;;
    --max-new-tokens) NEW=$2; shift 2 ;;
    *) echo "eval_math.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$RUN" && -n "$TEST" ]] || { echo "eval_math.sh: --run-dir and --test are required" >&2; exit 2; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
RUN_DIR=$(run_dir "$RUN" "$ROOT")
run mathtune predict --run-dir "$RUN_DIR" ${CKPT:+--ckpt "$CKPT"} --input "$TEST" \
    --out "$RUN_DIR/predictions.jsonl" --max-new-tokens "$NEW" ${LIMIT[@]+"${LIMIT[@]}"}
run mathtune score "$RUN_DIR/predictions.jsonl" --out "$RUN_DIR/score" --mode "$MODE"
