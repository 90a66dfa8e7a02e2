#!/usr/bin/env bash
# A current PyTorch on Debian 12 for the side-by-side comparison (issue 18): Debian 12 ships no python3-torch, and
# pip wheels may not be reachable, so build a Debian trixie (13) chroot with its python3-torch (2.6) and OpenBLAS (without
# libopenblas0-pthread, Debian's torch falls back to the single-threaded reference BLAS, which pytorch_bench.py warns about), and
# run bench/pytorch_bench.py inside it, on this machine, in the same session as GanSharp.Bench.
#
# usage: sudo bench/pytorch-on-debian.sh [CHROOT_DIR] [-- pytorch_bench.py args...]
#   CHROOT_DIR  default /var/tmp/trixie-torch (about 1.5 GB; built once, reused)
#   e.g.        sudo bench/pytorch-on-debian.sh /var/tmp/trixie-torch -- --out bench/pytorch-results.json
# then:         dotnet run --project bench/GanSharp.Bench -c Release -- --compare-pytorch bench/pytorch-results.json
# Needs root (debootstrap, chroot) and the Debian archive through apt's usual configuration.
set -euo pipefail
root=/var/tmp/trixie-torch
if [ $# -gt 0 ] && [ "$1" != "--" ]; then root=$1; shift; fi
[ "${1:-}" = "--" ] && shift
here=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "error: run as root (debootstrap and chroot need it)"; exit 2; }
command -v debootstrap >/dev/null || apt-get install -y debootstrap
if [ ! -x "$root/usr/bin/python3" ] || ! chroot "$root" python3 -c "import torch" 2>/dev/null; then
  echo "building a trixie chroot with python3-torch in $root (one-time, a few minutes)"
  debootstrap --variant=minbase --include=python3-torch,python3-numpy,libopenblas0-pthread trixie "$root"
fi
[ -e "$root/usr/lib/x86_64-linux-gnu/openblas-pthread" ] || chroot "$root" apt-get install -y libopenblas0-pthread
mkdir -p "$root/proc" "$root/sys" "$root/bench"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/sys" || mount --rbind /sys "$root/sys"
trap 'umount -R "$root/sys" 2>/dev/null || true; umount "$root/proc" 2>/dev/null || true' EXIT
cp "$here/bench/pytorch_bench.py" "$root/bench/"
echo "PyTorch $(chroot "$root" python3 -c 'import torch; print(torch.__version__, torch.backends.openmp.is_available())')"
out=bench/pytorch-results.json
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = "--out" ] && out=${args[$((i + 1))]}; done
chroot "$root" sh -c "cd / && python3 bench/pytorch_bench.py $(printf '%q ' "${args[@]}") --out /bench/results.json"
case "$out" in /*) dest=$out ;; *) dest=$here/$out ;; esac
mkdir -p "$(dirname "$dest")"
cp "$root/bench/results.json" "$dest"
echo "results: $dest"
