using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Bench;

// GanSharp benchmark: the engine's training step against a bare TorchSharp loop on the same networks, the speed
// knobs one at a time against the stock path, interleaved in one process, with the outside CPU load recorded
// per round. See docs/benchmarks.md and docs/performance.md.

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == "soak") return Soak.Run(args[1..]); // the soak benchmark (Soak.cs, bench/soak.sh)

BenchArgs a;
PyTorchNumbers pytorch;
try
{
    a = BenchArgs.Parse(args);
    if (a.Help)
    {
        Console.WriteLine(BenchArgs.Usage);
        return 0;
    }
    pytorch = a.ComparePyTorch is { } file ? PyTorchNumbers.Load(file) : PyTorchNumbers.None();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message} (see --help)");
    return 2;
}
catch (BenchInputException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

var log = Console.Out;
var started = DateTimeOffset.UtcNow;
var machine = MachineInfo.Machine();
var versions = MachineInfo.Versions();
log.WriteLine($"GanSharp.Bench: {machine["cpu_model"]}, {CpuSnapshot.Cpus} CPUs; TorchSharp {versions["torchsharp"]}, libtorch {versions["libtorch"]}; " +
              $"workloads {string.Join(",", a.Workloads)}{(a.Quick ? " (quick)" : "")}");
// GANSHARP_BLAS (docs/performance.md): MKL's code path for the whole process, chosen before its first matrix product.
// Auto treats a run of only MLP and GEMM workloads as MLP-only.
GanSharp.Performance.BlasState blas;
try
{
    blas = GanSharp.Performance.BlasPath.Apply(GanSharp.Performance.BlasPath.FromEnvironment(),
        mlpOnly: a.Workloads.All(w => w is "mlp2d" or "memory" or "gemm"));
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
machine["blas"] = blas.ToString();
log.WriteLine($"BLAS: {blas}");
log.WriteLine($"PyTorch columns: {pytorch.Label}");
foreach (var w in pytorch.Warnings.Append(pytorch.MachineMismatch(machine)).OfType<string>())
    log.WriteLine($"warning: {w}");

var results = new Results();
var suite = new Suite(a, pytorch, results, log);
foreach (var w in a.Workloads)
{
    suite.Run(w);
    Write(); // after every workload, so an interrupted run keeps what it measured
}

log.WriteLine();
log.WriteLine(results.Tables());
if (results.Memory is { } memory)
    log.WriteLine($"memory (mlp2d engine, {memory["threads"]} thread): RSS {memory["rss_mib_before"]} MiB before, " +
                  $"{memory["rss_mib_after_warmup"]} after {memory["warmup_iterations"]} iterations, {memory["rss_mib_after"]} after {memory["iterations"]} " +
                  $"(+{memory["rss_mib_growth_total"]} total, +{memory["rss_mib_growth_after_warmup"]} after warm-up); outside load {memory["outside_load_cores"]} cores");
log.WriteLine($"results: {Path.GetFullPath(a.Out)}");
return 0;

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
        ["reference"] = pytorch.Json.DeepClone(),
        ["notes"] = "ms are wall-clock medians over all timed iterations; ratios are time ratios (below 1 = faster), " +
                    "ratio_A_to_B = median_ms_A / median_ms_B for the two contenders of a comparison (engine/bare, knob/stock, t2/t1). " +
                    "outside load = (machine busy jiffies − this process's jiffies) / elapsed jiffies, in cores, per round " +
                    "for each contender's turn; a workload is 'disturbed' when the machine was never quiet " +
                    "before it or some round saw ≥ 0.2 cores of outside load. gflops_* = nominal FLOPs of one iteration " +
                    "(docs/performance.md) over the median time; gemm_peak_gflops = this run's fp32 2048² GEMM at the same threads.",
        ["workloads"] = results.Json.DeepClone(),
        ["memory"] = results.Memory?.DeepClone(),
    };
    string full = Path.GetFullPath(a.Out);
    Directory.CreateDirectory(Path.GetDirectoryName(full)!);
    string tmp = full + ".tmp";
    File.WriteAllText(tmp, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", new UTF8Encoding(false));
    File.Move(tmp, full, overwrite: true);
}
