using GanSharp.Data;
using GanSharp.Metrics;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;
using GanSharp.Families;
using GanSharp.Runs;

namespace GanSharp.Tests.Metrics;

public class EvaluationTests
{
    /// <summary>A fixed random projection of flattened images: a stand-in feature network with a known hash.</summary>
    private sealed class ProjectionNet : IFeatureNetwork
    {
        private readonly Tensor _w;
        public ProjectionNet(string hash, long inputSize, int dim = 8, int classes = 4)
        {
            Hash = hash;
            using var g = new Generator(42);
            _w = randn(new[] { inputSize, dim + classes }, generator: g);
            FeatureDim = dim;
            NumClasses = classes;
        }
        public string Name => "projection";
        public string Hash { get; }
        public long[] InputShape => new long[] { 1, 28, 28 };
        public int FeatureDim { get; }
        public int NumClasses { get; }
        public int Calls { get; private set; }
        public (Tensor Features, Tensor? Logits) Forward(Tensor images)
        {
            Calls++;
            var y = images.flatten(1).matmul(_w);
            return (y.narrow(1, 0, FeatureDim), y.narrow(1, FeatureDim, NumClasses));
        }
        public void Dispose() => _w.Dispose();
    }

    private static GanSystem TinySystem(TensorDataset data)
    {
        var o = TestUtil.TinyDcgan();
        var (g, d) = GanModels.Build(o, data.ExampleShape);
        return new GanSystem(g, d, o, data.ExampleShape);
    }

    [Fact]
    public void RegistryFindsEveryMetricByNameAndRejectsUnknownOnes()
    {
        foreach (var n in new[] { "fid", "kid", "pr", "is", "modes" }) Assert.True(MetricRegistry.All.ContainsKey(n), n);
        Assert.Equal(new[] { "fid", "modes" }, MetricRegistry.Parse("fid, modes").Select(m => m.Name));
        var e = Assert.Throws<ArgumentException>(() => MetricRegistry.Parse("fid,inception"));
        Assert.Contains("unknown metric 'inception'", e.Message);
    }

    [Fact]
    public void RealFeaturesAreCachedAndInvalidatedWhenDatasetOrNetworkChanges()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages(64, seed: 1);
        using var other = TestUtil.TinyImages(64, seed: 2);
        using var system = TinySystem(data);
        var settings = new EvalSettings { Samples = 16, CacheDir = tmp.Path };
        var logs = new List<string>();

        Tensor RealFeatures(TensorDataset reference, ProjectionNet net)
        {
            using var ctx = new EvalContext(system, "tiny", reference, () => net, settings) { Log = logs.Add };
            return ctx.RealFeatures().Features.clone();
        }

        var net1 = new ProjectionNet("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 784);
        using var first = RealFeatures(data, net1);
        Assert.Single(Directory.GetFiles(tmp.Path));
        var net2 = new ProjectionNet("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 784);
        using var second = RealFeatures(data, net2);
        Assert.Equal(0, net2.Calls);                                  // reused from disk
        Assert.True(first.equal(second).all().item<bool>());
        Assert.Contains(logs, l => l.StartsWith("using cached"));

        var net3 = new ProjectionNet("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 784);
        using var third = RealFeatures(data, net3);                   // other network hash: recomputed
        Assert.Equal(1, net3.Calls);
        var net4 = new ProjectionNet("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 784);
        using var fourth = RealFeatures(other, net4);                 // other data: recomputed
        Assert.Equal(1, net4.Calls);
        Assert.Equal(3, Directory.GetFiles(tmp.Path).Length);
    }

    [Fact]
    public void EvaluatingDuringTrainingLeavesTheLossesUnchangedAndKeepsABestCheckpoint()
    {
        using var data = GaussianMixture2D.Ring(2048, 1);
        var plain = TestUtil.Losses(TestUtil.TinyMlp(steps: 8), data, 8);

        using var tmp = new TestUtil.TempDir();
        var o = TestUtil.TinyMlp(steps: 8);
        o.EvalEvery = 3;
        o.Metrics = "modes";
        using var run = TrainingRun.Create(o, data, tmp.Path, "eval");
        var seen = new List<(double, double)>();
        run.Trainer.Observers.Add(new Recorder(seen));
        Assert.True(run.Run());
        Assert.Equal(plain, seen);
        var evalLines = File.ReadAllLines(run.Directory.MetricsPath).Where(l => l.Contains("\"eval\"")).ToList();
        Assert.Equal(3, evalLines.Count);                            // steps 3, 6 and the final 8
        Assert.Contains("\"modes.modes\"", evalLines[0]);
        Assert.True(File.Exists(Path.Combine(run.Directory.CheckpointsDir, "best.ckpt")));
        Assert.True(File.Exists(Path.Combine(run.Directory.Root, "collapse.png")));
    }

    private sealed class Recorder(List<(double, double)> into) : ITrainingObserver
    {
        public void OnStep(Trainer trainer, StepStats stats) => into.Add((stats.LossD, stats.LossG));
    }

    [Fact]
    public void KidWithFewerSamplesThanASubsetUsesSubsetsOfTheSmallerSet()
    {
        // A small folder is the common case (issue 22): subsets of min(1000, generated, real), as clean-fid does.
        using var data = TestUtil.TinyImages(64);
        using var system = TinySystem(data);
        using var ctx = new EvalContext(system, "tiny", data, () => new ProjectionNet(new string('c', 64), 784), new EvalSettings { Samples = 50, CacheDir = null });
        var result = Evaluator.Run(ctx, MetricRegistry.Parse("kid")).Results[0].Result;
        Assert.Equal("100 subsets of 50", result.Note);
        var (mean, std) = Kid.Compute(ctx.GeneratedFeatures(50).Features, ctx.RealFeatures().Features, 100, 50, ctx.Settings.Seed);
        Assert.Equal(mean, result.Values["kid"]);
        Assert.Equal(std, result.Values["kid_std"]);
    }

    [Fact]
    public void FeatureMetricsOnTwoDimensionalDataSayWhy()
    {
        using var data = GaussianMixture2D.Ring(512, 1);
        var o = TestUtil.TinyMlp();
        var (g, d) = GanModels.Build(o, data.ExampleShape);
        using var system = new GanSystem(g, d, o, data.ExampleShape);
        using var ctx = new EvalContext(system, "ring", null, null, new EvalSettings { CacheDir = null });
        var e = Assert.Throws<ArgumentException>(() => Evaluator.Run(ctx, MetricRegistry.Parse("fid")));
        Assert.Contains("metric 'fid' does not apply", e.Message);
    }
}

public class EvalContextOwnershipTests
{
    [Fact]
    public void GeneratedSamplesOutliveTheScopeOfTheMetricThatDrewThem()
    {
        using var data = TestUtil.TinyImages(32);
        var o = TestUtil.TinyDcgan();
        using var system = GanFamilies.Create(o, data.ExampleShape, 0);
        using var ctx = new EvalContext(system, "tiny", data, null, new EvalSettings { CacheDir = null });
        double first;
        using (NewDisposeScope()) first = ctx.Generated(8).sum().item<float>();  // as Evaluator.Run's per-metric scope
        Assert.Equal(first, ctx.Generated(8).sum().item<float>());               // the cached tensor is still alive
    }
}
