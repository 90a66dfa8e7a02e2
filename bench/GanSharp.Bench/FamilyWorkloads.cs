using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Families;
using GanSharp.Families.ImageToImage;
using GanSharp.Families.Progressive;
using GanSharp.Families.TextToImage;
using GanSharp.Losses;
using GanSharp.Models;
using GanSharp.Runs;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Bench;

/// <summary>
/// The training steps of the families beyond DCGAN (issue 18): SRGAN, pix2pix, GAN-CLS and progressive growing.
/// Each has its options (the family's preset settings at the benchmark's size), synthetic data with the fields the
/// family reads, and a bare TorchSharp loop on the family's own network classes (see the Bare* classes below);
/// bench/pytorch_bench.py mirrors the bare loops layer for layer.
/// </summary>
public static class FamilyWorkloads
{
    public const string Srgan = "srgan64";
    public const string Pix2Pix = "pix2pix64";
    public const string GanCls = "gan-cls64";
    public const string Progressive = "progressive32";

    public static readonly string[] All = { Srgan, Pix2Pix, GanCls, Progressive };

    public static string Describe(string workload) => workload switch
    {
        Srgan => "SRGAN ×4: SRResNet B = 8 (64 ch) on 3×16×16 LR → 3×64×64, SRGAN D, content on photo-featnet + 1e-3 adversarial; Adam 1e-4 β (0.9, 0.999)",
        Pix2Pix => "pix2pix 3×64×64 → 3×64×64: U-Net (6 levels, w 64, dropout) + PatchGAN 16 (w 64) on (source, image), D loss halved, G cGAN + 100·L1",
        GanCls => "GAN-CLS 3×64×64 (z 100, w 64, φ 128): D on {real, right}, {real, wrong}, {fake, right} in one batch, then G scored in the same company",
        Progressive => "progressive growing at 32×32 fading in (16 → 32, α < 1): fmap 1024/64, z 64, WGAN-GP λ 10 + drift 1e-3, Adam 1e-3 β (0, 0.99), G EMA 0.999",
        _ => workload,
    };

    /// <summary>No gradient-norm logging and no end step, as <see cref="Workloads"/> sets them for dcgan.</summary>
    private static GanOptions StepOnly(GanOptions o)
    {
        o.Steps = int.MaxValue;
        o.LogEvery = int.MaxValue;
        return o;
    }

    /// <summary>The engine's options of a workload: the family's preset values at the benchmark's image size.</summary>
    public static GanOptions Options(string workload)
    {
        switch (workload)
        {
            case Srgan:
            {
                // The srgan-x4 preset (B = 8, batch 16, Adam 1e-4 β1 0.9 for G and D), on 64 px HR crops.
                var o = StepOnly(new GanOptions
                {
                    Model = SrganFamily.ModelName, Data = "synthetic", Size = 64, Channels = 3, Batch = 16,
                    LrG = 1e-4, LrD = 1e-4, BetasG = new[] { 0.9, 0.999 }, BetasD = new[] { 0.9, 0.999 },
                });
                o.Set("sr-blocks", 8);
                o.Set("sr-scale", 4);
                return o;
            }
            case Pix2Pix:
            {
                // The pix2pix-edges64 preset's networks and batch (PatchGAN 16, λ 100, batch 8), RGB → RGB (--task paired).
                var o = StepOnly(new GanOptions { Model = Pix2PixFamily.ModelName, Data = "synthetic", Size = 64, Channels = 3, Batch = 8 });
                o.Set("task", "paired");
                o.Set("patch", 16);
                o.Set("lambda-l1", 100.0);
                return o;
            }
            case GanCls:
            {
                // Reed et al.'s 64 px setting: batch 64, z 100, widths 64, φ 128; the matching-aware D without GAN-INT.
                var o = StepOnly(new GanOptions
                {
                    Model = GanClsFamily.ModelName, Data = "shapes", Size = 64, Channels = 3, Batch = 64, ZDim = 100, WidthG = 64, WidthD = 64,
                });
                o.Set("variant", "gan-cls");
                o.Set("embedding-dim", EmbeddingDim);
                return o;
            }
            case Progressive:
            {
                // The progressive preset (WGAN-GP λ 10 + drift, 1 critic step, Adam 1e-3 β (0, 0.99), EMA 0.999, z 64, batch 32).
                var o = StepOnly(new GanOptions
                {
                    Model = ProgressiveFamily.ModelName, Data = "synthetic", Size = 32, Channels = 3, Batch = 32, ZDim = 64,
                    Loss = LossKind.WganGp, GpWeight = 10, DSteps = 1, LrG = 1e-3, LrD = 1e-3,
                    BetasG = new[] { 0.0, 0.99 }, BetasD = new[] { 0.0, 0.99 }, Ema = 0.999,
                });
                o.Set("start-res", 16);
                return o;
            }
            default: throw new ArgumentException($"no family workload '{workload}'");
        }
    }

