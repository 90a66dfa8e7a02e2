#!/usr/bin/python3
"""Reference values for tests/GanSharp.Tests/Imaging/MatlabImresizeTests.cs, computed once with Debian's numpy.

A line-by-line numpy port of MATLAB's imresize for double images with the default 'bicubic' method
(Image Processing Toolbox: `contributions`, `cubic`, resizeAlongDim in dimensionOrder):
  * Keys cubic kernel with a = -0.5;
  * when scale < 1 the kernel is widened to h(x) = scale * cubic(scale * x), width 4 / scale (antialiasing);
  * u = x / scale + 0.5 * (1 - 1 / scale) maps output pixel centres to input coordinates (1-based);
  * out-of-range indices are mirrored (symmetric padding: aux = [1..n, n..1], index = aux(mod(i - 1, 2n) + 1));
  * each row of weights is normalised to sum to 1; output size is ceil(scale * input size);
  * dimensions are resized in order of increasing scale (rows first on a tie), with no rounding in between;
  * for uint8 images (imresize_uint8) each pass is rounded half away from zero and saturated to 0..255.

Run: PYTHONPATH=<dir holding numpy> /usr/bin/python3 make_imresize.py   (writes imresize.json next to this file)
numpy came from `apt-get download python3-numpy` + `dpkg -x` into /tmp (not a project dependency); the C# tests
read only imresize.json. Values are float64, stored repr-exact.
"""
import json
import math
import os

import numpy as np


def cubic(x):
    absx = np.abs(x)
    absx2 = absx ** 2
    absx3 = absx ** 3
    return ((1.5 * absx3 - 2.5 * absx2 + 1) * (absx <= 1)
            + (-0.5 * absx3 + 2.5 * absx2 - 4 * absx + 2) * ((1 < absx) & (absx <= 2)))


def contributions(in_length, out_length, scale, kernel_width=4.0, antialiasing=True):
    if scale < 1 and antialiasing:
        h = lambda x: scale * cubic(scale * x)
        kernel_width = kernel_width / scale
    else:
        h = cubic
    x = np.arange(1, out_length + 1, dtype=np.float64)[:, None]      # 1-based output coordinates
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - kernel_width / 2)
    p = int(math.ceil(kernel_width)) + 2
    indices = left + np.arange(p)[None, :]                            # 1-based, may be out of range
    weights = h(u - indices)
    weights = weights / weights.sum(axis=1, keepdims=True)
    aux = np.concatenate([np.arange(1, in_length + 1), np.arange(in_length, 0, -1)])
    indices = aux[np.mod(indices.astype(np.int64) - 1, aux.size)]     # symmetric padding
    keep = np.any(weights != 0, axis=0)
    return weights[:, keep], indices[:, keep]


def resize_along_dim(a, dim, weights, indices):
    # out[k] = sum_j weights[k, j] * in[indices[k, j]]
    moved = np.moveaxis(a, dim, 0)
    out = np.einsum('kj,kj...->k...', weights, moved[indices - 1])
    return np.moveaxis(out, 0, dim)


def imresize(a, scale):
    """a: H×W×C float64; scale: a scalar (MATLAB imresize(A, scale))."""
    scales = [scale, scale]
    out_size = [int(math.ceil(scale * a.shape[0])), int(math.ceil(scale * a.shape[1]))]
    order = np.argsort(scales, kind='stable')
    b = a
    for dim in order:
        w, ind = contributions(a.shape[dim], out_size[dim], scales[dim])
        b = resize_along_dim(b, dim, w, ind)
    return b


def imresize_uint8(a, scale):
    """MATLAB's uint8 path: each 1-D pass is rounded half away from zero and saturated (imresizemex writes uint8)."""
    scales = [scale, scale]
    out_size = [int(math.ceil(scale * a.shape[0])), int(math.ceil(scale * a.shape[1]))]
    b = a.astype(np.float64)
    for dim in np.argsort(scales, kind='stable'):
        w, ind = contributions(a.shape[dim], out_size[dim], scales[dim])
        b = np.clip(np.floor(np.abs(resize_along_dim(b, dim, w, ind)) + 0.5), 0, 255)
    return b


def test_image(h=12, w=10, c=2):
    """A diagonal gradient plus a checker and a bright bar, different per channel (values 0..255)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, c))
    for ch in range(c):
        img[:, :, ch] = 10 + 12 * yy + 7 * xx + 40 * ((yy + xx + ch) % 2)
        img[3 + ch, :, ch] += 60
    return img


def main():
    img = test_image()
    cases = []
    for scale in [0.25, 0.5, 2.0, 4.0]:
        out = imresize(img, scale)
        cases.append({
            'scale': scale,
            'out_h': out.shape[0], 'out_w': out.shape[1],
            # N×C×H×W order for the C# side (N = 1)
            'output': [[[float(v) for v in row] for row in out[:, :, ch]] for ch in range(out.shape[2])],
        })
    u8 = imresize_uint8(np.round(img), 0.25)
    w, ind = contributions(10, 3, 0.25)
    doc = {
        'input': [[[float(v) for v in row] for row in img[:, :, ch]] for ch in range(img.shape[2])],
        'cases': cases,
        # the 1-D matrices for in = 10, scale 1/4 (weights per output row, 1-based mirrored indices)
        'uint8_quarter': [[[int(v) for v in row] for row in u8[:, :, ch]] for ch in range(u8.shape[2])],
        'contrib_10_to_3': {'weights': [[float(v) for v in r] for r in w], 'indices': [[int(v) for v in r] for r in ind]},
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'imresize.json')
    with open(path, 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
