#!/usr/bin/python3
"""Reference values for tests/GanSharp.Tests/Metrics, computed once with Debian's numpy/scipy.

Run: /usr/bin/python3 make_fixtures.py   (writes fixtures.json next to this file; the C# tests read only that file)
Every array is deterministic (numpy default_rng(0)) and stored in the JSON with repr-exact float64 values.
"""
import json
import math
import os

import numpy as np
import scipy
import scipy.linalg
import scipy.stats

rng = np.random.default_rng(0)


def mat(a):
    return [[float(v) for v in row] for row in np.asarray(a)]


# ---- FID: scipy.linalg.sqrtm(Σ1 Σ2), as pytorch-fid's calculate_frechet_distance ----
def frechet(mu1, s1, mu2, s2):
    covmean, _ = scipy.linalg.sqrtm(s1.dot(s2), disp=False)
    covmean = covmean.real
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


fid_a = rng.standard_normal((200, 8))
mix = rng.standard_normal((8, 8)) * 0.5 + np.eye(8)  # correlated: Σ_B does not commute with Σ_A
fid_b = rng.standard_normal((150, 8)) @ mix + 0.3
mu_a, s_a = fid_a.mean(0), np.cov(fid_a, rowvar=False)  # np.cov is unbiased (N-1)
mu_b, s_b = fid_b.mean(0), np.cov(fid_b, rowvar=False)
s1_2x2 = np.array([[2.0, 1.0], [1.0, 2.0]])
s2_2x2 = np.array([[1.0, 0.0], [0.0, 3.0]])


# ---- KID: unbiased MMD² with k(x,y) = (xᵀy/d + 1)³ (Bińkowski et al.; torch-fidelity's mmd2, 'unbiased') ----
def mmd2(x, y):
    d = x.shape[1]
    m = x.shape[0]
    assert y.shape[0] == m
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    return float((kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.sum() / (m * m))


kid_a = rng.standard_normal((60, 8))
kid_b = rng.standard_normal((50, 8)) * 1.1 + 0.3
kid_sub_a = [sorted(rng.choice(60, 20, replace=False).tolist()) for _ in range(5)]
kid_sub_b = [sorted(rng.choice(50, 20, replace=False).tolist()) for _ in range(5)]
kid_values = [mmd2(kid_a[ia], kid_b[ib]) for ia, ib in zip(kid_sub_a, kid_sub_b)]


# ---- Improved precision/recall, k = 3 (Kynkäänniemi et al.: radius = index k of the sorted row, self at 0; inside = ≤) ----
def dists(x, y):
    return np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1))


def radii(x, k):
    return np.sort(dists(x, x), axis=1)[:, k]


pr_real = rng.standard_normal((300, 5))
pr_gen = rng.standard_normal((250, 5)) * 1.2 + 0.5
r_real, r_gen = radii(pr_real, 3), radii(pr_gen, 3)
precision = float((dists(pr_gen, pr_real) <= r_real[None, :]).any(1).mean())
recall = float((dists(pr_real, pr_gen) <= r_gen[None, :]).any(1).mean())

# ---- Inception score (Salimans et al. / openai improved-gan formula), 5 splits of 20 ----
logits = rng.standard_normal((100, 10)) * 2
is_probs = np.exp(logits - logits.max(1, keepdims=True))
is_probs /= is_probs.sum(1, keepdims=True)
scores = []
for i in range(5):
    part = is_probs[i * 20:(i + 1) * 20]
    py = part.mean(0, keepdims=True)
    scores.append(math.exp(np.mean(np.sum(part * (np.log(part) - np.log(py)), 1))))
hist = np.bincount(is_probs.argmax(1), minlength=10) / 100.0

# ---- Mode coverage: the PacGAN MetricLogger loop (synthetic_data_experiments/PacGAN/pacgan/extensions.py) ----
ring_means = [np.array([math.cos(i * np.pi * 2 / 8), math.sin(i * np.pi * 2 / 8)]) for i in range(8)]
ring_std = 0.01
modes = rng.integers(0, 6, 400)  # only modes 0..5 are ever sampled
mc_samples = np.array([ring_means[m] for m in modes]) + rng.standard_normal((400, 2)) * ring_std * 1.6
mc_samples = np.concatenate([mc_samples, rng.uniform(-1.2, 1.2, (100, 2))])
variances = [ring_std ** 2 * np.eye(2) for _ in ring_means]
detail = np.zeros(8)
for i in range(mc_samples.shape[0]):
    min_dis, min_j = 10000000, -1
    for j in range(8):
        dv = mc_samples[i] - ring_means[j]
        dis = math.sqrt(np.sum(dv * dv / np.diag(variances[j])))
        if dis < min_dis:
            min_dis, min_j = dis, j
    if min_dis < 3:
        detail[min_j] += 1
p = detail / detail.sum()
reverse_kl = float(sum(pi * math.log(pi * 8) for pi in p if pi > 0))
assert abs(reverse_kl - (math.log(8) - scipy.stats.entropy(p))) < 1e-12

# ---- Stacked MNIST: the PacGAN log_metrics dict count and KLD(p, uniform 1000) ----
digits = np.stack([rng.integers(0, 4, 300), rng.integers(0, 10, 300), rng.integers(2, 5, 300)], 1)
counts = {}
for t in map(tuple, digits):
    counts[t] = counts.get(t, 0) + 1
pm = np.zeros(1000)
pm[:len(counts)] = list(counts.values())
pm /= pm.sum()
sm_kl = float(sum(pi * math.log(pi / 0.001) for pi in pm if pi != 0))

out = {
    "generator": f"make_fixtures.py with numpy {np.__version__}, scipy {scipy.__version__}",
    "fid": {"a": mat(fid_a), "b": mat(fid_b), "mu_a": mu_a.tolist(), "sigma_a": mat(s_a),
            "fid": frechet(mu_a, s_a, mu_b, s_b)},
    "frechet_2x2": {"sigma1": mat(s1_2x2), "sigma2": mat(s2_2x2), "mu1": [0.5, -1.0], "mu2": [0.0, 1.0],
                    "fd": frechet(np.array([0.5, -1.0]), s1_2x2, np.array([0.0, 1.0]), s2_2x2)},
    "kid": {"a": mat(kid_a), "b": mat(kid_b), "subsets_a": kid_sub_a, "subsets_b": kid_sub_b,
            "values": kid_values, "mean": float(np.mean(kid_values)), "std": float(np.std(kid_values)),
            "mmd2_a50_b": mmd2(kid_a[:50], kid_b)},
    "precision_recall": {"real": mat(pr_real), "generated": mat(pr_gen), "k": 3,
                         "real_radii": r_real.tolist(), "precision": precision, "recall": recall},
    "inception_score": {"probs": mat(is_probs), "splits": 5, "mean": float(np.mean(scores)),
                        "std": float(np.std(scores)), "histogram": hist.tolist(),
                        "class_entropy": float(scipy.stats.entropy(hist))},
    "mode_coverage": {"samples": mat(mc_samples), "means": mat(ring_means), "std": ring_std,
                      "modes": int(np.count_nonzero(detail)), "high_quality_fraction": float(detail.sum() / mc_samples.shape[0]),
                      "reverse_kl": reverse_kl, "counts": [int(c) for c in detail]},
    "stacked_mnist": {"digits": digits.tolist(), "modes": len(counts), "kl": sm_kl},
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures.json"), "w") as f:
    json.dump(out, f)
    f.write("\n")
print({k: {kk: vv for kk, vv in v.items() if not isinstance(vv, list)} if isinstance(v, dict) else v for k, v in out.items()})
