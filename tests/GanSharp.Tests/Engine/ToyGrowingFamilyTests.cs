using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using GanSharp.Runs;

namespace GanSharp.Tests.Engine;

/// <summary>
/// A family whose G and D double in depth once, before step <see cref="GrowAt"/> (issue 12: the growing-network
/// event). Surviving layers keep their names (so their weights and Adam moments carry over); the new ones are
/// initialized from the run's seed. The checkpoint records whether it grew, and a resume rebuilds the grown shape
/// before loading.
/// </summary>
public sealed class ToyGrowingFamily : IGanFamily
{
    public const string ModelName = "toy-growing";
    public const int GrowAt = 5;

    public string Name => ModelName;
    public string Description => "test family: conv G and D on 1×8×8 images that double their depth mid-run";
    public string ResolveArch(GanOptions options, long[] exampleShape) => "toy-growing8";
    public int DefaultThreads(GanOptions options) => 1;

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        manual_seed(options.Seed);
        return new ToyGrowingSystem(options, exampleShape);
    }
}

public sealed class ToyGrowingSystem : GanSystem
{
    private readonly Dictionary<string, Module<Tensor, Tensor>> _layers = new();

    public ToyGrowingSystem(GanOptions options, long[] shape) : base(options, shape)
    {
        _layers["g.fc"] = Linear(options.ZDim, 4 * 8 * 8);
        _layers["g.c0"] = Conv2d(4, 4, 3, padding: 1);
        _layers["g.out"] = Conv2d(4, 1, 3, padding: 1);
        _layers["d.c0"] = Conv2d(1, 4, 3, stride: 2, padding: 1);
        _layers["d.out"] = Linear(4 * 4 * 4, 1);
        AddNetwork("G", BuildG());
        AddNetwork("D", BuildD());
    }

    public bool Grown { get; private set; }

    private TorchSharp.Modules.Sequential BuildG()
    {
        var l = new List<(string, Module<Tensor, Tensor>)> { ("fc", _layers["g.fc"]), ("shape", Unflatten(1, new long[] { 4, 8, 8 })), ("c0", _layers["g.c0"]), ("a0", ReLU()) };
        if (Grown) l.AddRange(new (string, Module<Tensor, Tensor>)[] { ("c1", _layers["g.c1"]), ("a1", ReLU()) });
        l.AddRange(new (string, Module<Tensor, Tensor>)[] { ("out", _layers["g.out"]), ("tanh", Tanh()) });
        return Sequential(l);
    }

    private TorchSharp.Modules.Sequential BuildD()
    {
        var l = new List<(string, Module<Tensor, Tensor>)> { ("c0", _layers["d.c0"]), ("a0", LeakyReLU(0.2)) };
        if (Grown) l.AddRange(new (string, Module<Tensor, Tensor>)[] { ("c1", _layers["d.c1"]), ("a1", LeakyReLU(0.2)) });
        l.AddRange(new (string, Module<Tensor, Tensor>)[] { ("flat", Flatten()), ("out", _layers["d.out"]) });
        return Sequential(l);
    }

    /// <summary>Adds one conv block to G and to D (new weights from a generator seeded by the run's seed).</summary>
    public void Grow()
    {
        if (Grown) return;
        manual_seed(ShuffledBatches.MixSeed(Options.Seed, -100));
        _layers["g.c1"] = Conv2d(4, 4, 3, padding: 1);
        _layers["d.c1"] = Conv2d(4, 4, 3, padding: 1);
        Grown = true;
        ReplaceNetworks(new Dictionary<string, nn.Module> { ["G"] = BuildG(), ["D"] = BuildD() });
    }

    /// <summary>Half the batch once grown (a batch size per resolution).</summary>
    public override int BatchSize(int step) => Grown ? Options.Batch / 2 : Options.Batch;

    public override void BeforeStep(int step)
    {
        if (step == ToyGrowingFamily.GrowAt) Grow();
    }

    public override JsonObject? CaptureFamilyState() => new() { ["grown"] = Grown };

    public override void RestoreFamilyState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (state?["grown"]?.GetValue<bool>() == true) Grow();
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var l in _layers.Values) l.Dispose();
    }
}

public sealed class ToyGrowingFamilyTests
{
    static ToyGrowingFamilyTests() => GanFamilies.Register(new ToyGrowingFamily());

    private static GanOptions Options(bool? fused = null, bool? channelsLast = null, bool? prefetch = null) => new()
    {
        Model = ToyGrowingFamily.ModelName, Data = "tiny8", Steps = 10, Batch = 8, ZDim = 4, Threads = 1, LogEvery = 1,
        SampleEvery = 1000, CheckpointEvery = 1000, SampleCount = 4, Seed = 21, Ema = 0.8, FusedAdam = fused, ChannelsLast = channelsLast, Prefetch = prefetch,
    };

    private static TensorDataset Images()
    {
        using var g = new Generator(3);
        return new TensorDataset("tiny8", randint(0, 256, new long[] { 64, 1, 8, 8 }, generator: g).to_type(ScalarType.Byte));
    }

