using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Training;

/// <summary>
/// Golden runs: 20 steps of each family at fixed seeds, recorded before the engine refactor (issue 12), must be
/// reproduced bit for bit on the CPU path they were recorded on (MKL_CBWR and oneDNN pinned to AVX2 by the test
/// assembly's initializer), and within a stated tolerance on another. Set GANSHARP_RECORD_GOLDEN=1 to (re)record.
/// </summary>
public sealed class GoldenRunTests
{
    /// <summary>Relative tolerance when the recording CPU path differs from this one.</summary>
    public const double CrossCpuTolerance = 0.05;

    public static IEnumerable<object[]> Cases() => GoldenCases.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Cases))]
    public void TwentyStepsReproduceTheRecordedLosses(string name)
    {
        var actual = GoldenCases.Run(name);
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "golden", name + ".json");
        string source = Path.Combine(GoldenCases.SourceDir(), name + ".json");
        if (Environment.GetEnvironmentVariable("GANSHARP_RECORD_GOLDEN") == "1")
        {
            var doc = new JsonObject { ["case"] = name, ["cpu"] = GoldenCases.CpuPath(), ["steps"] = ToJson(actual) };
            File.WriteAllText(source, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return;
        }
        Assert.True(File.Exists(path), $"no golden file {path}: record with GANSHARP_RECORD_GOLDEN=1");
        var golden = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var expected = golden["steps"]!.AsArray().Select(s => s!.AsArray().Select(v => v!.GetValue<double>()).ToArray()).ToList();
        Assert.Equal(expected.Count, actual.Count);
        bool exact = golden["cpu"]!.GetValue<string>() == GoldenCases.CpuPath();
        for (int i = 0; i < expected.Count; i++)
            for (int j = 0; j < expected[i].Length; j++)
            {
                double e = expected[i][j], a = actual[i][j];
                if (double.IsNaN(e)) { Assert.True(double.IsNaN(a), $"{name} step {i + 1} stat {j}: expected NaN, got {a}"); continue; }
                if (exact) Assert.True(e == a, $"{name} step {i + 1} stat {j}: golden {e:R}, now {a:R} (same CPU path: must be bit-identical)");
                else Assert.True(Math.Abs(e - a) <= CrossCpuTolerance * Math.Max(1, Math.Abs(e)), $"{name} step {i + 1} stat {j}: golden {e:R}, now {a:R} (other CPU path, tolerance {CrossCpuTolerance})");
            }
    }

    /// <summary>The README's `train dcgan --data mnist` (and `train dcgan` alone) trains the dcgan-mnist preset, which the main-job golden pins.</summary>
    [Fact]
    public void TheMainJobTrainsTheDcganMnistPreset()
    {
        var dcgan = GanFamilies.Get("dcgan");
        Assert.Equal("dcgan-mnist", dcgan.DefaultPreset("mnist", null));
        Assert.Equal("dcgan-mnist", dcgan.DefaultPreset(null, null));
        var o = GanOptions.FromJson(dcgan.Presets["dcgan-mnist"].Json);
        Assert.Equal(("dcgan28", 2000, 64, 1024, 1024), (o.Arch, o.Steps, o.Batch, o.FcG, o.FcD));
    }

    private static JsonArray ToJson(List<double[]> rows) =>
        new(rows.Select(r => (JsonNode)new JsonArray(r.Select(v => (JsonNode)JsonValue.Create(v)).ToArray())).ToArray());
}

/// <summary>The golden configurations and how one is run (loss_d, loss_g, D(x), D(G(z)) per step).</summary>
public static class GoldenCases
{
    public static readonly string[] Names =
    {
        "dcgan", "dcgan-hinge-sn-r1-ema", "dcgan-wgangp-dsteps2", "mlp", "mlp-unrolled2", "mlp-pack2-mbstd-smooth-noise",
        "cgan-concat", "cgan-projection", "semisup-mlp", "semisup-conv", "main-job",
    };

