using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Models;
using GanSharp.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using GanSharp.Runs;

namespace GanSharp.Tests.Engine;

/// <summary>
/// A family defined only in this file (issue 12: "a new family is one file"): a paired image task with a third
/// trainable network (an encoder E of the source image, optimized with G in one group "GE"), a frozen feature
/// network F (a perceptual term through it), a custom batch field ("source"), a custom weighted loss term (L1),
/// a custom logged statistic (d_gap), and progress grids from held-out sources. Registered with one line.
/// </summary>
public sealed class ToyPairedFamily : IGanFamily
{
    public const string ModelName = "toy-paired";

    public string Name => ModelName;
    public string Description => "test family: paired 1×8×8 images, encoder + decoder G, frozen feature net";
    public IReadOnlyList<string> RequiredFields => new[] { BatchFields.Image, BatchFields.Source };
    public IReadOnlyList<(string Name, string Description)> Architectures => new[] { ("toy8", "tiny paired networks for 8×8 images") };
    public string ResolveArch(GanOptions options, long[] exampleShape) => "toy8";
    public int DefaultThreads(GanOptions options) => 1;
    public bool NeedsHeldOut => true;

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        manual_seed(options.Seed);
        return new ToyPairedSystem(options, exampleShape);
    }
}

public sealed class ToyPairedSystem : GanSystem
{
    public const double L1Weight = 10;
    public const double PerceptualWeight = 0.5;
    private Tensor? _heldOutSources;

    public ToyPairedSystem(GanOptions options, long[] shape) : base(options, shape)
    {
        AddNetwork("E", Sequential(("conv", Conv2d(1, 4, 3, stride: 2, padding: 1)), ("act", LeakyReLU(0.2)), ("flat", Flatten())));   // 1×8×8 → 64
        AddNetwork("G", Sequential(("fc", Linear(options.ZDim + 64, 64)), ("act", ReLU()), ("out", Linear(64, 64)), ("tanh", Tanh()),
            ("shape", Unflatten(1, new long[] { 1, 8, 8 }))));
        AddNetwork("D", Sequential(("conv", Conv2d(2, 4, 3, stride: 2, padding: 1)), ("act", LeakyReLU(0.2)), ("flat", Flatten()), ("out", Linear(64, 1))));
        AddNetwork("F", Sequential(("conv", Conv2d(1, 3, 3, padding: 1)), ("act", Tanh())), trainable: false);
    }

    public override IReadOnlyList<OptimizerGroup> OptimizerGroups() => new[]
    {
        new OptimizerGroup("GE", new[] { "G", "E" }, OptimizerKind.Adam, Options.LrG, Options.BetasG) { LrSchedule = step => step <= 2 ? 0.5 : 1.0 },
        new OptimizerGroup("D", new[] { "D" }, OptimizerKind.Adam, Options.LrD, Options.BetasD),
    };

    private Tensor Net(string name, Tensor x) => ((Module<Tensor, Tensor>)Network(name)).call(x);

    /// <summary>G(z, E(source)).</summary>
    public override Tensor Generate(Tensor z, Tensor? source = null) =>
        Net("G", cat(new[] { z, Net("E", source ?? throw new ArgumentException("needs a source image")) }, 1));

    private Tensor DOf(Tensor source, Tensor image) => Net("D", cat(new[] { source, image }, 1)).flatten();

