using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using GanSharp.Imaging;
using GanSharp.Runs;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Bench;

/// <summary>
/// The soak benchmark (issue 20): one long training run through the whole engine and its run directory (metrics
/// every 10 steps, a sample grid every 250, a checkpoint every 500, as a user's run), recording the process RSS and
/// the step time every N steps, then the RSS drift after warm-up as a least-squares slope in MiB per 10,000 steps.
/// <c>dotnet run -c Release --project bench/GanSharp.Bench -- soak --workload mlp2d --steps 20000</c>
/// (bench/soak.sh runs the three workloads).
/// </summary>
public static class Soak
{
    public const string Usage = """
        soak --workload mlp2d|dcgan28|pix2pix [--steps N] [--every 500] [--warmup STEPS] [--threads 1] [--out FILE.json] [--gc] [--bare]
          --gc: a full GC (finalizers run) before each RSS reading; --bare: the training step alone, no run-directory observers
          mlp2d:   mlp on the 8-gaussian ring, z 64, 2x128, batch 256 (default 20000 steps)
          dcgan28: dcgan28 on MNIST (cached; synthetic digits-sized images if absent), batch 64 (default 2000 steps)
          pix2pix: pix2pix edges->photo, 32 px synthetic photos, batch 8 (default 2000 steps)
          warm-up: steps left out of the drift (default: 10% of the run, and at least until the first reading after the
                   first garbage collection: until then finalizable native memory, e.g. TorchSharp Scalars, only piles up)
        """;

