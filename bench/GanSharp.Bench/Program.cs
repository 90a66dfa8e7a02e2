using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Bench;
using static TorchSharp.torch;

// GanSharp benchmark: the engine's training step against a bare TorchSharp loop on the same networks, interleaved
// in one process, with the outside CPU load recorded per round. See docs/benchmarks.md.

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

BenchArgs a;
try
{
    a = BenchArgs.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message} (see --help)");
    return 2;
}
if (a.Help)
{
    Console.WriteLine(BenchArgs.Usage);
    return 0;
}

var log = Console.Out;
var started = DateTimeOffset.UtcNow;
var machine = MachineInfo.Machine();
var versions = MachineInfo.Versions();
log.WriteLine($"GanSharp.Bench: {machine["cpu_model"]}, {CpuSnapshot.Cpus} CPUs; TorchSharp {versions["torchsharp"]}, libtorch {versions["libtorch"]}; " +
              $"workloads {string.Join(",", a.Workloads)}{(a.Quick ? " (quick)" : "")}");

var results = new JsonArray();
var rows = new List<Row>();
JsonObject? memory = null;

foreach (var w in a.Workloads)
{
    switch (w)
    {
        case "mlp2d":
        {
            var o = Workloads.Mlp2d();
            using var data = Workloads.Points(o.Batch * 40);
            foreach (int threads in new[] { 1, 2 })
            {
                using var engine = new EngineStep(o, data);
                using var bare = new BareStep(o, data);
                var c = Runner.Compare($"mlp2d/{threads}t", threads, Workloads.PlanFor("mlp2d", a.Quick, a.Rounds), a.MaxWait, engine, bare, log);
                Add(c, "mlp2d", "MLP GAN on 2-D points: G 64→128→128→2 ReLU, D 2→128→128→1 LeakyReLU(0.2)", o.Batch, PyTorchReference.Mlp2dMs, "ms/iteration");
            }
            break;
        }
        case "dcgan28":
        case "dcgan64":
        {
            var o = Workloads.Dcgan(w);
            using var data = w == "dcgan28" ? Workloads.Images(o.Batch * 20, 1, 28) : Workloads.Images(o.Batch * 4, 3, 64);
            using var engine = new EngineStep(o, data);
            using var bare = new BareStep(o, data);
            var c = Runner.Compare(w, 2, Workloads.PlanFor(w, a.Quick, a.Rounds), a.MaxWait, engine, bare, log);
            Add(c, w, w == "dcgan28"
                    ? "DCGAN for 1×28×28 (GanModels dcgan28, z 100, width 64)"
                    : "pytorch/examples DCGAN, 3×64×64 (GanModels dcgan64, nz 100, ngf = ndf = 64)",
                o.Batch, w == "dcgan28" ? PyTorchReference.Dcgan28Ms : PyTorchReference.Dcgan64Ms, "ms/iteration");
            break;
        }
        case "sample64":
        {
            var o = Workloads.Dcgan("dcgan64");
            long[] shape = { 3, 64, 64 };
            using var engine = new EngineSample(o, shape);
            using var bare = new BareSample(o, shape);
            var c = Runner.Compare(w, 2, Workloads.PlanFor(w, a.Quick, a.Rounds), a.MaxWait, engine, bare, log);
            Add(c, w, "dcgan64 G inference, eval mode + inference_mode: engine = SampleGrids.Sample(system, z), bare = G(z)",
                o.Batch, o.Batch * 1000.0 / PyTorchReference.Sample64ImagesPerSecond, "ms/batch");
            break;
        }
        case "memory":
        {
            memory = a.Quick
                ? Workloads.Memory(iterations: 600, warmup: 100, a.MaxWait, log)
                : Workloads.Memory(iterations: 5000, warmup: 500, a.MaxWait, log);
            break;
        }
    }
    Write(); // after every workload, so an interrupted run keeps what it measured
}

log.WriteLine();
log.WriteLine(Row.Table(rows));
if (memory is not null)
    log.WriteLine($"memory (mlp2d engine, {memory["threads"]} thread): RSS {memory["rss_mib_before"]} MiB before, " +
                  $"{memory["rss_mib_after_warmup"]} after {memory["warmup_iterations"]} iterations, {memory["rss_mib_after"]} after {memory["iterations"]} " +
                  $"(+{memory["rss_mib_growth_total"]} total, +{memory["rss_mib_growth_after_warmup"]} after warm-up); outside load {memory["outside_load_cores"]} cores");
