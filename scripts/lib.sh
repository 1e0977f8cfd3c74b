# Shared by the pipeline scripts: print each command, time each stage into $TIMES.
# A stage whose output exists is skipped when RESUME=1 (the long quality run resumes this way).
run() { echo "+ $*"; "$@"; }

whole_numbers() {  # whole_numbers PROG "OPTION VALUE"...: each VALUE a whole number, else one line and exit 2
  # (no leading zero: bash arithmetic reads 010 as octal 8)
  local prog=$1 opt
  shift
  for opt in "$@"; do
    [[ ${opt#* } =~ ^(0|[1-9][0-9]*)$ ]] || { echo "$prog: --${opt%% *} ${opt#* }: expected a whole number" >&2; exit 2; }
  done
}

run_dir() {  # run_dir NAME|DIR ROOT: an existing folder as given (made absolute), else ROOT/logs/NAME
  if [[ -d "$1" ]]; then (cd "$1" && pwd); else echo "$2/logs/$1"; fi
}

stage() {  # stage NAME OUTPUT COMMAND...
  local name=$1 output=$2 t0=$SECONDS status=0
  shift 2
  if [[ "${RESUME:-0}" == 1 && -e "$output" ]]; then echo "= $name: $output exists, skipped"; return 0; fi
  echo "== $name"
  run "$@" || status=$?
  # data steps exit 1 when some rows were reported and left out: not fatal if the output is there
  if [[ $status -gt 1 || ( $status -eq 1 && ( "$name" != data* || ! -e "$output" ) ) ]]; then
    echo "stage $name failed (exit $status)" >&2; exit "$status"
  fi
  printf '%s\t%s\t%s\n' "$name" "$((SECONDS - t0))" "$*" >> "$TIMES"
}

fresh_run() {  # fresh_run RUN: a training stopped before its checkpoint starts again from nothing (MindFormers
  # appends to the old log, which `mathtune logs` would read as one run)
  if [[ "${RESUME:-0}" == 1 && -d "$1" && ! -e "$1/checkpoint/rank_0/meta.json" ]]; then
    echo "= $1: a stopped training; removed to start again"; rm -rf "$1"
  fi
}

train_stage() {  # train_stage NAME RUN COMMAND...: a training stage, done when RUN's checkpoint is saved
  # (train_args.json is written at the start: a stopped training would count as done)
  local name=$1 run=$2
  shift 2
  fresh_run "$run"
  stage "$name" "$run/checkpoint/rank_0/meta.json" "$@"
}
