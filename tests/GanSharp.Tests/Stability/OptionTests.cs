using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;
using GanSharp.Families;

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
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void UnrolledStepLeavesDsRealParametersAndOptimizerStateUnchanged(bool firstOrder, bool convolutional)
    {
        // Same seed with and without unrolling: the D update before the G step is identical (parameters and
        // optimizer state equal the plain run's), and the G step with its k unrolled D updates leaves every tensor
        // of D (parameters and BatchNorm statistics) and of its optimizer exactly as the D update left it; only G
        // (trained against the unrolled D) differs.
        using var data = convolutional ? TestUtil.TinyImages(64) : GaussianMixture2D.Ring(1024, 1);
        (Dictionary<string, Tensor> End, Dictionary<string, Tensor> AfterDStep, long Steps, Tensor G0) Run(int unrolled)
        {
            var o = convolutional ? TestUtil.TinyDcgan(steps: 3) : TestUtil.TinyMlp(steps: 3);
            o.Unrolled = unrolled;
            o.UnrolledFirstOrder = firstOrder;
            set_num_threads(1);
            var system = GanFamilies.Create(o, data.ExampleShape, 0);
            var trainer = new Trainer(system, data);
            Dictionary<string, Tensor> State() =>
                system.D.state_dict().Select(kv => (kv.Key, kv.Value))
                    .Concat(trainer.OptD.State().Select(kv => ("opt." + kv.Name, kv.Value)))
                    .ToDictionary(kv => kv.Item1, kv => kv.Item2.clone().DetachFromDisposeScope());
            var afterDStep = new Dictionary<string, Tensor>();
            trainer.DiscriminatorStepTaken += _ => afterDStep = State();
            trainer.TrainStep();
            return (State(), afterDStep, trainer.OptD.StepCount, system.G.parameters().First().clone());
        }
        var plain = Run(0);
        var unrolled = Run(4);
        Assert.Equal(plain.Steps, unrolled.Steps);
        Assert.Equal(convolutional, unrolled.End.Keys.Any(k => k.Contains("running_mean")));
        foreach (var (k, v) in unrolled.AfterDStep)
            Assert.True(v.equal(unrolled.End[k]).all().item<bool>(), $"{k} changed by the unrolled G step");
        // The D update itself is the plain run's (its BatchNorm statistics then also see G's step there).
        foreach (var (k, v) in plain.AfterDStep)
            Assert.True(v.equal(unrolled.AfterDStep[k]).all().item<bool>(), $"{k} differs from the plain run's D update");
        foreach (var k in plain.End.Keys.Where(k => !k.Contains("running_") && !k.Contains("num_batches")))
            Assert.True(plain.End[k].equal(unrolled.End[k]).all().item<bool>(), $"{k} changed by unrolling");
        Assert.False(plain.G0.equal(unrolled.G0).all().item<bool>(), "G should have trained against the unrolled D");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SecondOrderUnrollingDiffersFromFirstOrder(bool convolutional)
    {
        using var data = convolutional ? TestUtil.TinyImages(64) : GaussianMixture2D.Ring(1024, 1);
        Tensor GAfter(bool firstOrder)
        {
            var o = convolutional ? TestUtil.TinyDcgan(steps: 2) : TestUtil.TinyMlp(steps: 2);
            o.Unrolled = 3;
            o.UnrolledFirstOrder = firstOrder;
            set_num_threads(1);
            var system = GanFamilies.Create(o, data.ExampleShape, 0);
            var trainer = new Trainer(system, data);
            var s = trainer.TrainStep();
            Assert.True(double.IsFinite(s.LossG));
            return system.G.parameters().First().clone();
        }
        // Same noise and batches; only the gradient path through D's unrolled updates differs.
        Assert.False(GAfter(true).allclose(GAfter(false), 0, 0));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SecondOrderUnrolledGradientMatchesFiniteDifferences(bool convolutional)
    {
        // In float64: G's gradient of the unrolled loss L(θ_G) = L_G(θ_D^k(θ_G)) along a random direction u equals
        // (L(θ_G + εu) − L(θ_G − εu)) / 2ε, with the same latents and batches for every evaluation. This checks
        // the derivative through the k Adam updates of D (not just that it differs from the first-order one).
        var saved = get_default_dtype();
        set_default_dtype(ScalarType.Float64);
        try
        {
            set_num_threads(1);
            var o = convolutional ? TestUtil.TinyDcgan() : TestUtil.TinyMlp();
            o.WidthG = o.WidthD = convolutional ? 3 : 8;
            o.Unrolled = 3;
            o.LrD = 0.05;  // large enough that the unrolled updates move D noticeably
            long[] shape = convolutional ? new long[] { 1, 28, 28 } : new long[] { 2 };
            using var system = GanFamilies.Create(o, shape, 0);
            system.G.train(); system.D.train();
            manual_seed(11);
            var batches = Enumerable.Range(0, o.Unrolled + 1)   // k unrolled batches, then G's
                .Select(_ => new Batch(randn(new[] { 8L }.Concat(shape).ToArray()).DetachFromDisposeScope(), null)).ToList();
            var optD = new Adam(system.D.named_parameters(), o.LrD, o.BetasD[0], o.BetasD[1]);
            for (int i = 0; i < 2; i++)           // non-zero moments, as mid-training
            {
                optD.ZeroGrad();
                system.D.call(batches[i].Real).square().mean().backward();
                optD.Step();
            }
            optD.ZeroGrad();
            Tensor Loss()
            {
                int next = 0;
                return UnrolledGan.GeneratorLoss(system, optD, batches[^1], () => batches[next++], new Generator(5));
            }
            var gParams = system.G.parameters().ToArray();
            foreach (var p in gParams) p.grad?.zero_();
            Loss().backward();
            var u = gParams.Select(p => randn_like(p)).ToArray();
            double analytic = gParams.Zip(u).Sum(t => t.First.grad!.mul(t.Second).sum().item<double>());
            double eps = 1e-7;   // small: ReLU/LeakyReLU kinks make wider central differences inexact
            double Shifted(double sign)
            {
                using (no_grad()) foreach (var (p, d) in gParams.Zip(u)) p.add_(d, alpha: sign * eps);
                double l = Loss().item<double>();
                using (no_grad()) foreach (var (p, d) in gParams.Zip(u)) p.add_(d, alpha: -sign * eps);
                return l;
            }
            double numeric = (Shifted(1) - Shifted(-1)) / (2 * eps);
            Assert.True(Math.Abs(analytic) > 1e-4, $"degenerate direction: {analytic}");
            Assert.True(Math.Abs(analytic - numeric) <= 1e-5 * Math.Max(1, Math.Abs(numeric)),
                $"autograd {analytic:G10} vs finite difference {numeric:G10}");
        }
        finally
        {
            set_default_dtype(saved);
        }
    }

    [Fact]
    public void SecondOrderUnrollingIsRefusedForLayersItCannotEvaluateFunctionally()
    {
        var conv = TestUtil.TinyDcgan();
        conv.Unrolled = 2;
        conv.MinibatchStd = true;
        using var images = TestUtil.TinyImages(32);
        using var system = GanFamilies.Create(conv, images.ExampleShape, 0);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(system, images));
        Assert.Contains("--unrolled-first-order", e.Message);
        Assert.Contains("minibatch layer", e.Message);

        conv.MinibatchStd = false;
        conv.SpectralNorm = true;
        using var sn = GanFamilies.Create(conv, images.ExampleShape, 0);
        e = Assert.Throws<ArgumentException>(() => new Trainer(sn, images));
        Assert.Contains("cannot be evaluated over explicit parameters", e.Message);
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

    [Theory]
    [InlineData("dcgan28", 1)]
    [InlineData("weakd28", 2)]     // BatchNorm on the first convolution too
    public void FunctionalConvolutionalDiscriminatorEqualsTheModuleInTrainingMode(string arch, int pack)
    {
        var o = TestUtil.TinyDcgan();
        o.Arch = arch;
        o.Pack = pack;
        o.WidthG = o.WidthD = 3;
        var (g, d) = GanModels.Build(o, new long[] { 1, 28, 28 });
        d.train();
        using (no_grad())                        // non-trivial BatchNorm affine parameters
            foreach (var (name, prm) in d.named_parameters())
                if (name.EndsWith("_bn.weight") || name.EndsWith("_bn.bias")) prm.uniform_(0.5, 1.5);
        using var x = randn(8, 1, 28, 28);
        var p = d.named_parameters().ToDictionary(kv => kv.name, kv => (Tensor)kv.parameter);
        var stats = d.named_buffers().ToDictionary(kv => kv.name, kv => kv.buffer.clone());
        Assert.NotEmpty(stats);
        using var functional = UnrolledGan.Forward(d, p, x);
        foreach (var (name, buffer) in d.named_buffers())
            Assert.True(buffer.equal(stats[name]).all().item<bool>(), $"functional forward changed {name}");
        using var module = d.call(x);            // batch statistics, as in D's update
        Assert.Equal(new long[] { 8 / pack }, functional.shape);
        Assert.True(module.allclose(functional, 1e-5, 1e-5));
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
