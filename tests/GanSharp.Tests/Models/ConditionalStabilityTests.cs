using GanSharp.Losses;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Conditional;

/// <summary>cgan honours every stability option through the loss object and D's options, or refuses it in one line (issue 12).</summary>
public sealed class ConditionalStabilityTests
{
    private static GanOptions Cgan(Action<GanOptions>? change = null)
    {
        var o = new GanOptions
        {
            Model = "cgan", Arch = "dcgan28", Data = "tiny", Steps = 3, Batch = 16, ZDim = 8, WidthG = 4, WidthD = 4, Threads = 1, Seed = 4,
        };
        change?.Invoke(o);
        return o;
    }

    private static List<(double D, double G)> Losses(GanOptions o)
    {
        using var data = TestUtil.TinyImages(64);
        TorchSharp.torch.set_num_threads(1);
        using var system = GanFamilies.Create(o, data.ExampleShape, data.NumClasses);
        using var trainer = new Trainer(system, data);
        return Enumerable.Range(0, o.Steps).Select(_ => { var s = trainer.TrainStep(); return (s.LossD, s.LossG); }).ToList();
    }

    public static IEnumerable<object[]> Honoured() => new (string Name, Action<GanOptions> Change)[]
    {
        ("wgan-gp", o => o.Loss = LossKind.WganGp), ("hinge", o => o.Loss = LossKind.Hinge), ("lsgan", o => o.Loss = LossKind.Lsgan),
        ("wgan+clip", o => { o.Loss = LossKind.Wgan; o.Clip = 0.01; }), ("r1", o => o.R1 = 5), ("real-label", o => o.RealLabel = 0.9),
        ("instance-noise", o => o.InstanceNoise = 0.5), ("spectral-norm", o => o.SpectralNorm = true), ("pack", o => o.Pack = 2),
        ("minibatch-std", o => o.MinibatchStd = true), ("minibatch-disc", o => o.MinibatchDisc = 4),
        ("unrolled-first-order", o => { o.Unrolled = 2; o.UnrolledFirstOrder = true; }), ("d-steps", o => o.DSteps = 2),
        ("joint batches", o => o.SeparateBatches = false), ("projection+r1", o => { o.ConditionalD = "projection"; o.R1 = 5; }),
    }.Select(c => new object[] { c.Name, c.Change });

    [Theory]
    [MemberData(nameof(Honoured))]
    public void EveryStabilityOptionChangesTraining(string name, Action<GanOptions> change)
    {
        var baseline = Losses(Cgan(name.StartsWith("projection") ? o => o.ConditionalD = "projection" : null));
        var changed = Losses(Cgan(change));
        Assert.All(changed, l => Assert.True(double.IsFinite(l.D) && double.IsFinite(l.G), name));
        Assert.NotEqual(baseline, changed);
    }

    /// <summary>EMA changes what is sampled, not the losses: the average follows the conditional G, θ̄ ← ½θ̄ + ½θ.</summary>
    [Fact]
    public void EmaAveragesTheConditionalGenerator()
    {
        using var data = TestUtil.TinyImages(64);
        TorchSharp.torch.set_num_threads(1);
        using var system = GanFamilies.Create(Cgan(o => o.Ema = 0.5), data.ExampleShape, data.NumClasses);
        using var trainer = new Trainer(system, data);
        var name = system.G.named_parameters().First().name;
        var start = system.G.named_parameters().First().parameter.detach().clone();
        trainer.TrainStep();
        var after1 = system.G.named_parameters().First().parameter.detach().clone();
        var average = system.Ema!.State().First(s => s.Name == name).Value;
        Assert.True(average.allclose(start * 0.5 + after1 * 0.5, 1e-6, 1e-7));
        Assert.False(average.allclose(after1, 0, 0));
    }

    [Fact]
    public void SpectralNormAndMinibatchLayersAreInTheConditionalD()
    {
        using var data = TestUtil.TinyImages(32);
        using (var sn = GanFamilies.Create(Cgan(o => o.SpectralNorm = true), data.ExampleShape, 10))
            Assert.Contains(sn.D.modules(), m => m is GanSharp.Layers.SNConv2d);
        using (var mb = GanFamilies.Create(Cgan(o => o.MinibatchStd = true), data.ExampleShape, 10))
            Assert.Contains(mb.D.modules(), m => m is GanSharp.Layers.MinibatchStdDev);
    }

    [Theory]
    [InlineData("feature-matching", "--feature-matching is not available for cgan (it matches an unconditional D's features)")]
    [InlineData("unrolled", "--unrolled with gradients through the unrolled updates is not available for cgan (the functional D has no label maps); add --unrolled-first-order")]
    [InlineData("vbn", "--virtual-batch-norm is not available for cgan (its generator has no VBN variant)")]
    [InlineData("projection-sn", "--spectral-norm is not available with --cond-d projection; use --cond-d concat")]
    [InlineData("projection-pack", "--pack is not available with --cond-d projection; use --cond-d concat")]
    [InlineData("projection-mbstd", "minibatch layers are not available with --cond-d projection; use --cond-d concat")]
    public void UnsupportedOptionsAreRefusedInOneLine(string which, string message)
    {
        var o = Cgan(which switch
        {
            "feature-matching" => o => o.FeatureMatching = true,
            "unrolled" => o => o.Unrolled = 2,
            "vbn" => o => o.VirtualBatchNorm = true,
            "projection-sn" => o => { o.ConditionalD = "projection"; o.SpectralNorm = true; },
            "projection-pack" => o => { o.ConditionalD = "projection"; o.Pack = 2; },
            _ => o => { o.ConditionalD = "projection"; o.MinibatchStd = true; },
        });
        var e = Assert.Throws<ArgumentException>(() => GanFamilies.Create(o, new long[] { 1, 28, 28 }, 10));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void ReuseDFakeIsRefusedForFamiliesWithTheirOwnLosses()
    {
        using var data = TestUtil.TinyImages(32);
        using var system = GanFamilies.Create(Cgan(o => o.ReuseDFake = true), data.ExampleShape, 10);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(system, data));
        Assert.Equal("--reuse-d-fake is not available here (the cgan family has its own losses)", e.Message);
    }

    [Fact]
    public void SemisupRefusesTheStabilityOptions()
    {
        var o = new GanOptions { Model = "semisup", Arch = "semisup-mlp", Data = "tiny", R1 = 1 };
        var e = Assert.Throws<ArgumentException>(() => GanFamilies.Create(o, new long[] { 1, 28, 28 }, 10));
        Assert.Equal("--r1 is not available for the semisup model: its D is a K+1-class classifier with its own loss", e.Message);
    }
}
