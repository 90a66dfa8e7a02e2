using GanSharp.Imaging;
using GanSharp.Interop;
using Xunit;

namespace GanSharp.Tests.Interop;

public class InteropCliTests
{
    [Fact]
    public void ImportSampleAndExportFromTheCommandLine()
    {
        using var tmp = new TestUtil.TempDir();
        string run = Path.Combine(tmp.Path, "runs", "pt");
        var (code, stdout, err) = TestUtil.RunCli("import", DcganInteropTests.PyTorchG, "--model", "dcgan", "--arch", "dcgan64", "--width-g", "16", "--out", run);
        Assert.True(code == 0, stdout + err);
        Assert.Contains("imported G", stdout);
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "step-000000.ckpt")));

        string grid = Path.Combine(tmp.Path, "grid.png");
        (code, stdout, err) = TestUtil.RunCli("sample", "--checkpoint", run, "--count", "4", "--out", grid);
        Assert.True(code == 0, stdout + err);
        var (_, w, h, c) = ImageFile.Load(grid);
        Assert.Equal((2 * 64 + 3 * 2, 2 * 64 + 3 * 2, 3), (w, h, c));

        string outFile = Path.Combine(tmp.Path, "out.safetensors");
        (code, stdout, err) = TestUtil.RunCli("export", run, "--format", "safetensors", "--out", outFile, "--with-d");
        Assert.True(code == 0, stdout + err);
        Assert.Contains("pytorch/examples", stdout);
        Assert.True(File.Exists(Path.Combine(tmp.Path, "out.D.safetensors")));
        Assert.True(File.Exists(Path.Combine(tmp.Path, "out.json")));
        var (a, _) = SafeTensors.Load(DcganInteropTests.PyTorchG);
        var (b, _) = SafeTensors.Load(outFile);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.True(a[k].bytes.SequenceEqual(b[k].bytes), k);
        foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
    }

    [Fact]
    public void BadFilesAndValuesGiveOneErrorLine()
    {
        using var tmp = new TestUtil.TempDir();
        var bytes = File.ReadAllBytes(DcganInteropTests.PyTorchG);
        string truncated = Path.Combine(tmp.Path, "cut.safetensors");
        File.WriteAllBytes(truncated, bytes[..5000]);
        var (code, stdout, err) = TestUtil.RunCli("import", truncated, "--out", Path.Combine(tmp.Path, "r"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("error: ", err);
        Assert.Contains("truncated", err);

        string overlapping = Path.Combine(tmp.Path, "overlap.safetensors");
        File.WriteAllBytes(overlapping, DcganInteropTests.WithHeaderEdit(bytes, "\"data_offsets\":[819200,819712]", "\"data_offsets\":[819000,819512]"));
        (code, _, err) = TestUtil.RunCli("import", overlapping, "--out", Path.Combine(tmp.Path, "r"));
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("overlaps", err);

        (code, _, err) = TestUtil.RunCli("export", Path.Combine(tmp.Path, "no-such-run"), "--out", Path.Combine(tmp.Path, "x.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", err);
    }
}
