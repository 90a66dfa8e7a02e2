using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Performance;
using GanSharp.Training;
using GanSharp.Families;

namespace GanSharp.Bench;

/// <summary>Runs the workloads one by one into <see cref="Results"/>.</summary>
public sealed class Suite(BenchArgs args, PyTorchNumbers pytorch, Results results, TextWriter log)
{
    private static string Describe(string workload) => workload switch
    {
        "mlp2d" => "MLP GAN on 2-D points: G 64→128→128→2 ReLU, D 2→128→128→1 LeakyReLU(0.2)",
        "dcgan28" => "DCGAN for 1×28×28 (GanModels dcgan28, z 100, width 64)",
        "dcgan64" => "pytorch/examples DCGAN, 3×64×64 (GanModels dcgan64, nz 100, ngf = ndf = 64)",
        _ => workload,
    };

    /// <summary>Convolutional workloads run on 2 threads, MLPs on 1: the engine's thread policy (GanModels.DefaultThreads) on 2 cores.</summary>
    private static int PolicyThreads(GanOptions o) => o.Model == "mlp" ? 1 : 2;

    public void Run(string workload)
    {
        switch (workload)
        {
            case "mlp2d":
                foreach (int threads in new[] { 1, 2 })
                    EngineVsBare($"mlp2d/{threads}t", "mlp2d", Workloads.Mlp2d(), threads);
                break;
            case "dcgan28" or "dcgan64":
                EngineVsBare(workload, workload, Workloads.Dcgan(workload), 2);
                break;
            case FamilyWorkloads.Srgan or FamilyWorkloads.Pix2Pix or FamilyWorkloads.GanCls or FamilyWorkloads.Progressive:
                FamilyEngineVsBare(workload);
                break;
            case "sample64":
                Sample64();
                break;
            case "memory":
                results.Memory = Workloads.Memory(args.Quick ? 600 : 10_000, args.Quick ? 100 : 1000, args.MaxWait, log);
                break;
            case "gemm":
                foreach (int threads in new[] { 2, 1 })
                {
                    string id = $"gemm/{threads}t";
                    var c = Measure(id, "gemm", threads, new Contender("engine", new Gemm()));
                    results.Add(new Measured(c, "gemm", $"fp32 GEMM C = A·B of {Gemm.N}×{Gemm.N} matrices (TorchSharp addmm_ with beta 0 into a preallocated C)",
                        Gemm.N, "ms/mm") { Gflop = Gemm.Gflop, PyTorchMs = pytorch.Ms(id) });
                }
                break;
            case "knobs":
                Knobs("dcgan28", Workloads.Dcgan("dcgan28"), threadsPolicy: true);
                Knobs("dcgan64", Workloads.Dcgan("dcgan64"), threadsPolicy: false);
                Knobs("mlp2d", Workloads.Mlp2d(), threadsPolicy: true);
                break;
            case "batch-scaling":
                foreach (int batch in Workloads.ScalingBatches)
                {
                    var o = Workloads.Dcgan("dcgan28");
                    o.Batch = batch;
                    using var data = Workloads.DataFor(o);
                    string id = $"batch-scaling/{batch}";
                    var c = Measure(id, "batch-scaling", 2, new Contender("engine", new EngineStep(o, data)));
                    results.Add(TrainingRow(c, "batch-scaling", $"{Describe("dcgan28")}, batch {batch}, engine defaults", o, data) with { PerSample = true });
                }
                break;
            case "cost":
                foreach (var (family, arch, size, channels, batch) in Workloads.CostPoints())
                {
                    var o = Workloads.CostOptions(family, arch, size, channels, batch);
                    using var data = Workloads.CostData(o);
                    string id = $"cost/{family}/{size}/{batch}";
                    var c = Measure(id, "cost", 1, new Contender("engine", new EngineStep(o, data)));   // one thread: CPU ms is the work itself
                    results.Add(new Measured(c, "cost", $"{family}{(arch.Length > 0 ? $" {arch}" : "")}, {channels}×{size}×{size}, batch {batch}, family defaults",
                        batch, "ms/iteration") { PerSample = true, Extra = new JsonObject { ["family"] = family, ["size"] = size, ["channels"] = channels } });
                }
                break;
            default:
                throw new ArgumentException($"unknown workload '{workload}'");
        }
    }

    /// <summary>The engine's training step (all knobs auto) against the bare TorchSharp loop.</summary>
    private void EngineVsBare(string id, string workload, GanOptions o, int threads)
    {
        using var data = Workloads.DataFor(o);
        var c = Measure(id, workload, threads, new Contender("engine", new EngineStep(o, data)), new Contender("bare", new BareStep(o, data)));
        results.Add(TrainingRow(c, workload, Describe(workload), o, data));
    }