    /// <summary>GAN-CLS text embeddings φ(t): the text encoder's output size (--embedding-dim, its default 128).</summary>
    public const int EmbeddingDim = 128;

    /// <summary>Steps of the progressive fade-in the benchmark sits in: α = k / FadeSteps stays near 0 (&lt; 1) for any plan.</summary>
    public const long FadeSteps = 1_000_000;

    /// <summary>Synthetic training data with the fields the family reads (fixed seed).</summary>
    public static TensorDataset Data(string workload, GanOptions o)
    {
        using var g = new Generator(12345);
        Tensor Bytes(long n, long c, long size) => randint(0, 256, new[] { n, c, size, size }, generator: g).to_type(ScalarType.Byte).DetachFromDisposeScope();
        long n = Math.Max(o.Batch * 4, 64);
        switch (workload)
        {
            case Srgan:
            {
                int scale = SrFamilyBase.Scale(o);
                var hr = Bytes(n, 3, o.Size);
                var lr = Bytes(n, 3, o.Size / scale);
                return new TensorDataset($"synthetic-sr-{o.Size}", hr, fields: new Dictionary<string, Tensor> { [BatchFields.Source] = lr });
            }
            case Pix2Pix:
            {
                var target = Bytes(n, 3, o.Size);
                var source = Bytes(n, 3, o.Size);
                return PairedImages.FromTensors($"synthetic-paired-{o.Size}", source, target);
            }
            case GanCls:
                return CaptionedShapes.Generate((int)n, o.Size, seed: 12345);
            case Progressive:
                return new TensorDataset($"synthetic-{o.Channels}x{o.Size}", Bytes(n, o.Channels, o.Size));
            default: throw new ArgumentException($"no family workload '{workload}'");
        }
    }

    /// <summary>
    /// The engine's step: the family's system through its registry entry and <c>Trainer.TrainStep()</c>. GAN-CLS
    /// gets a text encoder (one step of the text-encoder family, written under <paramref name="scratch"/>);
    /// progressive is put in its 32 px fade-in the way a resumed run is (its schedule restored from a checkpoint
    /// state whose 16 px phase is over).
    /// </summary>
    public static EngineStep Engine(string workload, GanOptions o, TensorDataset data, string scratch)
    {
        if (workload == GanCls) o.Set("text-encoder", TextEncoderRun(o, scratch));
        if (workload == Srgan) o.Set("feature-net", FeatureNet(scratch));
        return new EngineStep(o, data, workload == Progressive ? EnterFade : null);
    }

    /// <summary>The progressive schedule 16 px (over) → 32 px fade-in of <see cref="FadeSteps"/> → 32 px, at α = 0.</summary>
    public static void EnterFade(GanSystem system)
    {
        int batch = system.Options.Batch;
        JsonObject Phase(int res, bool fading, long steps) => new() { ["resolution"] = res, ["fading"] = fading, ["steps"] = steps, ["batch"] = batch };
        var state = new JsonObject
        {
            ["resolution"] = 32,
            ["alpha"] = 0.0,
            ["schedule"] = new JsonArray(Phase(16, false, 0), Phase(32, true, FadeSteps), Phase(32, false, FadeSteps)),
        };
        system.RestoreFamilyState(state, new Dictionary<string, Tensor>());
    }