    [Fact]
    public void GrowingKeepsSurvivingWeightsAndCarriesTheirAdamState()
    {
        using var data = Images();
        set_num_threads(1);
        using var system = (ToyGrowingSystem)GanFamilies.Create(Options(), data.ExampleShape, 0);
        using var trainer = new Trainer(system, data);
        for (int i = 1; i < ToyGrowingFamily.GrowAt; i++) trainer.TrainStep();
        var weight = system.G.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var moments = trainer.OptG.State().ToDictionary(s => s.Name, s => s.Value.detach().clone());
        long steps = trainer.OptG.StepCount;
        Assert.False(system.Grown);

        system.Grow();
        Assert.True(system.Grown);
        var grown = system.G.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Contains("c1.weight", grown.Keys);
        foreach (var (name, w) in weight) Assert.True(w.equal(grown[name]).all().item<bool>(), $"{name} changed by growing");
        var state = trainer.OptG.State().ToDictionary(s => s.Name, s => s.Value);
        Assert.Equal(steps, trainer.OptG.StepCount);
        foreach (var (name, m) in moments) Assert.True(m.equal(state[name]).all().item<bool>(), $"Adam {name} not carried over");
        Assert.Equal(0.0, state["exp_avg.c1.weight"].abs().sum().item<float>());
        Assert.Equal(new[] { "c0.weight", "c0.bias", "c1.weight", "c1.bias", "out.weight", "out.bias" },
            system.D.named_parameters().Select(p => p.name));
        // The optimizer updates the new layers, and the batch size follows the resolution.
        var before = grown["c1.weight"].detach().clone();
        Assert.Equal(8, trainer.Batches.BatchSize);
        trainer.TrainStep();
        Assert.Equal(4, trainer.Batches.BatchSize);
        Assert.False(before.equal(system.G.named_parameters().First(p => p.name == "c1.weight").parameter).all().item<bool>());
    }

    [Theory]
    [InlineData(3)]  // before the growth
    [InlineData(7)]  // after it
    public void ResumeBeforeAndAfterGrowthIsBitExact(int stopAt)
    {
        using var data = Images();
        using var tmp = new TestUtil.TempDir();
        using (var full = TrainingRun.Create(Options(), data, tmp.Path, "full")) Assert.True(full.Run());
        using (var part = TrainingRun.Create(Options(), data, tmp.Path, "part"))
        {
            using var cts = new CancellationTokenSource();
            part.Trainer.Observers.Add(new TestUtil.CancelAt(stopAt, cts));
            Assert.False(part.Run(cts.Token));
        }
        using (var resumed = TrainingRun.Resume(Path.Combine(tmp.Path, "part"), data))
        {
            Assert.Equal(stopAt > ToyGrowingFamily.GrowAt, ((ToyGrowingSystem)resumed.System).Grown);
            Assert.True(resumed.Run());
        }
        TestUtil.AssertSameRun(tmp.Path, "full", "part");
    }

    private static List<(double, double)> Losses(GanOptions o, Action<Trainer>? check = null)
    {
        using var data = Images();
        set_num_threads(1);
        using var system = GanFamilies.Create(o, data.ExampleShape, 0);
        using var trainer = new Trainer(system, data);
        var losses = new List<(double, double)>();
        for (int i = 0; i < o.Steps; i++) { var s = trainer.TrainStep(); losses.Add((s.LossD, s.LossG)); }
        check?.Invoke(trainer);
        return losses;
    }

    [Fact]
    public void APrefetchingSourceGivesWayWhenTheBatchSizeChanges()
    {
        var prefetched = Losses(Options(prefetch: true), t => Assert.Equal(4, t.Batches.BatchSize));
        Assert.Equal(Losses(Options(prefetch: false)), prefetched);
    }

    [Fact]
    public void FusedAdamStaysBitIdenticalAcrossTheGrowth()
    {
        var fused = Losses(Options(fused: true), t => Assert.True(((Adam)t.OptG).Fused));
        var plain = Losses(Options(fused: false), t => Assert.False(((Adam)t.OptG).Fused));
        Assert.Equal(plain, fused);
    }

    [Fact]
    public void ChannelsLastCoversTheNewLayersAndAgreesWithTheStockLayout()
    {
        var cl = Losses(Options(channelsLast: true), t =>
        {
            foreach (var net in new[] { t.System.G, t.System.D })
                foreach (var (name, p) in net.named_parameters())
                    if (p.dim() == 4) Assert.True(GanSharp.Performance.ChannelsLast.IsChannelsLast(p), $"{name} is not channels-last after growing");
        });
        var stock = Losses(Options(channelsLast: false));
        for (int i = 0; i < cl.Count; i++)
        {
            Assert.Equal(stock[i].Item1, cl[i].Item1, 4);
            Assert.Equal(stock[i].Item2, cl[i].Item2, 4);
        }
    }
}
