#!/usr/bin/env bash
# MNIST classifier-FID of the DCGAN (dcgan-mnist preset, the default 2,000-step budget) with each stability fix
# that applies to it (docs/stability.md). Usage: bench/stability-mnist.sh OUT_DIR [STEPS] [SEED] [CONFIGS]
# Resumable: finished runs are skipped, cut ones resumed. FID uses the mnist-cnn feature network, 10,000 samples.
# GANSHARP_EXTRA adds flags to every run (e.g. "--threads 1" when other jobs share the machine).
set -euo pipefail
out=${1:?usage: bench/stability-mnist.sh OUT_DIR [STEPS] [SEED] [CONFIGS]}
steps=${2:-2000}
seed=${3:-1}
names=${4:-"vanilla smooth mbstd minibatch-disc spectral-norm lsgan ema best"}
cli=${GANSHARP_CLI:-"dotnet run --project $(dirname "$0")/../src/GanSharp.Cli -c Release --"}
declare -A configs=(
  [vanilla]=""
  [smooth]="--real-label 0.9"
  [noise]="--instance-noise 0.1"
  [mbstd]="--minibatch-std"
  [minibatch-disc]="--minibatch-disc 50"
  [spectral-norm]="--spectral-norm"
  [lsgan]="--loss lsgan"
  [hinge]="--loss hinge"
  [r1]="--r1 10"
  [ema]="--ema 0.999"
  [pack2]="--pack 2"
  [best]="--real-label 0.9 --instance-noise 0.1 --minibatch-std"
)
for name in $names; do
  run="$out/mnist-$name-s$seed"
  if [ -f "$run/checkpoints/eval.json" ]; then continue; fi
  if [ -d "$run" ]; then
    $cli train dcgan --resume "$run" >/dev/null
  else
    $cli train dcgan --preset dcgan-mnist --steps $steps --seed $seed ${GANSHARP_EXTRA:-} ${configs[$name]} \
      --sample-every $steps --checkpoint-every 500 --out "$out" --name "mnist-$name-s$seed" >/dev/null
  fi
  $cli eval --checkpoint "$run" --metrics fid,pr,is >/dev/null
done
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
print("| configuration | FID | precision | recall | class entropy |")
print("|---|---:|---:|---:|---:|")
for d in sorted(os.listdir(out)):
    f = os.path.join(out, d, "checkpoints", "eval.json")
    if not os.path.exists(f): continue
    m = json.load(open(f))["metrics"]
    pr, inc = m.get("pr", {}), m.get("is", {})
    print(f"| {d} | {m['fid']['fid']:.1f} | {pr.get('precision', float('nan')):.3f} | {pr.get('recall', float('nan')):.3f} | {inc.get('class_entropy', float('nan')):.3f} |")
PY
