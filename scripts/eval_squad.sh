#!/usr/bin/env bash
# SQuAD retention: predict the contest's SQuAD set with a run and apply the 90% gate.
#
#   scripts/eval_squad.sh --run-dir RUN_DIR|NAME --dev dev-v1.1.json [--baseline-f1 59.87] [--baseline-em 44.17]
# Works from any directory: paths are taken from where it is called; a NAME is a folder of logs/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUN=""; DEV=""; F1=59.87; EM=44.17
while [[ $# -gt 0 ]]; do
  case "$1" in
    --run-dir|--run) RUN=$2; shift 2 ;;
    --dev) DEV=$2; shift 2 ;;
    --baseline-f1) F1=$2; shift 2 ;;
    --baseline-em) EM=$2; shift 2 ;;
    *) echo "eval_squad.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$RUN" && -n "$DEV" ]] || { echo "eval_squad.sh: --run-dir and --dev are required" >&2; exit 2; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
RUN_DIR=$(run_dir "$RUN" "$ROOT")
run mathtune squad build --dev "$DEV" --out "$RUN_DIR/squad.jsonl"
run mathtune predict --run-dir "$RUN_DIR" --input "$RUN_DIR/squad.jsonl" --max-new-tokens 20 --template none --no-execute \
    --out "$RUN_DIR/squad_predictions.jsonl"
run mathtune squad score "$RUN_DIR/squad_predictions.jsonl" --baseline-f1 "$F1" --baseline-em "$EM" --ratio 0.9