    /// <summary>
    /// The content network's --feature-net: the committed photo-featnet when this build embeds it, else an untrained
    /// <see cref="PhotoFeatureNet"/> written under <paramref name="scratch"/> (same layers, so the same cost).
    /// </summary>
    private static string FeatureNet(string scratch)
    {
        try
        {
            PhotoFeatureNet.Load(PhotoFeatureNet.CommittedName).Net.Dispose();
            return PhotoFeatureNet.CommittedName;
        }
        catch (DataException)
        {
            Directory.CreateDirectory(scratch);
            string path = Path.Combine(scratch, "photo-featnet-untrained.ckpt");
            manual_seed(11);
            using var net = new PhotoFeatureNet();
            net.Save(path, new JsonObject { ["note"] = "untrained stand-in for the benchmark (timing only)" });
            return path;
        }
    }

    /// <summary>Trains the text-encoder family for one step on captioned shapes at the workload's size; returns its run directory.</summary>
    private static string TextEncoderRun(GanOptions ganCls, string scratch)
    {
        var o = new GanOptions
        {
            Model = TextEncoderFamily.ModelName, Data = "shapes", Size = ganCls.Size, Batch = 8, Steps = 1, LogEvery = 1,
            SampleEvery = 1000, CheckpointEvery = 1000, SampleCount = 8, Threads = get_num_threads(),
        };
        o.Set("embedding-dim", ganCls.Get<int>("embedding-dim"));
        using var data = CaptionedShapes.Generate(32, ganCls.Size, seed: 1);
        using var heldOut = CaptionedShapes.Generate(16, ganCls.Size, seed: 2, split: "heldout");
        Directory.CreateDirectory(scratch);
        using var run = TrainingRun.Create(o, data, scratch, "text-encoder", heldOut: heldOut);
        if (!run.Run()) throw new InvalidOperationException("the text encoder for the gan-cls workload did not train");
        return Path.Combine(scratch, "text-encoder");
    }

    /// <summary>The bare TorchSharp loop of a workload.</summary>
    public static IBareFamilyStep Bare(string workload, GanOptions o, TensorDataset data) => workload switch
    {
        Srgan => new BareSrganStep(o, data),
        Pix2Pix => new BarePix2PixStep(o, data),
        GanCls => new BareGanClsStep(o, data),
        Progressive => new BareProgressiveStep(o, data),
        _ => throw new ArgumentException($"no family workload '{workload}'"),
    };

    /// <summary>The bare loop's networks (G, D) for a workload, built as the bare loops build them (for the parameter-count check).</summary>
    public static (nn.Module G, nn.Module D) BareNetworks(string workload, GanOptions o, long[] shape) => workload switch
    {
        Srgan => BareSrganStep.Networks(o, shape),
        Pix2Pix => BarePix2PixStep.Networks(o, shape),
        GanCls => BareGanClsStep.Networks(o, shape),
        Progressive => BareProgressiveStep.Networks(o, shape),
        _ => throw new ArgumentException($"no family workload '{workload}'"),
    };

    /// <summary>Trainable parameter count of a module.</summary>
    public static long ParameterCount(nn.Module m) => m.parameters().Sum(p => p.numel());

    /// <summary>The whole preloaded data set as float32 in [-1, 1] (image and named field), as the bare loops hold it.</summary>
    internal static (Tensor Image, Tensor? Field) Preload(TensorDataset data, string? field)
    {
        using var all = arange(data.Count);
        var image = data.Gather(all).DetachFromDisposeScope();
        var extra = field is null ? null : data.GatherExtra(all)[field].DetachFromDisposeScope();
        return (image, extra);
    }

    internal static void SetRequiresGrad(nn.Module m, bool on)
    {
        foreach (var p in m.parameters()) p.requires_grad = on;
    }
}

/// <summary>A bare family loop: its networks, for the parameter counts the bench prints and checks.</summary>
public interface IBareFamilyStep : IIteration
{
    nn.Module G { get; }
    nn.Module D { get; }
}