    protected override IReadOnlyList<Phase> BuildPhases() => new[]
    {
        new Phase("D", "D", ctx =>
        {
            var source = ctx.Batch[BatchFields.Source];
            Tensor fake;
            using (no_grad()) fake = Generate(SampleLatent(source.shape[0], ctx.Rng), source);
            var realOut = DOf(source, ctx.Batch.Real);
            var fakeOut = DOf(source, fake);
            var r = Loss.Discriminator(x => DOf(source, x), ctx.Batch.Real, fake, realOut, fakeOut, ctx.Rng, ctx.Step);
            return r with { Logged = new Dictionary<string, Tensor>(r.Logged) { ["d_gap"] = (realOut.mean() - fakeOut.mean()).detach() } };
        }),
        new Phase("G", "GE", ctx =>
        {
            var source = ctx.Batch[BatchFields.Source];
            var fake = Generate(SampleLatent(source.shape[0], ctx.Rng), source);
            var fakeOut = DOf(source, fake);
            return new LossTerms()
                .Add("adv", Loss.Generator(fakeOut), log: false)
                .Add("l1", (fake - ctx.Batch.Real).abs().mean(), L1Weight)
                .Add("perc", (Net("F", fake) - Net("F", ctx.Batch.Real)).pow(2).mean(), PerceptualWeight)
                .Result(dFake: Loss.MeanOutput(fakeOut));
        }) { NewBatch = false, Freeze = new[] { "D" }, ZeroAfter = new[] { "D" } },
    };

    public override string? EmaNetwork => "G";

    public override void AttachHeldOut(TensorDataset heldOut)
    {
        using var idx = arange(Math.Min(heldOut.Count, 8));
        _heldOutSources = heldOut.GatherExtra(idx)[BatchFields.Source].DetachFromDisposeScope();
    }

    /// <summary>The grid's conditions: the held-out sources (n of them, cycled).</summary>
    public override Tensor? GridCondition(long n)
    {
        if (_heldOutSources is null) throw new InvalidOperationException("no held-out data attached");
        return _heldOutSources.index_select(0, arange(n) % _heldOutSources.shape[0]);
    }

    public override int? GridColumns(long n) => 2;

    /// <summary>Each held-out source beside its output.</summary>
    public override Tensor GridImages(Tensor samples, Tensor? condition) =>
        stack(new[] { condition!, samples }, 1).flatten(0, 1);

    public override void Dispose()
    {
        _heldOutSources?.Dispose();
        base.Dispose();
    }
}

public sealed class ToyPairedFamilyTests
{
    static ToyPairedFamilyTests() => GanFamilies.Register(new ToyPairedFamily()); // the one registration line

    /// <summary>Paired 8×8 data: the image and its source (the image upside down), with an offset so held-out data differs.</summary>
    public static TensorDataset Pairs(int count, long seed, int offset = 0)
    {
        using var g = new Generator((ulong)seed);
        var images = randint(0, 200, new long[] { count, 1, 8, 8 }, generator: g).to_type(ScalarType.Byte) + (byte)offset;
        var source = images.flip(2).contiguous();
        return new TensorDataset("pairs", images, fields: new Dictionary<string, Tensor> { [BatchFields.Source] = source });
    }

    public static GanOptions Options(int steps = 8) => new()
    {
        Model = ToyPairedFamily.ModelName, Data = "pairs", Steps = steps, Batch = 8, ZDim = 4, Threads = 1, LogEvery = 1,
        SampleEvery = 4, CheckpointEvery = 1000, SampleCount = 4, Seed = 9, Ema = 0.9, R1 = 0.5,
    };