    /// <summary>
    /// The README's main job (`train dcgan --data mnist` resolves the dcgan-mnist preset) with only the data (128
    /// tiny images instead of MNIST), the step count (20) and the threads (1) changed: every default it trains
    /// with (architecture, widths, z, batch, learning rates, betas, loss, seed) is pinned, so that a change to
    /// them is deliberate (issue 17).
    /// </summary>
    private static GanOptions MainJob()
    {
        var o = GanOptions.FromJson(GanFamilies.Get("dcgan").Presets["dcgan-mnist"].Json);
        o.Data = "tiny";
        o.Steps = 20;
        o.Threads = 1;
        return o;
    }

    private static GanOptions Dcgan() => new()
    {
        Model = "dcgan", Arch = "dcgan28", Data = "tiny", Steps = 20, Batch = 16, ZDim = 8, WidthG = 4, WidthD = 4,
        Threads = 1, Seed = 11,
    };

    private static GanOptions Mlp() => new()
    {
        Model = "mlp", Arch = "mlp", Data = "ring", Steps = 20, Batch = 32, ZDim = 4, WidthG = 16, WidthD = 16, Depth = 2,
        Threads = 1, Seed = 12,
    };

    public static GanOptions Options(string name) => name switch
    {
        "dcgan" => Dcgan(),
        "dcgan-hinge-sn-r1-ema" => With(Dcgan(), o => { o.Loss = GanSharp.Losses.LossKind.Hinge; o.SpectralNorm = true; o.R1 = 1; o.Ema = 0.9; }),
        "dcgan-wgangp-dsteps2" => With(Dcgan(), o => { o.Loss = GanSharp.Losses.LossKind.WganGp; o.DSteps = 2; o.LrD = 1e-4; o.BetasD = new[] { 0.0, 0.9 }; }),
        "mlp" => Mlp(),
        "mlp-unrolled2" => With(Mlp(), o => o.Unrolled = 2),
        "mlp-pack2-mbstd-smooth-noise" => With(Mlp(), o => { o.Pack = 2; o.MinibatchStd = true; o.RealLabel = 0.9; o.InstanceNoise = 0.1; }),
        "cgan-concat" => With(Dcgan(), o => { o.Model = "cgan"; o.ConditionalD = "concat"; }),
        "cgan-projection" => With(Dcgan(), o => { o.Model = "cgan"; o.ConditionalD = "projection"; }),
        "semisup-mlp" => With(Dcgan(), o => { o.Model = "semisup"; o.Arch = "semisup-mlp"; o.Labels = 20; }),
        "semisup-conv" => With(Dcgan(), o => { o.Model = "semisup"; o.Arch = "semisup-conv"; o.Labels = 20; }),
        "main-job" => MainJob(),
        _ => throw new ArgumentException(name),
    };

    private static GanOptions With(GanOptions o, Action<GanOptions> change) { change(o); return o; }

    /// <summary>Trains the named configuration for 20 steps on 1 thread; per step (loss_d, loss_g, D(x), D(G(z))).</summary>
    public static List<double[]> Run(string name)
    {
        var o = Options(name);
        set_num_threads(1);
        using var data = o.Data == "ring" ? GaussianMixture2D.Ring(512, 1) : TestUtil.TinyImages(128);
        using var system = GanFamilies.Create(o, data.ExampleShape, data.NumClasses);
        using var trainer = new Trainer(system, data);
        var rows = new List<double[]>();
        for (int i = 0; i < o.Steps; i++)
        {
            var s = trainer.TrainStep();
            rows.Add(new[] { s.LossD, s.LossG, s.DReal, s.DFake });
        }
        return rows;
    }

    /// <summary>A name for the CPU code path the numbers depend on (vendor and widest vector ISA).</summary>
    public static string CpuPath()
    {
        string vendor = "unknown", isa = "sse";
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("vendor_id")) vendor = line.Split(':')[1].Trim();
                if (line.StartsWith("flags"))
                {
                    var flags = line.Split(':')[1].Split(' ');
                    isa = flags.Contains("avx512f") ? "avx512" : flags.Contains("avx2") ? "avx2" : "sse";
                    break;
                }
            }
        }
        catch (IOException) { }
        return $"{vendor}-{isa}-{RuntimeInformation.OSArchitecture}".ToLowerInvariant();
    }

    /// <summary>The golden files' folder in the source tree (where recording writes).</summary>
    public static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Path.Combine(Path.GetDirectoryName(file)!, "..", "TestData", "golden");
}