/// <summary>
/// SRGAN's step written against TorchSharp: one G(LR) shared by the D and G steps (as <see cref="SrSystem"/> does),
/// D on HR and on G(LR) detached (BCE with logits), then G on the content loss mean((s·φ(SR) − s·φ(HR))²) of the
/// committed photo feature network (frozen, eval; φ(HR) without gradient; s calibrated on the first batch so the
/// content loss equals the pixel MSE, as the family does) + 1e-3 × −log D(SR), with D frozen. Adam for both.
/// </summary>
public sealed class BareSrganStep : IBareFamilyStep
{
    public nn.Module G => _g;
    public nn.Module D => _d;

    private readonly nn.Module<Tensor, Tensor> _g, _d;
    private readonly ContentNetwork _phi;
    private readonly optim.Optimizer _optG, _optD;
    private readonly Tensor _hr, _lr;
    private readonly int _batch;
    private double? _scale;

    public static (SrResNet G, SrganDiscriminator D) Networks(GanOptions o, long[] shape)
    {
        manual_seed(o.Seed);
        var g = new SrResNet(o.Get<int>("sr-blocks"), o.WidthG, SrFamilyBase.Scale(o), (int)shape[0]);
        var d = new SrganDiscriminator((int)shape[1], (int)shape[2], (int)shape[0], o.WidthD);
        return (g, d);
    }

    public BareSrganStep(GanOptions o, TensorDataset data)
    {
        (_g, _d) = Networks(o, data.ExampleShape);
        _phi = ContentNetwork.Load(o.Get<string>("feature-net"));   // the engine's --feature-net (FamilyWorkloads.Engine sets it)
        _optG = optim.Adam(_g.parameters(), lr: o.LrG, beta1: o.BetasG[0], beta2: o.BetasG[1]);
        _optD = optim.Adam(_d.parameters(), lr: o.LrD, beta1: o.BetasD[0], beta2: o.BetasD[1]);
        (_hr, var lr) = FamilyWorkloads.Preload(data, BatchFields.Source);
        _lr = lr!;
        _batch = o.Batch;
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        _g.train();
        _d.train();
        var idx = randint(0, _hr.shape[0], new long[] { _batch });
        var hr = _hr.index_select(0, idx);
        var lr = _lr.index_select(0, idx);

        _optD.zero_grad();
        var sr = _g.call(lr);                                   // kept with its graph for G's step
        var realOut = _d.call(hr);
        var fakeOut = _d.call(sr.detach());
        var lossD = nn.functional.binary_cross_entropy_with_logits(realOut, ones_like(realOut))
                  + nn.functional.binary_cross_entropy_with_logits(fakeOut, zeros_like(fakeOut));
        lossD.backward();
        _optD.step();

        _optG.zero_grad();
        FamilyWorkloads.SetRequiresGrad(_d, false);
        var mse = nn.functional.mse_loss(sr, hr);
        if (_scale is null)
            using (no_grad())
                _scale = Math.Sqrt(mse.item<float>() / (_phi.Features(sr) - _phi.Features(hr)).square().mean().item<float>());
        Tensor phiHr;
        using (no_grad()) phiHr = _phi.Features(hr);
        var content = (_phi.Features(sr) - phiHr).mul(_scale.Value).square().mean();
        var advOut = _d.call(sr);
        var lossG = content + 1e-3 * nn.functional.binary_cross_entropy_with_logits(advOut, ones_like(advOut));
        lossG.backward();
        _optG.step();
        FamilyWorkloads.SetRequiresGrad(_d, true);

        _ = lossD.item<float>() + lossG.item<float>() + mse.item<float>();   // a real loop logs its losses
    }

    public void Dispose()
    {
        _optG.Dispose();
        _optD.Dispose();
        _g.Dispose();
        _d.Dispose();
        _phi.Dispose();
        _hr.Dispose();
        _lr.Dispose();
    }
}

