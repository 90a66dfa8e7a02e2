#!/usr/bin/env bash
# Issue 15's comparison on Fashion-MNIST padded to 32×32 (≤ 64 feature maps; here WIDTH = 16): progressive growing, the
# same final networks trained directly at 32×32, LAPGAN, the CRN-style cascade and cgan (class-conditional FID).
# Each run is trained in segments of at most SEGMENT seconds (stopped with SIGINT, which writes a checkpoint, then
# resumed), so no single process holds the shared machine long. Usage:
#   bench/progressive-compare.sh OUT SEED [METHOD...]      METHOD: progressive direct lapgan cascade cgan
# Then: gansharp compare OUT/*-s* --reach 100 --out curves.png
set -u
OUT=${1:?output directory}; SEED=${2:?seed}; shift 2
METHODS=${*:-progressive direct lapgan cascade cgan}
SEGMENT=${SEGMENT:-840}
STEPS=${STEPS:-1050}                  # batch 16: 16,800 images; progressive: 7 phases of 2,400 images = 1,050 steps
IMAGES=${IMAGES:-2400}
WIDTH=${WIDTH:-16}                    # feature maps of every network but cgan's (the project's dcgan28 as it is)
LR=${LR:-1e-2}                        # progressive/direct Adam lr: the paper's 1e-3 barely moves N(0, 1) equalized weights in 1,050 steps
EMA=${EMA:-0.99}                      # progressive/direct G average: 0.999 (the paper's) would still be 35 % init weights after 1,050 steps
EVAL="--eval-every 150 --eval-samples 2000 --log-every 50 --sample-every 150 --checkpoint-every 150"
GANSHARP=${GANSHARP:-dotnet src/GanSharp.Cli/bin/Release/net10.0/GanSharp.Cli.dll}
COMMON="--data fashion-mnist --threads 1 --seed $SEED --steps $STEPS --batch 16 --out $OUT"
mkdir -p "$OUT"
args() {
  case $1 in
    progressive) echo "progressive $COMMON --fmap-max $WIDTH --ema $EMA --lr-g $LR --lr-d $LR --images-per-phase $IMAGES $EVAL --metrics fid" ;;
    direct)      echo "progressive $COMMON --fmap-max $WIDTH --ema $EMA --lr-g $LR --lr-d $LR --grow false $EVAL --metrics fid" ;;
    lapgan)      echo "lapgan $COMMON --width-g $WIDTH --width-d $WIDTH $EVAL --metrics fid" ;;
    cascade)     echo "cascade $COMMON --width-g $WIDTH $EVAL --metrics fid,cfid" ;;
    cgan)        echo "cgan $COMMON $EVAL --metrics fid,cfid" ;;
    *) echo "unknown method $1" >&2; exit 2 ;;
  esac
}
for m in $METHODS; do
  (
    case $m in progressive|direct) name="$m-lr$LR-s$SEED" ;; *) name="$m-s$SEED" ;; esac
    a=$(args $m); model=${a%% *}
    while :; do
      if [ -f "$OUT/$name/options.json" ]; then cmd="$GANSHARP train $model --resume $OUT/$name"; else cmd="$GANSHARP train $a --name $name"; fi
      echo "[$(date +%T)] $cmd" >> "$OUT/$name.log"
      timeout -s INT "$SEGMENT" $cmd >> "$OUT/$name.log" 2>&1; rc=$?
      grep -q "^done:" "$OUT/$name.log" && break
      [ $rc -eq 130 ] || [ $rc -eq 124 ] || [ $rc -eq 3 ] || { echo "[$(date +%T)] exit $rc" >> "$OUT/$name.log"; break; }
    done
  ) &
done
wait
