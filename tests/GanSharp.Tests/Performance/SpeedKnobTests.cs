using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Performance;
using GanSharp.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using GanSharp.Families;

namespace GanSharp.Tests.Performance;

/// <summary>Each speed knob against the stock path over 20 steps (docs/performance.md).</summary>
public class SpeedKnobTests
{
    private const int Steps = 20;

    private static (List<(double D, double G)> Losses, Dictionary<string, Tensor> Weights) Train(GanOptions o, TensorDataset data, int steps = Steps) =>
        TestUtil.Train(o, data, steps);

    private static GanOptions Stock(GanOptions o)
    {
        SpeedKnobs.SetStock(o);
        return o;
    }

    private static GanOptions With(GanOptions o, Action<GanOptions> knob)
    {
        SpeedKnobs.SetStock(o);
        knob(o);
        return o;
    }

    private static void AssertBitIdentical((List<(double D, double G)> Losses, Dictionary<string, Tensor> Weights) a,
        (List<(double D, double G)> Losses, Dictionary<string, Tensor> Weights) b)
    {
        Assert.Equal(a.Losses, b.Losses);
        foreach (var (k, v) in a.Weights) Assert.True(v.equal(b.Weights[k]).all().item<bool>(), $"{k} differs");
    }

    private static void AssertClose((List<(double D, double G)> Losses, Dictionary<string, Tensor> Weights) a,
        (List<(double D, double G)> Losses, Dictionary<string, Tensor> Weights) b, double tol)
    {
        for (int i = 0; i < a.Losses.Count; i++)
        {
            Assert.True(Math.Abs(a.Losses[i].D - b.Losses[i].D) <= tol * Math.Max(1, Math.Abs(a.Losses[i].D)), $"loss_d step {i + 1}: {a.Losses[i].D} vs {b.Losses[i].D}");
            Assert.True(Math.Abs(a.Losses[i].G - b.Losses[i].G) <= tol * Math.Max(1, Math.Abs(a.Losses[i].G)), $"loss_g step {i + 1}: {a.Losses[i].G} vs {b.Losses[i].G}");
        }
        foreach (var (k, v) in a.Weights)
            if (v.is_floating_point()) Assert.True(v.allclose(b.Weights[k], rtol: tol, atol: tol), $"{k} differs beyond {tol}");
    }

    [Fact]
    public void FreezeD_IsBitIdentical_Conv_And_Mlp()
    {
        using var images = TestUtil.TinyImages();
        AssertBitIdentical(Train(Stock(TestUtil.TinyDcgan()), images), Train(With(TestUtil.TinyDcgan(), o => o.FreezeD = true), images));
        using var points = GaussianMixture2D.Ring(512, 7);
        AssertBitIdentical(Train(Stock(TestUtil.TinyMlp()), points), Train(With(TestUtil.TinyMlp(), o => o.FreezeD = true), points));
    }

    [Fact]
    public void FusedAdam_IsBitIdentical_Conv_And_Mlp()
    {
        using var images = TestUtil.TinyImages();
        AssertBitIdentical(Train(Stock(TestUtil.TinyDcgan()), images), Train(With(TestUtil.TinyDcgan(), o => o.FusedAdam = true), images));
        using var points = GaussianMixture2D.Ring(512, 7);
        AssertBitIdentical(Train(Stock(TestUtil.TinyMlp()), points), Train(With(TestUtil.TinyMlp(), o => o.FusedAdam = true), points));
    }

    [Fact]
    public void Prefetch_IsBitIdentical()
    {
        using var images = TestUtil.TinyImages();
        AssertBitIdentical(Train(Stock(TestUtil.TinyDcgan()), images), Train(With(TestUtil.TinyDcgan(), o => o.Prefetch = true), images));
    }

    [Fact]
    public void ChannelsLast_EqualsStockWithinRounding()
    {
        using var images = TestUtil.TinyImages();
        var stock = Train(Stock(TestUtil.TinyDcgan()), images);
        var cl = Train(With(TestUtil.TinyDcgan(), o => o.ChannelsLast = true), images);
        AssertClose(stock, cl, 1e-3);
    }