log.WriteLine($"results: {Path.GetFullPath(a.Out)}");
return 0;

void Add(Comparison c, string name, string description, int batch, double pytorchMs, string unit)
{
    var rounds = new JsonArray();
    foreach (var r in c.Rounds)
    {
        rounds.Add(new JsonObject
        {
            ["engine_ms"] = Stats.Array(r.EngineMs),
            ["bare_ms"] = Stats.Array(r.BareMs),
            ["median_ms_engine"] = Stats.R(Stats.Median(r.EngineMs)),
            ["median_ms_bare"] = Stats.R(Stats.Median(r.BareMs)),
            ["ratio_engine_to_bare"] = Stats.R(Stats.Median(r.EngineMs) / Stats.Median(r.BareMs)),
            ["outside_load_cores_engine"] = Stats.R(r.OutsideEngine, 2),
            ["outside_load_cores_bare"] = Stats.R(r.OutsideBare, 2),
            ["own_cores_engine"] = Stats.R(r.SelfEngine, 2),
            ["own_cores_bare"] = Stats.R(r.SelfBare, 2),
        });
    }
    var entry = new JsonObject
    {
        ["id"] = c.Id,
        ["workload"] = name,
        ["description"] = description,
        ["threads"] = c.Threads,
        ["batch"] = batch,
        ["unit"] = unit,
        ["warmup_iterations"] = c.Plan.Warmup,
        ["rounds"] = c.Plan.Rounds,
        ["iterations_per_round"] = c.Plan.Iterations,
        ["iterations"] = c.Plan.Rounds * c.Plan.Iterations,
        ["median_ms_engine"] = Stats.R(c.EngineMs),
        ["median_ms_bare"] = Stats.R(c.BareMs),
        ["ratio_engine_to_bare"] = Stats.R(c.Ratio),
        ["median_of_round_ratios"] = Stats.R(Stats.Median(c.Rounds.Select(r => Stats.Median(r.EngineMs) / Stats.Median(r.BareMs)))),
        ["pytorch_ms"] = Stats.R(pytorchMs),
        ["ratio_engine_to_pytorch"] = Stats.R(c.EngineMs / pytorchMs),
        ["ratio_bare_to_pytorch"] = Stats.R(c.BareMs / pytorchMs),
        ["quiet_before"] = c.Wait.Quiet,
        ["quiet_wait_seconds"] = Stats.R(c.Wait.WaitedSeconds, 1),
        ["outside_load_cores_max"] = Stats.R(c.OutsideMax, 2),
        ["outside_load_cores_mean"] = Stats.R(c.OutsideMean, 2),
        ["disturbed"] = c.Disturbed,
        ["per_round"] = rounds,
    };
    if (unit == "ms/batch")
    {
        entry["images_per_second_engine"] = Stats.R(batch * 1000 / c.EngineMs, 1);
        entry["images_per_second_bare"] = Stats.R(batch * 1000 / c.BareMs, 1);
        entry["pytorch_images_per_second"] = PyTorchReference.Sample64ImagesPerSecond;
    }
    results.Add(entry);
    rows.Add(new Row(c, batch, pytorchMs, unit));
}

