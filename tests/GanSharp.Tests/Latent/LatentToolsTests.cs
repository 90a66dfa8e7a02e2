using GanSharp.Latent;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Latent;

/// <summary>Inversion and attribute arithmetic on a tiny untrained dcgan28 generator (z-dim 8, width 4).</summary>
public class LatentToolsTests
{
    private static GanSystem TinySystem()
    {
        set_num_threads(1);
        var o = TestUtil.TinyDcgan();
        var system = GanFamilies.Create(o, new long[] { 1, 28, 28 }, 0);
        system.G.eval();
        return system;
    }

    [Fact]
    public void InversionReducesErrorOnATargetGCanProduce()
    {
        using var system = TinySystem();
        using var scope = NewDisposeScope();
        using var g = new Generator(11);
        var zStar = system.SampleLatent(2, g);
        var target = SampleGrids.Sample(system, zStar).clone();
        using var result = GanInversion.Invert(system, target, new InversionOptions { Steps = 150, Lr = 0.05, Starts = 2, Seed = 4 });
        Assert.Equal(new long[] { 2, 8 }, result.Latents.shape);
        Assert.Equal(target.shape, result.Reconstructions.shape);
        for (int i = 0; i < 2; i++)
            Assert.True(result.MseAfter[i] < 0.25 * result.MseBefore[i], $"image {i}: MSE {result.MseBefore[i]} -> {result.MseAfter[i]}");
        Assert.True(system.G.parameters().All(p => p.requires_grad), "G's parameters are restored");
        Assert.False(system.G.training);
    }

    [Fact]
    public void InversionWithPriorPenaltyRuns()
    {
        using var system = TinySystem();
        using var scope = NewDisposeScope();
        using var g = new Generator(12);
        var target = SampleGrids.Sample(system, system.SampleLatent(1, g)).clone();
        using var result = GanInversion.Invert(system, target, new InversionOptions { Steps = 5, PriorWeight = 1, Starts = 1 });
        Assert.True(double.IsFinite(result.MseAfter[0]));
    }

    [Fact]
    public void ArithmeticGridHasRowsTimesColumns()
    {
        using var system = TinySystem();
        using var scope = NewDisposeScope();
        var attr = LatentAttribute.Parse("thick");
        using var v = AttributeVectors.Build(system, attr, 40, seed: 1, classifier: null, batch: 16);
        Assert.Equal(new long[] { 8 }, v.Vector.shape);
        Assert.Equal((10, 10), (v.Positives, v.Negatives));
        Assert.True(v.PositiveMean >= v.NegativeMean);
        var baseZ = AttributeVectors.BaseLatents(system, attr, 3, seed: 2, classifier: null);
        var ts = AttributeVectors.Range(-2, 2, 5);
        Assert.Equal(new[] { -2.0, -1, 0, 1, 2 }, ts);
        using var grid = AttributeVectors.Walk(system, baseZ, v.Vector, ts, attr, null);
        Assert.Equal(new long[] { 15, 1, 28, 28 }, grid.Images.shape);
        Assert.Equal((3, 5), (grid.Rows, grid.Columns));
        Assert.Equal(5, grid.ColumnMeans.Length);
        // Column t = 0 is G(z) itself.
        var plain = DigitAttributes.Thickness(SampleGrids.Sample(system, baseZ)).data<float>().ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(plain[i], grid.Measured[i, 2], 4);
    }

    [Fact]
    public void SeedLatentsMatchTheSampleCommand()
    {
        using var system = TinySystem();
        using var scope = NewDisposeScope();
        var z = LatentSource.FromSeeds(system, new long[] { 5, 6 });
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(6, -3));
        Assert.True(z[1].allclose(system.SampleLatent(1, g)[0], 0, 0));
    }

    [Fact]
    public void LatentFilesRoundTripAndRejectWrongWidths()
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "z.txt");
        using var g = new Generator(3);
        using var z = randn(new long[] { 3, 8 }, generator: g);
        LatentSource.SaveLatents(path, z);
        using var back = LatentSource.LoadLatents(path, 8);
        Assert.True(back.allclose(z, 0, 0));
        var e = Assert.Throws<ArgumentException>(() => LatentSource.LoadLatents(path, 100));
        Assert.Contains("has 8 numbers", e.Message);
        Assert.Throws<FileNotFoundException>(() => LatentSource.LoadLatents(Path.Combine(tmp.Path, "none.txt"), 8));
    }
}
