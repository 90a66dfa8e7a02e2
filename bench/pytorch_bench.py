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

FAMILIES = ["srgan64", "pix2pix64", "gan-cls64", "progressive32"]  # FamilyWorkloads.All
ALL = ["mlp2d", "dcgan28", "dcgan64", "sample64", "gemm"] + FAMILIES + ["batch-scaling"]
DEFAULT = ["mlp2d", "dcgan28", "dcgan64", "sample64", "gemm"] + FAMILIES

# (warm-up iterations, rounds, iterations per round), full and --quick: keep in sync with Workloads.PlanFor.
PLANS = {
    "mlp2d": ((50, 5, 200), (10, 2, 20)),
    "dcgan28": ((5, 5, 10), (2, 2, 2)),
    "dcgan64": ((2, 3, 3), (1, 1, 1)),
    "sample64": ((5, 5, 10), (2, 2, 2)),
    "gemm": ((2, 5, 5), (1, 1, 2)),
    "batch-scaling": ((2, 3, 4), (1, 1, 1)),
    "srgan64": ((2, 3, 3), (1, 1, 1)),
    "pix2pix64": ((5, 5, 10), (1, 1, 1)),
    "gan-cls64": ((2, 3, 3), (1, 1, 1)),
    "progressive32": ((5, 5, 10), (1, 1, 1)),
}

# Trainable parameters (G, D) of each family workload's networks, as the engine builds them. The C# test
# FamilyBenchTests reads this table and checks it against GanSharp's networks; this script checks its own networks
# against it before measuring, so neither mirror can drift.
PARAM_COUNTS = {
    "srgan64": (956_163, 13_077_889),
    "pix2pix64": (29_244_035, 139_585),
    "gan-cls64": (4_641_792, 3_110_785),
    "progressive32": (325_836, 325_761),
}
SCALING_BATCHES = [16, 32, 64, 128, 256]  # Workloads.ScalingBatches
GEMM_N = 2048
QUIET_CORES = 0.2
TICKS_PER_SECOND = 100.0  # USER_HZ of /proc counters

FAMILY_TEXT = {  # FamilyWorkloads.Describe
    "srgan64": "SRGAN ×4: SRResNet B = 8 (64 ch) on 3×16×16 LR → 3×64×64, SRGAN D, content on photo-featnet + 1e-3 adversarial; Adam 1e-4 β (0.9, 0.999)",
    "pix2pix64": "pix2pix 3×64×64 → 3×64×64: U-Net (6 levels, w 64, dropout) + PatchGAN 16 (w 64) on (source, image), D loss halved, G cGAN + 100·L1",
    "gan-cls64": "GAN-CLS 3×64×64 (z 100, w 64, φ 128): D on {real, right}, {real, wrong}, {fake, right} in one batch, then G scored in the same company",
    "progressive32": "progressive growing at 32×32 fading in (16 → 32, α < 1): fmap 1024/64, z 64, WGAN-GP λ 10 + drift 1e-3, Adam 1e-3 β (0, 0.99), G EMA 0.999",
}
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
    return images_from(n, c, size, 12345)


def images_from(n, c, size, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, c, size, size), generator=g).to(torch.uint8).float().div_(127.5).sub_(1.0)


# ---- the families beyond DCGAN (bench/GanSharp.Bench/FamilyWorkloads.cs): networks as src/GanSharp/Families builds them ----

class ResidualBlock(nn.Module):
    """SrResNet.ResidualBlock: 3×3 conv–BN–PReLU–3×3 conv–BN, plus the input."""

    def __init__(self, c):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.PReLU(c),
                                 nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return self.net(x) + x


class SubPixelUpsample(nn.Module):
    """3×3 conv to 4c channels, pixel shuffle ×2, PReLU."""

    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, 4 * c, 3, padding=1)
        self.shuffle = nn.PixelShuffle(2)
        self.prelu = nn.PReLU(c)

    def forward(self, x):
        return self.prelu(self.shuffle(self.conv(x)))


class SrResNet(nn.Module):
    """SrResNet(blocks, 64, scale 4): 9×9 conv + PReLU, B residual blocks, conv–BN + long skip, ×2 sub-pixel stages, 9×9 conv (linear output)."""

    def __init__(self, blocks=8, c=64, scale=4, channels=3):
        super().__init__()
        self.head = nn.Sequential(nn.Conv2d(channels, c, 9, padding=4), nn.PReLU(c))
        self.body = nn.Sequential(*[ResidualBlock(c) for _ in range(blocks)])
        self.body_end = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        self.upsample = nn.Sequential(*[SubPixelUpsample(c) for _ in range(scale.bit_length() - 1)])
        self.tail = nn.Conv2d(c, channels, 9, padding=4)

    def forward(self, lr):
        h = self.head(lr)
        return self.tail(self.upsample(self.body_end(self.body(h)) + h))


