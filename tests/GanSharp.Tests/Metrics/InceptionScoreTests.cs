using GanSharp.Metrics;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

public class InceptionScoreTests
{
    // Small tensors: one thread avoids OpenMP stalls on a busy 2-core machine (as TestUtil does for training).
    public InceptionScoreTests() => set_num_threads(1);

    [Fact]
    public void FixedProbabilitiesMatchNumpy()
    {
        // Tolerance: relative 1e-9 (float64 logs on both sides).
        var f = MetricFixtures.Section("inception_score");
        using var probs = f.Tensor("probs");
        var (mean, std) = InceptionScore.Compute(probs, f.Int("splits"));
        MetricFixtures.Close(f.Number("mean"), mean, rel: 1e-9);
        MetricFixtures.Close(f.Number("std"), std, rel: 1e-9);
        MetricFixtures.Close(f.Number("class_entropy"), InceptionScore.ClassEntropy(probs), rel: 1e-12);
        Assert.Equal(f.Vector("histogram"), InceptionScore.ClassHistogram(probs.argmax(1), 10));
    }

    [Fact]
    public void OneClassGivesScoreOneAndZeroEntropy()
    {
        using var probs = zeros(50, 10);
        probs[.., 3] = tensor(1.0f);
        var (mean, std) = InceptionScore.Compute(probs, splits: 5);
        Assert.Equal(1.0, mean, 12);
        Assert.Equal(0.0, std, 12);
        Assert.Equal(0.0, InceptionScore.ClassEntropy(probs));
    }

    [Fact]
    public void ConfidentUniformClassesScoreNumClasses()
    {
        // One-hot predictions spread evenly over 10 classes: IS = 10, entropy = ln 10.
        using var labels = arange(100, dtype: ScalarType.Int64).remainder(10);
        using var probs = nn.functional.one_hot(labels, 10).to_type(ScalarType.Float64);
        var (mean, _) = InceptionScore.Compute(probs, splits: 10);
        Assert.Equal(10.0, mean, 9);
        Assert.Equal(Math.Log(10), InceptionScore.ClassEntropy(labels, 10), 12);
    }

    [Fact]
    public void BadInputFailsWithClearMessage()
    {
        using var logits = rand(20, 10).add_(0.5);
        Assert.Contains("rows must sum to 1", Assert.Throws<ArgumentException>(() => InceptionScore.Compute(logits)).Message);
        using var few = full(5, 2, 0.5);
        Assert.Contains("needs at least 10 samples; got 5", Assert.Throws<ArgumentException>(() => InceptionScore.Compute(few)).Message);
        using var labels = tensor(new long[] { 0, 12 });
        Assert.Contains("must be in 0..9; found 12", Assert.Throws<ArgumentException>(() => InceptionScore.ClassHistogram(labels, 10)).Message);
    }
}
