using System.Text.RegularExpressions;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Tests.Training;

/// <summary>Runs only where this build sees a CUDA device; skipped (with the reason) everywhere else.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        bool has;
        try { has = Devices.CudaAvailable; }
        catch (Exception e) { has = false; Skip = $"CUDA could not be probed ({e.GetType().Name})"; return; }
        if (!has) Skip = "no CUDA device is visible to this build (the CPU libtorch package); the GPU test runs on a CUDA build with a GPU";
    }
}

/// <summary>
/// --device (issue 21): parsing and resolution, families that run on the CPU only, CPU runs unchanged by device
/// placement, a run moving between devices on resume, the CLI's one-line errors, a scan of the sources for tensors
/// made on a hard-coded device, and (on a GPU only) a CUDA run whose checkpoint loads on the CPU.
/// </summary>
public sealed class DeviceTests
{
    [Theory]
    [InlineData("cpu", DeviceKind.Cpu)]
    [InlineData("CUDA", DeviceKind.Cuda)]
    [InlineData(" auto ", DeviceKind.Auto)]
    public void ParseReadsTheThreeValues(string text, DeviceKind expected) => Assert.Equal(expected, Devices.Parse(text));

    [Theory]
    [InlineData("tpu")]
    [InlineData("gpu")]
    public void ParseRefusesOtherValuesInOneLine(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => Devices.Parse(value));
        Assert.Equal($"unknown value '{value}' for --device: use cpu, cuda or auto", e.Message);
    }

    [Fact]
    public void AutoIsCudaOnlyWhereThereIsCudaAndCudaWithoutItIsOneClearError()
    {
        Assert.Equal(DeviceType.CPU, Devices.Resolve(DeviceKind.Auto, cudaAvailable: false).type);
        Assert.Equal(DeviceType.CUDA, Devices.Resolve(DeviceKind.Auto, cudaAvailable: true).type);
        Assert.Equal(DeviceType.CPU, Devices.Resolve(DeviceKind.Cpu, cudaAvailable: true).type);
        Assert.Equal(DeviceType.CUDA, Devices.Resolve(DeviceKind.Cuda, cudaAvailable: true).type);
        var e = Assert.Throws<DeviceUnavailableException>(() => Devices.Resolve(DeviceKind.Cuda, cudaAvailable: false));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith("--device cuda: no CUDA device", e.Message);
        Assert.Contains("--device cpu", e.Message);
        // The build switch it names is the one the project file reads.
        string csproj = File.ReadAllText(Path.Combine(TestUtil.RepoRoot(), "src", "GanSharp", "GanSharp.csproj"));
        var property = Regex.Match(e.Message, @"-p:(\w+)=cuda").Groups[1].Value;
        Assert.Contains($"'$({property})' == 'cuda'", csproj);
    }

    /// <summary>A family that has not declared itself device-ready (not registered: the registry stays as it is).</summary>
    private sealed class CpuOnlyFamily : IGanFamily
    {
        public string Name => "cpu-only-test";
        public string Description => "a test family";
        public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses) => throw new NotSupportedException();
        public string ResolveArch(GanOptions options, long[] exampleShape) => "none";
    }

    [Fact]
    public void AFamilyThatRunsOnTheCpuOnlyGetsTheCpuForAutoAndRefusesCuda()
    {
        IGanFamily family = new CpuOnlyFamily();
        Assert.False(family.RunsOnAnyDevice);                               // the interface's default
        Assert.Equal(DeviceType.CPU, GanFamilies.DeviceFor(family, DeviceKind.Auto).type);
        Assert.Equal(DeviceType.CPU, GanFamilies.DeviceFor(family, DeviceKind.Cpu).type);
        var e = Assert.Throws<DeviceUnavailableException>(() => GanFamilies.DeviceFor(family, DeviceKind.Cuda));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith("--device cuda: 'cpu-only-test' runs on the CPU only (families that run on any device: cascade, cgan, dcgan, ", e.Message);
        Assert.EndsWith("; use --device cpu", e.Message);
    }

    /// <summary>Every family GanSharp ships places its tensors on the run's device (issue 21); a new one must too, or say it cannot.</summary>
    [Fact]
    public void EveryBuiltInFamilyRunsOnAnyDevice()
    {
        var notReady = GanFamilies.All.Values.Where(f => f.GetType().Assembly == typeof(GanFamilies).Assembly && !f.RunsOnAnyDevice).Select(f => f.Name).ToList();
        Assert.True(notReady.Count == 0, "families that run on the CPU only: " + string.Join(", ", notReady));
        Assert.True(GanFamilies.All.Count >= 15, $"only {GanFamilies.All.Count} families registered");
    }

    [Fact]
    public void OnAndOnCpuReturnTheSameTensorWhenItIsAlreadyThere()
    {
        using var t = ones(3);
        Assert.Same(t, t.On(CPU));
        Assert.Same(t, t.OnCpu());
        using var batch = ones(2, 1, 4, 4);
        var b = new Batch(batch, null);
        Assert.Same(b, b.To(CPU));
    }

    [Fact]
    public void RandomDrawsAreTheCpuGeneratorsNumbersWhateverTheDevice()
    {
        // Drawn on the CPU from the run's generator, then moved: on the CPU, exactly randn/rand/randint with that generator.
        using var g1 = new Generator(7);
        using var g2 = new Generator(7);
        using var a = Devices.Randn(new long[] { 5, 3 }, g1, CPU);
        using var b = randn(new long[] { 5, 3 }, generator: g2);
        Assert.True(a.eq(b).all().item<bool>());
        using var c = Devices.Randint(0, 10, new long[] { 8 }, g1, CPU);
        using var d = randint(0, 10, new long[] { 8 }, dtype: ScalarType.Int64, generator: g2);
        Assert.True(c.eq(d).all().item<bool>());
    }

    [Fact]
    public void AnExplicitCpuRunHasTheSameLossesAsTheDefaultOnAMachineWithoutCuda()
    {
        if (Devices.CudaAvailable) return;                 // there, auto means CUDA: the CUDA test covers it
        using var data = TestUtil.TinyImages();
        var auto = TestUtil.TinyDcgan();
        var cpu = TestUtil.TinyDcgan();
        cpu.Device = DeviceKind.Cpu;
        Assert.Equal(DeviceKind.Auto, auto.Device);
        Assert.Equal(TestUtil.Losses(auto, data, 3), TestUtil.Losses(cpu, data, 3));
    }

    [Fact]
    public void TheDeviceIsSavedWithTheRunAndMayChangeOnResume()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages();
        var o = TestUtil.TinyDcgan(steps: 2);
        o.Device = DeviceKind.Cpu;
        using (var run = TrainingRun.Create(o, data, tmp.Path, "r")) run.Trainer.Run();
        string root = Path.Combine(tmp.Path, "r");
        Assert.Contains("\"device\": \"cpu\"", File.ReadAllText(Path.Combine(root, "options.json")));
        using (var run = TrainingRun.Resume(root, data, steps: 3, device: DeviceKind.Auto))
        {
            Assert.Equal(2, run.Trainer.Step);
            if (!Devices.CudaAvailable) Assert.Equal(DeviceType.CPU, run.System.Device.type);
            run.Trainer.Run();
            Assert.Equal(3, run.Trainer.Step);
        }
        Assert.Contains("\"device\": \"auto\"", File.ReadAllText(Path.Combine(root, "options.json")));
    }

    [Fact]
    public void TheCliTakesDeviceOnTrainResumeSampleAndEvalAndRefusesBadValuesInOneLine()
    {
        using var tmp = new TestUtil.TempDir();
        string outDir = Path.Combine(tmp.Path, "runs");
        var (code, stdout, err) = TestUtil.RunCli("train", "mlp", "--data", "ring", "--steps", "2", "--batch", "16", "--z-dim", "4",
            "--width-g", "8", "--width-d", "8", "--threads", "1", "--device", "cpu", "--out", outDir, "--name", "m");
        Assert.True(code == 0, stdout + err);
        string root = Path.Combine(outDir, "m");
        (code, stdout, err) = TestUtil.RunCli("train", "mlp", "--resume", root, "--steps", "3", "--device", "auto");
        Assert.True(code == 0, stdout + err);
        Assert.True(File.Exists(Path.Combine(root, "checkpoints", "step-000003.ckpt")));

        (code, _, err) = TestUtil.RunCli("train", "mlp", "--data", "ring", "--steps", "2", "--device", "tpu", "--out", outDir, "--name", "x");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--device", err);
        Assert.False(Directory.Exists(Path.Combine(outDir, "x")));

        (code, _, err) = TestUtil.RunCli("sample", "--checkpoint", root, "--count", "4", "--out", Path.Combine(tmp.Path, "s.png"), "--device", "tpu");
        Assert.Equal(2, code);
        Assert.Equal("error: unknown value 'tpu' for --device: use cpu, cuda or auto", err.Trim());
        if (!Devices.CudaAvailable)
        {
            (code, _, err) = TestUtil.RunCli("sample", "--checkpoint", root, "--count", "4", "--out", Path.Combine(tmp.Path, "s.png"), "--device", "cuda");
            Assert.Equal(2, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.StartsWith("error: --device cuda: no CUDA device", err.Trim());
            (code, _, err) = TestUtil.RunCli("train", "mlp", "--data", "ring", "--steps", "2", "--device", "cuda", "--out", outDir, "--name", "c");
            Assert.Equal(2, code);
            Assert.StartsWith("error: --device cuda: no CUDA device", err.Trim());
            Assert.False(Directory.Exists(Path.Combine(outDir, "c")));
        }
        (code, stdout, err) = TestUtil.RunCli("sample", "--checkpoint", root, "--count", "4", "--out", Path.Combine(tmp.Path, "s.png"), "--device", "cpu");
        Assert.True(code == 0, stdout + err);
        (code, stdout, err) = TestUtil.RunCli("eval", "--checkpoint", root, "--metrics", "modes", "--samples", "200", "--threads", "1", "--device", "auto");
        Assert.True(code == 0, stdout + err);
    }

    // ---- no tensor on a hard-coded device -------------------------------------------------------------------

    /// <summary>The sources of everything a family that runs on any device touches (engine, losses, layers, models, augmentation, evaluation context, the families).</summary>
    private static readonly string[] DeviceReadySources =
    {
        "Training", "Losses", "Layers", "Models", "Performance",
        "Augment/AdaAugment.cs", "Augment/DiffAugment.cs", "Augment/Alpha.cs",
        "Families/BasicFamilies.cs", "Families/ConditionalGan.cs", "Families/GanModels.cs", "Families/Progressive", "Families/ImageToImage", "Families/TextToImage", "Families/Synthetic",
        "SemiSupervised/SemiSupervisedFamily.cs", "SemiSupervised/SemiSupervisedNetworks.cs", "SemiSupervised/WeightNorm.cs", "SemiSupervised/LabelledSplit.cs",
        "Metrics/EvalContext.cs", "Runs/TrainingRun.cs",
    };

    private static readonly Regex Factory = new(@"(?<![\w.])(randn|rand|randint|randperm|zeros|ones|full|empty|arange|eye|linspace|tensor|normal)\(", RegexOptions.Compiled);

    /// <summary>
    /// Every tensor factory call in the device-ready sources names its device (<c>device:</c>, or a
    /// <see cref="Devices"/> draw), or says in a <c>// cpu:</c> comment why the CPU is right there (data on the
    /// CPU, a value read with item, a parameter moved with its module).
    /// </summary>
    [Fact]
    public void EveryTensorMadeInDeviceReadyCodeNamesItsDeviceOrSaysWhyTheCpu()
    {
        string src = Path.Combine(TestUtil.RepoRoot(), "src", "GanSharp");
        var files = DeviceReadySources.SelectMany(p =>
            Directory.Exists(Path.Combine(src, p)) ? Directory.GetFiles(Path.Combine(src, p), "*.cs", SearchOption.AllDirectories)
            : new[] { Path.Combine(src, p) }).ToList();
        Assert.True(files.Count > 40, $"only {files.Count} files found under {src}");
        var bad = new List<string>();
        foreach (var f in files)
        {
            var lines = File.ReadAllLines(f);
            for (int i = 0; i < lines.Length; i++)
            {
                string code = lines[i].TrimStart();
                if (code.StartsWith("///") || code.StartsWith("//")) continue;
                int comment = code.IndexOf("//", StringComparison.Ordinal);
                string body = comment >= 0 ? code[..comment] : code;
                if (!Factory.IsMatch(body)) continue;
                if (body.Contains("device:") || body.Contains("Devices.") || code.Contains("// cpu:")) continue;
                if (f.EndsWith("Devices.cs", StringComparison.Ordinal)) continue;   // the draws themselves
                bad.Add($"{Path.GetRelativePath(src, f)}:{i + 1}: {code}");
            }
        }
        Assert.True(bad.Count == 0, "tensors made without a device:\n" + string.Join("\n", bad));
    }

    /// <summary>
    /// Reading a tensor's values (<c>data&lt;T&gt;()</c>, <c>bytes</c>) works only on the CPU: in the device-ready
    /// sources every read is of a tensor moved there (<c>OnCpu()</c>, <c>cpu()</c>) or says why it is there already.
    /// </summary>
    [Fact]
    public void EveryValueReadInDeviceReadyCodeIsOfACpuTensor()
    {
        string src = Path.Combine(TestUtil.RepoRoot(), "src", "GanSharp");
        var read = new Regex(@"\.data<|\.bytes\b", RegexOptions.Compiled);
        var bad = DeviceReadySources.SelectMany(p =>
                Directory.Exists(Path.Combine(src, p)) ? Directory.GetFiles(Path.Combine(src, p), "*.cs", SearchOption.AllDirectories) : new[] { Path.Combine(src, p) })
            .SelectMany(f => File.ReadAllLines(f).Select((l, i) => (f, i, l)))
            .Where(x => !x.l.TrimStart().StartsWith("//") && read.IsMatch(x.l)
                && !x.l.Contains("OnCpu()") && !x.l.Contains(".cpu()") && !x.l.Contains("// cpu:"))
            .Select(x => $"{Path.GetRelativePath(src, x.f)}:{x.i + 1}: {x.l.Trim()}").ToList();
        Assert.True(bad.Count == 0, "values read from tensors that may live on another device:\n" + string.Join("\n", bad));
    }

    /// <summary>No library code names a device: the only place that says CUDA is <see cref="Devices"/>.</summary>
    [Fact]
    public void NoLibrarySourceHardCodesADevice()
    {
        string src = Path.Combine(TestUtil.RepoRoot(), "src", "GanSharp");
        var hardCoded = new Regex(@"torch\.CUDA\b|DeviceType\.CUDA|new Device\(|\.cuda\(\)|""cuda(:\d)?""", RegexOptions.Compiled);
        var bad = Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.EndsWith("Devices.cs", StringComparison.Ordinal))
            .SelectMany(f => File.ReadAllLines(f).Select((l, i) => (f, i, l)))
            .Where(x => !x.l.TrimStart().StartsWith("//") && hardCoded.IsMatch(x.l))
            .Select(x => $"{Path.GetRelativePath(src, x.f)}:{x.i + 1}: {x.l.Trim()}").ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [Fact]
    public void TheScanCatchesAFactoryCallWithoutADevice()
    {
        Assert.Matches(Factory, "var x = zeros(3);");
        Assert.Matches(Factory, "x + randn(x.shape, generator: g)");
        Assert.DoesNotMatch(Factory, "var y = x.zeros_like();");
        Assert.DoesNotMatch(Factory, "init.zeros_(bias);");
        Assert.DoesNotMatch(Factory, "TensorExtensions.full_like(x)");
    }

    // ---- on a GPU -----------------------------------------------------------------------------------------

    [CudaFact]
    public void ACudaRunTrainsResumesAndItsCheckpointLoadsOnTheCpu()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages();
        var o = TestUtil.TinyDcgan(steps: 3);
        o.Device = DeviceKind.Cuda;
        o.Augment = "ada";
        using (var run = TrainingRun.Create(o, data, tmp.Path, "g"))
        {
            Assert.Equal(DeviceType.CUDA, run.System.Device.type);
            Assert.All(run.System.G.parameters(), p => Assert.Equal(DeviceType.CUDA, p.device_type));
            run.Trainer.Run();
        }
        string root = Path.Combine(tmp.Path, "g");
        using (var run = TrainingRun.Resume(root, data, steps: 4))
        {
            run.Trainer.Run();
            Assert.Equal(4, run.Trainer.Step);
        }
        using var onGpu = Sampler.Load(root, DeviceKind.Cuda);
        using var onCpu = Sampler.Load(root, DeviceKind.Cpu);
        using var a = onGpu.Sample(8, 1);
        using var b = onCpu.Sample(8, 1);
        Assert.Equal(DeviceType.CPU, a.device_type);
        Assert.True(a.allclose(b, rtol: 1e-3, atol: 1e-3), "the same checkpoint and seed give other images on CPU and CUDA");
    }
}
