using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Stability;

public class OptionTests
{
    [Fact]
    public void RmsPropMatchesTorchSharpBitForBit()
    {
        manual_seed(0);
        using var a = nn.Linear(4, 2);
        using var b = nn.Linear(4, 2);
        using (no_grad()) foreach (var (pa, pb) in a.parameters().Zip(b.parameters())) pb.copy_(pa);
        var ours = new RmsProp(a.named_parameters(), 5e-3);
        var theirs = optim.RMSProp(b.parameters(), 5e-3, alpha: 0.99, eps: 1e-8);
        for (int i = 0; i < 5; i++)
        {
            using var x = randn(6, 4);
            ours.ZeroGrad(); a.call(x).pow(2).mean().backward(); ours.Step();
            theirs.zero_grad(); b.call(x).pow(2).mean().backward(); theirs.step();
        }
        foreach (var (pa, pb) in a.parameters().Zip(b.parameters()))
            Assert.Equal(pb.bytes.ToArray(), pa.bytes.ToArray());
    }

    [Fact]
    public void EmaFollowsTheDecayFormulaAndSwapRestoresTrainedWeights()
    {
        using var g = nn.Linear(2, 1);
        using (no_grad()) { g.weight!.fill_(1f); g.bias!.fill_(0f); }
        using var ema = new GeneratorEma(g, 0.9);
        using (no_grad()) g.weight!.fill_(3f);
        ema.Update();                                   // 0.9·1 + 0.1·3 = 1.2
        using (ema.Swap())
            Assert.Equal(1.2f, g.weight!.data<float>()[0], 5);
        Assert.Equal(3f, g.weight!.data<float>()[0]);   // trained weights back
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void UnrolledStepLeavesDsRealParametersAndOptimizerStateUnchanged(bool firstOrder)
    {
        // Same seed with and without unrolling: the D update before the G step is identical, and the k unrolled
        // D updates must leave no trace in D or its optimizer; only G (trained against the unrolled D) differs.
        using var data = GaussianMixture2D.Ring(1024, 1);
        (Dictionary<string, Tensor> D, Dictionary<string, Tensor> OptD, long Steps, Tensor G0) Run(int unrolled)
        {
            var o = TestUtil.TinyMlp(steps: 3);
            o.Unrolled = unrolled;
            o.UnrolledFirstOrder = firstOrder;
            set_num_threads(1);
            var system = GanFamilies.Create(o, data.ExampleShape, 0);
            var trainer = new Trainer(system, data);
            trainer.TrainStep();
            return (system.D.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone()),
                trainer.OptD.State().ToDictionary(kv => kv.Name, kv => kv.Value.clone()),
                trainer.OptD.StepCount, system.G.parameters().First().clone());
        }
        var plain = Run(0);
        var unrolled = Run(4);
        Assert.Equal(plain.Steps, unrolled.Steps);
        foreach (var (k, v) in plain.D) Assert.True(v.equal(unrolled.D[k]).all().item<bool>(), $"D.{k} changed by unrolling");
        foreach (var (k, v) in plain.OptD) Assert.True(v.equal(unrolled.OptD[k]).all().item<bool>(), $"optimizer {k} changed by unrolling");
        Assert.False(plain.G0.equal(unrolled.G0).all().item<bool>(), "G should have trained against the unrolled D");
    }

