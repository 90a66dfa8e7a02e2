#!/usr/bin/env python3
"""PyTorch side of the GanSharp benchmark (docs/performance.md).

Runs the bench's workloads with PyTorch (>= 1.13, CPU) on the same networks, batch sizes, threads, optimizer
settings and warm-up/rounds/iterations plan as bench/GanSharp.Bench (the bare-loop variant: the loop the
pytorch/examples DCGAN uses), records the outside CPU load per round the same way, and writes the bench's own
JSON format (schema gansharp-bench/1; median_ms_engine is PyTorch's median), for

    dotnet run -c Release --project bench/GanSharp.Bench -- --compare-pytorch FILE

Usage: python3 bench/pytorch_bench.py [--quick] [--out bench/pytorch-results.json] [--workloads LIST|all]
                                      [--rounds N] [--max-wait SECONDS]
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time

try:
    import torch
    from torch import nn
    import torch.nn.functional as F
except ImportError:
    sys.exit("error: PyTorch is not installed for " + sys.executable + " (pytorch_bench.py needs torch >= 1.13)")

ALL = ["mlp2d", "dcgan28", "dcgan64", "sample64", "gemm", "batch-scaling"]
DEFAULT = ["mlp2d", "dcgan28", "dcgan64", "sample64", "gemm"]

# (warm-up iterations, rounds, iterations per round), full and --quick: keep in sync with Workloads.PlanFor.
PLANS = {
    "mlp2d": ((50, 5, 200), (10, 2, 20)),
    "dcgan28": ((5, 5, 10), (2, 2, 2)),
    "dcgan64": ((2, 3, 3), (1, 1, 1)),
    "sample64": ((5, 5, 10), (2, 2, 2)),
    "gemm": ((2, 5, 5), (1, 1, 2)),
    "batch-scaling": ((2, 3, 4), (1, 1, 1)),
}
SCALING_BATCHES = [16, 32, 64, 128, 256]  # Workloads.ScalingBatches
GEMM_N = 2048
QUIET_CORES = 0.2
TICKS_PER_SECOND = 100.0  # USER_HZ of /proc counters

MLP2D_TEXT = "MLP GAN on 2-D points: G 64→128→128→2 ReLU, D 2→128→128→1 LeakyReLU(0.2)"
DCGAN28_TEXT = "DCGAN for 1×28×28 (GanModels dcgan28, z 100, width 64)"
DCGAN64_TEXT = "pytorch/examples DCGAN, 3×64×64 (GanModels dcgan64, nz 100, ngf = ndf = 64)"


# ---- CPU load, as bench/GanSharp.Bench/CpuLoad.cs measures it ----

def _proc_stat():
    """(total, idle) jiffies of all CPUs: user .. steal, and idle + iowait."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    fields += [0] * (8 - len(fields))
    return sum(fields[:8]), fields[3] + fields[4]


