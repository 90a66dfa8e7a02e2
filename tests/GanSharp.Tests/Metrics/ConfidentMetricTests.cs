using GanSharp.Metrics;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

public sealed class ConfidentMetricTests
{
    [Fact]
    public void CountsRowsWhoseTopProbabilityExceedsTheThreshold()
    {
        using var probs = tensor(new double[,]
        {
            { 0.95, 0.05, 0.00 },   // confident
            { 0.90, 0.10, 0.00 },   // exactly 0.9: not above
            { 0.40, 0.30, 0.30 },   // unsure
            { 0.02, 0.97, 0.01 },   // confident, another class
            { 0.50, 0.50, 0.00 },   // a tie
        });
        Assert.Equal(2 / 5.0, ConfidentMetric.Share(probs), 12);
        Assert.Equal(3 / 5.0, ConfidentMetric.Share(probs, threshold: 0.85), 12);
        Assert.Equal(0.0, ConfidentMetric.Share(probs, threshold: 0.99), 12);
    }

    [Fact]
    public void IsRegisteredAndRefusesAnEmptyBatch()
    {
        Assert.Same(MetricRegistry.All["confident"], MetricRegistry.Parse("confident")[0]);
        using var empty = zeros(0, 10, dtype: ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => ConfidentMetric.Share(empty));
    }
}
