using GanSharp.Data;
using GanSharp.Families.Progressive;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Progressive;

public sealed class LapganFamilyTests
{
    // 32×32 images: the 8×8 GAN and two band levels (16, 32).
    private static GanOptions Options(int steps = 6) => new()
    {
        Model = LapganFamily.ModelName, Data = "tiny32", Steps = steps, Batch = 4, ZDim = 6, WidthG = 4, WidthD = 4,
        Threads = 1, LogEvery = 1, SampleEvery = 1000, CheckpointEvery = 1000, SampleCount = 4, Seed = 5,
    };

    private static TensorDataset Images(int side = 32, int count = 12)
    {
        using var g = new Generator(8);
        return new TensorDataset("tiny32", randint(0, 256, new long[] { count, 1, side, side }, generator: g).to_type(ScalarType.Byte));
    }

    private static LapganSystem Create(GanOptions o, TensorDataset data) => (LapganSystem)GanFamilies.Create(o, data.ExampleShape, 0);

    [Fact]
    public void ASampleIsTheCoarseImageRefinedByGeneratedBandsCoarseToFine()
    {
        using var data = Images();
        set_num_threads(1);
        using var system = Create(Options(), data);
        var g = system.Levels;
        g.eval();
        Assert.Equal(2, g.Levels);
        Assert.Equal(6 + 16 * 16 + 32 * 32, g.LatentSize);                                   // z, the 16×16 plane, the 32×32 plane
        Assert.Equal(new[] { 8, 16, 32 }, system.LevelSides);
        using var scope = NewDisposeScope();
        var z = system.SampleLatent(3, new Generator(1));
        var i8 = g.CoarseImage(z.narrow(1, 0, 6));                                            // I_2 = G_2(z_2)
        var l16 = LaplacianPyramid.Upsample(i8);
        var i16 = l16 + g.Band(1, l16, z.narrow(1, 6, 256).view(3, 1, 16, 16));               // I_1 = u(I_2) + G_1(z_1, u(I_2))
        var l32 = LaplacianPyramid.Upsample(i16);
        var i32 = l32 + g.Band(0, l32, z.narrow(1, 6 + 256, 1024).view(3, 1, 32, 32));
        Assert.True(g.forward(z).equal(i32).all().item<bool>());
        Assert.True(system.Generate(z).equal(i32.clamp(-1, 1)).all().item<bool>());
        // The generated bands are reconstructed by the pyramid's own rule.
        Assert.True(allclose(LaplacianPyramid.Reconstruct(i8, new[] { i32 - l32, i16 - l16 }), i32, 1e-5, 1e-5));
    }

    [Fact]
    public void TheLevelsAreTrainedIndependently()
    {
        // Each level's G loss depends on its own G only (the finer levels see real coarser images): changing the
        // 16×16 generator leaves the 8×8 and 32×32 losses bit for bit as they were.
        using var data = Images();
        set_num_threads(1);
        using var system = Create(Options(), data);
        using var scope = NewDisposeScope();
        var batch = new Batch(new Dictionary<string, Tensor> { [BatchFields.Image] = data.Gather(arange(4)) });
        var before = system.GeneratorLoss(batch, new Generator(2)).Logged.ToDictionary(kv => kv.Key, kv => kv.Value.item<float>());
        using (no_grad())
            foreach (var (name, p) in system.G.named_parameters())
                if (name.StartsWith("bands.1.")) p.add_(0.5);
        var after = system.GeneratorLoss(batch, new Generator(2)).Logged.ToDictionary(kv => kv.Key, kv => kv.Value.item<float>());
        Assert.Equal(new[] { "loss_g8", "loss_g16", "loss_g32" }, before.Keys);
        Assert.Equal(before["loss_g8"], after["loss_g8"]);
        Assert.Equal(before["loss_g32"], after["loss_g32"]);
        Assert.NotEqual(before["loss_g16"], after["loss_g16"]);
        // The step's G loss is the sum of the levels' losses.
        var r = system.GeneratorLoss(batch, new Generator(2));
        Assert.Equal(after.Values.Sum(), r.Loss.item<float>(), 4);
    }

    [Fact]
    public void EachLevelsDSeesThePyramidOfTheRealBatch()
    {
        using var data = Images();
        set_num_threads(1);
        using var system = Create(Options(), data);
        using var scope = NewDisposeScope();
        var x = data.Gather(arange(4));
        var pyramid = LaplacianPyramid.Build(x, 2);
        var judges = system.Judges;
        var low16 = LaplacianPyramid.Upsample(pyramid.Coarsest);
        var low32 = LaplacianPyramid.Upsample(low16 + pyramid.Bands[1]);
        // The logged D(x) is the finest level's mean real output, D_0(h_0 + l_0) = D_0 of the image itself.
        var r = system.DiscriminatorLoss(new Batch(new Dictionary<string, Tensor> { [BatchFields.Image] = x }), new Generator(3));
        var expected = sigmoid(judges.Band(0, pyramid.Bands[0], low32)).mean().item<float>();
        Assert.Equal(expected, r.DReal!.item<float>(), 5);
        Assert.True(allclose(pyramid.Bands[0] + low32, x, 1e-5, 1e-5));
        Assert.Equal(new[] { "loss_d8", "loss_d16", "loss_d32" }, r.Logged.Keys);
    }

    [Fact]
    public void ResumedRunEqualsUninterruptedRunBitForBit()
    {
        using var data = Images();
        var keys = TestUtil.AssertResumeEqualsUninterrupted(() => Options(), data, stopAt: 3);
        Assert.Contains("G.bands.0.0.weight", keys);
        Assert.Contains("optD.exp_avg.coarse1.weight", keys);
    }

    [Fact]
    public void TheCoarseDDropsHalfItsHiddenUnitsWithMasksFromTheTrainingGenerator()
    {
        using var data = Images();
        set_num_threads(1);
        using var system = Create(Options(), data);
        using var scope = NewDisposeScope();
        var x = data.Gather(arange(4)).narrow(2, 0, 8).narrow(3, 0, 8);
        var d = system.Judges;
        var a = d.Coarse(x, new Generator(7));
        Assert.True(a.equal(d.Coarse(x, new Generator(7))).all().item<bool>());               // the same draws, the same masks
        Assert.False(a.equal(d.Coarse(x, new Generator(8))).all().item<bool>());
        var plain = d.Coarse(x);                                                                // no generator: no dropout
        d.eval();
        Assert.True(plain.equal(d.Coarse(x, new Generator(7))).all().item<bool>());            // eval mode: no dropout
    }

    [Fact]
    public void ImagesBelow16PixelsAreRefusedInOneLine()
    {
        using var data = Images(side: 8);
        var e = Assert.Throws<ArgumentException>(() => GanFamilies.Create(Options(), data.ExampleShape, 0));
        Assert.Contains("power of two from 16", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