def _self_ticks():
    """utime + stime of this process (all threads), in jiffies."""
    with open("/proc/self/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def _cpus():
    with open("/proc/stat") as f:
        return max(1, sum(1 for line in f if line.startswith("cpu") and len(line) > 3 and line[3].isdigit()))


CPUS = _cpus()


def snapshot():
    total, idle = _proc_stat()
    return total, idle, _self_ticks()


def outside_cores(a, b):
    """Other processes' CPU use between two snapshots, in cores."""
    total = b[0] - a[0]
    if total <= 0:
        return 0.0
    busy = (b[0] - b[1]) - (a[0] - a[1])
    return min(max((busy - (b[2] - a[2])) / (total / CPUS), 0.0), float(CPUS))


def self_cores(a, b):
    total = b[0] - a[0]
    return 0.0 if total <= 0 else (b[2] - a[2]) / (total / CPUS)


def wait_for_quiet(max_wait):
    """Samples the outside load over 1 s windows until it is under 0.2 cores or max_wait seconds have passed."""
    start = time.monotonic()
    while True:
        a = snapshot()
        time.sleep(1.0)
        load = outside_cores(a, snapshot())
        waited = time.monotonic() - start
        if load < QUIET_CORES or waited >= max_wait:
            return load < QUIET_CORES, waited, load


# ---- the networks, as src/GanSharp/Models builds them ----

class Discriminator(nn.Module):
    """GanSharp's Discriminator: body (inputs → features) → linear head, one logit per example (N)."""

    def __init__(self, body, head):
        super().__init__()
        self.body = body
        self.head = head

    def forward(self, x):
        return self.head(self.body(x)).flatten(0)


def dcgan_init(module):
    """Init.Dcgan: conv and linear weights ~ N(0, 0.02), BatchNorm weights ~ N(1, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


def dcgan28(z=100, c=1, w=64):
    """DcGan.Generator28 / Discriminator28."""
    w2 = 2 * w
    g = nn.Sequential(
        nn.Linear(z, w2 * 7 * 7, bias=False), nn.BatchNorm1d(w2 * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (w2, 7, 7)),
        nn.ConvTranspose2d(w2, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),   # w × 14 × 14
        nn.ConvTranspose2d(w, c, 4, 2, 1), nn.Tanh())                                   # c × 28 × 28 (with bias)
    g = dcgan_init(g)
    body = nn.Sequential(
        nn.Conv2d(c, w, 4, 2, 1), nn.LeakyReLU(0.2),                                   # w × 14 × 14 (with bias)
        nn.Conv2d(w, w2, 4, 2, 1, bias=False), nn.BatchNorm2d(w2), nn.LeakyReLU(0.2),  # 2w × 7 × 7
        nn.Flatten())
    d = dcgan_init(Discriminator(body, nn.Linear(w2 * 7 * 7, 1)))                      # head with bias
    return g, d


def dcgan64(z=100, c=3, w=64):
    """DcGan.Generator(64) / Discriminator(64): the pytorch/examples DCGAN (D's last 4×4 conv as a linear head)."""
    layers = [nn.Unflatten(1, (z, 1, 1)), nn.ConvTranspose2d(z, 8 * w, 4, 1, 0, bias=False), nn.BatchNorm2d(8 * w), nn.ReLU()]
    ch = 8 * w
    for _ in range(3):                                                                  # 8×8, 16×16, 32×32
        layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU()]
        ch //= 2
    layers += [nn.ConvTranspose2d(ch, c, 4, 2, 1, bias=False), nn.Tanh()]               # c × 64 × 64
    g = dcgan_init(nn.Sequential(*layers))
    layers = [nn.Conv2d(c, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2)]                 # w × 32 × 32
    ch = w
    for _ in range(3):                                                                  # 16×16, 8×8, 4×4
        layers += [nn.Conv2d(ch, 2 * ch, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * ch), nn.LeakyReLU(0.2)]
        ch *= 2
    layers.append(nn.Flatten())
    d = dcgan_init(Discriminator(nn.Sequential(*layers), nn.Linear(ch * 4 * 4, 1, bias=False)))
    return g, d


def mlp2d(z=64, hidden=128):
    """Mlp.Generator / Discriminator for 2-D points (default PyTorch init, as GanSharp's MLPs)."""
    g = nn.Sequential(nn.Linear(z, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2))
    body = nn.Sequential(nn.Flatten(), nn.Linear(2, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden), nn.LeakyReLU(0.2))
    return g, Discriminator(body, nn.Linear(hidden, 1))


# ---- workloads: (networks, z, batch, data) as Workloads.Mlp2d / Dcgan / DataFor ----

def images(n, c, size):
    """N uint8 noise images as float32 in [-1, 1], preloaded (as the bare loop holds its data)."""
    g = torch.Generator().manual_seed(12345)
    return torch.randint(0, 256, (n, c, size, size), generator=g).to(torch.uint8).float().div_(127.5).sub_(1.0)


def points(n):
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(12345))


