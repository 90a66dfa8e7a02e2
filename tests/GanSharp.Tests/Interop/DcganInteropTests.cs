using GanSharp.Runs;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Interop;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Interop;

public class DcganInteropTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "interop", name);
    public static string PyTorchG => Fixture("dcgan64_ngf16_G.safetensors");

    private static (Tensor Z, Tensor Out) Expected()
    {
        var (t, _) = SafeTensors.Load(Fixture("dcgan64_ngf16_G.expected.safetensors"));
        return (t["z"], t["out"]);
    }

    private static double MaxAbsDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Theory]
    [InlineData("dcgan32", 32, 4)]
    [InlineData("dcgan64", 64, 8)]
    public void TheMappingCoversExactlyOurStateDicts(string arch, int size, int topMultiple)
    {
        using var g = DcGan.Generator(size, zDim: 5, channels: 3, width: 2);
        using var d = DcGan.Discriminator(size, channels: 3, width: 2);
        var gMap = DcganPyTorchNames.Generator(arch);
        var dMap = DcganPyTorchNames.Discriminator(arch, topMultiple * 2);
        Assert.Equal(g.state_dict().Keys.Order(), gMap.Select(m => m.Ours).Order());
        Assert.Equal(d.state_dict().Keys.Order(), dMap.Select(m => m.Ours).Order());
        Assert.Equal(new long[] { 1, topMultiple * 2 * 16 }, d.state_dict()["head.weight"].shape);     // our Linear head
        Assert.Equal(new long[] { 1, topMultiple * 2, 4, 4 }, dMap.Single(m => m.Ours == "head.weight").TheirShape);
        Assert.NotNull(DcganPyTorchNames.Match(gMap, g.state_dict().Keys));
        Assert.Null(DcganPyTorchNames.Match(gMap, g.state_dict().Keys.Append("extra.weight")));
    }

    [Fact]
    public void Dcgan64NamesAreThoseOfPyTorchExamples()
    {
        // pytorch/examples dcgan/main.py: G main = ConvT(0) BN(1) ReLU(2) ConvT(3) BN(4) ReLU(5) ConvT(6) BN(7) ReLU(8)
        // ConvT(9) BN(10) ReLU(11) ConvT(12) Tanh(13); D main = Conv(0) LReLU(1) Conv(2) BN(3) LReLU(4) Conv(5) BN(6)
        // LReLU(7) Conv(8) BN(9) LReLU(10) Conv(11) Sigmoid(12).
        var g = DcganPyTorchNames.Generator("dcgan64").Select(m => m.Theirs).ToList();
        var fromPyTorch = SafeTensors.ReadHeader(PyTorchG).Entries.Select(e => e.Name).ToList();
        Assert.Equal(fromPyTorch.Order(), g.Order());
        Assert.Equal("main.12.weight", DcganPyTorchNames.Generator("dcgan64").Single(m => m.Ours == "up4.weight").Theirs);
        var d = DcganPyTorchNames.Discriminator("dcgan64", 128).ToDictionary(m => m.Ours, m => m.Theirs);
        Assert.Equal("main.0.weight", d["body.conv0.weight"]);
        Assert.Equal("main.2.weight", d["body.conv1.weight"]);
        Assert.Equal("main.3.running_var", d["body.conv1_bn.running_var"]);
        Assert.Equal("main.9.num_batches_tracked", d["body.conv3_bn.num_batches_tracked"]);
        Assert.Equal("main.11.weight", d["head.weight"]);
    }

    [Fact]
    public void ThePyTorchGeneratorReproducesItsExpectedOutput()
    {
        set_num_threads(1);
        using var imported = ModelImport.ReadGenerator(PyTorchG, "dcgan64", widthG: 16);
        Assert.Equal((100, 16, 3, 64, "pytorch"), (imported.ZDim, imported.Width, imported.Channels, imported.ImageSize, imported.Names));
        using var g = DcGan.Generator(64, 100, 3, 16);
        Trainer.LoadModule(g, "", imported.Weights);
        g.eval();
        var (z, expected) = Expected();
        using var _ = no_grad();
        using var y = g.call(z.reshape(2, 100)); // our G takes N × zDim, PyTorch's N × zDim × 1 × 1
        Assert.Equal(expected.shape, y.shape);
        double diff = MaxAbsDiff(y, expected);
        output.WriteLine($"max |G(z) − PyTorch's G(z)| = {diff:G3}");
        Assert.True(diff < 1e-5, $"max |G(z) − expected| = {diff}");
        Assert.True(expected.std().item<float>() > 0.01); // a real output (std ≈ 0.015 from N(0, 0.02) weights), far above the tolerance
        // Wrong running statistics would change the eval output: the BatchNorm buffers were loaded.
        Assert.NotEqual(0f, imported.Weights["up1_bn.running_mean"].abs().sum().item<float>());
    }

    [Fact]
    public void ImportMakesARunThatSamplesLikePyTorchAndExportsTheSameTensorsBitForBit()
    {
        set_num_threads(1);
        using var tmp = new TestUtil.TempDir();
        string run = Path.Combine(tmp.Path, "runs", "pt");
        string ckpt = ModelImport.CreateRun(PyTorchG, run, "dcgan", "dcgan64", widthG: 16, threads: 1);
        Assert.Equal(Path.Combine(run, "checkpoints", "step-000000.ckpt"), ckpt);
        Assert.Equal(ckpt, RunDirectory.ResolveCheckpoint(run));
        var provenance = JsonNode.Parse(File.ReadAllText(Path.Combine(run, ModelImport.ProvenanceFile)))!;
        Assert.Equal("1555d1186a6626025d85aa8588213e5989fbfb116e8683f83f490a5fde2ef98b", provenance["sha256"]!.GetValue<string>());

        // `sample` path: the checkpoint alone rebuilds G, and it is PyTorch's G.
        var (z, expected) = Expected();
        using (var sampler = Sampler.Load(run))
        {
            Assert.Equal(0, sampler.Step);
            using var _ = no_grad();
            using var y = sampler.System.Generate(z.reshape(2, 100));
            Assert.True(MaxAbsDiff(y, expected) < 1e-5);
        }

        // `export` path: the same names, dtypes, shapes and bytes as the file PyTorch wrote.
        string outFile = Path.Combine(tmp.Path, "g.safetensors");
        var result = ModelExport.Export(run, outFile);
        Assert.Equal(("pytorch", "trained", 0), (result.GeneratorNames, result.GeneratorWeights, result.Step));
        var (original, _) = SafeTensors.Load(PyTorchG);
        var (exported, meta) = SafeTensors.Load(outFile);
        Assert.Equal(original.Keys.Order(), exported.Keys.Order());
        foreach (var (name, t) in original)
        {
            Assert.Equal(t.dtype, exported[name].dtype);
            Assert.Equal(t.shape, exported[name].shape);
            Assert.True(t.bytes.SequenceEqual(exported[name].bytes), $"{name} differs after import → export");
        }
        Assert.Equal(DcganPyTorchNames.Reference, meta["names"]);

        var sidecar = JsonNode.Parse(File.ReadAllText(ModelExport.SidecarPath(outFile)))!;
        Assert.Equal("dcgan64", sidecar["arch"]!.GetValue<string>());
        Assert.Equal(100, sidecar["z-dim"]!.GetValue<int>());
        Assert.Equal(16, sidecar["width-g"]!.GetValue<int>());
        Assert.Equal(3, sidecar["channels"]!.GetValue<int>());
        Assert.Equal(64, sidecar["image-size"]!.GetValue<int>());
        Assert.Equal("dcgan", sidecar["family"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(sidecar["gansharp-version"]!.GetValue<string>()));
        Assert.Equal("pytorch", sidecar["generator"]!["names"]!.GetValue<string>());
        Assert.Contains("ngf=16", sidecar["generator"]!["reference"]!.GetValue<string>());
        foreach (var t in original.Values.Concat(exported.Values)) t.Dispose();
    }

    [Fact]
    public void ATruncatedOrOverlappingFileIsRejectedOnImport()
    {
        using var tmp = new TestUtil.TempDir();
        var bytes = File.ReadAllBytes(PyTorchG);
        string truncated = Path.Combine(tmp.Path, "truncated.safetensors");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length - 1000)]);
        var e = Assert.Throws<SafeTensorsException>(() => ModelImport.ReadGenerator(truncated, "dcgan64"));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("truncated.safetensors", e.Message);

        string overlapping = Path.Combine(tmp.Path, "overlap.safetensors");
        File.WriteAllBytes(overlapping, WithHeaderEdit(bytes, "\"data_offsets\":[819200,819712]", "\"data_offsets\":[819000,819512]"));
        e = Assert.Throws<SafeTensorsException>(() => ModelImport.ReadGenerator(overlapping, "dcgan64"));
        Assert.Contains("overlaps", e.Message);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "run")));
        Assert.Throws<SafeTensorsException>(() => ModelImport.CreateRun(overlapping, Path.Combine(tmp.Path, "run")));
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "run"))); // nothing created for a bad file
    }

    [Fact]
    public void ImportChecksTheArchitectureAndWidth()
    {
        using var tmp = new TestUtil.TempDir();
        Assert.Contains("width 16", Assert.Throws<ArgumentException>(() => ModelImport.ReadGenerator(PyTorchG, "dcgan64", widthG: 32)).Message);
        Assert.Contains("check --arch", Assert.Throws<SafeTensorsException>(() => ModelImport.ReadGenerator(PyTorchG, "dcgan32")).Message);
        Assert.Contains("dcgan32 and dcgan64", Assert.Throws<ArgumentException>(() => ModelImport.ReadGenerator(PyTorchG, "dcgan28")).Message);
        Assert.Contains("--model dcgan", Assert.Throws<ArgumentException>(() => ModelImport.CreateRun(PyTorchG, Path.Combine(tmp.Path, "r"), model: "cgan")).Message);
    }

    /// <summary>Rewrites a same-length piece of the JSON header (the fixture has compact JSON).</summary>
    public static byte[] WithHeaderEdit(byte[] file, string from, string to)
    {
        Assert.Equal(from.Length, to.Length);
        int n = (int)BitConverter.ToUInt64(file, 0);
        string header = System.Text.Encoding.UTF8.GetString(file, 8, n);
        Assert.Contains(from, header);
        var edited = System.Text.Encoding.UTF8.GetBytes(header.Replace(from, to));
        var copy = (byte[])file.Clone();
        edited.CopyTo(copy, 8);
        return copy;
    }

    /// <summary>A tiny dcgan32 (or dcgan64) run of 2 steps, with EMA when <paramref name="ema"/> &gt; 0, for the export tests.</summary>
    internal static string TinyDcgan32Run(string dir, double ema, out TensorDataset data, int size = 32, int width = 2)
    {
        using var g = new Generator(3);
        data = new TensorDataset("tiny32", randint(0, 256, new long[] { 8, 3, size, size }, ScalarType.Byte, generator: g));
        var o = new GanOptions
        {
            Model = "dcgan", Arch = $"dcgan{size}", Data = "tiny32", Steps = 2, Batch = 4, ZDim = 6, WidthG = width, WidthD = width, Ema = ema,
            Threads = 1, LogEvery = 1, SampleEvery = 1000, CheckpointEvery = 1000, SampleCount = 4, Seed = 3,
        };
        using var run = TrainingRun.Create(o, data, dir, "r32");
        Assert.True(run.Run());
        return Path.Combine(dir, "r32");
    }

    [Fact]
    public void ExportWritesTheAverageByDefaultRawOnRequestAndDWithPyTorchNames()
    {
        using var tmp = new TestUtil.TempDir();
        string run = TinyDcgan32Run(tmp.Path, ema: 0.5, out var data);
        using var _ = data;
        var (_, ck) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(run));
        Assert.False(ck["Gema.up0.weight"].equal(ck["G.up0.weight"]).all().item<bool>()); // the average differs from G

        string ema = Path.Combine(tmp.Path, "ema.safetensors");
        var r = ModelExport.Export(run, ema, withD: true);
        Assert.Equal(("ema", "pytorch", "pytorch"), (r.GeneratorWeights, r.GeneratorNames, r.DiscriminatorNames));
        Assert.Equal(Path.Combine(tmp.Path, "ema.D.safetensors"), r.DiscriminatorPath);
        var (e, _) = SafeTensors.Load(ema);
        var (dOut, _) = SafeTensors.Load(r.DiscriminatorPath!);
        string raw = Path.Combine(tmp.Path, "raw.safetensors");
        Assert.Equal("raw", ModelExport.Export(run, raw, raw: true).GeneratorWeights);
        Assert.False(File.Exists(ModelExport.DiscriminatorPath(raw)));
        var (rw, _) = SafeTensors.Load(raw);

        foreach (var m in DcganPyTorchNames.Generator("dcgan32"))
        {
            Assert.True(e[m.Theirs].bytes.SequenceEqual(ck["Gema." + m.Ours].contiguous().bytes), m.Theirs);
            Assert.True(rw[m.Theirs].bytes.SequenceEqual(ck["G." + m.Ours].contiguous().bytes), m.Theirs);
        }
        // D: main.0, main.2/3, main.5/6, head as the reference's Conv2d(4w, 1, 4) weight [1, 8, 4, 4].
        Assert.Equal(new long[] { 1, 8, 4, 4 }, dOut["main.8.weight"].shape);
        Assert.True(dOut["main.8.weight"].reshape(1, 128).equal(ck["D.head.weight"]).all().item<bool>());
        Assert.True(dOut["main.6.running_mean"].equal(ck["D.body.conv2_bn.running_mean"]).all().item<bool>());
        Assert.Equal(DcganPyTorchNames.Discriminator("dcgan32", 8).Count, dOut.Count);

        var sidecar = JsonNode.Parse(File.ReadAllText(r.SidecarPath))!;
        Assert.Equal("ema", sidecar["generator"]!["weights"]!.GetValue<string>());
        Assert.Equal("ema.D.safetensors", sidecar["discriminator"]!["file"]!.GetValue<string>());
        Assert.Contains("logit", sidecar["discriminator"]!["output"]!.GetValue<string>());
        foreach (var t in ck.Values.Concat(e.Values).Concat(dOut.Values).Concat(rw.Values)) t.Dispose();
    }

    [Fact]
    public void FamiliesWithoutAReferenceKeepOurNamesDocumentedInTheSidecar()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages(32);
        var o = TestUtil.TinyDcgan(2);
        o.SpectralNorm = true; // D has no PyTorch counterpart either
        using (var run = TrainingRun.Create(o, data, tmp.Path, "r28")) Assert.True(run.Run());
        string outFile = Path.Combine(tmp.Path, "g28.safetensors");
        var r = ModelExport.Export(Path.Combine(tmp.Path, "r28"), outFile, withD: true);
        Assert.Equal(("gansharp", "gansharp", "trained"), (r.GeneratorNames, r.DiscriminatorNames, r.GeneratorWeights));
        var (_, ck) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(tmp.Path, "r28")));
        var (g, _) = SafeTensors.Load(outFile);
        Assert.Equal(ck.Keys.Where(k => k.StartsWith("G.")).Select(k => k[2..]).Order(), g.Keys.Order());
        foreach (var (k, t) in g) Assert.True(t.bytes.SequenceEqual(ck["G." + k].contiguous().bytes), k);

        var sidecar = JsonNode.Parse(File.ReadAllText(r.SidecarPath))!;
        Assert.Equal("dcgan28", sidecar["arch"]!.GetValue<string>());
        Assert.Equal(8, sidecar["z-dim"]!.GetValue<int>());
        Assert.Contains("GanSharp's own", sidecar["generator"]!["naming"]!.GetValue<string>());
        var rows = sidecar["generator"]!["tensors"]!.AsArray();
        Assert.Equal(g.Count, rows.Count);
        Assert.Contains(rows, row => row!["name"]!.GetValue<string>() == "fc.weight" && row["shape"]!.AsArray().Count == 2);
        Assert.Equal(ck.Keys.Count(k => k.StartsWith("D.")), sidecar["discriminator"]!["tensors"]!.AsArray().Count);
        foreach (var t in ck.Values.Concat(g.Values)) t.Dispose();
    }
}