def srgan_discriminator(size=64, channels=3, w=64):
    """SrganDiscriminator: eight 3×3 convs (w → 8w, strides 1, 2, ...; BN after the first), dense 1024, dense 1."""
    mult = [1, 1, 2, 2, 4, 4, 8, 8]
    layers, cin, h = [], channels, size
    for i in range(8):
        stride, cout = (1 if i % 2 == 0 else 2), w * mult[i]
        layers.append(nn.Conv2d(cin, cout, 3, stride, 1, bias=(i == 0)))
        if i > 0:
            layers.append(nn.BatchNorm2d(cout))
        layers.append(nn.LeakyReLU(0.2))
        cin = cout
        if stride == 2:
            h = (h + 1) // 2
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(cin * h * h, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 1))


class PhotoFeatureNet(nn.Module):
    """PhotoFeatureNet: conv 3→32, 32→32 s2, 32→64, maxpool, 64→128, maxpool, 128→128 (3×3, BN, ReLU); φ is the trunk's output."""

    def __init__(self):
        super().__init__()

        def block(cin, cout, stride=1):
            return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
        self.trunk = nn.Sequential(*block(3, 32), *block(32, 32, 2), *block(32, 64), nn.MaxPool2d(2),
                                   *block(64, 128), nn.MaxPool2d(2), *block(128, 128))
        self.head = nn.Linear(128, 4)

    def forward(self, x):
        return self.trunk(x)


class UNetGenerator(nn.Module):
    """UNetGenerator(size, in, out, w): log2(size) levels of 4×4 stride-2 convs down to 1×1 and transposed convs back up, skips by concatenation, dropout 0.5 (at train and test) after the first max(1, levels − 5) decoder layers."""

    def __init__(self, size=64, cin=3, cout=3, w=64, p=0.5):
        super().__init__()
        n = size.bit_length() - 1
        self.levels, self.p = n, p
        ch = [w * min(1 << i, 8) for i in range(n)]
        self.down = nn.ModuleList()
        for i in range(n):
            layers = ([nn.LeakyReLU(0.2)] if i > 0 else []) + [nn.Conv2d(cin if i == 0 else ch[i - 1], ch[i], 4, 2, 1, bias=False)]
            if 0 < i < n - 1:
                layers.append(nn.BatchNorm2d(ch[i]))
            self.down.append(nn.Sequential(*layers))
        self.up = nn.ModuleList()
        self.dropout = []
        dropout_layers = max(1, n - 5)
        for k in range(n):
            i = n - 1 - k
            c_in, c_out = (ch[i] if k == 0 else 2 * ch[i]), (cout if i == 0 else ch[i - 1])
            layers = [nn.ReLU(), nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=(i == 0))]
            if i > 0:
                layers.append(nn.BatchNorm2d(c_out))
            self.dropout.append(i > 0 and k < dropout_layers)
            if i == 0:
                layers.append(nn.Tanh())
            self.up.append(nn.Sequential(*layers))

    def forward(self, x):
        skips, h = [], x
        for d in self.down:
            h = d(h)
            skips.append(h)
        for k in range(self.levels):
            h = self.up[k](h if k == 0 else torch.cat([h, skips[self.levels - 1 - k]], 1))
            if self.dropout[k]:
                h = F.dropout(h, self.p, training=True)  # TestTimeDropout: on in training and at test
        return h


def patch_gan(cin=6, w=64, layers=1):
    """PatchGan(cin, w, layers): 4×4 conv stride 2 (bias, LeakyReLU), then `layers` convs (stride 2 but the last, BN, LeakyReLU), then a 4×4 conv to 1 channel."""
    mods, c = [nn.Conv2d(cin, w, 4, 2, 1), nn.LeakyReLU(0.2)], w
    for i in range(1, layers + 1):
        stride, cout = (2 if i < layers else 1), w * min(1 << i, 8)
        mods += [nn.Conv2d(c, cout, 4, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2)]
        c = cout
    mods.append(nn.Conv2d(c, 1, 4, 1, 1))
    return nn.Sequential(*mods)


