#!/usr/bin/env bash
# Kill-anywhere harness (issue 20, docs/reliability.md): SIGKILLs `gansharp train` KILLS times across mlp, dcgan,
# cgan and pix2pix (random moments and injected crash points inside checkpoint, latest, sample, loss-curve, metrics,
# options and lock writes), resuming each time, and checks every run ends bit-identical to an uninterrupted one.
# Usage: bench/kill-anywhere.sh [KILLS] [SEED] [FAMILIES]   (defaults 60 20 mlp,dcgan,cgan,pix2pix)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export GANSHARP_KILLS=${1:-60} GANSHARP_KILL_SEED=${2:-20}
[ -n "${3:-}" ] && export GANSHARP_KILL_FAMILIES=$3
report="${TMPDIR:-/tmp}/gansharp-kill-report.txt"
rm -f "$report"
dotnet test "$here/../tests/GanSharp.Tests" --filter "FullyQualifiedName~KillAnywhereTests" 2>&1 | grep -E "Passed!|Failed!|Error Message|InvalidOperation" || true
cat "$report" 2>/dev/null || { echo "no report: the harness failed before the end (see above)"; exit 1; }
