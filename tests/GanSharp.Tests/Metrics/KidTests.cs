using GanSharp.Metrics;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

public class KidTests
{
    // Small tensors: one thread avoids OpenMP stalls on a busy 2-core machine (as TestUtil does for training).
    public KidTests() => set_num_threads(1);

    [Fact]
    public void FixedSubsetsMatchNumpy()
    {
        // Tolerance: relative 1e-9 (float64 kernels on both sides; values are O(0.1)).
        var f = MetricFixtures.Section("kid");
        using var a = f.Tensor("a");
        using var b = f.Tensor("b");
        var (mean, std) = Kid.ComputeOnSubsets(a, b, f.IndexLists("subsets_a"), f.IndexLists("subsets_b"));
        MetricFixtures.Close(f.Number("mean"), mean, rel: 1e-9);
        MetricFixtures.Close(f.Number("std"), std, rel: 1e-9);

        using var a50 = a.slice(0, 0, 50, 1);
        MetricFixtures.Close(f.Number("mmd2_a50_b"), Kid.Mmd2(a50, b), rel: 1e-9);
    }

    [Fact]
    public void RandomSubsetsAreSeededAndSeparateDistributions()
    {
        using var g = new Generator(3);
        using var real1 = randn([600, 16], generator: g);
        using var real2 = randn([600, 16], generator: g);
        using var shifted = randn([600, 16], generator: g).add_(1);
        var same = Kid.Compute(real1, real2, subsets: 5, subsetSize: 400, seed: 1);
        var again = Kid.Compute(real1, real2, subsets: 5, subsetSize: 400, seed: 1);
        var far = Kid.Compute(real1, shifted, subsets: 5, subsetSize: 400, seed: 1);
        Assert.Equal(same, again);
        Assert.InRange(same.Mean, -0.01, 0.01);   // unbiased: ≈ 0 for one distribution
        Assert.True(far.Mean > 0.5, $"KID of N(0,I) vs N(1,I) was {far.Mean}");
        Assert.True(same.Std > 0);
    }

    [Fact]
    public void TooFewSamplesFailsWithClearMessage()
    {
        using var a = zeros(1500, 8);
        using var b = zeros(500, 8);
        var e = Assert.Throws<ArgumentException>(() => Kid.Compute(a, b));
        Assert.StartsWith("KID needs at least 1000 samples per set for subsets of 1000; got 500", e.Message);
    }

    [Fact]
    public void MismatchedDimsFailWithClearMessage()
    {
        using var a = zeros(1000, 8);
        using var b = zeros(1000, 6);
        var e = Assert.Throws<ArgumentException>(() => Kid.Compute(a, b));
        Assert.Contains("feature dims differ: featuresA has D=8, featuresB has D=6", e.Message);
    }
}
