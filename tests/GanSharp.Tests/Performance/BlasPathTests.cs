using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using GanSharp.Interop;
using GanSharp.Performance;
using Xunit;

namespace GanSharp.Tests.Performance;

/// <summary>
/// The BLAS switch (GANSHARP_BLAS, docs/performance.md). MKL keeps the code path it picks at a process's first
/// matrix product, so the tests that compare paths run `gansharp` in child processes, one per mode, without the
/// test assembly's numerics pinning. The test process itself runs with GANSHARP_BLAS=stock (NumericsPinning).
/// </summary>
public class BlasPathTests
{
    [Theory]
    [InlineData(null, BlasMode.Auto)]
    [InlineData("", BlasMode.Auto)]
    [InlineData("auto", BlasMode.Auto)]
    [InlineData("stock", BlasMode.Stock)]
    [InlineData("off", BlasMode.Stock)]
    [InlineData(" MKL-Intel ", BlasMode.MklIntel)]
    [InlineData("mkl-generic", BlasMode.MklGeneric)]
    public void ParseReadsEveryMode(string? value, BlasMode expected) => Assert.Equal(expected, BlasPath.Parse(value));

    [Fact]
    public void ABadModeIsOneLineNamingTheVariableAndTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => BlasPath.Parse("avx512"));
        Assert.Equal("GANSHARP_BLAS='avx512' is not a BLAS mode: use auto, stock, mkl-intel or mkl-generic", e.Message);
    }

    [Theory]
    [InlineData(BlasMode.Auto, BlasPath.Amd, true, 1)]          // MLP-only on AMD: the Intel path (measured faster)
    [InlineData(BlasMode.Auto, BlasPath.Amd, false, null)]      // convolutional on AMD: stock
    [InlineData(BlasMode.Auto, BlasPath.Intel, true, null)]     // Intel: never touched
    [InlineData(BlasMode.Auto, BlasPath.Intel, false, null)]
    [InlineData(BlasMode.Stock, BlasPath.Amd, true, null)]      // stock: never touched
    [InlineData(BlasMode.Stock, BlasPath.Intel, true, null)]
    [InlineData(BlasMode.MklIntel, BlasPath.Amd, false, 1)]
    [InlineData(BlasMode.MklIntel, BlasPath.Intel, false, null)] // already the Intel path
    [InlineData(BlasMode.MklGeneric, BlasPath.Intel, true, 0)]
    [InlineData(BlasMode.MklGeneric, BlasPath.Amd, true, null)]  // already the generic path
    public void DecideFollowsTheMeasuredRule(BlasMode mode, string vendor, bool mlpOnly, int? flag) =>
        Assert.Equal(flag, BlasPath.Decide(mode, vendor, mlpOnly));

    [Fact]
    public void DecodeReadsTheRipRelativeAddressOfTheRecognisedCodeOnly()
    {
        // mov eax, [rip + 0x0998671A]; test eax, eax; js +1; ret   (libtorch 2.10's mkl_serv_intel_cpu_true)
        byte[] code = [0x8B, 0x05, 0x1A, 0x67, 0x98, 0x09, 0x85, 0xC0, 0x78, 0x01, 0xC3];
        Assert.Equal((IntPtr)(0x1000 + 6 + 0x0998671A), MklVendorFlag.Decode(code, 0x1000));
        byte[] negative = [0x8B, 0x05, 0xFC, 0xFF, 0xFF, 0xFF, 0x85, 0xC0, 0x78, 0x01, 0xC3];   // disp −4
        Assert.Equal((IntPtr)(0x1000 + 6 - 4), MklVendorFlag.Decode(negative, 0x1000));
        byte[] other = (byte[])code.Clone();
        other[9] = 0x02;                                                                        // js +2: other code
        Assert.Null(MklVendorFlag.Decode(other, 0x1000));
        Assert.Null(MklVendorFlag.Decode(code.AsSpan(0, 10), 0x1000));
    }

    [Fact]
    public void ApplyWritesTheFlagOnlyWhenUndecidedAndTheRuleAsks()
    {
        IntPtr mem = Marshal.AllocHGlobal(4);
        try
        {
            var flag = MklVendorFlag.At(mem);
            Marshal.WriteInt32(mem, -1);
            var s = BlasPath.ApplyNow(BlasMode.Auto, mlpOnly: true, BlasPath.Amd, flag);
            Assert.Equal(1, flag.Read());
            Assert.True(s.Changed);
            Assert.Equal("intel", s.Path);

            Marshal.WriteInt32(mem, -1);
            s = BlasPath.ApplyNow(BlasMode.Stock, mlpOnly: true, BlasPath.Amd, flag);
            Assert.Equal(-1, flag.Read());                                   // stock: left alone
            Assert.False(s.Changed);
            Assert.Equal("generic", s.Path);

            s = BlasPath.ApplyNow(BlasMode.Auto, mlpOnly: false, BlasPath.Amd, flag);
            Assert.Equal(-1, flag.Read());                                   // convolutional: left alone
            Assert.False(s.Changed);

            Marshal.WriteInt32(mem, 0);                                      // MKL already chose the generic path
            s = BlasPath.ApplyNow(BlasMode.MklIntel, mlpOnly: true, BlasPath.Amd, flag);
            Assert.Equal(0, flag.Read());
            Assert.False(s.Changed);
            Assert.StartsWith("too late", s.Reason);

            Marshal.WriteInt32(mem, -1);
            s = BlasPath.ApplyNow(BlasMode.MklGeneric, mlpOnly: true, BlasPath.Intel, flag);
            Assert.Equal(0, flag.Read());
            Assert.Equal("generic", s.Path);

            s = BlasPath.ApplyNow(BlasMode.MklIntel, mlpOnly: true, BlasPath.Amd, flag: null);
            Assert.False(s.Changed);
            Assert.Equal("unknown", s.Path);
        }
        finally
        {
            Marshal.FreeHGlobal(mem);
        }
    }

    [Fact]
    public void MklVendorFlagIsFoundInTheLoadedLibtorch()
    {
        using var t = TorchSharp.torch.zeros(1);
        if (!OperatingSystem.IsLinux()) return;                              // found through /proc/self/maps
        var flag = MklVendorFlag.Find();
        Assert.NotNull(flag);
        Assert.InRange(flag!.Read(), -1, 1);
    }

    [Fact]
    public void TheShapesCoverEveryLinearLayerOfTheMlpAndDcganPresets()
    {
        var shapes = BlasShapes.Used();
        var ids = shapes.Select(s => s.Id).ToHashSet();
        Assert.Contains("2x400@100", ids);         // pacgan-2d G's first layer (z 2 → 400), batch 100
        Assert.Contains("64x128@256", ids);        // mlp-ring G (z 64 → 128), batch 256
        Assert.Contains("100x1024@64", ids);       // dcgan-mnist G's hidden fc, 100 → 1024, batch 64
        Assert.Contains("1024x6272@64", ids);      // dcgan-mnist G's fc, 1024 → 128·7·7
        Assert.Contains("6272x1024@64", ids);      // dcgan-mnist D's hidden fc, 128·7·7 → 1024
        Assert.Contains("110x6272@64", ids);       // cgan-mnist G's fc, z 100 + 10 labels → 128·7·7
        Assert.Contains("784x1000@100", ids);      // semisup-mlp D's first layer
        Assert.Equal(ids.Count, shapes.Count);
    }

    /// <summary>The vendor's non-default path: the mode that makes MKL change what it would pick here.</summary>
    private static string SwitchingMode() => BlasPath.Vendor() == BlasPath.Intel ? "mkl-generic" : "mkl-intel";

    [Fact]
    public void TheSwitchedPathAgreesWithTheStockPathOnEveryLinearShape()
    {
        using var tmp = new TestUtil.TempDir();
        string stock = Path.Combine(tmp.Path, "stock.safetensors"), switched = Path.Combine(tmp.Path, "switched.safetensors");
        var a = Cli(["blas", "--check", stock], "stock");
        var b = Cli(["blas", "--check", switched], SwitchingMode());
        Assert.True(a.Code == 0, a.Err);
        Assert.True(b.Code == 0, b.Err);
        Assert.Contains("stock: MKL chooses by CPU vendor", a.Out);
        var (ta, ma) = SafeTensors.Load(stock);
        var (tb, mb) = SafeTensors.Load(switched);
        Assert.DoesNotContain("set by GanSharp", ma["blas"]);
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64)
            Assert.Contains("(set by GanSharp)", mb["blas"]);
        Assert.Equal(ta.Keys.Order(), tb.Keys.Order());
        Assert.True(ta.Count >= 3 * 20, $"only {ta.Count} tensors");
        foreach (var (k, v) in ta)
        {
            // float32 sums of up to 6,272 products: rounding differs by path, well inside 1e-4 relative
            double scale = Math.Max(1e-3, v.abs().max().item<float>());
            double diff = (v - tb[k]).abs().max().item<float>();
            Assert.True(diff <= 1e-4 * scale, $"{k}: max |stock − switched| {diff:G3} against scale {scale:G3}");
        }
        foreach (var v in ta.Values.Concat(tb.Values)) v.Dispose();
    }

    [Fact]
    public void TrainingOnTheSwitchedPathIsDeterministicBySeedAndTheRunRecordsThePath()
    {
        using var tmp = new TestUtil.TempDir();
        string[] Args(string name) => ["train", "mlp", "--preset", "mlp-ring", "--steps", "40", "--log-every", "10", "--sample-every", "40",
            "--checkpoint-every", "40", "--out", tmp.Path, "--name", name, "--seed", "3"];
        string mode = SwitchingMode();
        foreach (var name in new[] { "a", "b" })
        {
            var r = Cli(Args(name), mode);
            Assert.True(r.Code == 0, r.Err);
        }
        var off = Cli(Args("off"), "stock");
        Assert.True(off.Code == 0, off.Err);
        string Losses(string name) => string.Join("\n", File.ReadLines(Path.Combine(tmp.Path, name, "metrics.jsonl"))
            .Select(l => JsonNode.Parse(l)!).Where(j => j["loss_d"] is not null).Select(j => $"{j["step"]} {j["loss_d"]} {j["loss_g"]}"));
        Assert.NotEmpty(Losses("a"));
        Assert.Equal(Losses("a"), Losses("b"));
        string Blas(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(tmp.Path, name, "options.json")))!["machine"]!["blas"]!.GetValue<string>();
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64)
            Assert.StartsWith($"{mode}: MKL ", Blas("a"));
        Assert.Contains("(set by GanSharp)", Blas("a"));
        Assert.StartsWith("stock: ", Blas("off"));                     // off where the environment asks for it
        Assert.DoesNotContain("set by GanSharp", Blas("off"));
    }

    [Fact]
    public void ABadModeStopsTrainingBeforeTheRunDirectoryExists()
    {
        using var tmp = new TestUtil.TempDir();
        var r = Cli(["train", "mlp", "--preset", "mlp-ring", "--steps", "5", "--out", tmp.Path, "--name", "x"], "fast");
        Assert.Equal(2, r.Code);
        Assert.Contains("error: GANSHARP_BLAS='fast' is not a BLAS mode", r.Err);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "x")));
    }

    private static (int Code, string Out, string Err) Cli(string[] args, string blas)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "GanSharp.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["GANSHARP_BLAS"] = blas;
        psi.Environment.Remove("MKL_CBWR");              // the test assembly's pinning (NumericsPinning): children run as a user's process
        psi.Environment.Remove("ONEDNN_MAX_CPU_ISA");
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "gansharp did not finish in 2 minutes");
        return (p.ExitCode, output, err.Result);
    }
}
