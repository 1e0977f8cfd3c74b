#!/usr/bin/env bash
# After a multi-card LoRA run: per-rank shards → one checkpoint → LoRA folded into the base.
#
#   scripts/merge.sh --run NAME [--strategy logs/NAME/strategy] [--out logs/NAME/merged.ckpt]
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=""; STRATEGY=""; OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --run) RUN=$2; shift 2 ;;
    --strategy) STRATEGY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "merge.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$RUN" ]] || { echo "merge.sh: --run is required" >&2; exit 2; }
STRATEGY=${STRATEGY:-logs/$RUN/strategy}; OUT=${OUT:-logs/$RUN/merged.ckpt}
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
run mathtune ckpt merge-shards --run-dir "logs/$RUN" --strategy "$STRATEGY" --out "logs/$RUN/full.ckpt"
run mathtune ckpt merge-lora --ckpt "logs/$RUN/full.ckpt" --config "logs/$RUN/config.yaml" --out "$OUT"
