using System.Diagnostics;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Bench;

/// <summary>PyTorch 2.6 CPU, 2 threads, measured on the development machine (see /work/shared/TORCHSHARP.md).</summary>
public static class PyTorchReference
{
    public const string Provenance =
        "PyTorch 2.6 CPU, 2 threads, median per full GAN iteration (D step on a real and a fake batch + G step, Adam), " +
        "measured on this machine (2-core AMD EPYC) by the project; sample64 is dcgan64 G inference, batch 64";

    public const double Mlp2dMs = 6.2;
    public const double Dcgan28Ms = 189;
    public const double Dcgan64Ms = 1909;
    public const double Sample64ImagesPerSecond = 328;

    public static JsonObject Json() => new()
    {
        ["provenance"] = Provenance,
        ["mlp2d_ms_per_iteration"] = Mlp2dMs,
        ["dcgan28_ms_per_iteration"] = Dcgan28Ms,
        ["dcgan64_ms_per_iteration"] = Dcgan64Ms,
        ["sample64_images_per_second"] = Sample64ImagesPerSecond,
    };
}

/// <summary>The benchmark's workloads: options, synthetic data, how long to run each.</summary>
public static class Workloads
{
    public static readonly string[] All = { "mlp2d", "dcgan28", "dcgan64", "sample64", "memory" };

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
        using var data = Points(o.Batch * 40);
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
