#!/usr/bin/env bash
# SQuAD retention: predict the contest's SQuAD set with a run and apply the 90% gate.
#
#   scripts/eval_squad.sh --run NAME --dev dev-v1.1.json [--baseline-f1 59.87] [--baseline-em 44.17]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=""; DEV=""; F1=59.87; EM=44.17
while [[ $# -gt 0 ]]; do
  case "$1" in
    --run) RUN=$2; shift 2 ;;
    --dev) DEV=$2; shift 2 ;;
    --baseline-f1) F1=$2; shift 2 ;;
    --baseline-em) EM=$2; shift 2 ;;
    *) echo "eval_squad.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$RUN" && -n "$DEV" ]] || { echo "eval_squad.sh: --run and --dev are required" >&2; exit 2; }
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
run mathtune squad build --dev "$DEV" --out "logs/$RUN/squad.jsonl"
run mathtune predict --run-dir "logs/$RUN" --input "logs/$RUN/squad.jsonl" --max-new-tokens 20 --template none --no-execute \
    --out "logs/$RUN/squad_predictions.jsonl"
run mathtune squad score "logs/$RUN/squad_predictions.jsonl" --baseline-f1 "$F1" --baseline-em "$EM" --ratio 0.9
