#!/usr/bin/env bash
# The augmentation comparison of docs/own-images.md (issue 22): the same folder, budget and seed with no
# augmentation, --mirror, --augment diffaugment and --augment ada (two runs at a time, 1 thread each), then KID/FID
# of each final checkpoint against the folder with every feature network in FEATS.
#
# usage: bench/own-images.sh RUNS_DIR NAME FOLDER STEPS BATCH [extra train flags...]
#   GANSHARP   the gansharp command (default: gansharp)
#   FEATS      feature networks for eval (default: random-cnn)
#   SAMPLES    generated samples per eval (default: 5000)
#   SEED       training seed (default: 1)
#   CONFIGS    configurations to run (default: "none mirror diffaugment ada")
set -euo pipefail
gs=${GANSHARP:-gansharp}
feats=${FEATS:-random-cnn}
samples=${SAMPLES:-5000}
seed=${SEED:-1}
configs=${CONFIGS:-none mirror diffaugment ada}
runs=$1 name=$2 data=$3 steps=$4 batch=$5
shift 5
mkdir -p "$runs"

flags() {
  case $1 in
    none) ;;
    mirror) echo --mirror ;;
    diffaugment) echo --augment diffaugment ;;
    ada) echo --augment ada ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
  esac
}

train() {
  local cfg=$1
  shift
  # shellcheck disable=SC2046
  /usr/bin/time -f "%e s wall" $gs train dcgan --data "$data" --steps "$steps" --batch "$batch" --threads 1 --seed "$seed" \
    --log-every 20 --sample-every $((steps / 4)) --checkpoint-every $((steps / 4)) --keep 4 \
    --out "$runs" --name "$name-$cfg" $(flags "$cfg") "$@" > "$runs/$name-$cfg.log" 2>&1
}

pending=()
for cfg in $configs; do
  train "$cfg" "$@" &
  pending+=($!)
  if [ ${#pending[@]} -eq 2 ]; then wait "${pending[@]}"; pending=(); fi
done
[ ${#pending[@]} -eq 0 ] || wait "${pending[@]}"

for cfg in $configs; do
  for f in $feats; do
    $gs eval --checkpoint "$runs/$name-$cfg" --real "$data" --metrics kid,fid --samples "$samples" --feature-net "$f" \
      > "$runs/$name-$cfg.eval-$f.txt" 2>&1
    cp "$runs/$name-$cfg/checkpoints/eval.json" "$runs/$name-$cfg/eval-$f.json"
    printf '%s %s %s ' "$name" "$cfg" "$f"; grep -E '^(kid|fid)\.' "$runs/$name-$cfg.eval-$f.txt" | awk '{printf "%s %s  ", $1, $2}'; echo
  done
done | tee "$runs/$name-results.txt"
