#!/usr/bin/env bash
# After a multi-card LoRA run: per-rank shards → one checkpoint → LoRA folded into the base.
#
#   scripts/merge.sh --run-dir RUN_DIR|NAME [--strategy RUN_DIR/strategy] [--out RUN_DIR/merged.ckpt]
# Works from any directory: paths are taken from where it is called; a NAME is a folder of logs/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUN=""; STRATEGY=""; OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --run-dir|--run) RUN=$2; shift 2 ;;
    --strategy) STRATEGY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "merge.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$RUN" ]] || { echo "merge.sh: --run-dir is required" >&2; exit 2; }
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
RUN_DIR=$(run_dir "$RUN" "$ROOT")
STRATEGY=${STRATEGY:-$RUN_DIR/strategy}; OUT=${OUT:-$RUN_DIR/merged.ckpt}
run mathtune ckpt merge-shards --run-dir "$RUN_DIR" --strategy "$STRATEGY" --out "$RUN_DIR/full.ckpt"
run mathtune ckpt merge-lora --ckpt "$RUN_DIR/full.ckpt" --config "$RUN_DIR/config.yaml" --out "$OUT"
