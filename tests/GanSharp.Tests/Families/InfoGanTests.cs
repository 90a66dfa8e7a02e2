using GanSharp.Families;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Tests.Families;

/// <summary>dcgan's --info-classes: InfoGAN's categorical latent code (Chen et al. 2016), issue 17.</summary>
public sealed class InfoGanTests
{
    private static GanOptions Info(int classes = 3, double weight = 1, Action<GanOptions>? change = null)
    {
        var o = TestUtil.TinyDcgan(steps: 3);
        o.Set("info-classes", classes);
        o.Set("info-weight", weight);
        change?.Invoke(o);
        return o;
    }

    private static double V(StepStats s, string key) => s.Values.First(kv => kv.Key == key).Value;

    /// <summary>CE of Q's logits against the code, by hand: logits (0, ln 3) give softmax (¼, ¾); code 1 costs ln(4/3), code 0 ln 4.</summary>
    [Fact]
    public void InfoLossIsTheCrossEntropyOfQAgainstTheCode()
    {
        using var logits = tensor(new float[] { 0, (float)Math.Log(3), 0, (float)Math.Log(3) }).reshape(2, 2);
        using var codes = tensor(new long[] { 1, 0 });
        double loss = InfoGanSystem.InfoLoss(logits, codes).item<float>();
        Assert.Equal((Math.Log(4.0 / 3) + Math.Log(4)) / 2, loss, 5);
    }

    /// <summary>Latents are [z, one-hot(c)]: z-dim + K columns, exactly one 1 in the code part, Code reads it back, same generator seed → same latents.</summary>
    [Fact]
    public void LatentsCarryAOneHotCodeThatCodeReadsBack()
    {
        using var data = TestUtil.TinyImages(32);
        using var system = (InfoGanSystem)GanFamilies.Create(Info(classes: 5), data.ExampleShape, data.NumClasses);
        using var g1 = new Generator(9);
        using var g2 = new Generator(9);
        using var a = system.SampleLatent(400, g1);
        using var b = system.SampleLatent(400, g2);
        Assert.Equal(new long[] { 400, 8 + 5 }, a.shape);
        Assert.True(a.equal(b).all().item<bool>());
        using var onehot = a.narrow(1, 8, 5);
        Assert.True(onehot.sum(1).eq(1).all().item<bool>());
        Assert.True(onehot.eq(0).logical_or(onehot.eq(1)).all().item<bool>());
        using var code = system.Code(a);
        Assert.True(code.eq(onehot.argmax(1)).all().item<bool>());
        var counts = code.bincount(null, 5).data<long>().ToArray();
        Assert.All(counts, c => Assert.InRange(c, 50, 130));      // uniform over 5: 80 each
        Assert.Equal(8 + 5, ((TorchSharp.Modules.Linear)system.G.named_modules().First(m => m.name == "fc").module).in_features);
    }

    /// <summary>The grid shows code i in row i; a condition replaces the latents' code and keeps z.</summary>
    [Fact]
    public void AConditionSetsTheCodeAndTheGridHasOneCodePerRow()
    {
        using var data = TestUtil.TinyImages(32);
        using var system = (InfoGanSystem)GanFamilies.Create(Info(classes: 3), data.ExampleShape, data.NumClasses);
        Assert.Equal(new long[] { 0, 0, 1, 1, 2, 2 }, system.GridCondition(5)!.data<long>().ToArray());
        Assert.Equal(2, system.GridColumns(5));
        system.G.eval();
        using var g = new Generator(4);
        using var z = system.SampleLatent(6, g);
        using var codes = tensor(new long[] { 2, 0, 1, 1, 0, 2 });
        using var expected = system.G.call(cat(new[] { z.narrow(1, 0, 8), functional.one_hot(codes, 3).to_type(ScalarType.Float32) }, 1));
        using var actual = system.Generate(z, codes);
        Assert.True(actual.equal(expected).all().item<bool>());
        using var own = system.Generate(z);
        using var direct = system.G.call(z);
        Assert.True(own.equal(direct).all().item<bool>());
    }

    /// <summary>
    /// The D and G losses are the adversarial loss plus λ · the logged information term: at λ = 0 and λ = 2 from the
    /// same state and seed, the first step's losses differ by exactly 2 × the logged term.
    /// </summary>
    [Fact]
    public void BothLossesAddTheWeightedInformationTerm()
    {
        using var data = TestUtil.TinyImages(64);
        set_num_threads(1);
        (double D, double G, double InfoD, double InfoG) First(double weight)
        {
            using var system = GanFamilies.Create(Info(weight: weight), data.ExampleShape, data.NumClasses);
            using var trainer = new Trainer(system, data);
            var s = trainer.TrainStep();
            return (s.LossD, s.LossG, V(s, "loss_info_d"), V(s, "loss_info_g"));
        }
        var off = First(0);
        var on = First(2);
        Assert.Equal(off.InfoD, on.InfoD, 6);                     // the D step sees the same state at both weights
        Assert.InRange(on.InfoD, Math.Log(3) - 0.3, Math.Log(3) + 0.3); // an untrained Q: about ln K
        Assert.Equal(off.D + 2 * on.InfoD, on.D, 5);
        Assert.True(double.IsFinite(on.G) && double.IsFinite(on.InfoG));
        Assert.NotEqual(off.G, on.G);
    }

    /// <summary>Q is trained with D: after D steps alone on a fixed G, the information loss falls well below ln K.</summary>
    [Fact]
    public void QLearnsToReadTheCodeBack()
    {
        using var data = TestUtil.TinyImages(64);
        set_num_threads(1);
        var o = Info(classes: 3, change: o => { o.WidthG = 8; o.WidthD = 8; });
        using var system = (InfoGanSystem)GanFamilies.Create(o, data.ExampleShape, data.NumClasses);
        using var trainer = new Trainer(system, data);
        var first = new List<double>();
        var last = new List<double>();
        for (int i = 0; i < 30; i++)
        {
            var s = trainer.TrainStep();
            (i < 3 ? first : last).Add(V(s, "loss_info_d"));
        }
        Assert.True(last.Skip(last.Count - 5).Average() < 0.5 * first.Average(), $"info loss {first.Average():F3} → {last.Skip(last.Count - 5).Average():F3}");
    }

    [Fact]
    public void ARunResumesBitForBitAndTheCheckpointHoldsQ()
    {
        using var data = TestUtil.TinyImages(64);
        var names = TestUtil.AssertResumeEqualsUninterrupted(() => Info(change: o => o.Steps = 4), data, 2, "info");
        Assert.Contains(names, n => n.StartsWith("Q.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("pack", "--pack")]
    [InlineData("mbstd", "minibatch layers")]
    [InlineData("fm", "--feature-matching")]
    [InlineData("unrolled", "--unrolled")]
    [InlineData("arch", "needs a DCGAN architecture")]
    [InlineData("one", "at least 2")]
    public void UnsupportedCombinationsAreRefusedInOneLine(string what, string message)
    {
        using var data = TestUtil.TinyImages(32);
        var o = what == "one" ? Info(classes: 1) : Info(change: what switch
        {
            "pack" => o => o.Pack = 2,
            "mbstd" => o => o.MinibatchStd = true,
            "fm" => o => o.FeatureMatching = true,
            "unrolled" => o => { o.Unrolled = 1; o.UnrolledFirstOrder = true; },
            _ => o => o.Arch = "dcgan28-deep",
        });
        var e = Assert.Throws<ArgumentException>(() => GanFamilies.Create(o, data.ExampleShape, data.NumClasses).Dispose());
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