    [Fact]
    public void SecondOrderUnrollingDiffersFromFirstOrderAndIsRefusedForConvolutionalD()
    {
        using var data = GaussianMixture2D.Ring(1024, 1);
        Tensor GAfter(bool firstOrder)
        {
            var o = TestUtil.TinyMlp(steps: 2);
            o.Unrolled = 3;
            o.UnrolledFirstOrder = firstOrder;
            var system = GanFamilies.Create(o, data.ExampleShape, 0);
            var trainer = new Trainer(system, data);
            var s = trainer.TrainStep();
            Assert.True(double.IsFinite(s.LossG));
            return system.G.parameters().First().clone();
        }
        // Same noise and batches; only the gradient path through D's unrolled updates differs.
        Assert.False(GAfter(true).allclose(GAfter(false), 0, 0));

        var conv = TestUtil.TinyDcgan();
        conv.Unrolled = 2;
        using var images = TestUtil.TinyImages(32);
        using var system = GanFamilies.Create(conv, images.ExampleShape, 0);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(system, images));
        Assert.Contains("--unrolled-first-order", e.Message);
    }

    [Fact]
    public void FunctionalDiscriminatorEqualsTheModule()
    {
        var o = TestUtil.TinyMlp();
        o.Maxout = 3;
        o.Pack = 2;
        using var data = GaussianMixture2D.Ring(64, 1);
        var (g, d) = GanModels.Build(o, data.ExampleShape);
        using var x = randn(8, 2);
        var p = d.named_parameters().ToDictionary(kv => kv.name, kv => (Tensor)kv.parameter);
        Assert.True(d.call(x).allclose(UnrolledGan.Forward(d, p, x), 1e-6, 1e-6));
        g.Dispose(); d.Dispose();
    }

    [Fact]
    public void PackingJudgesMSamplesTogether()
    {
        var o = TestUtil.TinyDcgan();
        o.Pack = 4;
        using var images = TestUtil.TinyImages(32);
        var (g, d) = GanModels.Build(o, images.ExampleShape);
        using var x = randn(16, 1, 28, 28);
        Assert.Equal(new long[] { 4 }, d.call(x).shape);
        Assert.Equal(new long[] { 4, 4, 28, 28 }, d.Packed(x).shape);
        // The packed input's channel j holds sample 4i + j.
        Assert.True(d.Packed(x)[1, 2].equal(x[6, 0]).all().item<bool>());
        g.Dispose(); d.Dispose();
    }

    [Fact]
    public void VirtualBatchNormMakesEachGeneratedSampleIndependentOfItsBatch()
    {
        var o = TestUtil.TinyDcgan();
        o.VirtualBatchNorm = true;
        using var images = TestUtil.TinyImages(32);
        using var system = GanFamilies.Create(o, images.ExampleShape, 0);
        system.G.train();
        using var g = new Generator(3);
        using var z = system.SampleLatent(6, g);
        using var alone = system.Generate(z.narrow(0, 0, 1));
        using var inBatch = system.Generate(z);
        Assert.True(alone[0].allclose(inBatch[0], 1e-5, 1e-5), "VBN output must not depend on the other batch members");

        var plain = TestUtil.TinyDcgan();
        using var bn = GanFamilies.Create(plain, images.ExampleShape, 0);
        bn.G.train();
        using var a = bn.Generate(z.narrow(0, 0, 2));
        using var b = bn.Generate(z);
        Assert.False(a[0].allclose(b[0], 1e-5, 1e-5), "with BatchNorm the batch does change the output");
    }

    public static IEnumerable<object[]> Combinations()
    {
        yield return new object[] { "gan+smoothing+instance-noise+ema+r1+mbstd+pack", (Action<GanOptions>)(o =>
        { o.RealLabel = 0.9; o.InstanceNoise = 0.1; o.Ema = 0.99; o.R1 = 10; o.MinibatchStd = true; o.Pack = 2; }) };
        yield return new object[] { "wgan-gp+rmsprop+spectral-norm", (Action<GanOptions>)(o =>
        { o.Loss = LossKind.WganGp; o.Optimizer = OptimizerKind.Rmsprop; o.SpectralNorm = true; o.DSteps = 2; }) };
        yield return new object[] { "wgan+clip+minibatch-disc", (Action<GanOptions>)(o =>
        { o.Loss = LossKind.Wgan; o.Clip = 0.01; o.MinibatchDisc = 8; }) };
        yield return new object[] { "hinge+feature-matching-free+unrolled", (Action<GanOptions>)(o =>
        { o.Loss = LossKind.Hinge; o.Unrolled = 2; o.UnrolledFirstOrder = true; o.VirtualBatchNorm = true; }) };
        yield return new object[] { "lsgan+feature-matching", (Action<GanOptions>)(o =>
        { o.Loss = LossKind.Gan; o.FeatureMatching = true; o.SeparateBatches = false; }) };
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void EveryOptionSurvivesCheckpointAndResumeBitForBit(string name, Action<GanOptions> configure)
    {
        using var data = TestUtil.TinyImages(count: 48);
        TestUtil.AssertResumeEqualsUninterrupted(() =>
        {
            var o = TestUtil.TinyDcgan(steps: 6);
            o.LogEvery = 1;
            configure(o);
            return o;
        }, data, stopAt: 2, name);
    }

}
