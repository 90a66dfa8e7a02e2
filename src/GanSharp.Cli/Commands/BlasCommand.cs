using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using System.Text.Json.Nodes;
using GanSharp.Interop;
using GanSharp.Performance;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>
/// `gansharp blas`: which MKL code path this machine's matrix products take under GANSHARP_BLAS, a numerical check
/// of it (every linear-layer shape of the built-in presets, written to a file to compare between modes), and a
/// timing of those shapes (docs/performance.md, "The BLAS switch").
/// </summary>
public static class BlasCommand
{
    public static Command Create()
    {
        var workload = new Option<string>("--workload") { Description = "What the auto mode decides for: mlp (MLP-only networks) or conv", DefaultValueFactory = _ => "mlp" };
        workload.AcceptOnlyFromAmong("mlp", "conv");
        var check = new Option<string?>("--check") { Description = "Write y = xWᵀ + b and its gradients for every linear shape of the built-in presets to this safetensors file (seeded inputs), to compare modes" };
        var time = new Option<bool>("--time") { Description = "Time every linear shape (forward + backward) and a 2048² matrix product" };
        var json = new Option<string?>("--json") { Description = "With --time: also write the timings to this JSON file" };
        var threads = new Option<int>("--threads") { Description = "Torch threads", DefaultValueFactory = _ => 1 };
        var iterations = new Option<int>("--iterations") { Description = "With --time: timed iterations per shape (the median is reported)", DefaultValueFactory = _ => 50 };
        var cmd = new Command("blas", """
            Show which MKL code path matrix products take here, and check or time it.

            GANSHARP_BLAS=auto|stock|mkl-intel|mkl-generic selects the path (default auto: MKL's Intel path for MLP-only
            training on AMD CPUs, where it measured faster; stock elsewhere). The choice holds for the whole process.
            Examples:
              gansharp blas
              GANSHARP_BLAS=mkl-generic gansharp blas --check generic.safetensors
              GANSHARP_BLAS=stock gansharp blas --time --threads 1 --json stock.json
            """)
        { workload, check, time, json, threads, iterations };
        cmd.SetAction(r =>
        {
            var mode = BlasPath.FromEnvironment();
            int t = r.GetValue(threads);
            if (t < 1) throw new ArgumentException($"--threads {t}: must be at least 1");
            int iters = r.GetValue(iterations);
            if (iters < 1) throw new ArgumentException($"--iterations {iters}: must be at least 1");
            TorchRuntime.EnsureLoaded();
            set_num_threads(t);
            var state = BlasPath.Apply(mode, mlpOnly: r.GetValue(workload) == "mlp");
            string vendor = BlasPath.Vendor();
            Console.WriteLine($"CPU: {vendor}, AVX-512F {(Avx512F.IsSupported ? "yes" : "no")}, {Environment.ProcessorCount} cores; {BlasPath.EnvironmentVariable}={BlasPath.Name(mode)}");
            Console.WriteLine($"auto here: MLP-only training → {Describe(BlasPath.Decide(BlasMode.Auto, vendor, true), vendor)}; convolutional → {Describe(BlasPath.Decide(BlasMode.Auto, vendor, false), vendor)}");
            Console.WriteLine($"this process: {state}");
            if (r.GetValue(check) is null && !r.GetValue(time)) return 0;
            var shapes = BlasShapes.Used();
            if (r.GetValue(check) is { } file)
            {
                var tensors = new List<(string, Tensor)>();
                for (int i = 0; i < shapes.Count; i++)
                {
                    var (y, dx, dw) = BlasShapes.Run(shapes[i], seed: i + 1);
                    tensors.Add(($"{shapes[i].Id}/y", y));
                    tensors.Add(($"{shapes[i].Id}/dx", dx));
                    tensors.Add(($"{shapes[i].Id}/dw", dw));
                }
                SafeTensors.Save(file, tensors, new Dictionary<string, string> { ["blas"] = state.ToString(), ["threads"] = t.ToString(CultureInfo.InvariantCulture) });
                foreach (var (_, v) in tensors) v.Dispose();
                Console.WriteLine($"wrote {shapes.Count} shapes (y, dx, dw) to {file}");
            }
            if (r.GetValue(time))
                Time(shapes, iters, t, state, r.GetValue(json));
            return 0;
        });
        return cmd;
    }

    private static string Describe(int? flag, string vendor) => flag switch
    {
        1 => "MKL's Intel path (switched)",
        0 => "MKL's generic path (switched)",
        _ => $"stock (MKL's {(vendor == BlasPath.Intel ? "Intel" : "generic")} path)",
    };

    private static void Time(IReadOnlyList<LinearShape> shapes, int iterations, int threads, BlasState state, string? jsonPath)
    {
        var rows = new JsonArray();
        Console.WriteLine($"{"shape (in×out @ batch)",-24} {"ms fwd+bwd",10} {"GFLOP/s",8}  first use");
        foreach (var s in shapes.Append(new LinearShape(2048, 2048, 2048, "gemm 2048² (forward + backward)")))
        {
            using var scope = NewDisposeScope();
            using var g = new TorchSharp.torch.Generator(1);                            // cpu: timing the CPU BLAS
            var x = randn([s.Batch, s.In], generator: g).requires_grad_(true);         // cpu: as above
            var w = randn([s.Out, s.In], generator: g).requires_grad_(true);           // cpu: as above
            var b = randn([s.Out], generator: g).requires_grad_(true);                 // cpu: as above
            void Once()
            {
                using var inner = NewDisposeScope();
                nn.functional.linear(x, w, b).sum().backward();
                x.grad!.zero_(); w.grad!.zero_(); b.grad!.zero_();
            }
            for (int i = 0; i < 3; i++) Once();
            int n = s.In * s.Out * s.Batch > 1_000_000_000 ? Math.Max(3, iterations / 10) : iterations;
            var ms = new double[n];
            for (int i = 0; i < n; i++)
            {
                var sw = Stopwatch.StartNew();
                Once();
                ms[i] = sw.Elapsed.TotalMilliseconds;
            }
            Array.Sort(ms);
            double median = ms[n / 2];
            double gflops = 3.0 * 2 * s.In * s.Out * s.Batch / (median * 1e6);   // forward, input and weight gradients
            Console.WriteLine($"{s.Id,-24} {median,10:F4} {gflops,8:F1}  {s.Where}");
            rows.Add(new JsonObject { ["id"] = s.Id, ["in"] = s.In, ["out"] = s.Out, ["batch"] = s.Batch, ["where"] = s.Where, ["median_ms"] = median, ["gflops"] = gflops });
        }
        if (jsonPath is not null)
        {
            var doc = new JsonObject
            {
                ["blas"] = state.ToString(), ["mode"] = BlasPath.Name(state.Mode), ["vendor"] = state.Vendor, ["path"] = state.Path,
                ["threads"] = threads, ["iterations"] = iterations, ["date"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
                ["shapes"] = rows,
            };
            File.WriteAllText(jsonPath, doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {jsonPath}");
        }
    }
}