/// <summary>
/// pix2pix's step written against TorchSharp: one G(source) shared by both steps (dropout from the global
/// generator), D on (source, real) and (source, G(source) detached) with its loss halved, then G on
/// −log D(source, G(source)) + 100·L1 with D frozen. U-Net and PatchGAN N(0, 0.02) as the family builds them.
/// </summary>
public sealed class BarePix2PixStep : IBareFamilyStep
{
    public nn.Module G => _g;
    public nn.Module D => _d;

    private readonly nn.Module<Tensor, Tensor> _g, _d;
    private readonly optim.Optimizer _optG, _optD;
    private readonly Tensor _real, _source;
    private readonly int _batch;
    private readonly double _l1;

    public static (UNetGenerator G, PatchGan D) Networks(GanOptions o, long[] shape)
    {
        int channels = (int)shape[0], size = (int)shape[1];
        int sourceChannels = Pix2PixFamily.SourceChannels(o, channels);
        int layers = Pix2PixFamily.PatchLayers(o, size);
        manual_seed(o.Seed);
        var g = new UNetGenerator(size, sourceChannels, channels, o.WidthG);
        Init.Dcgan(g);
        var d = new PatchGan(sourceChannels + channels, o.WidthD, layers);
        Init.Dcgan(d);
        return (g, d);
    }

    public BarePix2PixStep(GanOptions o, TensorDataset data)
    {
        (_g, _d) = Networks(o, data.ExampleShape);
        _optG = optim.Adam(_g.parameters(), lr: o.LrG, beta1: o.BetasG[0], beta2: o.BetasG[1]);
        _optD = optim.Adam(_d.parameters(), lr: o.LrD, beta1: o.BetasD[0], beta2: o.BetasD[1]);
        (_real, var source) = FamilyWorkloads.Preload(data, BatchFields.Source);
        _source = source!;
        _batch = o.Batch;
        _l1 = o.Get<double>("lambda-l1");
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        _g.train();
        _d.train();
        var idx = randint(0, _real.shape[0], new long[] { _batch });
        var real = _real.index_select(0, idx);
        var source = _source.index_select(0, idx);

        _optD.zero_grad();
        var fake = _g.call(source);                             // kept with its graph for G's step
        var realOut = _d.call(cat(new[] { source, real }, 1));
        var fakeOut = _d.call(cat(new[] { source, fake.detach() }, 1));
        var lossD = 0.5 * (nn.functional.binary_cross_entropy_with_logits(realOut, ones_like(realOut))
                         + nn.functional.binary_cross_entropy_with_logits(fakeOut, zeros_like(fakeOut)));
        lossD.backward();
        _optD.step();

        _optG.zero_grad();
        FamilyWorkloads.SetRequiresGrad(_d, false);
        var advOut = _d.call(cat(new[] { source, fake }, 1));
        var lossG = nn.functional.binary_cross_entropy_with_logits(advOut, ones_like(advOut)) + _l1 * nn.functional.l1_loss(fake, real);
        lossG.backward();
        _optG.step();
        FamilyWorkloads.SetRequiresGrad(_d, true);

        _ = lossD.item<float>() + lossG.item<float>();
    }

    public void Dispose()
    {
        _optG.Dispose();
        _optD.Dispose();
        _g.Dispose();
        _d.Dispose();
        _real.Dispose();
        _source.Dispose();
    }
}

/// <summary>
/// GAN-CLS's step (Reed et al. 2016, Algorithm 1, no GAN-INT) written against TorchSharp, with the text embeddings
/// a fixed random N×128 table (the text encoder's output size; the engine encodes captions with its frozen encoder):
/// D on {real, right}, {real, wrong}, {G(z, right) under no_grad, right} in ONE batch (as
/// <see cref="MatchingAwareDiscriminator.ScorePairs"/>), loss −log s_r − ½[log(1 − s_w) + log(1 − s_f)]; then G on
/// fresh z, its fakes scored in the same three-pair batch with D frozen, loss −log s_f.
/// </summary>
public sealed class BareGanClsStep : IBareFamilyStep
{
    public nn.Module G => _g;
    public nn.Module D => _d;

