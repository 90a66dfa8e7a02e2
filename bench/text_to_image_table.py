#!/usr/bin/env python3
"""The comparison tables of docs/text-to-image.md from the eval JSONs of bench/text-to-image.sh (one per model and
seed): per-attribute accuracy on seen and held-out combinations, all-match share, R-precision and classifier-FID,
as the mean over the seeds found, with the sample standard deviation when there are several, and the per-seed values.

usage: bench/text_to_image_table.py EVALS_DIR   (files NAME-sSEED.json and stackgan-sSEED-stage1|2.json)
"""
import json
import re
import statistics
import sys
from pathlib import Path

MODELS = [("gan", "GAN"), ("gan-cls", "GAN-CLS"), ("gan-int-cls", "GAN-INT-CLS"),
          ("stackgan-stage1", "StackGAN Stage-I (16 px, upsampled)"), ("stackgan-stage2", "StackGAN Stage-II (64 px)")]
ATTRS = ["count", "background", "shape", "colour", "size", "position", "all"]


def load(folder):
    runs = {}
    for path in sorted(Path(folder).glob("*.json")):
        m = re.fullmatch(r"(gan|gan-cls|gan-int-cls)-s(\d+)", path.stem) or \
            re.fullmatch(r"(stackgan)-s(\d+)-(stage[12])", path.stem)
        if not m:
            continue
        key = m.group(1) if m.group(1) != "stackgan" else f"stackgan-{m.group(3)}"
        doc = json.loads(path.read_text())
        values = dict(doc["metrics"]["caption-consistency"])
        values.update(doc["metrics"]["r-precision"])
        values["_step"] = doc["step"]
        runs.setdefault(key, {})[int(m.group(2))] = values
    return runs


def cell(xs, digits=3):
    if len(xs) == 1:
        return f"{xs[0]:.{digits}f}"
    return f"{statistics.mean(xs):.{digits}f} ± {statistics.stdev(xs):.{digits}f}"


def main():
    runs = load(sys.argv[1])
    any_run = next(iter(next(iter(runs.values())).values()))
    for split, title in [("seen", "seen combinations"), ("heldout", "held-out combinations")]:
        print(f"\n{title} (mean ± sd over seeds)\n")
        print("| model | seeds | " + " | ".join(ATTRS) + " |")
        print("|---|---|" + "---|" * len(ATTRS))
        for key, name in MODELS:
            if key not in runs:
                continue
            seeds = sorted(runs[key])
            print(f"| {name} | {','.join(map(str, seeds))} | " +
                  " | ".join(cell([runs[key][s][f"{split}_{a}"] for s in seeds]) for a in ATTRS) + " |")
        print("| real images (ceiling) | | " + " | ".join(f"{any_run[f'real_{split}_{a}']:.3f}" for a in ATTRS) + " |")
    print("\nsummary (mean ± sd; per seed in brackets)\n")
    print("| model | all-match seen | all-match held-out | R-precision | classifier-FID |")
    print("|---|---|---|---|---|")
    for key, name in MODELS:
        if key not in runs:
            continue
        seeds = sorted(runs[key])
        row = []
        for k, digits in [("seen_all", 3), ("heldout_all", 3), ("r_precision", 3), ("fid_attr", 0)]:
            xs = [runs[key][s][k] for s in seeds]
            per = ", ".join(f"{x:.{digits}f}" for x in xs)
            row.append(cell(xs, digits) + (f" [{per}]" if len(xs) > 1 else ""))
        print(f"| {name} | " + " | ".join(row) + " |")
    print(f"| real images | {any_run['real_seen_all']:.3f} | {any_run['real_heldout_all']:.3f} | "
          f"{any_run['real_r_precision']:.3f} | |")


if __name__ == "__main__":
    main()
