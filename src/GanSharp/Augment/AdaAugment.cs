using TorchSharp;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Augment;

/// <summary>The operations of <see cref="AdaAugment"/>; the paper's "bgc" set is all of them.</summary>
[Flags]
public enum AdaOps
{
    None = 0,
    XFlip = 1,
    Rotate90 = 2,
    IntegerTranslation = 4,
    IsotropicScaling = 8,
    Brightness = 16,
    Contrast = 32,
    Saturation = 64,
    /// <summary>Pixel blitting, general geometric and colour transforms: "bgc" in Karras et al. 2020.</summary>
    All = XFlip | Rotate90 | IntegerTranslation | IsotropicScaling | Brightness | Contrast | Saturation,
}

/// <summary>
/// The augmentation pipeline of adaptive discriminator augmentation, after Karras, Aittala, Hellsten, Laine,
/// Lehtinen &amp; Aila 2020, "Training Generative Adversarial Networks with Limited Data" (stylegan2-ada's
/// AugmentPipe, "bgc" subset): x-flip, 90° rotation, integer translation (up to 1/8 of the side), isotropic scaling
/// (log2 s ~ N(0, 0.2²)), brightness (+N(0, 0.2²)), contrast (×2^N(0, 0.5²)) and saturation (×2^N(0, 1) around the
/// luma axis). Each op is applied to each sample with probability p, with the parameters and the coin flips drawn
/// from the given generator in the reference's order. Blits are exact index ops; scaling is an affine grid_sample
/// (bilinear, reflection padding; the reference's extra anti-aliasing filter is left out); colour ops are per-sample
/// affine maps of the colour channels (alpha, if any, is left alone). All are differentiable in the images, and
/// a sample an op does not pick is passed through bit for bit (so p = 0 is the identity exactly).
/// Images are N×C×H×W in [−1, 1], C = 1, 3 or 4, square for 90° rotation.
/// </summary>
public sealed class AdaAugment
{
    public AdaAugment(AdaOps ops = AdaOps.All) => Ops = ops;

    public AdaOps Ops { get; }
    public double TranslationMax { get; init; } = 0.125;
    public double ScaleStd { get; init; } = 0.2;
    public double BrightnessStd { get; init; } = 0.2;
    public double ContrastStd { get; init; } = 0.5;
    public double SaturationStd { get; init; } = 1.0;

