#!/usr/bin/env bash
# Soak benchmark (issue 20, docs/reliability.md): RSS and step time every 500 steps of long runs through the whole
# engine and run directory; prints the RSS drift per 10k steps after warm-up (target < 5 MiB).
# Usage: bench/soak.sh [MLP_STEPS] [DCGAN_STEPS] [PIX2PIX_STEPS] [THREADS]   (defaults 20000 2000 2000 1)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mlp=${1:-20000}; dcgan=${2:-2000}; pix=${3:-2000}; threads=${4:-1}
dotnet build "$here/GanSharp.Bench" -c Release 2>&1 | grep -E "error|Warn|Elapsed" || true
bench="dotnet $here/GanSharp.Bench/bin/Release/net10.0/GanSharp.Bench.dll"
for w in "mlp2d $mlp" "dcgan28 $dcgan" "pix2pix $pix"; do
  set -- $w
  [ "$2" -gt 0 ] || continue
  $bench soak --workload "$1" --steps "$2" --threads "$threads" --out "$here/results/soak-$1.json"
done
