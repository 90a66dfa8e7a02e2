using GanSharp.Metrics;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

public class ImageQualityTests
{
    static Tensor RandomRgb(long seed, int size = 32)
    {
        using var g = new Generator((ulong)seed);
        return rand(new long[] { 2, 3, size, size }, generator: g, dtype: ScalarType.Float64).mul(200).add(25);   // 25..225
    }

    [Fact]
    public void IdenticalImagesHaveInfinitePsnrAndSsimOne()
    {
        using var a = RandomRgb(1);
        Assert.All(ImageQuality.PsnrY(a, a), v => Assert.Equal(double.PositiveInfinity, v));
        Assert.All(ImageQuality.Psnr(a, a), v => Assert.Equal(double.PositiveInfinity, v));
        Assert.All(ImageQuality.SsimY(a, a), v => Assert.Equal(1.0, v, 12));
    }

    [Fact]
    public void ConstantOffsetGivesHandComputedPsnr()
    {
        using var a = RandomRgb(2);
        using var b = a + 3.0;
        // every channel +3 → Y + 3·(65.481 + 128.553 + 24.966)/255 = 3·219/255
        double expectedY = 20 * Math.Log10(255 / (3 * 219.0 / 255));
        Assert.All(ImageQuality.PsnrY(a, b), v => Assert.Equal(expectedY, v, 9));
        Assert.All(ImageQuality.Psnr(a, b), v => Assert.Equal(20 * Math.Log10(255 / 3.0), v, 9));
    }

    [Fact]
    public void LumaIsMatlabRgb2ycbcr()
    {
        // R = [0, 255, 255, 0], G = [255, 0, 0, 0], B = [0, 255, 0, 0] over the four pixels
        using var px = tensor(new double[] { 0, 255, 255, 0, 255, 0, 0, 0, 0, 255, 0, 0 }, new long[] { 1, 3, 2, 2 });
        var y = ImageQuality.Luma(px).flatten().data<double>().ToArray();
        Assert.Equal(16 + 128.553, y[0], 9);
        Assert.Equal(16 + 65.481 + 24.966, y[1], 9);
        Assert.Equal(16 + 65.481, y[2], 9);
        Assert.Equal(16.0, y[3], 9);
        using var white = full(1, 3, 1, 1, 255.0, ScalarType.Float64);
        Assert.Equal(235.0, ImageQuality.Luma(white).item<double>(), 9);
    }

    [Fact]
    public void GaussianNoiseOfKnownSigmaGivesItsPsnr()
    {
        const double sigma = 5;
        using var g = new Generator(7);
        using var clean = full(1, 1, 256, 256, 128.0, ScalarType.Float64);
        using var noisy = clean + randn(new long[] { 1, 1, 256, 256 }, generator: g, dtype: ScalarType.Float64) * sigma;
        // 65536 samples: the MSE's relative spread is √(2/65536) ≈ 0.55 %, i.e. 0.024 dB; allow about 3 of those
        Assert.InRange(ImageQuality.Psnr(clean, noisy, border: 0)[0], 20 * Math.Log10(255 / sigma) - 0.08, 20 * Math.Log10(255 / sigma) + 0.08);

        // RGB noise (independent per channel) reaches Y with σ·|luma weights|
        using var rgb = full(1, 3, 264, 264, 128.0, ScalarType.Float64);
        using var rgbNoisy = rgb + randn(new long[] { 1, 3, 264, 264 }, generator: g, dtype: ScalarType.Float64) * sigma;
        double sigmaY = sigma * Math.Sqrt(ImageQuality.LumaWeights.Sum(w => w * w));
        double expected = 20 * Math.Log10(255 / sigmaY);
        Assert.InRange(ImageQuality.PsnrY(rgb, rgbNoisy)[0], expected - 0.08, expected + 0.08);   // 256×256 after the 4-px crop
    }

