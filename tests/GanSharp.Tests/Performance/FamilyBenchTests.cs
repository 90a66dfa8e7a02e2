using System.Text.RegularExpressions;
using GanSharp.Bench;
using GanSharp.Families;
using GanSharp.Families.Progressive;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Performance;

/// <summary>
/// The benchmark's family workloads (issue 18) time the same networks three ways: the engine's, the bare TorchSharp
/// loop's (bench/GanSharp.Bench/FamilyWorkloads.cs) and PyTorch's mirror (bench/pytorch_bench.py). These tests pin
/// the three together by trainable parameter counts, so neither mirror can drift from the family code unnoticed, and
/// check that the bare loop starts from the engine's weights (all but GAN-CLS) and the progressive engine sits in the
/// 32 px fade-in.
/// </summary>
public sealed class FamilyBenchTests
{
    /// <summary>(G, D) parameter counts from pytorch_bench.py's PARAM_COUNTS table (the script checks its networks against it).</summary>
    private static (long G, long D) PyTorchCounts(string workload)
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "bench", "pytorch_bench.py"))) dir = Path.GetDirectoryName(dir);
        Assert.True(dir is not null, "bench/pytorch_bench.py not found above the test binaries");
        string text = File.ReadAllText(Path.Combine(dir!, "bench", "pytorch_bench.py"));
        var m = Regex.Match(text, $"\"{Regex.Escape(workload)}\": \\(([0-9_]+), ([0-9_]+)\\)");
        Assert.True(m.Success, $"PARAM_COUNTS of pytorch_bench.py has no entry for {workload}");
        return (long.Parse(m.Groups[1].Value.Replace("_", "")), long.Parse(m.Groups[2].Value.Replace("_", "")));
    }

    /// <summary>The engine's system for a workload, built as EngineStep builds it (GAN-CLS without loading an encoder).</summary>
    private static GanSystem EngineSystem(string workload, GanOptions o, long[] shape)
    {
        if (workload == FamilyWorkloads.GanCls) o.Set("text-encoder", "not-loaded-by-create");
        var family = GanFamilies.Get(o.Model);
        o.Arch = family.ResolveArch(o, shape);
        return family.Create(o, shape, 0);
    }

    [Theory]
    [InlineData(FamilyWorkloads.Srgan, 3, 64)]
    [InlineData(FamilyWorkloads.Pix2Pix, 3, 64)]
    [InlineData(FamilyWorkloads.GanCls, 3, 64)]
    [InlineData(FamilyWorkloads.Progressive, 3, 32)]
    public void BareAndPyTorchNetworksHaveTheEnginesParameterCounts(string workload, long channels, long size)
    {
        var o = FamilyWorkloads.Options(workload);
        long[] shape = { channels, size, size };
        Assert.Equal(shape[1], o.Size);
        using var system = EngineSystem(workload, o, shape);
        if (system is ProgressiveSystem) FamilyWorkloads.EnterFade(system);     // the engine times the 32 px networks
        var (g, d) = FamilyWorkloads.BareNetworks(workload, FamilyWorkloads.Options(workload), shape);
        using var _ = g;
        using var __ = d;
        long engineG = FamilyWorkloads.ParameterCount(system.Network("G")), engineD = FamilyWorkloads.ParameterCount(system.Network("D"));
        Assert.Equal((engineG, engineD), (FamilyWorkloads.ParameterCount(g), FamilyWorkloads.ParameterCount(d)));
        Assert.Equal((engineG, engineD), PyTorchCounts(workload));
        if (workload != FamilyWorkloads.GanCls)   // GAN-CLS's engine builds its text encoder first, from the same seed
            AssertSameWeights(workload, (g, system.Network("G")), (d, system.Network("D")));
    }

    /// <summary>The bare loop starts from the engine's initial weights (same seed or the same explicit generators).</summary>
    private static void AssertSameWeights(string workload, params (TorchSharp.torch.nn.Module Bare, TorchSharp.torch.nn.Module Engine)[] pairs)
    {
        foreach (var (bare, engine) in pairs)
        {
            var expected = engine.state_dict();
            foreach (var (name, t) in bare.state_dict())
                Assert.True(t.equal(expected[name]).all().item<bool>(), $"{workload}: {name} differs between the bare loop's and the engine's networks");
        }
    }

    [Fact]
    public void ProgressiveEngineTrainsThe32PxFadeIn()
    {
        var o = FamilyWorkloads.Options(FamilyWorkloads.Progressive);
        long[] shape = { 3, 32, 32 };
        using var system = (ProgressiveSystem)EngineSystem(FamilyWorkloads.Progressive, o, shape);
        Assert.Equal(16, system.GrowingG.Resolution);
        FamilyWorkloads.EnterFade(system);
        Assert.Equal((32, 32), (system.GrowingG.Resolution, system.GrowingD.Resolution));
        Assert.Equal((0.0, 0.0), (system.GrowingG.Alpha, system.GrowingD.Alpha));
        system.BeforeStep(1);                                                      // what the trainer calls before step 1
        Assert.Equal((32, true, 0.0), (system.State.Resolution, system.State.Fading, system.State.Alpha));
        Assert.Equal(o.Batch, system.BatchSize(1));
        system.BeforeStep(1001);
        Assert.True(system.State.Fading && system.State.Alpha is > 0 and < 0.01, $"α {system.State.Alpha} after 1000 steps of the fade-in");

    }
}