class GanClsGenerator(nn.Module):
    """GanClsGenerator(size, E, z, 128, c, w): φ → FC 128 + LeakyReLU, concatenated with z, DCGAN transposed convs 1 → 4 → size."""

    def __init__(self, size=64, e=128, z=100, proj=128, channels=3, w=64):
        super().__init__()
        ups = size.bit_length() - 3
        self.project = nn.Sequential(nn.Linear(e, proj), nn.LeakyReLU(0.2))
        top = w << (ups - 1)
        layers = [nn.Unflatten(1, (z + proj, 1, 1)), nn.ConvTranspose2d(z + proj, top, 4, 1, 0, bias=False), nn.BatchNorm2d(top), nn.ReLU()]
        c = top
        for _ in range(1, ups):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU()]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.decode = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, z, e):
        return self.decode(torch.cat([z, self.project(e)], 1))


class MatchingAwareDiscriminator(nn.Module):
    """MatchingAwareDiscriminator(size, E, 128, c, w): strided 4×4 convs to 4×4 (BN after the first), φ → own FC 128 replicated 4×4 and depth-concatenated, 1×1 conv (BN, LeakyReLU), 4×4 conv to one logit."""

    def __init__(self, size=64, e=128, proj=128, channels=3, w=64):
        super().__init__()
        downs = size.bit_length() - 3
        layers, c = [nn.Conv2d(channels, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2)], w
        for _ in range(1, downs):
            nxt = min(2 * c, 8 * w)
            layers += [nn.Conv2d(c, nxt, 4, 2, 1, bias=False), nn.BatchNorm2d(nxt), nn.LeakyReLU(0.2)]
            c = nxt
        self.features = nn.Sequential(*layers)
        self.project = nn.Sequential(nn.Linear(e, proj), nn.LeakyReLU(0.2))
        self.join = nn.Sequential(nn.Conv2d(c + proj, c, 1, bias=False), nn.BatchNorm2d(c), nn.LeakyReLU(0.2), nn.Conv2d(c, 1, 4, 1, 0))
        self.proj = proj
        dcgan_init(self)

    def forward(self, images, e):
        x = self.features(images)
        t = self.project(e).view(-1, self.proj, 1, 1).expand(-1, -1, 4, 4)
        return self.join(torch.cat([x, t], 1)).view(-1)


class EqualizedConv2d(nn.Module):
    """EqualizedConv2d: weight N(0, 1) scaled by gain/√fan_in at run time, bias 0, same padding."""

    def __init__(self, cin, cout, k, gain=2 ** 0.5):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale, self.pad = gain / (cin * k * k) ** 0.5, k // 2

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.pad)


class EqualizedLinear(nn.Module):
    def __init__(self, cin, cout, gain=2 ** 0.5):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = gain / cin ** 0.5

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


def pixel_norm(x):
    return x * (x.square().mean(1, keepdim=True) + 1e-8).rsqrt()


def upsample2x(x):
    return x.repeat_interleave(2, 2).repeat_interleave(2, 3)


def lrelu(x):
    return F.leaky_relu(x, 0.2)


def minibatch_stddev(x, group=4):
    """MinibatchStdDev(group): the std over groups of the batch, averaged over features, appended as one map."""
    n = x.shape[0]
    g = min(group, n) if group else n
    m = n // g
    grouped = x.reshape(g, m, *x.shape[1:])
    std = ((grouped - grouped.mean(0, keepdim=True)).square().mean(0) + 1e-8).sqrt()
    stat = std.reshape(m, -1).mean(1).repeat(g)
    return torch.cat([x, stat.reshape(n, 1, 1, 1).expand(n, 1, *x.shape[2:])], 1)


class GInitialBlock(nn.Module):
    def __init__(self, latent, f):
        super().__init__()
        self.dense = EqualizedLinear(latent, f * 16, gain=2 ** 0.5 / 4)
        self.conv = EqualizedConv2d(f, f, 3)
        self.f = f

    def forward(self, z):
        x = pixel_norm(lrelu(self.dense(pixel_norm(z)).view(-1, self.f, 4, 4)))
        return pixel_norm(lrelu(self.conv(x)))


class GUpBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv0, self.conv1 = EqualizedConv2d(cin, cout, 3), EqualizedConv2d(cout, cout, 3)

    def forward(self, x):
        x = pixel_norm(lrelu(self.conv0(upsample2x(x))))
        return pixel_norm(lrelu(self.conv1(x)))


class DDownBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv0, self.conv1 = EqualizedConv2d(cin, cin, 3), EqualizedConv2d(cin, cout, 3)

    def forward(self, x):
        return F.avg_pool2d(lrelu(self.conv1(lrelu(self.conv0(x)))), 2)


class DFinalBlock(nn.Module):
    def __init__(self, f, hidden, group):
        super().__init__()
        self.conv = EqualizedConv2d(f + 1, f, 3)
        self.dense0, self.dense1 = EqualizedLinear(f * 16, hidden), EqualizedLinear(hidden, 1, gain=1)
        self.group = group

    def forward(self, x):
        x = lrelu(self.conv(minibatch_stddev(x, self.group)))
        return self.dense1(lrelu(self.dense0(x.flatten(1))))


def nf(stage, base=1024, fmax=64):
    return max(1, min(base >> stage, fmax))


def features(r):
    return nf(r.bit_length() - 2)


class ProgressiveGenerator(nn.Module):
    """ProgressiveGenerator at `resolution`; while α < 1, lerp(upsampled toRGB of the previous block, toRGB of the new one, α)."""

    def __init__(self, resolution=32, latent=64, channels=3):
        super().__init__()
        levels = resolution.bit_length() - 2
        self.blocks = nn.ModuleList([GInitialBlock(latent, features(4)) if i == 0 else GUpBlock(features(2 << i), features(4 << i)) for i in range(levels)])
        self.to_rgb = nn.ModuleList([EqualizedConv2d(features(4 << i), channels, 1, gain=1) for i in range(levels)])
        self.alpha = 1.0

    def forward(self, z):
        last, x = len(self.blocks) - 1, z
        for i in range(last):
            x = self.blocks[i](x)
        new = self.to_rgb[last](self.blocks[last](x))
        return new if self.alpha >= 1 else torch.lerp(upsample2x(self.to_rgb[last - 1](x)), new, self.alpha)


class ProgressiveDiscriminator(nn.Module):
    """ProgressiveDiscriminator at `resolution`; while α < 1, lerp(fromRGB of the pooled image, the new block's output, α)."""

    def __init__(self, resolution=32, channels=3, group=4):
        super().__init__()
        levels = resolution.bit_length() - 2
        self.blocks = nn.ModuleList([DFinalBlock(features(4), nf(0), group) if i == 0 else DDownBlock(features(4 << i), features(2 << i)) for i in range(levels)])
        self.from_rgb = nn.ModuleList([EqualizedConv2d(channels, features(4 << i), 1) for i in range(levels)])
        self.alpha = 1.0

    def forward(self, image):
        last = len(self.blocks) - 1
        x = self.blocks[last](lrelu(self.from_rgb[last](image)))
        if self.alpha < 1:
            x = torch.lerp(lrelu(self.from_rgb[last - 1](F.avg_pool2d(image, 2))), x, self.alpha)
        for i in range(last - 1, -1, -1):
            x = self.blocks[i](x)
        return x


def parameter_count(m):
    return sum(p.numel() for p in m.parameters())


def check_counts(workload, g, d):
    """The networks must have the trainable parameters the engine's have (PARAM_COUNTS, pinned by the C# tests)."""
    got = (parameter_count(g), parameter_count(d))
    if got != PARAM_COUNTS[workload]:
        sys.exit(f"error: {workload}: the mirror's networks have {got} parameters (G, D), GanSharp's have {PARAM_COUNTS[workload]}: "
                 "update the mirror in bench/pytorch_bench.py to match src/GanSharp/Families")
    print(f"[{workload}] parameters G {got[0]:,}, D {got[1]:,} (as GanSharp's)", file=sys.stdout)


def freeze(m, frozen):
    for p in m.parameters():
        p.requires_grad_(not frozen)


def adam(m, lr, betas):
    return torch.optim.Adam(m.parameters(), lr=lr, betas=betas)