    [Fact]
    public void BorderIsCropped()
    {
        using var a = RandomRgb(3);
        using var b = a.clone();
        b[.., .., 0..4, ..] += 50.0;            // differences only in the top 4 rows
        b[.., .., .., ^4..] -= 20.0;            // and the right 4 columns
        Assert.All(ImageQuality.PsnrY(a, b, border: 4), v => Assert.Equal(double.PositiveInfinity, v));
        Assert.All(ImageQuality.PsnrY(a, b, border: 3), v => Assert.True(double.IsFinite(v)));
    }

    static double[] Taps()
    {
        var t = Enumerable.Range(-5, 11).Select(d => Math.Exp(-d * d / 4.5)).ToArray();   // 2σ² = 4.5
        return t.Select(v => v / t.Sum()).ToArray();
    }

    [Fact]
    public void SsimOfTwoConstantsIsTheLuminanceTerm()
    {
        using var a = full(1, 1, 16, 16, 100.0, ScalarType.Float64);
        using var b = full(1, 1, 16, 16, 120.0, ScalarType.Float64);
        double c1 = Math.Pow(0.01 * 255, 2);
        Assert.Equal((2 * 100 * 120 + c1) / (100 * 100 + 120 * 120 + c1), ImageQuality.Ssim(a, b)[0], 12);
    }

    [Fact]
    public void SsimOfACheckerboardAgainstShiftedAndInvertedCopies()
    {
        // a = m + A·(−1)^(i+j): under the separable Gaussian window g, the local mean is m ± A·s² (s = Σ g(d)(−1)^d)
        // and the local variance A²(1 − s⁴), alternating by the parity of the window centre (6×6 valid positions: 18 each).
        const double m = 120, amp = 40, d = 15;
        double s = Taps().Select((g, i) => g * ((i - 5) % 2 == 0 ? 1 : -1)).Sum();
        double c1 = Math.Pow(0.01 * 255, 2), c2 = Math.Pow(0.03 * 255, 2), var = amp * amp * (1 - Math.Pow(s, 4));
        using var sign = (arange(16).unsqueeze(1) + arange(16).unsqueeze(0)).remainder(2).mul(-2).add(1).to_type(ScalarType.Float64);
        using var a = (sign * amp + m).reshape(1, 1, 16, 16);

        using var shifted = a + d;   // same variances, covariance = variance: only luminance differs
        double Lum(double mu1, double mu2) => (2 * mu1 * mu2 + c1) / (mu1 * mu1 + mu2 * mu2 + c1);
        double expectShift = (Lum(m + amp * s * s, m + amp * s * s + d) + Lum(m - amp * s * s, m - amp * s * s + d)) / 2;
        Assert.Equal(expectShift, ImageQuality.Ssim(a, shifted)[0], 10);

        using var inverted = 2 * m - a;   // covariance = −variance
        double cs = (-2 * var + c2) / (2 * var + c2);
        double expectInv = (Lum(m + amp * s * s, m - amp * s * s) + Lum(m - amp * s * s, m + amp * s * s)) / 2 * cs;
        Assert.Equal(expectInv, ImageQuality.Ssim(a, inverted)[0], 10);
        Assert.True(expectInv < -0.9);   // a strongly anti-correlated pair
    }

    [Fact]
    public void ToPixelsMapsTheSignedRange()
    {
        using var x = tensor(new float[] { -1, 0, 1, 1.5f, -0.2f }, new long[] { 1, 1, 1, 5 });
        Assert.Equal(new double[] { 0, 128, 255, 255, 102 }, ImageQuality.ToPixels(x).flatten().data<double>().ToArray());
        Assert.Equal(127.5, ImageQuality.ToPixels(x, quantize: false).flatten()[1].item<double>());
    }

    [Fact]
    public void MismatchedOrTooSmallImagesAreRejected()
    {
        using var a = zeros(1, 3, 16, 16);
        using var b = zeros(1, 3, 16, 12);
        Assert.Throws<ArgumentException>(() => ImageQuality.PsnrY(a, b));
        using var small = zeros(1, 1, 12, 12);
        Assert.Throws<ArgumentException>(() => ImageQuality.SsimY(small, small));   // 4 px off each side leaves 4×4
        using var four = zeros(1, 4, 16, 16);
        Assert.Throws<ArgumentException>(() => ImageQuality.Luma(four));
    }
}
