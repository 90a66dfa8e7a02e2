using System.Diagnostics;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Bench;

/// <summary>A speed knob of <see cref="GanOptions"/>: its flag name and how to turn it on.</summary>
/// <param name="ConvOnly">Does nothing for MLPs (not measured on mlp2d).</param>
/// <param name="ChangesResults">Not equal to the stock path: training takes a different trajectory.</param>
public sealed record Knob(string Name, Action<GanOptions> TurnOn, bool ConvOnly = false, bool ChangesResults = false);

/// <summary>The benchmark's workloads: options, synthetic data, how long to run each.</summary>
public static class Workloads
{
    public static readonly string[] All =
    {
        "mlp2d", "dcgan28", "dcgan64", "sample64", "memory", "gemm",
        FamilyWorkloads.Srgan, FamilyWorkloads.Pix2Pix, FamilyWorkloads.GanCls, FamilyWorkloads.Progressive,
        "knobs", "batch-scaling", "cost",
    };

    /// <summary>What runs without --workloads: all but the slow knob and batch-size sweeps (several minutes each).</summary>
    public static readonly string[] Default = All.Except(new[] { "knobs", "batch-scaling", "cost" }).ToArray();

    /// <summary>
    /// The cost model's points (docs/scale.md): per family, 4 batch sizes at one image size and 4 image sizes at one
    /// batch size. DCGAN sizes are its architectures (28 is 1-channel MNIST, the rest RGB; 128 where it exists).
    /// </summary>
    public static IEnumerable<(string Family, string Arch, int Size, int Channels, int Batch)> CostPoints()
    {
        foreach (int b in new[] { 16, 32, 64, 128 }) yield return ("dcgan", "dcgan32", 32, 3, b);
        // Image sizes at batch 64 (dcgan32 at batch 64 is the batch series' third point).
        foreach (var (arch, size, c) in new[] { ("dcgan28", 28, 1), ("dcgan64", 64, 3), ("dcgan128", 128, 3) })
            if (GanFamilies.Architectures.Any(a => a.Name == arch)) yield return ("dcgan", arch, size, c, 64);
        foreach (int b in new[] { 1, 2, 4, 8 }) yield return ("pix2pix", "", 64, 3, b);
        foreach (int size in new[] { 32, 128, 256 }) yield return ("pix2pix", "", size, 3, 1); // 64 at batch 1 is above
    }

    /// <summary>Options of a cost point: the family's defaults at that image size and batch.</summary>
    public static GanOptions CostOptions(string family, string arch, int size, int channels, int batch)
    {
        var o = StepOnly(new GanOptions { Model = family, Data = "synthetic", Batch = batch, Size = size, Channels = channels });
        if (family == "dcgan")
        {
            o.Arch = arch;
            o.ZDim = 100;
            o.WidthG = o.WidthD = 64;
        }
        else o.Set("task", "paired"); // an RGB source image, as in facades or maps
        return o;
    }

    /// <summary>Synthetic data for a cost point: noise images, plus a paired "source" field for image-to-image families.</summary>
    public static TensorDataset CostData(GanOptions o)
    {
        long n = Math.Max(o.Batch * 4, 16);
        using var g = new Generator(12345);
        var image = randint(0, 256, new long[] { n, o.Channels, o.Size, o.Size }, generator: g).to_type(ScalarType.Byte).DetachFromDisposeScope();
        if (o.Model != "pix2pix") return new TensorDataset($"synthetic-{o.Channels}x{o.Size}", image);
        var source = randint(0, 256, new long[] { n, o.Channels, o.Size, o.Size }, generator: g).to_type(ScalarType.Byte).DetachFromDisposeScope();
        return new TensorDataset($"synthetic-paired-{o.Size}", image, fields: new Dictionary<string, Tensor> { [BatchFields.Source] = source });
    }

    /// <summary>Batch sizes of the batch-scaling workload (dcgan28).</summary>
    public static readonly int[] ScalingBatches = { 16, 32, 64, 128, 256 };

    /// <summary>
    /// The training-step knobs the knobs workload measures one at a time against the stock path (every knob off);
    /// fold-batch-norm is a sampling knob (sample64 measures it).
    /// </summary>
    public static readonly Knob[] TrainingKnobs =
    {
        new("channels-last", o => o.ChannelsLast = true, ConvOnly: true),
        new("freeze-d", o => o.FreezeD = true),
        new("fused-adam", o => o.FusedAdam = true),
        new("prefetch", o => o.Prefetch = true),
        new("reuse-d-fake", o => o.ReuseDFake = true, ChangesResults: true),
    };