def setup(arch, batch):
    torch.manual_seed(1)  # GanModels.Build seeds with the options' seed (1) before building
    if arch == "mlp2d":
        g, d = mlp2d()
        return g, d, 64, points(batch * 40)
    if arch == "dcgan28":
        g, d = dcgan28()
        return g, d, 100, images(batch * 20, 1, 28)
    g, d = dcgan64()
    return g, d, 100, images(batch * 4, 3, 64)


class TrainStep:
    """One iteration of the bare loop (BareStep): D on a real and a fake batch (G under no_grad), then G
    (non-saturating BCE-with-logits on fresh noise); Adam lr 2e-4, betas (0.5, 0.999) for both (GanOptions
    defaults; mlp2d sets no other lr)."""

    def __init__(self, arch, batch):
        self.g, self.d, self.z, self.real = setup(arch, batch)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.ones = torch.ones(batch)
        self.zeros = torch.zeros(batch)
        self.batch = batch

    def __call__(self):
        g, d, bce = self.g, self.d, F.binary_cross_entropy_with_logits
        g.train()
        d.train()
        real = self.real.index_select(0, torch.randint(0, self.real.shape[0], (self.batch,)))

        self.opt_d.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = g(torch.randn(self.batch, self.z))
        loss_d = bce(d(real), self.ones) + bce(d(fake), self.zeros)
        loss_d.backward()
        self.opt_d.step()

        self.opt_g.zero_grad(set_to_none=True)
        loss_g = bce(d(g(torch.randn(self.batch, self.z))), self.ones)
        loss_g.backward()
        self.opt_g.step()

        return loss_d.item() + loss_g.item()  # a real loop logs its losses


class Sample:
    """dcgan64 G inference, batch 64: eval mode, inference_mode (BareSample)."""

    def __init__(self):
        self.g, _, z, _ = setup("dcgan64", 64)
        self.g.eval()
        self.noise = torch.randn(64, z)

    def __call__(self):
        with torch.inference_mode():
            self.g(self.noise)


class Gemm:
    """C = A·B of two 2048×2048 fp32 matrices into a preallocated C (the bench's Gemm)."""

    def __init__(self):
        gen = torch.Generator().manual_seed(12345)
        self.a = torch.randn(GEMM_N, GEMM_N, generator=gen)
        self.b = torch.randn(GEMM_N, GEMM_N, generator=gen)
        self.c = torch.zeros(GEMM_N, GEMM_N)

    def __call__(self):
        self.c.addmm_(self.a, self.b, beta=0, alpha=1)


# ---- measuring ----

def r(v, digits=3):
    return round(v, digits)


def measure(id_, workload, description, threads, batch, unit, plan, it, max_wait, log):
    """Waits for a quiet machine, warms up, times plan rounds × iterations; one results entry."""
    torch.set_num_threads(threads)
    actual = torch.get_num_threads()
    print(f"[{id_}] threads {actual}: waiting for a quiet machine ... ", end="", file=log, flush=True)
    quiet, waited, load = wait_for_quiet(max_wait)
    print(f"quiet after {waited:.0f} s (outside {load:.2f} cores)" if quiet
          else f"NOT quiet after {waited:.0f} s (outside {load:.2f} cores); measuring anyway", file=log)
    warmup, rounds, iterations = plan
    for _ in range(warmup):
        it()
    per_round = []
    for k in range(rounds):
        s0 = snapshot()
        ms = []
        for _ in range(iterations):
            t0 = time.perf_counter()
            it()
            ms.append((time.perf_counter() - t0) * 1000)
        s1 = snapshot()
        per_round.append({
            "engine_ms": [r(x) for x in ms],
            "median_ms_engine": r(statistics.median(ms)),
            "outside_load_cores_engine": r(outside_cores(s0, s1), 2),
            "own_cores_engine": r(self_cores(s0, s1), 2),
        })
        print(f"[{id_}] round {k + 1}/{rounds}: pytorch {statistics.median(ms):.3f} ms, "
              f"outside load {per_round[-1]['outside_load_cores_engine']:.2f} cores", file=log)
    median = statistics.median([x for p in per_round for x in p["engine_ms"]])
    outside = [p["outside_load_cores_engine"] for p in per_round]
    entry = {
        "id": id_, "workload": workload, "description": description, "threads": actual, "batch": batch, "unit": unit,
        "contenders": ["engine"],
        "warmup_iterations": warmup, "rounds": rounds, "iterations_per_round": iterations, "iterations": rounds * iterations,
        "median_ms_engine": r(median),
    }
    if unit == "ms/batch":
        entry["images_per_second_engine"] = r(batch * 1000 / median, 1)
    if workload == "batch-scaling":
        entry["ms_per_sample_engine"] = r(median / batch, 4)
    if workload == "gemm":
        entry["gflop_per_iteration"] = r(2.0 * GEMM_N ** 3 / 1e9, 4)
        entry["gflops_engine"] = r(2.0 * GEMM_N ** 3 / 1e9 * 1000 / median, 1)
    entry.update({
        "quiet_before": quiet, "quiet_wait_seconds": r(waited, 1),
        "outside_load_cores_max": r(max(outside), 2), "outside_load_cores_mean": r(sum(outside) / len(outside), 2),
        "disturbed": (not quiet) or max(outside) >= QUIET_CORES,
        "per_round": per_round,
    })
    return entry


