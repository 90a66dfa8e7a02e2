using GanSharp.Augment;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Augment;

public class DiffAugmentTests
{
    /// <summary>Same shape and bit-identical values.</summary>
    internal static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    [Fact]
    public void ParsesAnyCombinationAndRejectsUnknownPolicies()
    {
        Assert.Equal(new[] { "color", "translation", "cutout" }, new DiffAugment("color,translation,cutout").Policies);
        Assert.Equal(new[] { "cutout", "color" }, new DiffAugment(" cutout , color").Policies);
        Assert.Equal(new[] { "translation" }, new DiffAugment("translation").Policies);
        var e = Assert.Throws<ArgumentException>(() => new DiffAugment("color,colour"));
        Assert.Contains("unknown DiffAugment policy 'colour'", e.Message);
        Assert.Contains("color, translation, cutout", e.Message);
        Assert.Throws<ArgumentException>(() => new DiffAugment(""));
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new DiffAugment("cutout,cutout")).Message);
    }

    [Fact]
    public void TranslateShiftsByWholePixelsWithZeroFill()
    {
        using var scope = NewDisposeScope();
        var x = arange(1, 17, dtype: ScalarType.Float32).view(1, 1, 4, 4);
        var y = DiffAugment.Translate(x, tensor(new long[] { 1 }), tensor(new long[] { -1 }));
        // output[i, j] = input[i + 1, j − 1], zero outside.
        var expected = new float[16];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                expected[i * 4 + j] = i + 1 < 4 && j - 1 >= 0 ? (i + 1) * 4 + (j - 1) + 1 : 0;
        Assert.Equal(expected, y.data<float>().ToArray());
    }

    [Fact]
    public void CutoutZeroesAHalfSideSquareAroundTheCentreClippedAtTheEdge()
    {
        using var scope = NewDisposeScope();
        var x = ones(2, 1, 8, 8);
        // Sample 0: centre (4, 4) → rows and columns 2..5. Sample 1: centre (0, 7) → rows 0..1, columns 5..7.
        var m = DiffAugment.CutoutMask(x, tensor(new long[] { 4, 0 }), tensor(new long[] { 4, 7 }));
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
            {
                Assert.Equal(i is >= 2 and <= 5 && j is >= 2 and <= 5 ? 0f : 1f, m[0, 0, i, j].item<float>());
                Assert.Equal(i <= 1 && j >= 5 ? 0f : 1f, m[1, 0, i, j].item<float>());
            }
        Assert.True(Same(x * m, DiffAugment.CutoutAt(x, tensor(new long[] { 4, 0 }), tensor(new long[] { 4, 7 }))));
    }

    [Fact]
    public void ColourOpsKeepTheirMeansAndScaleDeviationsWithinTheReferenceRanges()
    {
        using var scope = NewDisposeScope();
        using var g0 = new Generator(11);
        var x = randn(new long[] { 6, 3, 5, 5 }, dtype: ScalarType.Float64, generator: g0);
        using var g = new Generator(3);
        var b = DiffAugment.Brightness(x, g) - x;                          // one shift per sample in [−0.5, 0.5)
        Assert.True(allclose(b, b[.., ..1, ..1, ..1].expand_as(b), 0, 1e-12));
        Assert.True(b.abs().max().item<double>() <= 0.5);

        var s = DiffAugment.Saturation(x, g);                              // channel mean kept, deviation × U(0, 2)
        var mean = x.mean(new long[] { 1 }, keepdim: true);
        Assert.True(allclose(s.mean(new long[] { 1 }, keepdim: true), mean, 0, 1e-12));
        var fs = ((s - mean) / (x - mean)).flatten(1);
        Assert.True(allclose(fs, fs[.., ..1].expand_as(fs), 0, 1e-9));
        Assert.True(fs.min().item<double>() >= 0 && fs.max().item<double>() <= 2);

        var c = DiffAugment.Contrast(x, g);                                // image mean kept, deviation × U(0.5, 1.5)
        var m = x.mean(new long[] { 1, 2, 3 }, keepdim: true);
        Assert.True(allclose(c.mean(new long[] { 1, 2, 3 }, keepdim: true), m, 0, 1e-12));
        var fc = ((c - m) / (x - m)).flatten(1);
        Assert.True(allclose(fc, fc[.., ..1].expand_as(fc), 0, 1e-9));
        Assert.True(fc.min().item<double>() >= 0.5 && fc.max().item<double>() <= 1.5);
    }

    [Fact]
    public void TranslationDrawsShiftsWithinAnEighthAndCutoutHalfTheSide()
    {
        using var scope = NewDisposeScope();
        var x = arange(1, 16 * 16 + 1, dtype: ScalarType.Float32).view(1, 1, 16, 16).expand(32, 1, 16, 16).contiguous();
        using var g = new Generator(5);
        var y = DiffAugment.Translation(x, g);
        var shifts = new HashSet<(long, long)>();
        for (int n = 0; n < 32; n++)
        {
            // The pixel at output (8, 8) is input (8 + dy, 8 + dx); its value tells the shift.
            long v = (long)y[n, 0, 8, 8].item<float>() - 1;
            long dy = v / 16 - 8, dx = v % 16 - 8;
            Assert.InRange(dy, -2, 2);
            Assert.InRange(dx, -2, 2);
            Assert.True(Same(DiffAugment.Translate(x[n..(n + 1)], tensor(new[] { dy }), tensor(new[] { dx })), y[n..(n + 1)]));
            shifts.Add((dy, dx));
        }
        Assert.True(shifts.Count > 5, "the draws should vary per sample");

        var c = DiffAugment.Cutout(ones(32, 1, 16, 16), g);
        var zeroed = (1 - c).sum(new long[] { 1, 2, 3 });                   // at most 8×8, at least 4×4 (a corner)
        Assert.True(zeroed.max().item<float>() <= 64 && zeroed.min().item<float>() >= 16);
    }

    [Fact]
    public void SameSeedSameAugmentationAndTheBatchShapeIsKept()
    {
        using var scope = NewDisposeScope();
        var aug = new DiffAugment();
        var x = randn(4, 3, 8, 8, generator: new Generator(1));
        using var g1 = new Generator(9);
        using var g2 = new Generator(9);
        using var g3 = new Generator(10);
        var a = aug.Apply(x, g1);
        Assert.Equal(x.shape, a.shape);
        Assert.True(Same(a, aug.Apply(x, g2)));
        Assert.False(allclose(a, aug.Apply(x, g3)));
    }

    [Theory]
    [InlineData("color")]
    [InlineData("translation")]
    [InlineData("cutout")]
    [InlineData("color,translation,cutout")]
    public void GradientReachesTheInputAsFiniteDifferencesSay(string policy)
    {
        using var scope = NewDisposeScope();
        set_num_threads(1);
        var aug = new DiffAugment(policy);
        var x0 = randn(new long[] { 2, 3, 8, 8 }, dtype: ScalarType.Float64, generator: new Generator(2));
        var weights = randn(new long[] { 2, 3, 8, 8 }, dtype: ScalarType.Float64, generator: new Generator(4));
        // A fresh generator with the same seed per call fixes the draw, so f is a fixed (affine) function of x.
        Tensor F(Tensor x)
        {
            using var g = new Generator(77);
            return (aug.Apply(x, g) * weights).sum();
        }
        AssertGradientMatchesFiniteDifferences(x => F(x), x0, policy);
    }

    /// <summary>
    /// Checks autograd's gradient of the scalar <paramref name="f"/> at <paramref name="x0"/> (float64) against
    /// central finite differences along 8 random directions and 8 coordinates; at least a third of the input must
    /// get a nonzero gradient.
    /// </summary>
    internal static void AssertGradientMatchesFiniteDifferences(Func<Tensor, Tensor> f, Tensor x0, string label)
    {
        using var scope = NewDisposeScope();
        var x = x0.clone().requires_grad_(true);
        f(x).backward();
        var grad = x.grad!.detach().clone();
        Assert.True(grad.ne(0).sum().item<long>() * 3 >= grad.numel(), $"{label}: only {grad.ne(0).sum().item<long>()} of {grad.numel()} inputs get a gradient");
        using var gen = new Generator(123);
        var directions = Enumerable.Range(0, 8).Select(_ => randn(x0.shape, dtype: ScalarType.Float64, generator: gen))
            .Concat(Enumerable.Range(0, 8).Select(k => zeros_like(x0).view(-1).index_fill_(0, tensor(new long[] { (k * 37) % x0.numel() }), 1).view_as(x0)));
        const double h = 1e-6;
        using var noGrad = no_grad();
        foreach (var v in directions)
        {
            double fd = (f(x0 + h * v).item<double>() - f(x0 - h * v).item<double>()) / (2 * h);
            double an = (grad * v).sum().item<double>();
            Assert.True(Math.Abs(fd - an) <= 1e-6 * (1 + Math.Abs(an)), $"{label}: directional derivative: finite difference {fd}, autograd {an}");
        }
    }
}
