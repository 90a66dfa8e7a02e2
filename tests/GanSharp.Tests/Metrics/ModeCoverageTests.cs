using GanSharp.Data;
using GanSharp.Metrics;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

public class ModeCoverageTests
{
    // Small tensors: one thread avoids OpenMP stalls on a busy 2-core machine (as TestUtil does for training).
    public ModeCoverageTests() => set_num_threads(1);

    [Fact]
    public void FixedSamplesMatchPacGanReferenceLoop()
    {
        // The fixture runs the PacGAN MetricLogger loop literally; counts are exact, KL to relative 1e-12.
        var f = MetricFixtures.Section("mode_coverage");
        using var samples = f.Tensor("samples");
        using var means = f.Tensor("means");
        var r = ModeCoverage.Compute(samples, means, f.Number("std"));
        Assert.Equal(f.Int("modes"), r.Modes);
        Assert.Equal(8, r.TotalModes);
        Assert.Equal(f.Vector("counts"), r.Counts.Select(c => (double)c).ToArray());
        MetricFixtures.Close(f.Number("high_quality_fraction"), r.HighQualityFraction, rel: 1e-12);
        MetricFixtures.Close(f.Number("reverse_kl"), r.ReverseKl, rel: 1e-12);
    }

    [Fact]
    public void TrueRingCoversAllModes()
    {
        using var data = GaussianMixture2D.Ring(2000, seed: 1);
        var r = ModeCoverage.Compute(data.Data, "ring");
        Assert.Equal(8, r.Modes);
        Assert.True(r.HighQualityFraction > 0.98, $"high quality {r.HighQualityFraction}");
        Assert.True(r.ReverseKl < 0.01, $"reverse KL {r.ReverseKl}");
    }

    [Fact]
    public void AllSamplesAtOneMeanGiveOneModeAndKlLn8()
    {
        using var means = GaussianMixture2D.Means("ring");
        using var samples = means[2].unsqueeze(0).expand(100, 2);
        var r = ModeCoverage.Compute(samples, "ring");
        Assert.Equal(1, r.Modes);
        Assert.Equal(1.0, r.HighQualityFraction);
        Assert.Equal(Math.Log(8), r.ReverseKl, 12);
        Assert.Equal(100, r.Counts[2]);
    }

    [Fact]
    public void InclusiveLinspaceRingCoversSevenOfEightModes()
    {
        // angles = linspace(0, 2π, 8) with the endpoint: 0 and 2π are the same point on the circle, so only 7 distinct
        // modes exist. Against those 8 means, the duplicate (mode 7) is never the first-nearest: 7 of 8 captured.
        // The angles are reduced mod 2π so the duplicate is bit-identical: with sin(2π) ≈ −2.4e−16 left in, the
        // reference's float64 strict-< rule splits that cluster between modes 0 and 7 by the sign of y (8 of 8).
        var angles = Enumerable.Range(0, 8).Select(i => Math.IEEERemainder(2 * Math.PI * i / 7, 2 * Math.PI)).ToArray();
        using var means = tensor(angles.SelectMany(a => new[] { Math.Cos(a), Math.Sin(a) }).ToArray(), [8, 2]);
        using var g = new Generator(4);
        using var which = randint(0, 8, [800], generator: g);
        using var samples = means.index_select(0, which) + randn([800, 2], dtype: ScalarType.Float64, generator: g).mul_(0.01);
        var r = ModeCoverage.Compute(samples, means, std: 0.01);
        Assert.Equal(7, r.Modes);
        Assert.Equal(0, r.Counts[7]);
    }

    [Fact]
    public void GeneratorMissingOneModeCoversSeven()
    {
        using var data = GaussianMixture2D.Ring(1000, seed: 2);
        using var keep = data.Labels!.ne(5).nonzero().squeeze(1);
        using var samples = data.Data.index_select(0, keep);
        var r = ModeCoverage.Compute(samples, "ring");
        Assert.Equal(7, r.Modes);
        Assert.Equal(0, r.Counts[5]);
    }

    [Fact]
    public void NoHighQualitySamplesGiveNaNKlAsReference()
    {
        using var samples = full(10, 2, 10.0);
        var r = ModeCoverage.Compute(samples, "grid");
        Assert.Equal(0, r.Modes);
        Assert.Equal(0.0, r.HighQualityFraction);
        Assert.True(double.IsNaN(r.ReverseKl));
    }

    [Fact]
    public void BadInputFailsWithClearMessage()
    {
        using var samples = zeros(10, 3);
        Assert.Contains("feature dims differ: samples has D=3, means has D=2",
            Assert.Throws<ArgumentException>(() => ModeCoverage.Compute(samples, "ring")).Message);
        using var ok = zeros(10, 2);
        Assert.Contains("unknown 2-D mixture 'spiral'", Assert.Throws<ArgumentException>(() => ModeCoverage.Compute(ok, "spiral")).Message);
    }
}
