#!/usr/bin/env bash
# Settings sweep of issue 27: short SmolLM2-135M LoRA runs that differ in one setting each, on the same data in
# the same order, compared by their progressive-validation loss (one epoch: every batch's loss is measured
# before the model has trained on it, so the mean over the last third of the steps is a held-out loss) and
# their time per step. Each run trains from the same from-gguf checkpoint.
#
#   scripts/sweep_smollm2.sh --from logs/quality-word [--out logs/sweep] [--config yaml/cpu_smollm2_135m_lora_pot.yaml]
#       [--gsm8k-rows 200] [--word-rows 120] [--contest-rows 48] [--varied-rows 32] [RUN ...]
#
# RUN is NAME or NAME:key.path=value,key.path=value (a `mathtune yaml set` of the base config); without RUN
# the sweep below runs. --from is a quality_smollm2.sh output folder: its converted model and raw rows are
# used (FILE#N: N rows sampled with prepare's fixed seed, as the quality run takes them). Results: OUT/SWEEP.md,
# OUT/sweep.json and OUT/sweep_loss.png (scripts/sweep_table.py). A finished run is skipped and a stopped one
# starts again, so a stopped sweep resumes; a run name or row count reused with other settings is refused.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
FROM=""; OUT=logs/sweep; CONFIG=yaml/cpu_smollm2_135m_lora_pot.yaml
GSM_ROWS=200; WORD_ROWS=120; CONTEST_ROWS=48; VARIED_ROWS=32; RUNS=()
while [[ $# -gt 0 ]]; do
  [[ $1 != --* || $# -ge 2 ]] || { echo "sweep_smollm2.sh: $1 needs a value" >&2; exit 2; }
  case $1 in
    --from) FROM=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --config) CONFIG=$2; shift 2 ;;
    --gsm8k-rows) GSM_ROWS=$2; shift 2 ;;
    --word-rows) WORD_ROWS=$2; shift 2 ;;
    --contest-rows) CONTEST_ROWS=$2; shift 2 ;;
    --varied-rows) VARIED_ROWS=$2; shift 2 ;;
    -*) echo "sweep_smollm2.sh: unknown option $1" >&2; exit 2 ;;
    *) RUNS+=("$1"); shift ;;
  esac
done
LR=lr_schedule.learning_rate; END=lr_schedule.lr_end; PET=model.model_config.pet_config
if ((${#RUNS[@]} == 0)); then
  RUNS=("base"
        "lr1e-3:$LR=1.e-3,$END=1.e-4"
        "r64:$PET.lora_rank=64,$PET.lora_alpha=128"
        "attn:$PET.target_modules=.*wq|.*wk|.*wv|.*wo"
        "lr2e-4:$LR=2.e-4,$END=2.e-5")
fi
[[ -n "$FROM" && -f "$FROM/smollm2/model.ckpt" ]] \
  || { echo "sweep_smollm2.sh: --from must be a quality_smollm2.sh folder with smollm2/model.ckpt" >&2; exit 2; }
whole_numbers sweep_smollm2.sh "gsm8k-rows $GSM_ROWS" "word-rows $WORD_ROWS" "contest-rows $CONTEST_ROWS" \
    "varied-rows $VARIED_ROWS"
[[ -f "$CONFIG" ]] || { echo "sweep_smollm2.sh: no config $CONFIG" >&2; exit 2; }
if ((WORD_ROWS)) && [[ ! -f "$FROM/raw_word.jsonl" ]]; then
  echo "sweep_smollm2.sh: --word-rows $WORD_ROWS but $FROM has no raw_word.jsonl" >&2; exit 2
fi
export PATH="$PWD/.venv/bin:$PATH"
CHECK=$(mktemp -d); trap 'rm -rf "$CHECK"' EXIT
seen=" "
for run in "${RUNS[@]}"; do  # every name and setting checked before any work
  name=${run%%:*}; sets=""; [[ "$run" == *:* ]] && sets=${run#*:}
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ && "$name" != data && "$name" != rows && "$seen" != *" $name "* ]] \
    || { echo "sweep_smollm2.sh: '$name': a run name is letters, digits, - and _, not data or rows, once" >&2; exit 2; }
  seen+="$name "
  if [[ -f "$OUT/$name.settings" && "$(cat "$OUT/$name.settings")" != "$sets" ]]; then
    echo "sweep_smollm2.sh: $OUT/$name was run with other settings ($(cat "$OUT/$name.settings")); use another name" >&2
    exit 2
  fi
  IFS=, read -r -a pairs <<< "$sets"
  if ((${#pairs[@]})); then
    mathtune yaml set "$CONFIG" "${pairs[@]}" --out "$CHECK/$name.yaml" > /dev/null || exit 2
  fi
done
ROWS="$GSM_ROWS $WORD_ROWS $CONTEST_ROWS $VARIED_ROWS"
if [[ -f "$OUT/rows" && "$(cat "$OUT/rows")" != "$ROWS" ]]; then
  echo "sweep_smollm2.sh: $OUT was made from other row counts ($(cat "$OUT/rows")); use another --out" >&2; exit 2
fi
mkdir -p "$OUT"; echo "$ROWS" > "$OUT/rows"
TIMES="$OUT/times.tsv"; RESUME=1
M=$FROM/smollm2; D=$OUT/data
INPUTS=("$FROM/gsm8k_pot.jsonl#$GSM_ROWS" "$FROM/raw_contest.jsonl#$CONTEST_ROWS" "$FROM/raw_varied.jsonl#$VARIED_ROWS")
if ((WORD_ROWS)); then INPUTS+=("$FROM/raw_word.jsonl#$WORD_ROWS"); fi
stage data-prepare "$D/train.mindrecord" mathtune data prepare "${INPUTS[@]}" --out "$D" --style pot \
    --template none --tokenizer "$M/tokenizer.json" --chat chatml --seq-length 512 --pack --multiple-of 4 \
    --drop-competition --quiet

for run in "${RUNS[@]}"; do
  name=${run%%:*}; sets=""; [[ "$run" == *:* ]] && sets=${run#*:}
  cfg="$OUT/$name.yaml"
  if [[ ! -f "$cfg" ]]; then
    cp "$CONFIG" "$cfg.part"
    IFS=, read -r -a pairs <<< "$sets"
    if ((${#pairs[@]})); then run mathtune yaml set "$cfg.part" "${pairs[@]}"; fi
    mv "$cfg.part" "$cfg"; echo "$sets" > "$OUT/$name.settings"
  fi
  train_stage "train-$name" "$OUT/$name" mathtune train --config "$cfg" --data "$D/train.mindrecord" \
      --ckpt "$M/model.ckpt" --run-dir "$OUT/$name" --epochs 1
  stage "loss-$name" "$OUT/$name/log/loss.csv" mathtune logs "$OUT/$name/log/rank_0/info.log" --out "$OUT/$name/log"
done
names=(); for run in "${RUNS[@]}"; do names+=("${run%%:*}"); done
run python3 scripts/sweep_table.py "$OUT" "${names[@]}"