void Write()
{
    var doc = new JsonObject
    {
        ["schema"] = "gansharp-bench/1",
        ["date_utc"] = started.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["command"] = "dotnet run -c Release --project bench/GanSharp.Bench --" + string.Concat(args.Select(x => " " + x)),
        ["quick"] = a.Quick,
        ["max_wait_seconds"] = a.MaxWait,
        ["quiet_threshold_cores"] = 0.2,
        ["machine"] = machine.DeepClone(),
        ["versions"] = versions.DeepClone(),
        ["reference"] = PyTorchReference.Json(),
        ["notes"] = "ms are wall-clock medians over all timed iterations; ratios are time ratios (below 1 = faster). " +
                    "outside load = (machine busy jiffies − this process's jiffies) / elapsed jiffies, in cores, per round " +
                    "for the engine's and the bare loop's half; a workload is 'disturbed' when the machine was never quiet " +
                    "before it or some round saw ≥ 0.2 cores of outside load.",
        ["workloads"] = results.DeepClone(),
        ["memory"] = memory?.DeepClone(),
    };
    string full = Path.GetFullPath(a.Out);
    Directory.CreateDirectory(Path.GetDirectoryName(full)!);
    string tmp = full + ".tmp";
    File.WriteAllText(tmp, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", new UTF8Encoding(false));
    File.Move(tmp, full, overwrite: true);
}

/// <summary>Command-line options of the benchmark.</summary>
internal sealed record BenchArgs(bool Quick, string Out, string[] Workloads, int? Rounds, double MaxWait, bool Help)
{
    public const string Usage =
        """
        usage: dotnet run -c Release --project bench/GanSharp.Bench -- [options]
          --quick                  few iterations, a smoke test (under a minute)
          --out PATH               JSON results (default bench/results.json), written atomically
          --workloads LIST         comma-separated: mlp2d,dcgan28,dcgan64,sample64,memory (default all;
                                   memory always runs first, so its RSS baseline is not inflated by the others)
          --rounds N               interleaved engine/bare rounds per workload (default per workload)
          --max-wait SECONDS       how long to wait for a quiet machine before each workload (default 60; quick 3)
        """;

    public static BenchArgs Parse(string[] args)
    {
        bool quick = false, help = false;
        string outPath = "bench/results.json";
        string[] workloads = GanSharp.Bench.Workloads.All;
        int? rounds = null;
        double? maxWait = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "-h" or "--help": help = true; break;
                case "--out": outPath = Value(); break;
                case "--workloads":
                    workloads = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    foreach (var w in workloads)
                        if (!GanSharp.Bench.Workloads.All.Contains(w))
                            throw new ArgumentException($"unknown workload '{w}': use {string.Join(",", GanSharp.Bench.Workloads.All)}");
                    if (workloads.Length == 0) throw new ArgumentException("--workloads is empty");
                    break;
                case "--rounds":
                    rounds = int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) && r > 0
                        ? r : throw new ArgumentException("--rounds must be a positive integer");
                    break;
                case "--max-wait":
                    maxWait = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double m) && m >= 0
                        ? m : throw new ArgumentException("--max-wait must be a non-negative number of seconds");
                    break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        // memory first: its RSS baseline should not carry the allocator caches of the large conv workloads.
        workloads = workloads.Distinct().OrderBy(w => w == "memory" ? 0 : 1).ToArray();
        return new BenchArgs(quick, outPath, workloads, rounds, maxWait ?? (quick ? 3 : 60), help);
    }
}

/// <summary>One line of the printed table.</summary>
internal sealed record Row(Comparison C, int Batch, double PyTorchMs, string Unit)
{
    public static string Table(IReadOnlyList<Row> rows)
    {
        var sb = new StringBuilder();
        string H(string s, int w) => s.PadLeft(w);
        sb.AppendLine($"{"workload",-12}{H("thr", 4)}{H("batch", 6)}{H("iters", 7)}{H("engine ms", 11)}{H("bare ms", 10)}{H("eng/bare", 9)}" +
                      $"{H("PyTorch ms", 11)}{H("eng/PT", 8)}{H("bare/PT", 8)}{H("outside", 9)}  note");
        foreach (var r in rows)
        {
            var c = r.C;
            string note = r.Unit == "ms/batch"
                ? $"{r.Batch * 1000 / c.EngineMs:F0} / {r.Batch * 1000 / c.BareMs:F0} img/s (PyTorch {PyTorchReference.Sample64ImagesPerSecond:F0})"
                : "";
            if (c.Disturbed) note = (note + " DISTURBED").Trim();
            sb.AppendLine($"{c.Id,-12}{H(c.Threads.ToString(), 4)}{H(r.Batch.ToString(), 6)}{H($"{c.Plan.Rounds}x{c.Plan.Iterations}", 7)}" +
                          $"{H(c.EngineMs.ToString("F2"), 11)}{H(c.BareMs.ToString("F2"), 10)}{H(c.Ratio.ToString("F3"), 9)}" +
                          $"{H(r.PyTorchMs.ToString("F1"), 11)}{H((c.EngineMs / r.PyTorchMs).ToString("F2"), 8)}{H((c.BareMs / r.PyTorchMs).ToString("F2"), 8)}" +
                          $"{H(c.OutsideMax.ToString("F2"), 9)}  {note}");
        }
        sb.Append("outside = max over rounds of other processes' CPU use, in cores; ratios are time ratios (below 1 = faster).");
        return sb.ToString();
    }
}
