#!/usr/bin/env python3
"""Summarises bench/own-images.sh runs as the markdown tables of docs/own-images.md.

usage: bench/own_images_table.py RUNS_DIR NAME [CONFIGS...]
Per configuration: wall time (from RUNS_DIR/NAME-CFG.log), mean D(x) and D(G(z)) over the last 10 % of logged steps,
KID (x 10^3 for random-cnn) and FID from each eval-FEATURE.json, and ADA's p every quarter of the run.
"""
import glob
import json
import os
import re
import sys


def main():
    runs, name = sys.argv[1], sys.argv[2]
    configs = sys.argv[3:] or ["none", "mirror", "diffaugment", "ada"]
    feats = sorted({os.path.basename(p)[5:-5] for c in configs for p in glob.glob(f"{runs}/{name}-{c}/eval-*.json")})
    head = ["config", "wall s", "steps", "D(x), D(G(z)) last 10 %"]
    for f in feats:
        scale = " ×10³" if f == "random-cnn" else ""
        head += [f"KID{scale} ({f})", f"FID ({f})"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    p_rows = []
    for c in configs:
        d = f"{runs}/{name}-{c}"
        rows = [json.loads(l) for l in open(f"{d}/metrics.jsonl") if l.strip()]
        rows = [r for r in rows if "d_real" in r]
        last = rows[-max(1, len(rows) // 10):]
        dx = sum(r["d_real"] for r in last) / len(last)
        dg = sum(r["d_fake"] for r in last) / len(last)
        wall = "?"
        log = f"{runs}/{name}-{c}.log"
        if os.path.exists(log):
            m = re.findall(r"([0-9.]+) s wall", open(log, errors="replace").read())
            if m:
                wall = f"{float(m[-1]):.0f}"
        cells = [c, wall, str(rows[-1]["step"]), f"{dx:.2f}, {dg:.2f}"]
        for f in feats:
            p = f"{d}/eval-{f}.json"
            if not os.path.exists(p):
                cells += ["—", "—"]
                continue
            m = json.load(open(p))["metrics"]
            k, ks = m["kid"]["kid"], m["kid"]["kid_std"]
            if f == "random-cnn":
                cells += [f"{k * 1000:.3f} ± {ks * 1000:.3f}", f"{m['fid']['fid']:.3f}"]
            else:
                cells += [f"{k:.2f} ± {ks:.2f}", f"{m['fid']['fid']:.1f}"]
        print("| " + " | ".join(cells) + " |")
        if "ada_p" in rows[-1]:
            steps = rows[-1]["step"]
            marks = [steps * q // 8 for q in range(1, 9)]
            near = [min(rows, key=lambda r: abs(r["step"] - s)) for s in marks]
            p_rows.append((c, [(r["step"], r["ada_p"]) for r in near]))
    for c, ps in p_rows:
        print()
        print(f"ADA p over time ({c}): " + ", ".join(f"{s}: {p:.3f}" for s, p in ps))


if __name__ == "__main__":
    main()
