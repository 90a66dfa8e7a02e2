using System.Globalization;

namespace GanSharp.Bench;

/// <summary>Command-line options of the benchmark.</summary>
public sealed record BenchArgs(bool Quick, string Out, string[] Workloads, int? Rounds, double MaxWait, string? ComparePyTorch, bool Help)
{
    public const string Usage =
        """
        usage: dotnet run -c Release --project bench/GanSharp.Bench -- [options]
          --quick                  few iterations, a smoke test (its numbers mean little)
          --out PATH               JSON results (default bench/results.json), written atomically after every workload
          --workloads LIST         comma-separated, or 'all': mlp2d,dcgan28,dcgan64,sample64,memory,gemm and the
                                   family steps srgan64 (SRResNet B = 8 + SRGAN D, 64 px HR, content loss on the
                                   photo feature network), pix2pix64 (U-Net + PatchGAN 16, cGAN + 100·L1),
                                   gan-cls64 (matching-aware D on three pairs + G) and progressive32 (the 32 px
                                   fade-in, WGAN-GP + drift, G EMA), each engine vs bare (the default set); and
                                   the slow sweeps knobs (each speed knob alone vs the stock path, thread policy;
                                   several minutes), batch-scaling (dcgan28 at batch 16..256) and cost (dcgan and
                                   pix2pix at 4 batch sizes and 4 image sizes: docs/scale.md). memory always runs
                                   first (its RSS baseline stays clean), gemm next (the peak the GFLOP/s are set against)
          --rounds N               interleaved rounds per comparison (default per workload)
          --max-wait SECONDS       how long to wait for a quiet machine before each comparison (default 60; quick 3)
          --compare-pytorch FILE   PyTorch numbers measured on this machine by bench/pytorch_bench.py (same JSON
                                   format) for the PyTorch columns; without it there are no PyTorch columns
        """;

    public static BenchArgs Parse(string[] args)
    {
        bool quick = false, help = false;
        string outPath = "bench/results.json";
        string[] workloads = GanSharp.Bench.Workloads.Default;
        string? comparePyTorch = null;
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
                case "--compare-pytorch": comparePyTorch = Value(); break;
                case "--workloads":
                    workloads = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (workloads is ["all"]) workloads = GanSharp.Bench.Workloads.All;
                    foreach (var w in workloads)
                        if (!GanSharp.Bench.Workloads.All.Contains(w))
                            throw new ArgumentException($"unknown workload '{w}': use all or {string.Join(",", GanSharp.Bench.Workloads.All)}");
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
        // memory first: its RSS baseline should not carry the allocator caches of the large conv workloads;
        // gemm next: the training rows report their GFLOP/s against its peak.
        workloads = workloads.Distinct().OrderBy(w => w switch { "memory" => 0, "gemm" => 1, _ => 2 }).ToArray();
        return new BenchArgs(quick, outPath, workloads, rounds, maxWait ?? (quick ? 3 : 60), comparePyTorch, help);
    }
}
