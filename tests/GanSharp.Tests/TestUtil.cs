using GanSharp.Data;
using GanSharp.Training;
using static TorchSharp.torch;
using GanSharp.Families;
using GanSharp.Runs;

namespace GanSharp.Tests;

/// <summary>Small data and options for fast training tests.</summary>
public static class TestUtil
{
    /// <summary>The repository's root (the folder with Directory.Packages.props above the test binaries).</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Directory.Packages.props"))) return d.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs `gansharp` in process and returns its exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) RunCli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (o, e) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            return (GanSharp.Cli.Program.Main(args), stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(o);
            Console.SetError(e);
        }
    }

    /// <summary>A temp directory removed on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir() => Directory.CreateDirectory(Path);
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gansharp-test-" + Guid.NewGuid().ToString("N"));
        public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
    }

    /// <summary>128 random 1×28×28 "images" with labels: enough for dcgan28 at batch 16.</summary>
    public static TensorDataset TinyImages(int count = 128, long seed = 5)
    {
        using var g = new Generator((ulong)seed);
        var pixels = randint(0, 256, new long[] { count, 1, 28, 28 }, generator: g).to_type(ScalarType.Byte);
        var labels = randint(0, 10, new long[] { count }, generator: g);
        return new TensorDataset("tiny", pixels, labels, 10);
    }

    public static GanOptions TinyDcgan(int steps = 6) => new()
    {
        Model = "dcgan", Arch = "dcgan28", Data = "tiny", Steps = steps, Batch = 16, ZDim = 8, WidthG = 4, WidthD = 4,
        Threads = 1, LogEvery = 2, SampleEvery = 1000, CheckpointEvery = 1000, SampleCount = 4, Seed = 3,
    };

    public static GanOptions TinyMlp(int steps = 20) => new()
    {
        Model = "mlp", Arch = "mlp", Data = "ring", Steps = steps, Batch = 32, ZDim = 4, WidthG = 16, WidthD = 16,
        Depth = 2, Threads = 1, LogEvery = 5, SampleEvery = 1000, CheckpointEvery = 1000, SampleCount = 50, Seed = 7,
    };

    /// <summary>
    /// Trains one run straight through and another stopped after <paramref name="stopAt"/> steps (Ctrl+C path:
    /// checkpoint on the way out) then resumed, and asserts equal metrics.jsonl (but for seconds) and bit-identical
    /// final checkpoints. Returns the checkpoint's tensor names.
    /// </summary>
    public static IReadOnlyList<string> AssertResumeEqualsUninterrupted(Func<GanOptions> options, TensorDataset data, int stopAt, string label = "")
    {
        using var tmp = new TempDir();
        using (var full = TrainingRun.Create(options(), data, tmp.Path, "full")) Xunit.Assert.True(full.Run(), label);
        using (var part = TrainingRun.Create(options(), data, tmp.Path, "part"))
        {
            using var cts = new CancellationTokenSource();
            part.Trainer.Observers.Add(new CancelAt(stopAt, cts));
            Xunit.Assert.False(part.Run(cts.Token), label);
        }
        using (var resumed = TrainingRun.Resume(Path.Combine(tmp.Path, "part"), data))
        {
            Xunit.Assert.Equal(stopAt, resumed.Trainer.Step);
            Xunit.Assert.True(resumed.Run(), label);
        }
        AssertSameRun(tmp.Path, "full", "part", label);
        var (_, a) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(tmp.Path, "full")));
        Xunit.Assert.All(a.Values.Where(t => t.is_floating_point()), t => Xunit.Assert.True(t.isfinite().all().item<bool>(), label));
        var names = a.Keys.ToList();
        foreach (var t in a.Values) t.Dispose();
        return names;
    }

    /// <summary>Equal metrics (but for seconds) and bit-identical final checkpoints of two runs in <paramref name="root"/>.</summary>
    public static void AssertSameRun(string root, string a, string b, string label = "")
    {
        string Metrics(string name) => string.Join("\n", File.ReadAllLines(Path.Combine(root, name, "metrics.jsonl"))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"seconds\":[^,}]+", "")));
        Xunit.Assert.Equal(Metrics(a), Metrics(b));
        var (ha, ta) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(root, a)));
        var (hb, tb) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(root, b)));
        try
        {
            Xunit.Assert.Equal(ta.Keys.Order(), tb.Keys.Order());
            foreach (var k in ta.Keys) Xunit.Assert.True(ta[k].equal(tb[k]).all().item<bool>(), $"{label}: {k} differs after resume");
            Xunit.Assert.Equal(ha["family-state"]?.ToJsonString(), hb["family-state"]?.ToJsonString());
        }
        finally
        {
            foreach (var t in ta.Values.Concat(tb.Values)) t.Dispose();
        }
    }

    /// <summary>Cancels a run's token after the given step.</summary>
    public sealed class CancelAt(int step, CancellationTokenSource cts) : ITrainingObserver
    {
        public void OnStep(Trainer trainer, StepStats stats) { if (stats.Step == step) cts.Cancel(); }
    }

    /// <summary>Trains a fresh system in memory and returns every step's (loss_d, loss_g).</summary>
    public static List<(double D, double G)> Losses(GanOptions o, TensorDataset data, int steps) => Train(o, data, steps).Losses;

    /// <summary>Trains a fresh system in memory (1 thread): every step's (loss_d, loss_g) and the final G and D weights ("G.name", "D.name").</summary>
    public static (List<(double D, double G)> Losses, Dictionary<string, Tensor> Weights) Train(GanOptions o, TensorDataset data, int steps)
    {
        set_num_threads(1);
        var (gNet, dNet) = GanModels.Build(o, data.ExampleShape);
        using var system = new GanSystem(gNet, dNet, o, data.ExampleShape);
        using var trainer = new Trainer(system, data);
        var losses = new List<(double, double)>();
        for (int i = 0; i < steps; i++)
        {
            var s = trainer.TrainStep();
            losses.Add((s.LossD, s.LossG));
        }
        var weights = system.G.state_dict().Select(kv => ("G." + kv.Key, kv.Value))
            .Concat(system.D.state_dict().Select(kv => ("D." + kv.Key, kv.Value)))
            .ToDictionary(kv => kv.Item1, kv => kv.Item2.detach().contiguous().clone().DetachFromDisposeScope());
        return (losses, weights);
    }
}