def run(workload, quick, rounds, max_wait, log):
    def plan(name):
        p = PLANS[name][1 if quick else 0]
        return (p[0], rounds, p[2]) if rounds else p

    if workload == "mlp2d":
        return [measure(f"mlp2d/{t}t", "mlp2d", MLP2D_TEXT, t, 256, "ms/iteration", plan("mlp2d"), TrainStep("mlp2d", 256), max_wait, log)
                for t in (1, 2)]
    if workload in ("dcgan28", "dcgan64"):
        text = DCGAN28_TEXT if workload == "dcgan28" else DCGAN64_TEXT
        return [measure(workload, workload, text, 2, 64, "ms/iteration", plan(workload), TrainStep(workload, 64), max_wait, log)]
    if workload == "sample64":
        return [measure("sample64", "sample64", "dcgan64 G inference, eval mode + inference_mode, batch 64", 2, 64, "ms/batch",
                        plan("sample64"), Sample(), max_wait, log)]
    if workload == "gemm":
        return [measure(f"gemm/{t}t", "gemm", f"fp32 GEMM C = A·B of {GEMM_N}×{GEMM_N} matrices (addmm_ with beta 0 into a preallocated C)",
                        t, GEMM_N, "ms/mm", plan("gemm"), Gemm(), max_wait, log) for t in (2, 1)]
    return [measure(f"batch-scaling/{b}", "batch-scaling", f"{DCGAN28_TEXT}, batch {b}", 2, b, "ms/iteration",
                    plan("batch-scaling"), TrainStep("dcgan28", b), max_wait, log) for b in SCALING_BATCHES]


def machine():
    model, flags = "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model == "unknown":
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    mem_mib = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_mib = round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    os_name = platform.platform()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {
        "cpu_model": model,
        "logical_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "proc_stat_cpus": CPUS,
        "avx2": "avx2" in flags,
        "avx512f": "avx512f" in flags,
        "avx512_flags": sorted(f for f in flags if f.startswith("avx512")),
        "memory_mib": mem_mib,
        "os": os_name,
    }


def blas_libraries():
    """The BLAS/LAPACK libraries this process has mapped (real paths): which BLAS PyTorch's matrix products use."""
    found = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if path.startswith("/") and any(k in os.path.basename(path).lower() for k in ("blas", "mkl", "blis", "lapack")):
                    found.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(found)


def warnings_about(libs):
    """Setups whose numbers do not represent PyTorch: a reference (netlib) BLAS behind linear layers and GEMMs."""
    fast = ("mkl", "openblas", "blis")
    if "MKL not found" in torch.__config__.parallel_info() and not any(k in p.lower() for p in libs for k in fast):
        return ["PyTorch's matrix products use a reference BLAS (" + (", ".join(libs) or "BLAS_INFO=generic") +
                "), single-threaded and many times slower than MKL or OpenBLAS: linear layers and the gemm workload "
                "understate PyTorch. On Debian install libopenblas0-pthread (it becomes libblas.so.3) or use a "
                "PyTorch build with MKL, then measure again."]
    return []