    [Fact]
    public void Defaults_At28x28_AreBitIdenticalToStock_At64x64_WithinRounding()
    {
        using var points = GaussianMixture2D.Ring(512, 7);
        var mlpDefaults = TestUtil.TinyMlp();
        Assert.Equal(new SpeedKnobs(false, true, true, false, false, false), ResolvedKnobs(mlpDefaults, points));
        AssertBitIdentical(Train(Stock(TestUtil.TinyMlp()), points), Train(mlpDefaults, points));

        using var images = TestUtil.TinyImages();
        var convDefaults = TestUtil.TinyDcgan();
        Assert.Equal(new SpeedKnobs(false, true, true, false, false, false), ResolvedKnobs(convDefaults, images)); // 28×28: no channels-last
        AssertBitIdentical(Train(Stock(TestUtil.TinyDcgan()), images), Train(convDefaults, images));

        using var large = Images64();
        GanOptions Large() => new() { Model = "dcgan", Arch = "dcgan64", Data = "tiny64", Batch = 8, ZDim = 8, WidthG = 4, WidthD = 4, Threads = 1, LogEvery = 2, Seed = 3 };
        var largeDefaults = Large();
        Assert.Equal(new SpeedKnobs(true, true, true, false, false, false), ResolvedKnobs(largeDefaults, large));
        AssertClose(Train(Stock(Large()), large, 8), Train(largeDefaults, large, 8), 1e-3);
    }

    private static TensorDataset Images64()
    {
        using var g = new Generator(6);
        return new TensorDataset("tiny64", randint(0, 256, new long[] { 32, 3, 64, 64 }, generator: g).to_type(ScalarType.Byte));
    }

    private static SpeedKnobs ResolvedKnobs(GanOptions o, TensorDataset data)
    {
        var (g, d) = GanModels.Build(o, data.ExampleShape);
        using var system = new GanSystem(g, d, o, data.ExampleShape);
        return system.Knobs;
    }

    [Fact]
    public void ChannelsLast_Convert_KeepsShapesAndValues_ChangesStrides()
    {
        var (g, d) = GanModels.Build(TestUtil.TinyDcgan(), new long[] { 1, 28, 28 });
        var before = d.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        ChannelsLast.Convert(d);
        foreach (var (k, v) in d.state_dict())
        {
            Assert.Equal(before[k].shape, v.shape);
            Assert.True(before[k].equal(v).all().item<bool>(), k);
            if (v.dim() == 4) Assert.True(ChannelsLast.IsChannelsLast(v), $"{k} is not channels-last");
            if (v.dim() == 4 && v.shape[1] > 1) Assert.False(v.is_contiguous(), $"{k} kept its NCHW layout");
        }
        g.Dispose();
        d.Dispose();
    }

    [Fact]
    public void ChannelsLast_CheckpointRoundTrip_IsExact()
    {
        // A channels-last run resumes bit for bit (checkpoints store the logical order).
        using var images = TestUtil.TinyImages();
        TestUtil.AssertResumeEqualsUninterrupted(() => With(TestUtil.TinyDcgan(6), o => { o.ChannelsLast = true; o.Prefetch = true; }), images, 3, "channels-last + prefetch");
        using var points = GaussianMixture2D.Ring(512, 7);
        TestUtil.AssertResumeEqualsUninterrupted(() => With(TestUtil.TinyMlp(10), o => { o.FusedAdam = true; o.FreezeD = true; }), points, 4, "fused adam");
    }