class SrganStep:
    """BareSrganStep: one G(LR) for both steps; D on HR and G(LR) detached (BCE with logits); G on the content loss
    mean((s·φ(SR) − s·φ(HR))²) on the photo feature network (frozen, eval; φ(HR) without gradient; s calibrated on
    the first batch to the pixel MSE) + 1e-3 · −log D(SR), D frozen. Adam 1e-4 β (0.9, 0.999), batch 16."""

    def __init__(self):
        torch.manual_seed(1)
        self.g, self.d = SrResNet(8, 64, 4, 3), srgan_discriminator(64, 3, 64)
        check_counts("srgan64", self.g, self.d)
        self.phi = PhotoFeatureNet().eval()
        freeze(self.phi, True)
        self.opt_g, self.opt_d = adam(self.g, 1e-4, (0.9, 0.999)), adam(self.d, 1e-4, (0.9, 0.999))
        self.hr, self.lr = images(64, 3, 64), images_from(64, 3, 16, 23456)
        self.batch, self.scale = 16, None

    def __call__(self):
        g, d, bce = self.g, self.d, F.binary_cross_entropy_with_logits
        g.train()
        d.train()
        idx = torch.randint(0, self.hr.shape[0], (self.batch,))
        hr, lr = self.hr.index_select(0, idx), self.lr.index_select(0, idx)

        self.opt_d.zero_grad(set_to_none=True)
        sr = g(lr)
        real_out, fake_out = d(hr), d(sr.detach())
        loss_d = bce(real_out, torch.ones_like(real_out)) + bce(fake_out, torch.zeros_like(fake_out))
        loss_d.backward()
        self.opt_d.step()

        self.opt_g.zero_grad(set_to_none=True)
        freeze(d, True)
        mse = F.mse_loss(sr, hr)
        if self.scale is None:
            with torch.no_grad():
                self.scale = (mse.item() / (self.phi(sr) - self.phi(hr)).square().mean().item()) ** 0.5
        with torch.no_grad():
            phi_hr = self.phi(hr)
        content = ((self.phi(sr) - phi_hr) * self.scale).square().mean()
        adv_out = d(sr)
        loss_g = content + 1e-3 * bce(adv_out, torch.ones_like(adv_out))
        loss_g.backward()
        self.opt_g.step()
        freeze(d, False)
        return loss_d.item() + loss_g.item() + mse.item()


class Pix2PixStep:
    """BarePix2PixStep: one G(source) for both steps; D on (source, real) and (source, G(source) detached), loss
    halved; G on −log D(source, G(source)) + 100·L1, D frozen. U-Net + PatchGAN 16, N(0, 0.02), Adam 2e-4 β (0.5, 0.999), batch 8."""

    def __init__(self):
        torch.manual_seed(1)
        self.g, self.d = dcgan_init(UNetGenerator(64, 3, 3, 64)), dcgan_init(patch_gan(6, 64, 1))
        check_counts("pix2pix64", self.g, self.d)
        self.opt_g, self.opt_d = adam(self.g, 2e-4, (0.5, 0.999)), adam(self.d, 2e-4, (0.5, 0.999))
        self.real, self.source = images(64, 3, 64), images_from(64, 3, 64, 23456)
        self.batch = 8

    def __call__(self):
        g, d, bce = self.g, self.d, F.binary_cross_entropy_with_logits
        g.train()
        d.train()
        idx = torch.randint(0, self.real.shape[0], (self.batch,))
        real, source = self.real.index_select(0, idx), self.source.index_select(0, idx)

        self.opt_d.zero_grad(set_to_none=True)
        fake = g(source)
        real_out, fake_out = d(torch.cat([source, real], 1)), d(torch.cat([source, fake.detach()], 1))
        loss_d = 0.5 * (bce(real_out, torch.ones_like(real_out)) + bce(fake_out, torch.zeros_like(fake_out)))
        loss_d.backward()
        self.opt_d.step()

        self.opt_g.zero_grad(set_to_none=True)
        freeze(d, True)
        adv_out = d(torch.cat([source, fake], 1))
        loss_g = bce(adv_out, torch.ones_like(adv_out)) + 100 * F.l1_loss(fake, real)
        loss_g.backward()
        self.opt_g.step()
        freeze(d, False)
        return loss_d.item() + loss_g.item()