    public static GanOptions Mlp2d() => StepOnly(new GanOptions
    {
        Model = "mlp", Arch = "mlp", Data = "synthetic", ZDim = 64, WidthG = 128, WidthD = 128, Depth = 2, Batch = 256,
    });

    public static GanOptions Dcgan(string arch) => StepOnly(new GanOptions
    {
        Model = "dcgan", Arch = arch, Data = "synthetic", ZDim = 100, WidthG = 64, WidthD = 64, Batch = 64,
    });

    /// <summary>No gradient-norm measurement (it runs on logging steps only) and no end step: the bare step alone.</summary>
    private static GanOptions StepOnly(GanOptions o)
    {
        o.Steps = int.MaxValue;
        o.LogEvery = int.MaxValue;
        return o;
    }

    /// <summary>The synthetic training data of a workload's options: 2-D points, or 1×28×28 or 3×64×64 images.</summary>
    public static TensorDataset DataFor(GanOptions o) => o.Arch switch
    {
        "mlp" => Points(o.Batch * 40),
        "dcgan28" => Images(o.Batch * 20, 1, 28),
        "dcgan64" => Images(o.Batch * 4, 3, 64),
        _ => throw new ArgumentException($"no synthetic data for {o.Arch}"),
    };

    /// <summary>N×2 float32 points from N(0, I); a fixed seed.</summary>
    public static TensorDataset Points(long n)
    {
        using var g = new Generator(12345);
        return new TensorDataset("synthetic-2d", randn(new[] { n, 2 }, generator: g).DetachFromDisposeScope());
    }

    /// <summary>N×C×H×W uint8 noise images; a fixed seed.</summary>
    public static TensorDataset Images(long n, long c, long size)
    {
        using var g = new Generator(12345);
        var x = randint(0, 256, new[] { n, c, size, size }, generator: g).to_type(ScalarType.Byte);
        return new TensorDataset($"synthetic-{c}x{size}x{size}", x.DetachFromDisposeScope());
    }

    public static Plan PlanFor(string id, bool quick, int? rounds)
    {
        var p = (id, quick) switch
        {
            ("mlp2d", false) => new Plan(50, 5, 200),
            ("mlp2d", true) => new Plan(10, 2, 20),
            ("dcgan28", false) => new Plan(5, 5, 10),
            ("dcgan28", true) => new Plan(2, 2, 2),
            ("dcgan64", false) => new Plan(2, 3, 3),
            ("dcgan64", true) => new Plan(1, 1, 1),
            ("sample64", false) => new Plan(5, 5, 10),
            ("sample64", true) => new Plan(2, 2, 2),
            ("gemm", false) => new Plan(2, 5, 5),
            ("gemm", true) => new Plan(1, 1, 2),
            ("batch-scaling", false) => new Plan(2, 3, 4),
            ("batch-scaling", true) => new Plan(1, 1, 1),
            ("cost", false) => new Plan(2, 3, 3),
            ("cost", true) => new Plan(1, 1, 1),
            (FamilyWorkloads.Srgan, false) => new Plan(2, 3, 3),
            (FamilyWorkloads.Srgan, true) => new Plan(1, 1, 1),
            (FamilyWorkloads.Pix2Pix, false) => new Plan(5, 5, 10),
            (FamilyWorkloads.Pix2Pix, true) => new Plan(1, 1, 1),
            (FamilyWorkloads.GanCls, false) => new Plan(2, 3, 3),
            (FamilyWorkloads.GanCls, true) => new Plan(1, 1, 1),
            (FamilyWorkloads.Progressive, false) => new Plan(5, 5, 10),
            (FamilyWorkloads.Progressive, true) => new Plan(1, 1, 1),
            _ => throw new ArgumentException($"no plan for {id}"),
        };
        return rounds is { } r ? p with { Rounds = r } : p;
    }

