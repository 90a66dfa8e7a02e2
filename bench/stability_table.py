#!/usr/bin/env python3
"""Mean ± sample std (n - 1) over seeds of the mode metrics of a stability study's runs (docs/stability.md).

Usage: bench/stability_table.py OUT_DIR 2d|stacked
Run folders are <data>-<config>-s<seed> (2-D) or stacked-<config>-s<seed>, each with checkpoints/eval.json.
"""
import json, os, statistics as st, sys

out, kind = sys.argv[1], sys.argv[2]
rows = {}
for d in sorted(os.listdir(out)):
    f = os.path.join(out, d, "checkpoints", "eval.json")
    if not os.path.exists(f):
        continue
    data, rest = d.split("-", 1)
    name, seed = rest.rsplit("-s", 1)
    m = json.load(open(f))["metrics"]["modes"]
    rows.setdefault((data, name), []).append((int(seed), m))


def ms(xs, digits=2):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    return f"{st.mean(xs):.{digits}f} ± {st.stdev(xs):.{digits}f}" if len(xs) > 1 else f"{xs[0]:.{digits}f}"


if kind == "2d":
    print("| data | configuration | seeds | modes | all modes found (seeds) | high-quality % | reverse KL |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (data, name), v in sorted(rows.items()):
        ms_ = [m for _, m in sorted(v)]
        seeds = ",".join(str(s) for s, _ in sorted(v))
        total = ms_[0]["total_modes"]
        full = sum(1 for m in ms_ if m["modes"] == total)
        print(f"| {data} | {name} | {len(v)} ({seeds}) | {ms([m['modes'] for m in ms_], 1)} / {total} | {full}/{len(v)} | "
              f"{ms([m['hq_percent'] for m in ms_], 1)} | {ms([m['reverse_kl'] for m in ms_], 3)} |")
else:
    print("| configuration | seeds | modes (of 1,000) | KL to uniform | per seed (modes / KL) |")
    print("|---|---:|---:|---:|---|")
    for (_, name), v in sorted(rows.items()):
        ms_ = sorted(v)
        per = ", ".join(f"s{s}: {m['modes']} / {m['kl']:.2f}" for s, m in ms_)
        print(f"| {name} | {len(v)} | {ms([m['modes'] for _, m in ms_], 1)} | {ms([m['kl'] for _, m in ms_], 2)} | {per} |")
