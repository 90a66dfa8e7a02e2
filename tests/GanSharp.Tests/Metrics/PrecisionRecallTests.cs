using GanSharp.Metrics;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

public class PrecisionRecallTests
{
    // Small tensors: one thread avoids OpenMP stalls on a busy 2-core machine (as TestUtil does for training).
    public PrecisionRecallTests() => set_num_threads(1);

    [Fact]
    public void FixedArraysMatchNumpy()
    {
        // Precision/recall are counts over 250/300 samples: exact. Nearest comparisons in the fixture are ≥ 1e-5 from
        // their radius, far above float64 cdist round-off. Small batches exercise the batching.
        var f = MetricFixtures.Section("precision_recall");
        using var real = f.Tensor("real");
        using var gen = f.Tensor("generated");
        var (precision, recall) = PrecisionRecall.Compute(real, gen, k: f.Int("k"), batchSize: 64);
        Assert.Equal(f.Number("precision"), precision);
        Assert.Equal(f.Number("recall"), recall);

        using var radii = PrecisionRecall.KnnRadii(real, 3, batchSize: 100);
        var expected = f.Vector("real_radii");
        var actual = radii.data<double>().ToArray();
        for (int i = 0; i < expected.Length; i++)
            MetricFixtures.Close(expected[i], actual[i], rel: 1e-9);
    }

    [Fact]
    public void IdenticalSetsHaveFullPrecisionAndRecall()
    {
        using var g = new Generator(5);
        using var x = randn([200, 4], generator: g);
        var (p, r) = PrecisionRecall.Compute(x, x.clone());
        Assert.Equal(1.0, p);
        Assert.Equal(1.0, r);
    }

    [Fact]
    public void CollapsedGeneratorHasHighPrecisionLowRecall()
    {
        using var g = new Generator(6);
        using var real = randn([500, 4], generator: g);
        using var gen = randn([500, 4], generator: g).mul_(0.05);   // all near the mode of the real data
        var (p, r) = PrecisionRecall.Compute(real, gen);
        Assert.True(p > 0.9, $"precision {p}");
        Assert.True(r < 0.2, $"recall {r}");
    }

    [Fact]
    public void BadInputFailsWithClearMessage()
    {
        using var a = zeros(10, 4);
        using var b = zeros(10, 3);
        Assert.Contains("feature dims differ: real has D=4, generated has D=3",
            Assert.Throws<ArgumentException>(() => PrecisionRecall.Compute(a, b)).Message);
        using var tiny = zeros(3, 4);
        Assert.Contains("needs more than 3 samples per set",
            Assert.Throws<ArgumentException>(() => PrecisionRecall.Compute(a, tiny)).Message);
    }
}
