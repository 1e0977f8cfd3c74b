#!/usr/bin/env bash
# Fine-tune with MindFormers through `mathtune train`; several cards/nodes go through msrun.
#
#   scripts/train.sh --config yaml/llama3_8b_lora_4p.yaml --data train.mindrecord \
#       --ckpt llama3-8B.ckpt --cards 4 [--local-cards 4] [--master-addr 127.0.0.1] [--master-port 8118] \
#       [--node-rank 0] [--run-name NAME] [--dry-run [--no-simulate]] [-- key.path=value ...]
#
# --dry-run trains nothing: it checks the config and the data, prints the msrun line, and simulates
# rank 0's compile for the card count (`mathtune simulate`: strategy files and per-rank peak memory;
# minutes on a CPU machine). --no-simulate stops after the checks.
#
# Two nodes of 8: run on each node with --cards 16 --local-cards 8 --master-addr <node 0 IP> --node-rank 0|1.
set -euo pipefail
cd "$(dirname "$0")/.."
CARDS=1; LOCAL=""; ADDR=127.0.0.1; PORT=8118; NODE=0; RUN=run; CONFIG=""; DATA=""; CKPT=""; DRY=""; NOSIM=""; EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --config) CONFIG=$2; shift 2 ;;
    --data) DATA=$2; shift 2 ;;
    --ckpt) CKPT=$2; shift 2 ;;
    --cards) CARDS=$2; shift 2 ;;
    --local-cards) LOCAL=$2; shift 2 ;;
    --master-addr) ADDR=$2; shift 2 ;;
    --master-port) PORT=$2; shift 2 ;;
    --node-rank) NODE=$2; shift 2 ;;
    --run|--run-name) RUN=$2; shift 2 ;;
    --dry-run) DRY=--dry-run; shift ;;
    --no-simulate) NOSIM=1; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "train.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[[ -n "$CONFIG" && -n "$DATA" ]] || { echo "train.sh: --config and --data are required" >&2; exit 2; }
TRAIN=(train --config "$CONFIG" --data "$DATA" --run-name "$RUN")
[[ -n "$CKPT" ]] && TRAIN+=(--ckpt "$CKPT")
if [[ "$CARDS" -gt 1 ]]; then
  CMD=(mathtune launch --workers "$CARDS" --local-workers "${LOCAL:-$CARDS}" --master-addr "$ADDR"
       --master-port "$PORT" --node-rank "$NODE" --log-dir "logs/$RUN/msrun" ${DRY:+"$DRY"}
       -- "${TRAIN[@]}" --use-parallel True "${EXTRA[@]}")
else
  CMD=(mathtune "${TRAIN[@]}" --use-parallel False ${DRY:+"$DRY"} "${EXTRA[@]}")
fi
echo "+ ${CMD[*]}"
if [[ -z "$DRY" ]]; then exec "${CMD[@]}"; fi
# --dry-run: the config and data checks, the launch line, then a simulated compile of rank 0 with
# per-rank peak memory (MindSpore's dryrun; on a CPU machine through mathtune's stub CANN: an estimate)
"${CMD[@]}"
if [[ "$CARDS" -gt 1 ]]; then
  CHECK=(mathtune "${TRAIN[@]}" --use-parallel True --dry-run "${EXTRA[@]}")
  echo "+ ${CHECK[*]}"
  "${CHECK[@]}"
fi
[[ -n "$NOSIM" ]] && exit 0
SIM=(mathtune simulate --config "$CONFIG" --data "$DATA" --cards "$CARDS" --out "logs/$RUN/simulate" "${EXTRA[@]}")
echo "+ ${SIM[*]}"
exec "${SIM[@]}"
