"""Continue training a GanSharp DCGAN in PyTorch DistributedDataParallel.

Documentation, not a test dependency (GanSharp's tests never run it). See docs/scale.md.

    # 1. on the GanSharp side: export G and D (PyTorch names of pytorch/examples dcgan/main.py)
    gansharp export runs/faces --format safetensors --out faces.safetensors --with-d --raw
    # 2. on the GPU machine (pip install torch torchvision safetensors):
    torchrun --nproc_per_node=4 examples/ddp/train_ddp.py --weights faces.safetensors \
        --data /data/faces --steps 20000 --batch 64 --out ddp-faces

The networks are the reference architecture (Generator / Discriminator of pytorch/examples dcgan/main.py, the
state dicts listed in examples/ddp/reference-state-dict.json); the sidecar faces.json gives nz, ngf, ndf, nc.
GanSharp's own G takes z as N x nz; the reference takes N x nz x 1 x 1 (the same numbers). GanSharp's D returns
the logit, the reference ends in a Sigmoid: this script trains on the logit (BCEWithLogits), which is what
GanSharp's "gan" loss computes, and keeps the Sigmoid out of the training path.

What breaks under DDP, and what this script does about it (docs/scale.md says more):
  * BatchNorm statistics are per process: convert to SyncBatchNorm (done below, --sync-bn on by default).
  * D is not used in G's backward pass in a way DDP can see, and G's step leaves D's parameters without
    gradients: wrap D with find_unused_parameters=True, or (as here) run D's and G's steps through separate
    DDP wrappers and never call backward through a frozen wrapped module.
  * A gradient penalty built with create_graph=True (R1, WGAN-GP) does not combine with DDP's bucketed
    all-reduce: compute it on the unwrapped module and average the gradients by hand, as stylegan2-ada does
    (the --r1 path below).
  * Results are not bit-exact across CPU and CUDA, nor across world sizes: compare curves, not numbers.
"""

import argparse
import json
import os
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler
from torchvision import datasets, transforms


class Generator(nn.Module):
    """pytorch/examples dcgan/main.py Generator (64 x 64), one nn.Sequential called main."""

    def __init__(self, nz, ngf, nc):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z.view(z.shape[0], -1, 1, 1))


class Discriminator(nn.Module):
    """pytorch/examples dcgan/main.py Discriminator (64 x 64). logits() skips the final Sigmoid."""

    def __init__(self, ndf, nc):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, x):
        return self.logits(x)

    def logits(self, x):
        for layer in list(self.main)[:-1]:
            x = layer(x)
        return x.view(-1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", required=True, help="G file from gansharp export; D is NAME.D.safetensors beside it")
    p.add_argument("--data", required=True, help="an image folder (torchvision ImageFolder layout)")
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--batch", type=int, default=64, help="per process")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--r1", type=float, default=0.0, help="R1 penalty weight on real images (0: off)")
    p.add_argument("--no-sync-bn", action="store_true")
    p.add_argument("--out", default="ddp-run")
    a = p.parse_args()

    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device("cuda", local) if torch.cuda.is_available() else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)

    weights = Path(a.weights)
    sidecar = json.loads(weights.with_suffix(".json").read_text())
    nz, ngf, ndf, nc = sidecar["z-dim"], sidecar["width-g"], sidecar["width-d"], sidecar["channels"]
    G, D = Generator(nz, ngf, nc), Discriminator(ndf, nc)
    G.load_state_dict(load_file(str(weights)), strict=True)
    D.load_state_dict(load_file(str(weights.with_name(weights.stem + ".D.safetensors"))), strict=True)
    if not a.no_sync_bn:
        G, D = nn.SyncBatchNorm.convert_sync_batchnorm(G), nn.SyncBatchNorm.convert_sync_batchnorm(D)
    G, D = G.to(device), D.to(device)
    # D's step never touches G's parameters and G's step leaves D's without gradients: find_unused_parameters.
    ddpG = DDP(G, device_ids=[local] if device.type == "cuda" else None)
    ddpD = DDP(D, device_ids=[local] if device.type == "cuda" else None, find_unused_parameters=True)
    optG = torch.optim.Adam(G.parameters(), lr=a.lr, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=a.lr, betas=(0.5, 0.999))

    tf = transforms.Compose([transforms.Resize(64), transforms.CenterCrop(64)]
                            + ([transforms.Grayscale()] if nc == 1 else [])
                            + [transforms.ToTensor(), transforms.Normalize([0.5] * nc, [0.5] * nc)])
    data = datasets.ImageFolder(a.data, transform=tf)
    sampler = DistributedSampler(data, shuffle=True, seed=1)
    loader = DataLoader(data, batch_size=a.batch, sampler=sampler, drop_last=True, num_workers=4)

    step, epoch = 0, 0
    while step < a.steps:
        sampler.set_epoch(epoch)
        for x, _ in loader:
            x = x.to(device, non_blocking=True)
            z = torch.randn(x.shape[0], nz, device=device)
            # D step: non-saturating GAN loss on logits.
            fake = ddpG(z).detach()
            loss_d = F.softplus(-ddpD(x)).mean() + F.softplus(ddpD(fake)).mean()
            optD.zero_grad(set_to_none=True)
            loss_d.backward()
            if a.r1 > 0:
                # R1 with create_graph on the unwrapped D, gradients averaged by hand (stylegan2-ada's way).
                xr = x.detach().requires_grad_(True)
                g, = torch.autograd.grad(D(xr).sum(), xr, create_graph=True)
                (a.r1 / 2 * g.pow(2).flatten(1).sum(1).mean()).backward()
                # DDP already averaged the loss part, so it is equal on every rank: sum / world leaves it as it
                # is and averages the penalty's part.
                for prm in D.parameters():
                    if prm.grad is not None:
                        dist.all_reduce(prm.grad)
                        prm.grad /= world
            optD.step()
            # G step: D frozen (no gradients for its parameters).
            for prm in D.parameters():
                prm.requires_grad_(False)
            loss_g = F.softplus(-ddpD(ddpG(z))).mean()
            optG.zero_grad(set_to_none=True)
            loss_g.backward()
            optG.step()
            for prm in D.parameters():
                prm.requires_grad_(True)
            step += 1
            if rank == 0 and step % 100 == 0:
                print(f"step {step} loss_d {loss_d.item():.4f} loss_g {loss_g.item():.4f}", flush=True)
            if step >= a.steps:
                break
        epoch += 1

    if rank == 0:
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        # Back to plain BatchNorm names: the same state dict layout GanSharp's import reads.
        save_file({k: v.detach().cpu().contiguous() for k, v in G.state_dict().items()}, str(out / "G.safetensors"))
        save_file({k: v.detach().cpu().contiguous() for k, v in D.state_dict().items()}, str(out / "G.D.safetensors"))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
