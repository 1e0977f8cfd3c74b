#!/usr/bin/env bash
# The main job end to end on the built-in default (synthetic contest data), or on DATA=your.json.
# Every stage prints the exact command it runs, so each can be repeated by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=logs/demo
mkdir -p "$OUT"
run() { echo "+ $*"; "$@"; }

if [[ -z "${DATA:-}" ]]; then
  DATA="$OUT/raw.jsonl"
  run mathtune data synth --n 20000 --seed 0 --duplicates 0.3 --out "$DATA"
fi
run mathtune data prepare "$DATA" --out-dir "$OUT/data" --n 8192 --min-per-category 200 \
    --multiple-of 64 --style pot --template short --seq-length auto --quiet || status=$?
# exit code 1 means some rows were reported and left out; anything else is fatal
[[ "${status:-0}" -le 1 ]] || exit "$status"
run mathtune data stats "$OUT/data/train.mindrecord" --png "$OUT/data/lengths.png"
echo "demo data ready in $OUT/data (conversations.json, train.mindrecord, report.json, lengths.png)"
