using GanSharp.Metrics;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

public class StackedMnistModesTests
{
    // Small tensors: one thread avoids OpenMP stalls on a busy 2-core machine (as TestUtil does for training).
    public StackedMnistModesTests() => set_num_threads(1);

    [Fact]
    public void FixedDigitsMatchPacGanReference()
    {
        var f = MetricFixtures.Section("stacked_mnist");
        using var digits = f.LongTensor("digits");
        var r = StackedMnistModes.Compute(digits);
        Assert.Equal(f.Int("modes"), r.Modes);
        Assert.Equal(300, r.Samples);
        MetricFixtures.Close(f.Number("kl"), r.Kl, rel: 1e-12);
    }

    [Fact]
    public void OneTripleGivesOneModeAndKlLn1000()
    {
        using var digits = tensor(new long[] { 4, 0, 7 }).unsqueeze(0).expand(StackedMnistModes.VeeganSamples, 3);
        var r = StackedMnistModes.Compute(digits);
        Assert.Equal(1, r.Modes);
        Assert.Equal(Math.Log(1000), r.Kl, 12);
        Assert.Equal(26000, r.Samples);
    }

    [Fact]
    public void AllTriplesEquallyGiveThousandModesAndZeroKl()
    {
        using var codes = arange(1000, dtype: ScalarType.Int64);
        using var digits = stack([codes.div(100, RoundingMode.floor), codes.div(10, RoundingMode.floor).remainder(10), codes.remainder(10)], 1);
        var r = StackedMnistModes.Compute(digits);
        Assert.Equal(1000, r.Modes);
        Assert.Equal(0.0, r.Kl, 12);
        Assert.Equal(25600, StackedMnistModes.UnrolledSamples);
    }

    [Fact]
    public void BadInputFailsWithClearMessage()
    {
        using var twoColumns = zeros(5, 2, dtype: ScalarType.Int64);
        Assert.Contains("digits must be N×3", Assert.Throws<ArgumentException>(() => StackedMnistModes.Compute(twoColumns)).Message);
        using var outOfRange = full(5, 3, 10L);
        Assert.Contains("digits must be in 0..9; found 10", Assert.Throws<ArgumentException>(() => StackedMnistModes.Compute(outOfRange)).Message);
    }
}
