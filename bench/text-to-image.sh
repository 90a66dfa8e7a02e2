#!/usr/bin/env bash
# The comparison of docs/text-to-image.md (issue 13): a text encoder, then GAN, GAN-CLS, GAN-INT-CLS (32 px) and
# StackGAN (16 -> 64) on captioned shapes from the presets, one seed each; then caption consistency (+ classifier-FID)
# and R-precision of each final checkpoint, StackGAN's Stage-I (its step-STAGE1 checkpoint) and Stage-II separately;
# then the sample grids of the table's captions. Runs resume: rerunning the script continues unfinished runs and
# skips finished ones; two seeds (SEED=1, SEED=2) may run at once into one ROOT once runs/te32 exists.
#
# usage: bench/text-to-image.sh ROOT
#   GANSHARP  the gansharp command (default: gansharp)
#   SEED      training seed (default: 1)
#   SAMPLES   captions per split for the metrics (default: 1000)
#   THREADS   torch threads per process (default: 1)
#   MODELS    which of gan gan-cls gan-int-cls stackgan to train, evaluate and draw (default: all four)
# An eval whose evals/NAME.json exists is skipped (delete it to evaluate again).
set -euo pipefail
gs=${GANSHARP:-gansharp}
seed=${SEED:-1}
samples=${SAMPLES:-1000}
threads=${THREADS:-1}
models=${MODELS:-gan gan-cls gan-int-cls stackgan}
has() { [[ " $models " == *" $1 "* ]]; }
root=$1
mkdir -p "$root/runs" "$root/study" "$root/evals" "$root/grids"
cd "$root"

train() {  # train MODEL NAME DIR [flags...]: create, resume when the run exists, skip it when it is finished
  local model=$1 name=$2 dir=$3; shift 3
  if [ -f "$dir/$name/options.json" ]; then
    local want; want=$(python3 -c "import json;print('step-%06d.ckpt' % json.load(open('$dir/$name/options.json'))['options']['steps'])")
    if [ "$(cat "$dir/$name/checkpoints/latest" 2>/dev/null)" = "$want" ]; then echo "$dir/$name: finished ($want)"; return; fi
    $gs train "$model" --resume "$dir/$name" 2>&1 | tee -a "$dir/$name.log"
  else
    $gs train "$model" --data shapes --seed "$seed" --threads "$threads" --out "$dir" --name "$name" "$@" 2>&1 | tee "$dir/$name.log"
  fi
}

train text-encoder te32 runs                                                    # preset text-encoder-shapes32
for v in gan gan-cls gan-int-cls; do
  has "$v" && train gan-cls "$v-s$seed" study --text-encoder runs/te32 --variant "$v"   # preset gan-cls-shapes32
done
has stackgan && train stackgan "stackgan-s$seed" study --text-encoder runs/te32       # preset stackgan-shapes64

ev() {  # ev NAME CHECKPOINT METRICS
  if [ -f "evals/$1.json" ]; then echo "evals/$1.json: done"; return; fi
  $gs eval --checkpoint "$2" --metrics "$3" --samples "$samples" --seed 1 --threads "$threads" 2>&1 | tee "evals/$1.log"
  local dir; if [ -d "$2" ]; then dir=$2/checkpoints; else dir=$(dirname "$2"); fi
  cp "$dir/eval.json" "evals/$1.json"
}
for v in gan gan-cls gan-int-cls; do
  has "$v" && ev "$v-s$seed" "study/$v-s$seed" caption-consistency,r-precision
done
if has stackgan; then
  stage1=$(python3 -c "import json;print(json.load(open('study/stackgan-s$seed/options.json'))['options']['stage1-steps'])")
  steps=$(python3 -c "import json;print(json.load(open('study/stackgan-s$seed/options.json'))['options']['steps'])")
  stages=stackgan-s$seed-stages   # one folder per seed: eval writes eval.json beside the checkpoint, so seeds can run at once
  mkdir -p "$stages"
  cp "study/stackgan-s$seed/checkpoints/step-$(printf %06d "$stage1").ckpt" "$stages/stage1-$stage1.ckpt"
  cp "study/stackgan-s$seed/checkpoints/step-$(printf %06d "$steps").ckpt" "$stages/stage2-$steps.ckpt"
  ev "stackgan-s$seed-stage1" "$stages/stage1-$stage1.ckpt" caption-consistency,r-precision
  ev "stackgan-s$seed-stage2" "$stages/stage2-$steps.ckpt" caption-consistency,r-precision
fi

cat > "table-captions.txt.$seed" <<'CAPTIONS'
a large red circle in the center on a white background
a small blue square at the top left on a black background
a big green star at the bottom right . the background is gray
a large orange circle in the center on a white background
a large cyan square at the left on a brown background
a big blue star in the middle on a gray background
CAPTIONS
mv "table-captions.txt.$seed" table-captions.txt   # atomic: another seed may be reading it
for v in gan gan-cls gan-int-cls; do
  has "$v" && $gs text2img --checkpoint "study/$v-s$seed" --captions table-captions.txt --count 8 --out "grids/$v-s$seed.png"
done
if has gan-int-cls; then
  $gs text2img --checkpoint "study/gan-int-cls-s$seed" --interpolate "a large red circle in the center on a white background" \
    "a large blue square in the center on a black background" --count 8 --out "grids/gan-int-cls-s$seed-walk.png"
fi
if has stackgan; then
  $gs text2img --checkpoint "study/stackgan-s$seed" --captions table-captions.txt --count 4 --stages --out "grids/stackgan-s$seed-stages.png"
fi
