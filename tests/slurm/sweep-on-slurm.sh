#!/usr/bin/env bash
# Integration test of `gansharp sweep --backend slurm` on a single-node Slurm cluster that this script brings up
# on localhost (munge, slurmctld, slurmd, a generated slurm.conf with 2 CPUs, no systemd) and stops by PID at the
# end. It submits a 4-job sweep of tiny MLP runs, cancels the array while the first tasks run (SIGTERM: each job
# writes a checkpoint), re-submits (finished jobs skipped, interrupted ones resumed), waits, and checks the table.
#
#   tests/slurm/sweep-on-slurm.sh            # builds the CLI (Release) unless GANSHARP is set
#   GANSHARP="dotnet /path/GanSharp.Cli.dll" tests/slurm/sweep-on-slurm.sh
#
# Slurm comes from Debian's slurm-wlm (installed here with apt-get when missing and run as root). Exit code 77
# with a "skip:" line where Slurm is not installed and cannot be; 0 on success; 1 with "FAIL:" otherwise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
clock_start=$(date +%s)

if ! command -v slurmctld >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  [ "$(id -u)" = 0 ] || skip "Slurm (slurm-wlm, munge) is not installed and this is not root: apt-get install slurm-wlm munge"
  command -v apt-get >/dev/null || skip "Slurm is not installed and there is no apt-get"
  echo "installing slurm-wlm and munge with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/tmp/gansharp-slurm-apt.log 2>&1 \
    || skip "apt-get install slurm-wlm munge failed (see /tmp/gansharp-slurm-apt.log)"
fi
[ "$(id -u)" = 0 ] || skip "starting slurmd needs root here"
[ -r /etc/munge/munge.key ] || skip "/etc/munge/munge.key is missing (reinstall munge)"

work="$(mktemp -d /tmp/gansharp-slurm.XXXXXX)"
chmod 755 "$work"
mkdir -p "$work/state" "$work/spool" "$work/munge"
chown munge:munge "$work/munge"
port=$((20000 + $$ % 20000))
cleanup() {
  for f in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 1
  for f in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
    [ -s "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
  done
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

cat >"$work/slurm.conf" <<CONF
ClusterName=gansharp
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
JobCompType=jobcomp/none
KillWait=60
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"

runuser -u munge -- munged --socket="$work/munge/socket" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed" || fail "munged did not start"
slurmctld -i || fail "slurmctld did not start (log: $work/slurmctld.log)"
slurmd -N localhost || fail "slurmd did not start (log: $work/slurmd.log)"
for _ in $(seq 60); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo -h -o %t | grep -q idle || fail "the node did not come up idle: $(sinfo 2>&1)"
echo "cluster up on localhost:$port (slurm $(sinfo --version | cut -d' ' -f2))"

if [ -z "${GANSHARP:-}" ]; then
  dotnet build "$repo/src/GanSharp.Cli" -c Release -v q -nologo >/dev/null || fail "build failed"
  GANSHARP="dotnet $repo/src/GanSharp.Cli/bin/Release/net10.0/GanSharp.Cli.dll"
fi
read -r -a gs <<<"$GANSHARP"

# 2 configurations × 2 seeds of a tiny MLP on the ring; long enough (a few seconds each) to cancel mid-run.
cat >"$work/tiny.json" <<'JSON'
{ "name": "slurm-tiny",
  "base": { "model": "mlp", "arch": "mlp", "data": "ring", "z-dim": 4, "width-g": 32, "width-d": 32, "depth": 2,
            "batch": 64, "steps": 3000, "threads": 1, "log-every": 50, "sample-every": 100000,
            "checkpoint-every": 100, "sample-count": 100 },
  "configs": [ { "name": "vanilla" }, { "name": "minimax", "g-loss": "minimax" } ],
  "seeds": [1, 2], "metrics": "modes", "eval-samples": 500 }
JSON
runs="$work/runs"
sweepdir="$runs/slurm-tiny"
queue_empty() { [ -z "$(squeue -h --name "gansharp-slurm-tiny" 2>/dev/null)" ] && [ -z "$(squeue -h --name "gansharp-slurm-tiny-collect" 2>/dev/null)" ]; }
wait_queue() {
  for _ in $(seq "$1"); do queue_empty && return 0; sleep 2; done
  fail "the queue did not drain: $(squeue 2>&1)"
}

"${gs[@]}" sweep "$work/tiny.json" --out "$runs" --backend slurm --throttle 2 | tee "$work/submit1.txt"
grep -q "4 to submit" "$work/submit1.txt" || fail "first submission did not submit 4 jobs"
# Wait until the first two tasks have checkpoints, then cancel the array (SIGTERM: each running job checkpoints).
for _ in $(seq 120); do
  n=$(find "$sweepdir" -path '*/checkpoints/step-*.ckpt' 2>/dev/null | sed 's|/checkpoints/.*||' | sort -u | wc -l)
  [ "$n" -ge 2 ] && break; sleep 1
done
[ "${n:-0}" -ge 2 ] || fail "no task wrote a checkpoint: $(cat "$sweepdir"/slurm/*.out 2>/dev/null | tail -5)"
# A cancelled job gets SIGTERM (SIGKILL only after KillWait=60 s): the task stops after its step with a checkpoint.
scancel --name gansharp-slurm-tiny || fail "scancel failed"
scancel --name gansharp-slurm-tiny-collect || fail "scancel of the collecting job failed"
wait_queue 60
"${gs[@]}" sweep "$work/tiny.json" --out "$runs" --status | tee "$work/status1.txt"
grep -q "partial" "$work/status1.txt" || fail "no job was interrupted part-way (expected a partial job after scancel)"

"${gs[@]}" sweep "$work/tiny.json" --out "$runs" --backend slurm --throttle 2 | tee "$work/submit2.txt"
wait_queue 300
grep -h "resuming" "$sweepdir"/slurm/*.out >/dev/null || fail "no task resumed an interrupted job"
"${gs[@]}" sweep "$work/tiny.json" --out "$runs" --status | tee "$work/status2.txt"
grep -q "4/4 jobs finished" "$work/status2.txt" || fail "not every job finished"
[ -f "$sweepdir/results.md" ] || fail "no results.md"
rows=$(grep -cE '^\| (vanilla|minimax) ' "$sweepdir/results.md" || true)
[ "$rows" = 2 ] || fail "results.md has $rows configuration rows, expected 2"
"${gs[@]}" sweep "$work/tiny.json" --out "$runs" --backend slurm | tee "$work/submit3.txt"
grep -q "nothing to submit" "$work/submit3.txt" || fail "a finished sweep was submitted again"
echo "resumed: $(grep -l resuming "$sweepdir"/slurm/*.out | wc -l) task(s)"
cat "$sweepdir/results.md"
echo "PASS: slurm sweep in $(( $(date +%s) - clock_start )) s"
