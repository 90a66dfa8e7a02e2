#!/usr/bin/env python3
"""CPU seconds per training step of one `gansharp train` run (docs/progressive.md, "Cost of a step").

Reads the training process's own CPU time (utime + stime from /proc/PID/stat) each time a logged step appears in
its metrics.jsonl, so start-up and the load of other processes do not count (wall seconds on a shared machine do).
Linux only. Usage (extra arguments go to `gansharp train`; data, threads, seed, batch and logging are set here):

    bench/cpu_per_step.py NAME MODEL [TRAIN ARGS...]
    bench/cpu_per_step.py prog progressive --fmap-max 16 --lr-g 1e-2 --lr-d 1e-2 --images-per-phase 480 --steps 220
    bench/cpu_per_step.py direct progressive --fmap-max 16 --lr-g 1e-2 --lr-d 1e-2 --grow false --steps 50

GANSHARP (default: the Release CLI of this checkout) and OUT (default /tmp/cpu-per-step) may be set.
"""
import json, os, subprocess, sys, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
gansharp = os.environ.get("GANSHARP", f"dotnet {root}/src/GanSharp.Cli/bin/Release/net10.0/GanSharp.Cli.dll").split()
out = os.environ.get("OUT", "/tmp/cpu-per-step")
tick = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


if len(sys.argv) < 3:
    sys.exit(__doc__)
name, args = sys.argv[1], sys.argv[2:]
cmd = gansharp + ["train"] + args + ["--data", "fashion-mnist", "--threads", "1", "--seed", "1", "--batch", "16",
                                     "--log-every", "10", "--sample-every", "100000", "--checkpoint-every", "100000",
                                     "--out", out, "--name", name]
proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
metrics, seen, marks = f"{out}/{name}/metrics.jsonl", 0, []
while proc.poll() is None:
    try:
        lines = open(metrics).read().splitlines()
    except FileNotFoundError:
        lines = []
    if len(lines) > seen:
        now = cpu_seconds(proc.pid)
        for line in lines[seen:]:
            try:
                j = json.loads(line)
            except json.JSONDecodeError:
                break            # a line still being written: read it next time
            marks.append((j["step"], j.get("resolution"), j.get("alpha"), now, j.get("seconds")))
            seen += 1
    time.sleep(0.05)
if proc.returncode != 0:
    sys.exit(f"{' '.join(cmd)} exited with {proc.returncode}")
for prev, m in zip(marks, marks[1:]):
    if m[0] > prev[0]:
        n = m[0] - prev[0]
        print(f"{name} steps {prev[0]}-{m[0]} resolution {m[1]} alpha {m[2]} cpu/step {(m[3] - prev[3]) / n:.3f} wall/step {(m[4] - prev[4]) / n:.3f}")
