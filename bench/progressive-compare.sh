#!/usr/bin/env bash
# Issue 15's comparison on Fashion-MNIST padded to 32×32 (≤ 64 feature maps; here 32): progressive growing, the
# same final networks trained directly at 32×32, LAPGAN, the CRN-style cascade and cgan (class-conditional FID).
# Each run is trained in segments of at most SEGMENT seconds (stopped with SIGINT, which writes a checkpoint, then
# resumed), so no single process holds the shared machine long. Usage:
#   bench/progressive-compare.sh OUT SEED [METHOD...]      METHOD: progressive direct lapgan cascade cgan
# Then: gansharp compare OUT/*-s* --reach 100 --out curves.png
set -u
OUT=${1:?output directory}; SEED=${2:?seed}; shift 2
METHODS=${*:-progressive direct lapgan cascade cgan}
SEGMENT=${SEGMENT:-840}
STEPS=${STEPS:-2100}                  # batch 16: 33,600 images; progressive: 7 phases of 4,800 images = 2,100 steps
IMAGES=${IMAGES:-4800}
EVAL="--eval-every 300 --eval-samples 2000 --log-every 50 --sample-every 300 --checkpoint-every 300"
GANSHARP=${GANSHARP:-dotnet src/GanSharp.Cli/bin/Release/net10.0/GanSharp.Cli.dll}
COMMON="--data fashion-mnist --threads 1 --seed $SEED --steps $STEPS --batch 16 --out $OUT"
mkdir -p "$OUT"
args() {
  case $1 in
    progressive) echo "progressive $COMMON --fmap-max 32 --images-per-phase $IMAGES $EVAL --metrics fid" ;;
    direct)      echo "progressive $COMMON --fmap-max 32 --grow false $EVAL --metrics fid" ;;
    lapgan)      echo "lapgan $COMMON --width-g 32 --width-d 32 $EVAL --metrics fid" ;;
    cascade)     echo "cascade $COMMON --width-g 32 $EVAL --metrics fid,cfid" ;;
    cgan)        echo "cgan $COMMON $EVAL --metrics fid,cfid" ;;
    *) echo "unknown method $1" >&2; exit 2 ;;
  esac
}
for m in $METHODS; do
  (
    name="$m-s$SEED"; a=$(args $m); model=${a%% *}
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