def main():
    p = argparse.ArgumentParser(description="PyTorch numbers for GanSharp.Bench --compare-pytorch (docs/performance.md)")
    p.add_argument("--quick", action="store_true", help="few iterations, a smoke test (its numbers mean little)")
    p.add_argument("--out", default="bench/pytorch-results.json", help="JSON results (default %(default)s), written after every workload")
    p.add_argument("--workloads", default=",".join(DEFAULT),
                   help="comma-separated, or 'all': " + ",".join(ALL) + " (default %(default)s)")
    p.add_argument("--rounds", type=int, help="rounds per workload (default per workload)")
    p.add_argument("--max-wait", type=float, help="seconds to wait for a quiet machine before each workload (default 60; quick 3)")
    a = p.parse_args()
    workloads = ALL if a.workloads == "all" else [w.strip() for w in a.workloads.split(",") if w.strip()]
    for w in workloads:
        if w not in ALL:
            p.error(f"unknown workload '{w}': use all or {','.join(ALL)}")
    if not workloads:
        p.error("--workloads is empty")
    if a.rounds is not None and a.rounds <= 0:
        p.error("--rounds must be a positive integer")
    max_wait = a.max_wait if a.max_wait is not None else (3.0 if a.quick else 60.0)
    workloads = sorted(dict.fromkeys(workloads), key=lambda w: 0 if w == "gemm" else 1)  # as the bench: gemm first

    log = sys.stdout
    started = datetime.datetime.now(datetime.timezone.utc)
    info = machine()
    libs = blas_libraries()
    versions = {
        "pytorch": torch.__version__,
        "python": platform.python_version(),
        "blas_libraries": libs,
        "pytorch_parallel_info": torch.__config__.parallel_info(),
        "pytorch_config": torch.__config__.show(),
    }
    warnings = warnings_about(libs)
    print(f"pytorch_bench: {info['cpu_model']}, {CPUS} CPUs; PyTorch {torch.__version__}; "
          f"workloads {','.join(workloads)}{' (quick)' if a.quick else ''}", file=log)
    for w in warnings:
        print("warning: " + w, file=log)
    results = []

    def write():
        doc = {
            "schema": "gansharp-bench/1",
            "date_utc": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": "python3 bench/pytorch_bench.py" + "".join(" " + x for x in sys.argv[1:]),
            "quick": a.quick,
            "max_wait_seconds": max_wait,
            "quiet_threshold_cores": QUIET_CORES,
            "machine": info,
            "versions": versions,
            "warnings": warnings,
            "notes": "PyTorch's own numbers in the bench's format: the 'engine' contender is the PyTorch loop "
                     "(median_ms_engine = PyTorch's median ms). outside load as in GanSharp.Bench.",
            "workloads": results,
            "memory": None,
        }
        out = os.path.abspath(a.out)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out + ".tmp", "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.replace(out + ".tmp", out)

    for w in workloads:
        results.extend(run(w, a.quick, a.rounds, max_wait, log))
        write()

    print(file=log)
    print(f"{'workload':<20}{'thr':>4}{'batch':>6}{'iters':>7}{'PyTorch ms':>12}{'outside':>9}", file=log)
    for e in results:
        note = " DISTURBED" if e["disturbed"] else ""
        print(f"{e['id']:<20}{e['threads']:>4}{e['batch']:>6}{str(e['rounds']) + 'x' + str(e['iterations_per_round']):>7}"
              f"{e['median_ms_engine']:>12.2f}{e['outside_load_cores_max']:>9.2f}{note}", file=log)
    for w in warnings:
        print("warning: " + w, file=log)
    print(f"results: {os.path.abspath(a.out)}", file=log)


if __name__ == "__main__":
    main()