class GanClsStep:
    """BareGanClsStep: text embeddings a fixed random N×128 table; D on {real, right}, {real, wrong}, {G(z, right), right}
    in one batch, −log s_r − ½[log(1 − s_w) + log(1 − s_f)]; G on fresh z scored in the same three-pair batch, D frozen.
    Adam 2e-4 β (0.5, 0.999), batch 64."""

    def __init__(self):
        torch.manual_seed(1)
        self.g, self.d = GanClsGenerator(64, 128, 100, 128, 3, 64), MatchingAwareDiscriminator(64, 128, 128, 3, 64)
        check_counts("gan-cls64", self.g, self.d)
        self.opt_g, self.opt_d = adam(self.g, 2e-4, (0.5, 0.999)), adam(self.d, 2e-4, (0.5, 0.999))
        self.real = images(256, 3, 64)
        self.text = torch.randn(256, 128, generator=torch.Generator().manual_seed(54321))
        self.batch = 64

    def __call__(self):
        g, d, bce, n = self.g, self.d, F.binary_cross_entropy_with_logits, self.batch
        g.train()
        d.train()
        idx = torch.randint(0, self.real.shape[0], (n,))
        real, right = self.real.index_select(0, idx), self.text.index_select(0, idx)
        wrong = self.text.index_select(0, torch.randint(0, self.text.shape[0], (n,)))

        self.opt_d.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = g(torch.randn(n, 100), right)
        scores = d(torch.cat([real, real, fake]), torch.cat([right, wrong, right]))
        sr, sw, sf = scores[:n], scores[n:2 * n], scores[2 * n:]
        loss_d = bce(sr, torch.ones_like(sr)) + 0.5 * (bce(sw, torch.zeros_like(sw)) + bce(sf, torch.zeros_like(sf)))
        loss_d.backward()
        self.opt_d.step()

        self.opt_g.zero_grad(set_to_none=True)
        freeze(d, True)
        fake = g(torch.randn(n, 100), right)
        sf = d(torch.cat([real, real, fake]), torch.cat([right, wrong, right]))[2 * n:]
        loss_g = bce(sf, torch.ones_like(sf))
        loss_g.backward()
        self.opt_g.step()
        freeze(d, False)
        return loss_d.item() + loss_g.item()


class ProgressiveStep:
    """BareProgressiveStep: G and D at 32 px fading in (α = k / 10⁶); reals blended with their 16 px box-filtered,
    upsampled version; D on WGAN + 10 · gradient penalty (double backward) + 1e-3 · E[D(real)²]; G on −E[D(G(z))],
    D frozen; G EMA 0.999. Adam 1e-3 β (0, 0.99), batch 32, z 64."""

    FADE_STEPS = 1_000_000  # FamilyWorkloads.FadeSteps

    def __init__(self):
        torch.manual_seed(1)
        self.g, self.d = ProgressiveGenerator(32, 64, 3), ProgressiveDiscriminator(32, 3, 4)
        check_counts("progressive32", self.g, self.d)
        self.opt_g, self.opt_d = adam(self.g, 1e-3, (0.0, 0.99)), adam(self.d, 1e-3, (0.0, 0.99))
        self.real = images(128, 3, 32)
        with torch.no_grad():
            self.ema = [(p, p.detach().clone()) for p in self.g.parameters()]
        self.batch, self.k = 32, 0

    def __call__(self):
        g, d, n = self.g, self.d, self.batch
        alpha = min(1.0, self.k / self.FADE_STEPS)
        self.k += 1
        g.alpha = d.alpha = alpha
        g.train()
        d.train()
        x = self.real.index_select(0, torch.randint(0, self.real.shape[0], (n,)))
        real = torch.lerp(upsample2x(F.avg_pool2d(x, 2)), x, alpha)

        self.opt_d.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = g(torch.randn(n, 64))
        real_out, fake_out = d(real), d(fake)
        eps = torch.rand(n, 1, 1, 1)
        xhat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        grad = torch.autograd.grad([d(xhat).sum()], [xhat], retain_graph=True, create_graph=True)[0]
        gp = (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()
        loss_d = fake_out.mean() - real_out.mean() + 10 * gp + 1e-3 * real_out.square().mean()
        loss_d.backward()
        self.opt_d.step()

        self.opt_g.zero_grad(set_to_none=True)
        freeze(d, True)
        loss_g = -d(g(torch.randn(n, 64))).mean()
        loss_g.backward()
        self.opt_g.step()
        freeze(d, False)
        with torch.no_grad():
            for live, shadow in self.ema:
                shadow.mul_(0.999).add_(live, alpha=0.001)
        return loss_d.item() + loss_g.item()


FAMILY_STEPS = {"srgan64": SrganStep, "pix2pix64": Pix2PixStep, "gan-cls64": GanClsStep, "progressive32": ProgressiveStep}
FAMILY_BATCH = {"srgan64": 16, "pix2pix64": 8, "gan-cls64": 64, "progressive32": 32}


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
    if workload in FAMILY_STEPS:
        return [measure(workload, workload, FAMILY_TEXT[workload], 2, FAMILY_BATCH[workload], "ms/iteration", plan(workload),
                        FAMILY_STEPS[workload](), max_wait, log)]
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
