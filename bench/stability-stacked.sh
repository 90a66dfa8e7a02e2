#!/usr/bin/env bash
# Weak-D Stacked MNIST comparison (docs/stability.md): the Unrolled-GAN setting (preset stacked-mnist-weak-d,
# D = ¼ G), each fix alone. unrolled5 is the paper's unrolling (gradients through the 5 unrolled Adam steps, about
# 5x vanilla's time per step), unrolled5-fo the first-order one (about 3x). Usage: bench/stability-stacked.sh OUT_DIR [STEPS] [SEEDS] [CONFIGS]   (resumable)
set -euo pipefail
out=${1:?usage: bench/stability-stacked.sh OUT_DIR [STEPS] [SEEDS]}
steps=${2:-25000}
seeds=${3:-"1 2 3"}
names=${4:-"vanilla pack4 minibatch-disc unrolled5 pack2 best"}
cli=${GANSHARP_CLI:-"dotnet run --project $(dirname "$0")/../src/GanSharp.Cli -c Release --"}
declare -A configs=(
  [vanilla]=""
  [pack2]="--pack 2"
  [pack4]="--pack 4"
  [minibatch-disc]="--minibatch-disc 50"
  [unrolled5]="--unrolled 5"
  [unrolled5-fo]="--unrolled 5 --unrolled-first-order"
  # the best combination (chosen before any single-fix result at this budget was in: PacGAN4 with the minibatch-std
  # feature and one-sided label smoothing)
  [best]="--pack 4 --minibatch-std --real-label 0.9"
)
for seed in $seeds; do
  for name in $names; do
    run="$out/stacked-$name-s$seed"
    if [ -f "$run/checkpoints/eval.json" ]; then continue; fi
    if [ -d "$run" ]; then
      $cli train dcgan --resume "$run" >/dev/null
    else
      $cli train dcgan --preset stacked-mnist-weak-d --steps $steps --seed $seed --threads 1 ${configs[$name]} \
        --sample-every $steps --checkpoint-every 1000 --out "$out" --name "stacked-$name-s$seed" >/dev/null
    fi
    $cli eval --checkpoint "$run" --metrics modes >/dev/null
  done
done
# Table: mean ± sample std over seeds of modes and KL, with every seed's values.
python3 "$(dirname "$0")/stability_table.py" "$out" stacked