    private readonly GanClsGenerator _g;
    private readonly MatchingAwareDiscriminator _d;
    private readonly optim.Optimizer _optG, _optD;
    private readonly Tensor _real, _text;
    private readonly int _batch, _zDim;

    public static (GanClsGenerator G, MatchingAwareDiscriminator D) Networks(GanOptions o, long[] shape)
    {
        int channels = (int)shape[0], size = (int)shape[1], e = o.Get<int>("embedding-dim");
        manual_seed(o.Seed);
        var g = new GanClsGenerator(size, e, o.ZDim, channels: channels, width: o.WidthG);
        var d = new MatchingAwareDiscriminator(size, e, channels: channels, width: o.WidthD);
        return (g, d);
    }

    public BareGanClsStep(GanOptions o, TensorDataset data)
    {
        (_g, _d) = Networks(o, data.ExampleShape);
        _optG = optim.Adam(_g.parameters(), lr: o.LrG, beta1: o.BetasG[0], beta2: o.BetasG[1]);
        _optD = optim.Adam(_d.parameters(), lr: o.LrD, beta1: o.BetasD[0], beta2: o.BetasD[1]);
        (_real, _) = FamilyWorkloads.Preload(data, null);
        using var gen = new Generator(54321);
        _text = randn(new[] { data.Count, (long)o.Get<int>("embedding-dim") }, generator: gen).DetachFromDisposeScope();
        _batch = o.Batch;
        _zDim = o.ZDim;
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        _g.train();
        _d.train();
        long n = _batch;
        var idx = randint(0, _real.shape[0], new[] { n });
        var real = _real.index_select(0, idx);
        var right = _text.index_select(0, idx);
        var wrong = _text.index_select(0, randint(0, _text.shape[0], new[] { n }));

        _optD.zero_grad();
        Tensor fake;
        using (no_grad()) fake = _g.call(randn(n, _zDim), right);
        var scores = _d.call(cat(new[] { real, real, fake }, 0), cat(new[] { right, wrong, right }, 0));
        var sr = scores.narrow(0, 0, n);
        var sw = scores.narrow(0, n, n);
        var sf = scores.narrow(0, 2 * n, n);
        var lossD = nn.functional.binary_cross_entropy_with_logits(sr, ones_like(sr))
                  + 0.5 * (nn.functional.binary_cross_entropy_with_logits(sw, zeros_like(sw))
                         + nn.functional.binary_cross_entropy_with_logits(sf, zeros_like(sf)));
        lossD.backward();
        _optD.step();

        _optG.zero_grad();
        FamilyWorkloads.SetRequiresGrad(_d, false);
        var fakeG = _g.call(randn(n, _zDim), right);
        var sfG = _d.call(cat(new[] { real, real, fakeG }, 0), cat(new[] { right, wrong, right }, 0)).narrow(0, 2 * n, n);
        var lossG = nn.functional.binary_cross_entropy_with_logits(sfG, ones_like(sfG));
        lossG.backward();
        _optG.step();
        FamilyWorkloads.SetRequiresGrad(_d, true);

        _ = lossD.item<float>() + lossG.item<float>();
    }

    public void Dispose()
    {
        _optG.Dispose();
        _optD.Dispose();
        _g.Dispose();
        _d.Dispose();
        _real.Dispose();
        _text.Dispose();
    }
}

/// <summary>
/// A progressive-growing step in the 32 px fade-in, written against TorchSharp: G and D built at 16 px and grown to
/// 32 px with the family's generators (so the same weights as the engine's), α = k / FadeSteps; reals at 32 px blended
/// with their 16 px box-filtered, nearest-upsampled version by α (as <see cref="ProgressiveReals.ForState"/>); D on
/// WGAN (E[D(fake)] − E[D(real)]) + 10 · gradient penalty (double backward) + 1e-3 · E[D(real)²]; G on −E[D(G(z))]
/// with D frozen; then the G EMA θ̄ ← 0.999 θ̄ + 0.001 θ. Adam for both.
/// </summary>
public sealed class BareProgressiveStep : IBareFamilyStep
{
    public nn.Module G => _g;
    public nn.Module D => _d;