    /// <summary>A family's training step through the engine (all knobs auto) against its bare TorchSharp loop, 2 threads.</summary>
    private void FamilyEngineVsBare(string workload)
    {
        var o = FamilyWorkloads.Options(workload);
        using var data = FamilyWorkloads.Data(workload, o);
        string scratch = Path.Combine(Path.GetTempPath(), $"gansharp-bench-{Environment.ProcessId}");
        try
        {
            var engine = FamilyWorkloads.Engine(workload, o, data, scratch);
            var bare = FamilyWorkloads.Bare(workload, o, data);
            // The same networks: the engine's and the bare loop's parameter counts (pytorch_bench.py prints and checks its own).
            var system = engine.Trainer.System;
            long g = FamilyWorkloads.ParameterCount(system.Network("G")), d = FamilyWorkloads.ParameterCount(system.Network("D"));
            long bareG = FamilyWorkloads.ParameterCount(bare.G), bareD = FamilyWorkloads.ParameterCount(bare.D);
            log.WriteLine($"[{workload}] parameters G {g:N0}, D {d:N0} (engine); G {bareG:N0}, D {bareD:N0} (bare)");
            if (g != bareG || d != bareD)
            {
                engine.Dispose();
                bare.Dispose();
                throw new InvalidOperationException($"{workload}: the bare loop's networks differ from the engine's: update FamilyWorkloads.cs");
            }
            var c = Measure(workload, workload, 2, new Contender("engine", engine), new Contender("bare", bare));
            results.Add(new Measured(c, workload, FamilyWorkloads.Describe(workload), o.Batch, "ms/iteration")
            {
                PyTorchMs = pytorch.Ms(c.Id),
                Extra = new JsonObject { ["parameters_g"] = g, ["parameters_d"] = d },
            });
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>A copy of <paramref name="template"/>: every knob auto (as the template has them).</summary>
    private static GanOptions Auto(GanOptions template) => GanOptions.FromJson(template.ToJson());

    /// <summary>A copy of <paramref name="template"/> on the stock path (every knob off), plus <paramref name="turnOn"/>.</summary>
    private static GanOptions StockWith(GanOptions template, Action<GanOptions>? turnOn)
    {
        var o = Auto(template);
        SpeedKnobs.SetStock(o);
        turnOn?.Invoke(o);
        return o;
    }

    /// <summary>
    /// Each training knob alone (stock path + that knob) against the stock path (every knob off), all knobs auto
    /// against the stock path, and, with <paramref name="threadsPolicy"/>, 2 threads against 1 (all knobs auto).
    /// </summary>
    private void Knobs(string name, GanOptions template, bool threadsPolicy)
    {
        using var data = Workloads.DataFor(template);
        int threads = PolicyThreads(template);
        string desc = Describe(name);

        void Pair(string knob, Func<GanOptions> candidate, bool changesResults = false)
        {
            string id = $"knobs/{name}/{knob}";
            var c = Measure(id, name, threads,
                new Contender("knob", new EngineStep(candidate(), data)), new Contender("stock", new EngineStep(StockWith(template, null), data)));
            results.Add(TrainingRow(c, "knobs", $"{desc}: {(knob == "defaults" ? "all knobs auto (engine defaults)" : $"stock + {knob}")} vs stock (every knob off)",
                template, data) with
            {
                Extra = new JsonObject { ["knob"] = knob, ["changes_results"] = changesResults },
                Note = changesResults ? "changes results" : null,
            });
        }

        foreach (var k in Workloads.TrainingKnobs.Where(k => !(k.ConvOnly && template.Model == "mlp")))
            Pair(k.Name, () => StockWith(template, k.TurnOn), k.ChangesResults);
        Pair("defaults", () => Auto(template));

        if (threadsPolicy)
        {
            var c = Measure($"knobs/{name}/threads", name, threads,
                new Contender("t2", new EngineStep(Auto(template), data), Threads: 2), new Contender("t1", new EngineStep(Auto(template), data), Threads: 1));
            results.Add(new Measured(c, "knobs", $"{desc}: engine defaults on 2 threads vs 1 (thread policy: {threads})", template.Batch, "ms/iteration")
                { Extra = new JsonObject { ["knob"] = "threads" } });
        }
    }

    private void Sample64()
    {
        var o = Workloads.Dcgan("dcgan64");
        long[] shape = { 3, 64, 64 };
        var c = Measure("sample64", "sample64", 2, new Contender("engine", new EngineSample(o, shape)), new Contender("bare", new BareSample(o, shape)));
        results.Add(new Measured(c, "sample64", "dcgan64 G inference, eval mode + inference_mode: engine = SampleGrids.Sample(system, z), bare = G(z)",
            o.Batch, "ms/batch") { PyTorchMs = pytorch.Ms("sample64"), Gflop = Flops.SampleGflop(o, shape, o.Batch), PeakGflops = results.GemmPeak(2) });

        var fold = Measure("sample64/fold-batch-norm", "sample64", 2,
            new Contender("knob", new EngineSample(StockWith(o, x => x.FoldBatchNorm = true), shape)),
            new Contender("stock", new EngineSample(StockWith(o, null), shape)));
        results.Add(new Measured(fold, "sample64", "dcgan64 G inference through SampleGrids.Sample: stock + fold-batch-norm vs stock (every knob off)",
            o.Batch, "ms/batch")
        {
            Gflop = Flops.SampleGflop(o, shape, o.Batch),
            PeakGflops = results.GemmPeak(2),
            Extra = new JsonObject { ["knob"] = "fold-batch-norm", ["changes_results"] = false },
        });
    }

    /// <summary>A training-step row: PyTorch's number for the id, and for DCGANs the nominal FLOPs and this run's GEMM peak.</summary>
    private Measured TrainingRow(Comparison c, string workload, string description, GanOptions o, TensorDataset data)
    {
        bool conv = o.Model == "dcgan";
        return new Measured(c, workload, description, o.Batch, "ms/iteration")
        {
            PyTorchMs = pytorch.Ms(c.Id),
            Gflop = conv ? Flops.IterationGflop(o, data.ExampleShape, o.Batch) : null,
            PeakGflops = conv ? results.GemmPeak(c.Threads) : null,
        };
    }

    /// <summary>Times the contenders in interleaved rounds with the plan of <paramref name="planOf"/>, then disposes them.</summary>
    private Comparison Measure(string id, string planOf, int threads, params Contender[] contenders)
    {
        try
        {
            return Runner.Compare(id, threads, Workloads.PlanFor(planOf, args.Quick, args.Rounds), args.MaxWait, contenders, log);
        }
        finally
        {
            foreach (var c in contenders) c.Iteration.Dispose();
        }
    }
}