    [Fact]
    public void FusedAdam_MatchesUnfused_OnItsOwn_AndExposesTheSameState()
    {
        using var g1 = new Generator(3);
        var a = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2));
        var b = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2));
        b.load_state_dict(a.state_dict());
        using var plain = new Adam(a.named_parameters(), 1e-2, 0.5, 0.999);
        using var fused = new Adam(b.named_parameters(), 1e-2, 0.5, 0.999, fused: true);
        Assert.True(fused.Fused);
        for (int i = 0; i < 7; i++)
        {
            using var scope = NewDisposeScope();
            var x = randn(new long[] { 4, 3 }, generator: g1);
            foreach (var (net, opt) in new (nn.Module<Tensor, Tensor>, Adam)[] { (a, plain), (b, fused) })
            {
                opt.ZeroGrad();
                net.call(x).pow(2).sum().backward();
                opt.Step();
            }
        }
        foreach (var (pa, pb) in a.parameters().Zip(b.parameters())) Assert.True(pa.equal(pb).all().item<bool>());
        var sa = plain.State().ToList();
        var sb = fused.State().ToList();
        Assert.Equal(sa.Select(s => s.Name), sb.Select(s => s.Name));
        for (int i = 0; i < sa.Count; i++) Assert.True(sa[i].Value.equal(sb[i].Value).all().item<bool>(), sa[i].Name);
    }

    [Fact]
    public void PrefetchBatches_YieldTheSynchronousBatches_InOrder_AcrossEpochs()
    {
        using var images = TestUtil.TinyImages(count: 40);
        using var sync = new ShuffledBatches(images, 16, seed: 9);              // 2 batches per epoch, 8 left over
        using var pre = new PrefetchBatches(new ShuffledBatches(images, 16, seed: 9, channelsLast: true));
        for (int i = 0; i < 7; i++)
        {
            using var scope = NewDisposeScope();
            var a = sync.Next();
            var b = pre.Next();
            Assert.True(a.Real.equal(b.Real).all().item<bool>(), $"batch {i} images differ");
            Assert.True(ChannelsLast.IsChannelsLast(b.Real));
            Assert.True(a.Labels!.equal(b.Labels!).all().item<bool>(), $"batch {i} labels differ");
            Assert.Equal((sync.Epoch, sync.Cursor), (pre.Epoch, pre.Cursor));
            if (i % 2 == 1) pre.Release(); // a step that held two batches
        }
        Assert.InRange(pre.BuffersAllocated, 1, 4); // reused, not one per batch
    }

    [Fact]
    public void FoldedGenerator_EqualsUnfolded_Within1e5()
    {
        foreach (var arch in new[] { "dcgan28", "dcgan64" })
        {
            var o = new GanOptions { Model = "dcgan", Arch = arch, ZDim = 16, WidthG = 8, WidthD = 8 };
            long[] shape = arch == "dcgan28" ? new long[] { 1, 28, 28 } : new long[] { 3, 64, 64 };
            var (g, d) = GanModels.Build(o, shape);
            using var gen = new Generator(4);
            // Non-trivial BatchNorm statistics and affine parameters.
            using (no_grad())
            {
                for (int i = 0; i < 5; i++) g.call(randn(new long[] { 8, 16 }, generator: gen) * 2 + 0.5);
                foreach (var (name, p) in g.named_parameters())
                    if (name.Contains("bn")) p.copy_(rand(p.shape, generator: gen) + 0.5);
            }
            g.eval();
            var z = randn(new long[] { 6, 16 }, generator: gen);
            using var inference = inference_mode();
            var expected = g.call(z);
            foreach (bool cl in new[] { false, true })
            {
                using var folded = FoldedSequential.Fold(g, cl)!;
                Assert.Equal(arch == "dcgan28" ? 2 : 4, folded.FoldedLayers);
                var actual = folded.call(z);
                double err = (actual - expected).abs().max().item<float>();
                Assert.True(err <= 1e-5, $"{arch} (channels-last {cl}): max |folded − unfolded| = {err}");
            }
            g.Dispose();
            d.Dispose();
        }
    }

    [Fact]
    public void SamplingThroughTheFoldCache_FollowsTraining()
    {
        // The folded G is cached between samples and rebuilt after every step: samples always match unfolded G.
        using var images = TestUtil.TinyImages();
        var o = TestUtil.TinyDcgan();
        o.Ema = 0.9;
        var (g, d) = GanModels.Build(o, images.ExampleShape);
        using var system = new GanSystem(g, d, o, images.ExampleShape);
        using var trainer = new Trainer(system, images);
        using var gen = new Generator(2);
        var z = system.SampleLatent(5, gen);
        for (int i = 0; i < 3; i++)
        {
            trainer.TrainStep();
            var folded = SampleGrids.Sample(system, z);
            Tensor expected;
            using (system.Ema!.Swap())
            using (inference_mode())
            {
                system.G.eval();
                expected = system.G.call(z);
                system.G.train();
            }
            double err = (folded - expected).abs().max().item<float>();
            Assert.True(err <= 1e-5, $"after step {i + 1}: max |cached folded − G| = {err}");
        }
    }

    [Fact]
    public void Fold_RefusesTrainingMode()
    {
        var (g, d) = GanModels.Build(TestUtil.TinyDcgan(), new long[] { 1, 28, 28 });
        g.train();
        Assert.Null(FoldedSequential.Fold(g));
        g.Dispose();
        d.Dispose();
    }

    [Fact]
    public void ReuseDFake_UpdatesDAsStock_AndGAgainstTheOldD()
    {
        using var images = TestUtil.TinyImages();
        var stock = Stock(TestUtil.TinyDcgan());
        var reuse = With(TestUtil.TinyDcgan(), o => o.ReuseDFake = true);
        set_num_threads(1);
        var (g1, d1) = GanModels.Build(stock, images.ExampleShape);
        using var s1 = new GanSystem(g1, d1, stock, images.ExampleShape);
        using var t1 = new Trainer(s1, images);
        var (g2, d2) = GanModels.Build(reuse, images.ExampleShape);
        using var s2 = new GanSystem(g2, d2, reuse, images.ExampleShape);
        using var t2 = new Trainer(s2, images);

        // Step 1: the same real batch and z for D, so D's loss and update are the stock ones, bit for bit.
        var a = t1.TrainStep();
        var b = t2.TrainStep();
        Assert.Equal(a.LossD, b.LossD);
        foreach (var (pa, pb) in s1.D.parameters().Zip(s2.D.parameters())) Assert.True(pa.equal(pb).all().item<bool>(), "D's update differs from stock");

        // G's gradient is the non-saturating loss on D(G(z)) for the same z, against D before its update.
        var fresh = Stock(TestUtil.TinyDcgan());
        var (g3, d3) = GanModels.Build(fresh, images.ExampleShape);
        using var s3 = new GanSystem(g3, d3, fresh, images.ExampleShape);
        s3.G.train();
        s3.D.train();
        using var rng = new Generator((ulong)ShuffledBatches.MixSeed(fresh.Seed, -1));
        var z = s3.SampleLatent(fresh.Batch, rng);
        var lossG = GanSharp.Losses.GanLosses.Generator(GanSharp.Losses.LossKind.Gan, s3.D.call(s3.G.call(z)), GanSharp.Losses.GeneratorLossKind.NonSaturating);
        Assert.Equal(lossG.item<float>(), b.LossG, 6);
        lossG.backward();
        foreach (var (pe, pa) in s3.G.parameters().Zip(s2.G.parameters()))
            Assert.True(pe.grad!.allclose(pa.grad!, rtol: 1e-5, atol: 1e-7), "G's gradient is not the gradient of its loss alone");

        // It changes training: G's loss differs from the stock step's (fresh z, updated D).
        Assert.NotEqual(a.LossG, b.LossG);
    }

    [Fact]
    public void ReuseDFake_RejectsWhatItCannotDo_InOneLine()
    {
        using var images = TestUtil.TinyImages();
        var o = With(TestUtil.TinyDcgan(), x => { x.ReuseDFake = true; x.DSteps = 2; });
        var (g, d) = GanModels.Build(o, images.ExampleShape);
        using var system = new GanSystem(g, d, o, images.ExampleShape);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(system, images));
        Assert.Contains("--reuse-d-fake", e.Message);
        Assert.Contains("--d-steps 1", e.Message);
    }
}