    private readonly ProgressiveGenerator _g;
    private readonly ProgressiveDiscriminator _d;
    private readonly optim.Optimizer _optG, _optD;
    private readonly Tensor _real;
    private readonly List<(Tensor Live, Tensor Shadow)> _ema = new();
    private readonly int _batch, _zDim;
    private readonly double _gp, _drift, _decay;
    private long _k;

    public static (ProgressiveGenerator G, ProgressiveDiscriminator D) Networks(GanOptions o, long[] shape)
    {
        var config = ProgressiveFamily.Config(o, (int)shape[0]);
        int start = o.Get<int>("start-res"), final = (int)shape[1];
        using var g0 = new Generator((ulong)ShuffledBatches.MixSeed(o.Seed, -300 - start));
        var g = new ProgressiveGenerator(config, start, g0);
        var d = new ProgressiveDiscriminator(config, start, g0);
        for (int r = start * 2; r <= final; r *= 2)
        {
            using var gr = new Generator((ulong)ShuffledBatches.MixSeed(o.Seed, -300 - r));
            var (g2, d2) = (g.Grow(gr), d.Grow(gr));
            g.Dispose();
            d.Dispose();
            (g, d) = (g2, d2);
        }
        return (g, d);
    }

    public BareProgressiveStep(GanOptions o, TensorDataset data)
    {
        (_g, _d) = Networks(o, data.ExampleShape);
        _optG = optim.Adam(_g.parameters(), lr: o.LrG, beta1: o.BetasG[0], beta2: o.BetasG[1]);
        _optD = optim.Adam(_d.parameters(), lr: o.LrD, beta1: o.BetasD[0], beta2: o.BetasD[1]);
        (_real, _) = FamilyWorkloads.Preload(data, null);
        using (no_grad())
            foreach (var p in _g.parameters()) _ema.Add((p, p.detach().clone().DetachFromDisposeScope()));
        _batch = o.Batch;
        _zDim = o.ZDim;
        _gp = o.GpWeight;
        _drift = o.Get<double>("drift");
        _decay = o.Ema;
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        double alpha = Math.Min(1.0, (double)_k++ / FamilyWorkloads.FadeSteps);
        _g.Alpha = alpha;
        _d.Alpha = alpha;
        _g.train();
        _d.train();
        long n = _batch;
        var x = _real.index_select(0, randint(0, _real.shape[0], new[] { n }));
        var coarse = nn.functional.avg_pool2d(x, 2).repeat_interleave(2, 2).repeat_interleave(2, 3);
        var real = coarse.lerp(x, alpha);

        _optD.zero_grad();
        Tensor fake;
        using (no_grad()) fake = _g.call(randn(n, _zDim));
        var realOut = _d.call(real);
        var fakeOut = _d.call(fake);
        var eps = rand(n, 1, 1, 1);
        var xhat = (eps * real + (1 - eps) * fake).requires_grad_(true);
        var grad = autograd.grad(new[] { _d.call(xhat).sum() }, new[] { xhat }, retain_graph: true, create_graph: true)[0];
        var gp = (grad.flatten(1).norm(1) - 1).pow(2).mean();
        var lossD = fakeOut.mean() - realOut.mean() + _gp * gp + _drift * realOut.square().mean();
        lossD.backward();
        _optD.step();

        _optG.zero_grad();
        FamilyWorkloads.SetRequiresGrad(_d, false);
        var lossG = -_d.call(_g.call(randn(n, _zDim))).mean();
        lossG.backward();
        _optG.step();
        FamilyWorkloads.SetRequiresGrad(_d, true);

        using (no_grad())
            foreach (var (live, shadow) in _ema) shadow.mul_(_decay).add_(live, alpha: 1 - _decay);

        _ = lossD.item<float>() + lossG.item<float>();
    }

    public void Dispose()
    {
        _optG.Dispose();
        _optD.Dispose();
        _g.Dispose();
        _d.Dispose();
        _real.Dispose();
        foreach (var (_, s) in _ema) s.Dispose();
    }
}