    /// <summary>
    /// RSS around many mlp2d engine iterations (1 thread, the engine's policy for mlp; gradient norms logged every
    /// 10 steps as in a real run): before the first, after the warm-up, after all.
    /// </summary>
    public static JsonObject Memory(int iterations, int warmup, double maxWait, TextWriter log)
    {
        set_num_threads(1);
        log.Write($"[memory] waiting for a quiet machine ... ");
        var wait = Quiet.WaitForQuiet(maxWait);
        log.WriteLine(wait.Quiet ? "quiet" : $"NOT quiet (outside {wait.LastOutsideCores:F2} cores); measuring anyway");

        var o = Mlp2d();
        o.LogEvery = 10;
        using var data = DataFor(o);
        using var engine = new EngineStep(o, data);
        GC.Collect();
        double before = Rss.MiB();
        var s0 = CpuSnapshot.Take();
        var clock = Stopwatch.StartNew();
        var (afterWarmup, after, curve) = Track(engine, iterations, warmup);
        double seconds = clock.Elapsed.TotalSeconds;
        double outside = CpuSnapshot.OutsideCores(s0, CpuSnapshot.Take());
        log.WriteLine($"[memory] engine: RSS {before:F1} MiB before, {afterWarmup:F1} after {warmup}, {after:F1} after {iterations} " +
                      $"(+{after - afterWarmup:F1} since warm-up), outside load {outside:F2} cores");

        // The bare TorchSharp loop afterwards, for comparison: does it grow the same way?
        using var bare = new BareStep(o, data);
        double bareBefore = Rss.MiB();
        var (bareWarm, bareAfter, bareCurve) = Track(bare, iterations, warmup);
        log.WriteLine($"[memory] bare:   RSS {bareBefore:F1} MiB before, {bareWarm:F1} after {warmup}, {bareAfter:F1} after {iterations} " +
                      $"(+{bareAfter - bareWarm:F1} since warm-up)");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        double afterGc = Rss.MiB();
        return new JsonObject
        {
            ["id"] = "memory",
            ["description"] = "process RSS (VmRSS) around mlp2d engine iterations, each in a DisposeScope",
            ["threads"] = get_num_threads(),
            ["batch"] = o.Batch,
            ["iterations"] = engine.Step,
            ["warmup_iterations"] = warmup,
            ["rss_mib_before"] = Stats.R(before, 1),
            ["rss_mib_after_warmup"] = Stats.R(afterWarmup, 1),
            ["rss_mib_after"] = Stats.R(after, 1),
            ["rss_mib_after_both_and_gc"] = Stats.R(afterGc, 1),
            ["rss_mib_growth_total"] = Stats.R(after - before, 1),
            ["rss_mib_growth_after_warmup"] = Stats.R(after - afterWarmup, 1),
            ["rss_kib_per_iteration_after_warmup"] = Stats.R((after - afterWarmup) * 1024 / Math.Max(1, iterations - warmup), 3),
            ["ms_per_iteration_mean"] = Stats.R(seconds * 1000 / iterations, 3),
            ["rss_curve"] = curve,
            ["bare_rss_mib_before"] = Stats.R(bareBefore, 1),
            ["bare_rss_mib_after_warmup"] = Stats.R(bareWarm, 1),
            ["bare_rss_mib_after"] = Stats.R(bareAfter, 1),
            ["bare_rss_mib_growth_after_warmup"] = Stats.R(bareAfter - bareWarm, 1),
            ["bare_rss_curve"] = bareCurve,
            ["quiet_before"] = wait.Quiet,
            ["outside_load_cores"] = Stats.R(outside, 2),
        };
    }

    /// <summary>Runs <paramref name="iterations"/> iterations; RSS after the warm-up, at the end, and every warm-up's worth.</summary>
    private static (double AfterWarmup, double After, JsonArray Curve) Track(IIteration it, int iterations, int warmup)
    {
        var curve = new JsonArray();
        double afterWarmup = double.NaN;
        for (int i = 1; i <= iterations; i++)
        {
            it.Run();
            if (i == warmup) afterWarmup = Rss.MiB();
            if (i % warmup == 0)
                curve.Add(new JsonObject
                {
                    ["iteration"] = i,
                    ["rss_mib"] = Stats.R(Rss.MiB(), 1),
                    ["managed_heap_mib"] = Stats.R(GC.GetTotalMemory(false) / 1048576.0, 1),
                });
        }
        return (afterWarmup, Rss.MiB(), curve);
    }
}
