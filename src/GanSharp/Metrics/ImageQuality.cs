using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Full-reference image quality as super-resolution and restoration papers report it: PSNR and SSIM on the luma
/// (Y) channel of MATLAB's <c>rgb2ycbcr</c> (BT.601, Y in 16–235), with a border cropped (4 px by default, the ×4
/// scale). Inputs are float tensors N×C×H×W on the 0–255 scale (<see cref="ToPixels"/> converts the [-1, 1] tensors
/// the networks produce); C = 3 is RGB, C = 1 is taken as luma already. Each image gets its own value; papers
/// report the mean over a test set. Y is not rounded to integers (MATLAB scripts that call rgb2ycbcr on uint8
/// images do round; the difference is a few hundredths of a dB).
/// SSIM after Wang, Bovik, Sheikh &amp; Simoncelli 2004: 11×11 Gaussian window with σ = 1.5, K1 = 0.01, K2 = 0.03,
/// the map over 'valid' window positions, averaged.
/// </summary>
public static class ImageQuality
{
    /// <summary>BT.601 luma weights of MATLAB's rgb2ycbcr for 0–255 RGB: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255.</summary>
    public static readonly double[] LumaWeights = [65.481 / 255, 128.553 / 255, 24.966 / 255];

    /// <summary>[-1, 1] network output → 0–255 float64 pixels (clamped; rounded to integers when <paramref name="quantize"/>, as a saved PNG would be).</summary>
    public static Tensor ToPixels(Tensor signed, bool quantize = true)
    {
        using var scope = NewDisposeScope();
        var p = signed.to_type(ScalarType.Float64).add(1).mul(127.5).clamp(0, 255);
        return (quantize ? p.round() : p).MoveToOuterDisposeScope();
    }

    /// <summary>N×3×H×W RGB (0–255) → N×1×H×W luma Y (16–235) in float64; N×1×H×W is returned as float64 unchanged.</summary>
    public static Tensor Luma(Tensor rgb)
    {
        CheckImages(rgb, rgb);
        using var scope = NewDisposeScope();
        var x = rgb.to_type(ScalarType.Float64);
        if (x.shape[1] == 1) return x.MoveToOuterDisposeScope();
        if (x.shape[1] != 3)
            throw new ArgumentException($"luma needs RGB (3 channels) or gray (1 channel), got {x.shape[1]} channels", nameof(rgb));
        var y = x.narrow(1, 0, 1).mul(LumaWeights[0]) + x.narrow(1, 1, 1).mul(LumaWeights[1]) + x.narrow(1, 2, 1).mul(LumaWeights[2]) + 16.0;
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>PSNR in dB per image over every channel, 10·log10(peak² / MSE); +∞ where the images are equal.</summary>
    public static double[] Psnr(Tensor a, Tensor b, int border = 0, double peak = 255)
    {
        CheckImages(a, b);
        using var scope = NewDisposeScope();
        var d = Crop(a.to_type(ScalarType.Float64), border) - Crop(b.to_type(ScalarType.Float64), border);
        var mse = d.square().flatten(1).mean(new long[] { 1 }).data<double>().ToArray();
        return mse.Select(m => m == 0 ? double.PositiveInfinity : 10 * Math.Log10(peak * peak / m)).ToArray();
    }

    /// <summary>PSNR on the Y channel with <paramref name="border"/> pixels cropped from each side (SR convention: the scale).</summary>
    public static double[] PsnrY(Tensor a, Tensor b, int border = 4)
    {
        using var ya = Luma(a);
        using var yb = Luma(b);
        return Psnr(ya, yb, border);
    }

    /// <summary>Mean SSIM per image (averaged over channels) on the 0–<paramref name="peak"/> scale.</summary>
    public static double[] Ssim(Tensor a, Tensor b, int border = 0, double peak = 255)
    {
        CheckImages(a, b);
        using var scope = NewDisposeScope();
        var x = Crop(a.to_type(ScalarType.Float64), border);
        var y = Crop(b.to_type(ScalarType.Float64), border);
        long c = x.shape[1];
        if (x.shape[2] < WindowSize || x.shape[3] < WindowSize)
            throw new ArgumentException($"SSIM needs images of at least {WindowSize}×{WindowSize} after the {border}-pixel border crop, got {x.shape[2]}×{x.shape[3]}", nameof(a));
        var g = GaussianWindow();
        var kernel = g.outer(g).expand(c, 1, WindowSize, WindowSize).contiguous();   // depthwise, one window per channel
        Tensor Filter(Tensor t) => nn.functional.conv2d(t, kernel, groups: c);      // 'valid' positions only
        double c1 = Math.Pow(0.01 * peak, 2), c2 = Math.Pow(0.03 * peak, 2);
        var mx = Filter(x);
        var my = Filter(y);
        var sxx = Filter(x * x) - mx * mx;
        var syy = Filter(y * y) - my * my;
        var sxy = Filter(x * y) - mx * my;
        var map = (2 * mx * my + c1) * (2 * sxy + c2) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
        return map.flatten(1).mean(new long[] { 1 }).data<double>().ToArray();
    }

    /// <summary>SSIM on the Y channel with <paramref name="border"/> pixels cropped from each side.</summary>
    public static double[] SsimY(Tensor a, Tensor b, int border = 4)
    {
        using var ya = Luma(a);
        using var yb = Luma(b);
        return Ssim(ya, yb, border);
    }

    /// <summary>Side of the SSIM window.</summary>
    public const int WindowSize = 11;

    /// <summary>Standard deviation of the SSIM window.</summary>
    public const double WindowSigma = 1.5;

    /// <summary>The normalised 1-D Gaussian (11 taps, σ 1.5, float64) whose outer product is the SSIM window.</summary>
    public static Tensor GaussianWindow()
    {
        var taps = Enumerable.Range(0, WindowSize).Select(i => Math.Exp(-Math.Pow(i - WindowSize / 2, 2) / (2 * WindowSigma * WindowSigma))).ToArray();
        double sum = taps.Sum();
        return tensor(taps.Select(t => t / sum).ToArray(), ScalarType.Float64);
    }

    static Tensor Crop(Tensor x, int border)
    {
        if (border == 0) return x;
        if (border < 0 || 2L * border >= x.shape[2] || 2L * border >= x.shape[3])
            throw new ArgumentOutOfRangeException(nameof(border), $"border {border} leaves nothing of a {x.shape[2]}×{x.shape[3]} image");
        return x.narrow(2, border, x.shape[2] - 2 * border).narrow(3, border, x.shape[3] - 2 * border);
    }

    static void CheckImages(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.dim() != 4)
            throw new ArgumentException($"expected N×C×H×W images, got shape [{string.Join(", ", a.shape)}]", nameof(a));
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"images differ in shape: [{string.Join(", ", a.shape)}] vs [{string.Join(", ", b.shape)}]", nameof(b));
    }
}
