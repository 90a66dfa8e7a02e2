using Xunit;
using GanSharp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Tests.Data;

public class GaussianMixture2DTests
{
    [Fact]
    public void RingHasEightDistinctModesOnTheUnitCircle()
    {
        using var means = GaussianMixture2D.Means("ring");
        Assert.Equal(new long[] { 8, 2 }, means.shape);
        var m = means.data<float>().ToArray();
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(1.0, Math.Sqrt(m[2 * i] * m[2 * i] + m[2 * i + 1] * m[2 * i + 1]), 5);
            for (int j = 0; j < i; j++)
            {
                double d = Math.Sqrt(Math.Pow(m[2 * i] - m[2 * j], 2) + Math.Pow(m[2 * i + 1] - m[2 * j + 1], 2));
                // Neighbors on a unit circle split in 8 are 2 sin(π/8) ≈ 0.765 apart.
                Assert.True(d > 0.76, $"modes {i} and {j} are {d} apart");
            }
        }
        Assert.Equal(0.01, GaussianMixture2D.Std("ring"));
    }

    [Fact]
    public void GridHasTwentyFiveModes()
    {
        using var means = GaussianMixture2D.Means("grid");
        Assert.Equal(new long[] { 25, 2 }, means.shape);
        var pairs = means.data<float>().ToArray().Chunk(2).Select(p => (p[0], p[1])).ToHashSet();
        Assert.Equal(25, pairs.Count);
        Assert.All(pairs, p => Assert.Contains(p.Item1, new[] { -4f, -2f, 0f, 2f, 4f }));
        Assert.Contains((4f, -4f), pairs);
        Assert.Equal(0.05, GaussianMixture2D.Std("grid"));
    }

    [Theory]
    [InlineData("ring", 8)]
    [InlineData("grid", 25)]
    public void SamplesClusterAroundTheirModes(string kind, int modes)
    {
        using var ds = kind == "ring" ? GaussianMixture2D.Ring(20000, 7) : GaussianMixture2D.Grid(20000, 7);
        using var means = GaussianMixture2D.Means(kind);
        double std = GaussianMixture2D.Std(kind);

        Assert.Equal(new long[] { 20000, 2 }, ds.Data.shape);
        Assert.Equal(ScalarType.Float32, ds.Data.dtype);
        Assert.Equal(modes, ds.NumClasses);
        Assert.False(ds.IsImage);
        var labels = ds.Labels!;
        Assert.Equal(ScalarType.Int64, labels.dtype);
        for (int k = 0; k < modes; k++)
        {
            using var mask = labels.eq(k);
            long n = mask.sum().item<long>();
            // Uniform over modes: each gets 20000/K ± a few standard errors.
            Assert.InRange(n, 20000 / modes * 0.8, 20000 / modes * 1.2);
            using var members = ds.Data[mask];
            using var mean = members.mean([0]);
            using var sd = members.std(0);
            Assert.True(mean.allclose(means[k], rtol: 0, atol: 5 * std / Math.Sqrt(n) + 1e-6), $"{kind} mode {k} sample mean off");
            Assert.InRange(sd[0].item<float>(), std * 0.9, std * 1.1);
        }
    }

    [Fact]
    public void SameSeedGivesSameSamplesAndOtherSeedDiffers()
    {
        using var a = GaussianMixture2D.Ring(100, 42);
        using var b = GaussianMixture2D.Ring(100, 42);
        using var c = GaussianMixture2D.Ring(100, 43);
        Assert.True(a.Data.allclose(b.Data, 0, 0));
        Assert.False(a.Data.allclose(c.Data, 0, 0));
    }

    [Fact]
    public void UnknownKindIsAnError()
    {
        Assert.Contains("use ring or grid", Assert.Throws<DataException>(() => GaussianMixture2D.Means("spiral")).Message);
    }
}