    public static int Run(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        string workload = "mlp2d", outFile = "";
        int? steps = null, warmup = null;
        int every = 500, threads = 1;
        bool gc = false, bare = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--workload": workload = Next(); break;
                case "--steps": steps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--every": every = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": outFile = Next(); break;
                case "--gc": gc = true; break;        // full GC and finalizers before each RSS reading
                case "--bare": bare = true; break;    // no metrics, grids, checkpoints or health observers (diagnosis)
                case "--help" or "-h": Console.WriteLine(Usage); return 0;
                default: Console.Error.WriteLine($"error: unknown soak argument '{args[i]}'\n{Usage}"); return 2;
            }
        }
        using var tmp = new TempDir();
        GanOptions o;
        string dataNote;
        switch (workload)
        {
            case "mlp2d":
                o = new GanOptions { Model = "mlp", Arch = "mlp", Data = "ring", ZDim = 64, WidthG = 128, WidthD = 128, Depth = 2, Batch = 256, Steps = steps ?? 20000 };
                dataNote = "ring (100,000 points)";
                break;
            case "dcgan28":
                o = new GanOptions { Model = "dcgan", Arch = "dcgan28", Data = "mnist", ZDim = 100, WidthG = 64, WidthD = 64, Batch = 64, Steps = steps ?? 2000 };
                dataNote = "mnist";
                break;
            case "pix2pix":
                string photos = Path.Combine(tmp.Path, "photos");
                WritePhotos(photos, 64, 32);
                o = new GanOptions { Model = "pix2pix", Data = photos, Size = 32, Batch = 8, WidthG = 32, WidthD = 32, Steps = steps ?? 2000 };
                o.Set("task", "edges");
                dataNote = "64 synthetic 32x32 photos";
                break;
            default:
                Console.Error.WriteLine($"error: unknown soak workload '{workload}'\n{Usage}");
                return 2;
        }
        o.Threads = threads;
        o.LogEvery = 10;
        o.SampleEvery = 250;
        o.CheckpointEvery = 500;
        o.Keep = 3;
        o.SampleCount = 16;
        o.Seed = 1;
        int minWarm = Math.Max(every, o.Steps / 10);

        Console.WriteLine($"soak {workload}: {o.Steps} steps, {threads} thread(s), data {dataNote}, RSS and step time every {every} steps");
        var (data, heldOut) = TrainingRun.OpenDataWithHeldOut(o);
        using var _d = data;
        using var _h = heldOut;
        using var run = TrainingRun.Create(o, data, tmp.Path, "soak", heldOut: heldOut);
        if (bare) run.Trainer.Observers.Clear();
        var recorder = new Recorder(every, o.Steps, gc);
        run.Trainer.Observers.Add(recorder);
        var clock = Stopwatch.StartNew();
        run.Run();
        double wall = clock.Elapsed.TotalSeconds;
        int afterFirstGc = recorder.Samples.FirstOrDefault(x => x.Gc0 > 0)?.Step ?? o.Steps;
        int warm = warmup ?? Math.Max(minWarm, recorder.Samples.FirstOrDefault(x => x.Step > afterFirstGc)?.Step ?? afterFirstGc);

        var after = recorder.Samples.Where(s => s.Step >= warm).ToList();
        double slope = Slope(after.Select(s => (double)s.Step).ToList(), after.Select(s => s.RssMiB).ToList()) * 10_000;
        double first = after.FirstOrDefault()?.RssMiB ?? double.NaN, last = after.LastOrDefault()?.RssMiB ?? double.NaN;
        foreach (var s in recorder.Samples)
            Console.WriteLine($"  step {s.Step,6}  RSS {s.RssMiB,7:F1} MiB  managed {s.ManagedMiB,6:F1} MiB  GCs {s.Gc0,4}  step median {s.MedianMs,7:F2} ms  mean {s.MeanMs,7:F2} ms  load {s.Load1:F1}");
        double peak = recorder.Samples.Count > 0 ? recorder.Samples.Max(x => x.RssMiB) : double.NaN;
        Console.WriteLine($"drift after warm-up (steps {warm}..{o.Steps}): {slope:+0.00;-0.00} MiB per 10k steps (least squares), {last - first:+0.0;-0.0} MiB from step {after.FirstOrDefault()?.Step} to {after.LastOrDefault()?.Step}; peak RSS {peak:F1} MiB; wall {wall:F0} s");

        var doc = new JsonObject
        {
            ["schema"] = "gansharp-soak/1",
            ["workload"] = workload,
            ["command"] = "dotnet run -c Release --project bench/GanSharp.Bench -- soak" + string.Concat(args.Select(x => " " + x)),
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["steps"] = o.Steps,
            ["threads"] = threads,
            ["data"] = dataNote,
            ["every"] = every,
            ["warmup_steps"] = warm,
            ["rss_drift_mib_per_10k_steps"] = Math.Round(slope, 3),
            ["rss_change_mib_after_warmup"] = Math.Round(last - first, 2),
            ["rss_peak_mib"] = Math.Round(peak, 1),
            ["wall_seconds"] = Math.Round(wall, 1),
            ["samples"] = new JsonArray(recorder.Samples.Select(s => (JsonNode)new JsonObject
            {
                ["step"] = s.Step, ["rss_mib"] = Math.Round(s.RssMiB, 2), ["managed_mib"] = Math.Round(s.ManagedMiB, 2),
                ["gen0_collections"] = s.Gc0, ["step_ms_median"] = Math.Round(s.MedianMs, 3), ["step_ms_mean"] = Math.Round(s.MeanMs, 3), ["load1"] = s.Load1,
            }).ToArray()),
        };
        if (outFile.Length > 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
            File.WriteAllText(outFile, doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
            Console.WriteLine($"results: {Path.GetFullPath(outFile)}");
        }
        return 0;
    }

    private sealed record Sample(int Step, double RssMiB, double ManagedMiB, int Gc0, double MedianMs, double MeanMs, double Load1);

    /// <summary>Per-step wall time (observers included: a user's step) and, every N steps, RSS and heap.</summary>
    private sealed class Recorder(int every, int total, bool gc) : ITrainingObserver
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<double> _ms = new();
        private readonly int _gc0 = GC.CollectionCount(0);
        public List<Sample> Samples { get; } = new();

        public void OnStart(Trainer trainer) => _clock.Restart();

        public void OnStep(Trainer trainer, StepStats stats)
        {
            _ms.Add(_clock.Elapsed.TotalMilliseconds);
            if (stats.Step % every == 0 || stats.Step == total)
            {
                var sorted = _ms.Order().ToList();
                if (gc)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    GC.Collect();
                }
                Samples.Add(new Sample(stats.Step, Rss(), GC.GetTotalMemory(false) / 1048576.0, GC.CollectionCount(0) - _gc0, sorted[sorted.Count / 2], _ms.Average(), Load()));
                _ms.Clear();
            }
            _clock.Restart();
        }
    }

    private static double Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64 / 1048576.0;
    }

    private static double Load()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture); }
        catch (IOException) { return double.NaN; }
    }

    private static double Slope(List<double> x, List<double> y)
    {
        if (x.Count < 2) return double.NaN;
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my)), sxx = x.Sum(v => (v - mx) * (v - mx));
        return sxx == 0 ? double.NaN : sxy / sxx;
    }

    /// <summary>Distinct synthetic RGB photos: a colour ramp and a bright rectangle each.</summary>
    private static void WritePhotos(string dir, int count, int size)
    {
        Directory.CreateDirectory(dir);
        using var g = new Generator(4);
        for (int i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            var colour = randint(0, 256, new long[] { 3, 1, 1 }, generator: g).to_type(ScalarType.Float32);
            var ramp = linspace(0, 1, size).reshape(1, 1, size);
            var img = (colour * ramp).expand(3, size, size).clone();
            int top = (int)randint(0, size / 2, new long[] { 1 }, generator: g).item<long>(), left = (int)randint(0, size / 2, new long[] { 1 }, generator: g).item<long>();
            img.narrow(1, top, size / 2).narrow(2, left, size / 2).fill_(100 + i);
            ImageTensor.SavePng(Path.Combine(dir, $"photo{i:D2}.png"), img.to_type(ScalarType.Byte));
        }
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gansharp-soak-" + Guid.NewGuid().ToString("N"));
        public TempDir() => Directory.CreateDirectory(Path);
        public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
    }
}
