#!/usr/bin/env bash
# The BLAS study of docs/performance.md ("The BLAS switch"): MKL's Intel path, its generic path (what it gives AMD
# CPUs) and the Intel path capped at AVX2, each in its own process (MKL keeps the path of its first matrix
# product): every linear shape of the built-in presets (gansharp blas --time) at 1 and 2 threads, and the bench's
# gemm, mlp2d and dcgan28 workloads. Run it on a quiet machine.
# usage: bench/blas-study.sh OUTDIR
set -euo pipefail
out=${1:?usage: bench/blas-study.sh OUTDIR}
cd "$(dirname "$0")/.."
mkdir -p "$out"
dotnet build src/GanSharp.Cli -c Release -v q -nologo >/dev/null
dotnet build bench/GanSharp.Bench -c Release -v q -nologo >/dev/null
cli=src/GanSharp.Cli/bin/Release/net10.0/GanSharp.Cli.dll
bench=bench/GanSharp.Bench/bin/Release/net10.0/GanSharp.Bench.dll
# name, then the environment of that setting
settings=("stock GANSHARP_BLAS=stock" "generic GANSHARP_BLAS=mkl-generic" "intel GANSHARP_BLAS=mkl-intel" "avx2 GANSHARP_BLAS=stock MKL_ENABLE_INSTRUCTIONS=AVX2")
for t in 1 2; do
  for s in "${settings[@]}"; do
    read -r name env <<<"$s"
    env $env dotnet $cli blas --time --threads $t --iterations 40 --json "$out/shapes-$name-$t.json" > "$out/shapes-$name-$t.log"
  done
done
for s in "${settings[@]}"; do
  read -r name env <<<"$s"
  env $env dotnet $bench --workloads gemm,mlp2d,dcgan28 --max-wait 5 --out "$out/bench-$name.json" > "$out/bench-$name.log" 2>&1
done
echo "wrote $out"