    /// <summary>Augments <paramref name="x"/> with probability <paramref name="p"/> per op and sample.</summary>
    public Tensor Apply(Tensor x, double p, Generator generator)
    {
        if (x.dim() != 4)
            throw new ArgumentException($"ADA expects N×C×H×W images, got shape [{string.Join(", ", x.shape)}]", nameof(x));
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        if (c is not (1 or 3 or 4))
            throw new ArgumentException($"ADA augments 1 (grey), 3 (RGB) or 4 (RGBA) channels, got {c}", nameof(x));
        if (p is < 0 or > 1 || double.IsNaN(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "augmentation probability must be in [0, 1]");
        if (Ops.HasFlag(AdaOps.Rotate90) && h != w)
            throw new ArgumentException($"90° rotation needs square images, got {h}x{w}", nameof(x));

        using var scope = NewDisposeScope();
        Tensor Coin(params long[] shape) => Devices.Rand(shape, generator, x.device, x.dtype).lt(p); // bool
        Tensor View(Tensor perSample) => perSample.view(n, 1, 1, 1);

        if (Ops.HasFlag(AdaOps.XFlip))
        {
            var i = (Devices.Rand(new[] { n }, generator, x.device, x.dtype) * 2).floor();
            var flip = i.eq(1).logical_and(Coin(n));
            if (Any(flip)) x = where(View(flip), x.flip(3), x);
        }
        if (Ops.HasFlag(AdaOps.Rotate90))
        {
            var i = (Devices.Rand(new[] { n }, generator, x.device, x.dtype) * 4).floor();
            var k = where(Coin(n), i, zeros_like(i));
            for (int quarter = 1; quarter < 4; quarter++)
            {
                var turn = k.eq(quarter);                                                       // each sample turns at most once
                if (Any(turn)) x = where(View(turn), x.rot90(quarter, (2, 3)), x);
            }
        }
        if (Ops.HasFlag(AdaOps.IntegerTranslation))
        {
            var t = (Devices.Rand(new[] { n, 2L }, generator, x.device, x.dtype) * 2 - 1) * TranslationMax;
            t = where(Coin(n, 1), t, zeros_like(t));
            var tx = (t[.., 0] * w).round().to_type(ScalarType.Int64);
            var ty = (t[.., 1] * h).round().to_type(ScalarType.Int64);
            if (Any(tx.ne(0).logical_or(ty.ne(0)))) x = TranslateReflect(x, ty, tx);
        }
        if (Ops.HasFlag(AdaOps.IsotropicScaling))
        {
            var s = (Devices.Randn(new[] { n }, generator, x.device, x.dtype) * ScaleStd).exp2();
            var pick = Coin(n);
            s = where(pick, s, ones_like(s));
            if (Any(pick)) x = where(View(pick), Scale(x, s), x);
        }

        // Colour: C' = saturation · contrast · brightness, as the reference composes them.
        long colour = c >= 3 ? 3 : 1;
        var rgb = x[.., ..(int)colour];
        if (Ops.HasFlag(AdaOps.Brightness))
        {
            var b = Devices.Randn(new[] { n }, generator, x.device, x.dtype) * BrightnessStd;
            var pick = Coin(n);
            if (Any(pick)) rgb = where(View(pick), rgb + View(b), rgb);
        }
        if (Ops.HasFlag(AdaOps.Contrast))
        {
            var f = (Devices.Randn(new[] { n }, generator, x.device, x.dtype) * ContrastStd).exp2();
            var pick = Coin(n);
            if (Any(pick)) rgb = where(View(pick), rgb * View(f), rgb);
        }
        if (Ops.HasFlag(AdaOps.Saturation) && colour == 3)
        {
            var f = (Devices.Randn(new[] { n, 1L, 1 }, generator, x.device, x.dtype) * SaturationStd).exp2();
            var pick = Coin(n, 1, 1);
            var luma = rgb.mean(new long[] { 1 }, keepdim: true);                               // N × 1 × H × W: projection on (1,1,1)/√3
            if (Any(pick)) rgb = where(View(pick.view(n)), luma + (rgb - luma) * View(f.view(n)), rgb);
        }
        x = c == colour ? rgb : cat(new[] { rgb, x[.., (int)colour..] }, 1);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>True when any sample is picked: an op nobody drew is skipped (its draws still happen, so the stream is the same).</summary>
    static bool Any(Tensor mask) => mask.any().item<bool>();

    /// <summary>
    /// output[i, j] = input[reflect(i − dy), reflect(j − dx)] for integer shifts (int64, N each): the image moves by
    /// (dy, dx) with mirrored borders, as the reference's reflect padding. An index gather: exact and differentiable.
    /// </summary>
    public static Tensor TranslateReflect(Tensor x, Tensor dy, Tensor dx)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var rows = Reflect(arange(h, device: x.device).view(1, h, 1) - dy.view(n, 1, 1), h);                    // N × H × 1
        var cols = Reflect(arange(w, device: x.device).view(1, 1, w) - dx.view(n, 1, 1), w);                    // N × 1 × W
        var flat = (arange(n, device: x.device).view(n, 1, 1) * (h * w) + rows * w + cols).reshape(-1);         // N·H·W
        var pixels = x.permute(0, 2, 3, 1).reshape(-1, c);                                     // N·H·W × C
        return pixels.index_select(0, flat).view(n, h, w, c).permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>Folds integer indices into [0, size) by mirroring at the edges without repeating the edge pixel.</summary>
    static Tensor Reflect(Tensor i, long size)
    {
        if (size == 1) return zeros_like(i);
        long period = 2 * (size - 1);
        var r = i.remainder(period);                                                            // [0, period)
        return where(r.gt(size - 1), period - r, r);
    }

    /// <summary>Zooms each sample by s (N) about the image centre: bilinear sampling with reflected borders.</summary>
    public static Tensor Scale(Tensor x, Tensor s)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var inv = s.reciprocal();                                                               // output → input coordinates
        var zero = zeros_like(inv);
        var theta = stack(new[] { inv, zero, zero, zero, inv, zero }, 1).view(n, 2, 3);        // N × 2 × 3
        var grid = nn.functional.affine_grid(theta, x.shape, align_corners: false);            // N × H × W × 2
        return nn.functional.grid_sample(x, grid, mode: GridSampleMode.Bilinear,
            padding_mode: GridSamplePaddingMode.Reflection, align_corners: false).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// ADA's augmentation probability controller (Karras et al. 2020, section 3; stylegan2-ada's training loop): D's
/// real logits are accumulated, and every <see cref="Interval"/> steps r_t = E[sign(D(x_real))] moves p by
/// sign(r_t − target) · batch · interval / (adaKimg · 1000), clamped to [0, 1]. So p can go from 0 to 1 in adaKimg
/// thousand images. The state (p, the accumulator, the step phase, the last r_t) is a few doubles, saved in
/// checkpoints exactly with <see cref="StateTensor"/> and <see cref="LoadStateTensor"/>.
/// </summary>
public sealed class AdaController
{
    /// <summary>The fields of <see cref="State"/>, in order.</summary>
    public static readonly IReadOnlyList<string> StateNames = ["p", "sign_sum", "count", "steps", "last_rt"];

    public AdaController(int batchSize, double target = 0.6, int interval = 4, double adaKimg = 500, double initialP = 0)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be ≥ 1");
        if (interval < 1) throw new ArgumentOutOfRangeException(nameof(interval), interval, "ADA interval must be ≥ 1 step");
        if (!(adaKimg > 0)) throw new ArgumentOutOfRangeException(nameof(adaKimg), adaKimg, "ADA speed (kimg for p to go 0 → 1) must be > 0");
        if (initialP is < 0 or > 1 || double.IsNaN(initialP)) throw new ArgumentOutOfRangeException(nameof(initialP), initialP, "p must be in [0, 1]");
        BatchSize = batchSize;
        Target = target;
        Interval = interval;
        AdaKimg = adaKimg;
        P = initialP;
    }

    public int BatchSize { get; }
    public double Target { get; }
    public int Interval { get; }
    public double AdaKimg { get; }

    /// <summary>The current augmentation probability.</summary>
    public double P { get; private set; }

    /// <summary>The r_t of the last adjustment (NaN before the first).</summary>
    public double LastRt { get; private set; } = double.NaN;

    double _signSum;
    double _count;
    int _steps;

    /// <summary>The size of one adjustment of p.</summary>
    public double Adjustment => (double)BatchSize * Interval / (AdaKimg * 1000);

    /// <summary>Adds D's logits for the real images of this step to the accumulator.</summary>
    public void Accumulate(Tensor realLogits)
    {
        using var noGrad = no_grad();
        using var s = realLogits.detach().sign().sum().to_type(ScalarType.Float64);
        _signSum += s.item<double>();
        _count += realLogits.numel();
    }

    /// <summary>Call once at the end of every training step; every <see cref="Interval"/>th call adjusts p. True when it did.</summary>
    public bool EndStep()
    {
        if (++_steps < Interval) return false;
        _steps = 0;
        if (_count == 0) return false;
        LastRt = _signSum / _count;
        P = Math.Clamp(P + Math.Sign(LastRt - Target) * Adjustment, 0.0, 1.0);
        _signSum = 0;
        _count = 0;
        return true;
    }

    /// <summary>The state as doubles, named by <see cref="StateNames"/>.</summary>
    public double[] State() => [P, _signSum, _count, _steps, LastRt];

    /// <summary>The state as a float64 tensor of 5 values (for a checkpoint).</summary>
    public Tensor StateTensor() => tensor(State(), ScalarType.Float64); // cpu: checkpoint state

    /// <summary>Restores what <see cref="State"/> returned.</summary>
    public void LoadState(IReadOnlyList<double> state)
    {
        if (state.Count != StateNames.Count)
            throw new InvalidDataException($"ADA state has {state.Count} values, expected {StateNames.Count} ({string.Join(", ", StateNames)})");
        if (state[0] is < 0 or > 1 || double.IsNaN(state[0]))
            throw new InvalidDataException($"ADA state holds p = {state[0]}, outside [0, 1]");
        if (state[3] < 0 || state[3] >= Interval || state[3] != Math.Floor(state[3]))
            throw new InvalidDataException($"ADA state holds step phase {state[3]}, expected an integer in [0, {Interval})");
        P = state[0];
        _signSum = state[1];
        _count = state[2];
        _steps = (int)state[3];
        LastRt = state[4];
    }

    /// <summary>Restores what <see cref="StateTensor"/> returned.</summary>
    public void LoadStateTensor(Tensor state)
    {
        if (state.dtype != ScalarType.Float64 || state.dim() != 1)
            throw new InvalidDataException($"ADA state must be a 1-D float64 tensor, got {state.dtype} with shape [{string.Join(", ", state.shape)}]");
        LoadState(state.data<double>().ToArray()); // cpu: checkpoint state
    }
}