    [Fact]
    public void TrainsLogsSamplesAndResumesBitForBit()
    {
        using var data = Pairs(64, 1);
        using var heldOut = Pairs(16, 2, offset: 50);
        using var tmp = new TestUtil.TempDir();
        using (var full = TrainingRun.Create(Options(), data, tmp.Path, "full", heldOut: heldOut))
        {
            var before = full.System.Network("F").parameters().Select(p => p.detach().clone()).ToList();
            var gBefore = full.System.Network("E").parameters().First().detach().clone();
            Assert.True(full.Run());
            // The frozen network is untouched and takes no gradient; the third network (E) trained.
            var after = full.System.Network("F").parameters().ToList();
            Assert.All(after, p => Assert.False(p.requires_grad));
            for (int i = 0; i < before.Count; i++) Assert.True(before[i].equal(after[i]).all().item<bool>());
            Assert.False(gBefore.equal(full.System.Network("E").parameters().First()).all().item<bool>());
            Assert.False(full.System.Network("F").training);
            // The schedule of group GE: half the learning rate for steps 1-2, then the full rate.
            Assert.Equal(full.System.Options.LrG, full.Trainer.Optimizer("GE").Lr);
            // The progress grid's conditions are the held-out sources.
            using var grid = full.System.GridCondition(4)!;
            using var expected = heldOut.GatherExtra(arange(4))[BatchFields.Source];
            Assert.True(grid.equal(expected).all().item<bool>());
        }
        // Every step logged the family's terms and statistic.
        var lines = File.ReadAllLines(Path.Combine(tmp.Path, "full", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(8, lines.Count);
        foreach (var key in new[] { "loss_d", "loss_g", "loss_l1", "loss_perc", "loss_r1", "d_gap", "d_real", "d_fake", "grad_norm_d", "grad_norm_ge" })
            Assert.All(lines, l => Assert.True(l.ContainsKey(key), $"metrics.jsonl lacks {key}: {l.ToJsonString()}"));
        // loss_g is the weighted sum of its terms: adv + 10·l1 + 0.5·perc, so it exceeds 10·l1.
        Assert.All(lines, l => Assert.True(l["loss_g"]!.GetValue<double>() > ToyPairedSystem.L1Weight * l["loss_l1"]!.GetValue<double>()));
        Assert.True(File.Exists(Path.Combine(tmp.Path, "full", "samples", "step-000004.png")));

        // Stopped at step 3 and resumed: the same metrics and a bit-identical final checkpoint.
        using (var part = TrainingRun.Create(Options(), data, tmp.Path, "part", heldOut: heldOut))
        {
            using var cts = new CancellationTokenSource();
            part.Trainer.Observers.Add(new TestUtil.CancelAt(3, cts));
            Assert.False(part.Run(cts.Token));
        }
        using (var resumed = TrainingRun.Resume(Path.Combine(tmp.Path, "part"), data, heldOut: heldOut))
        {
            Assert.Equal(3, resumed.Trainer.Step);
            Assert.True(resumed.Run());
        }
        TestUtil.AssertSameRun(tmp.Path, "full", "part");
    }

    [Fact]
    public void DataWithoutTheFamilysFieldIsOneClearError()
    {
        using var data = TestUtil.TinyImages(32);
        using var tmp = new TestUtil.TempDir();
        var e = Assert.Throws<ArgumentException>(() => TrainingRun.Create(Options(), data, tmp.Path, "x"));
        Assert.Equal("the toy-paired model needs 'source' in each example, but 'tiny' provides 'image', 'label'", e.Message);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "x")));
    }

    [Fact]
    public void CheckpointNamesEveryNetworkAndGroup()
    {
        using var data = Pairs(32, 1);
        using var heldOut = Pairs(8, 2);
        using var tmp = new TestUtil.TempDir();
        using (var run = TrainingRun.Create(Options(2), data, tmp.Path, "r", heldOut: heldOut)) Assert.True(run.Run());
        var (header, tensors) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(tmp.Path, "r")));
        try
        {
            Assert.Equal(2, header["version"]!.GetValue<int>());
            Assert.Equal(new[] { "E", "G", "D", "F" }, header["networks"]!.AsArray().Select(n => n!["name"]!.GetValue<string>()));
            Assert.False(header["networks"]![3]!["trainable"]!.GetValue<bool>());
            Assert.Equal(2, header["optimizers"]!["GE"]!.GetValue<long>());
            foreach (var prefix in new[] { "E.", "G.", "D.", "F.", "optGE.exp_avg.G.fc.weight", "optGE.exp_avg.E.conv.weight", "optD.", "Gema." })
                Assert.Contains(tensors.Keys, k => k.StartsWith(prefix, StringComparison.Ordinal));
            // The sampler rebuilds the family from the checkpoint alone.
            using var sampler = Sampler.Load(Path.Combine(tmp.Path, "r"));
            using var src = Pairs(2, 5).GatherExtra(arange(2))[BatchFields.Source];
            using var images = sampler.Sample(2, 0, src);
            Assert.Equal(new long[] { 2, 1, 8, 8 }, images.shape);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
