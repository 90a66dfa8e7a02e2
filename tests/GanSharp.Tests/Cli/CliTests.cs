using GanSharp.Imaging;
using Xunit;

namespace GanSharp.Tests.Cli;

public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => TestUtil.RunCli(args);

    [Fact]
    public void TinyRunOnGeneratedImagesThenSampleAndResume()
    {
        using var tmp = new TestUtil.TempDir();
        string images = Path.Combine(tmp.Path, "images");
        var rng = new Random(1);
        for (int i = 0; i < 12; i++)
        {
            var px = new byte[40 * 36 * 3];
            rng.NextBytes(px);
            ImageFile.SavePng(Path.Combine(images, $"img{i}.png"), px, 40, 36, 3);
        }
        string outDir = Path.Combine(tmp.Path, "runs");
        var (code, stdout, err) = Run("train", "dcgan", "--data", images, "--size", "32", "--channels", "3", "--steps", "3",
            "--batch", "4", "--width-g", "4", "--width-d", "4", "--z-dim", "8", "--sample-every", "2", "--threads", "1",
            "--out", outDir, "--name", "t");
        Assert.True(code == 0, stdout + err);
        string root = Path.Combine(outDir, "t");
        Assert.True(File.Exists(Path.Combine(root, "options.json")));
        Assert.True(File.Exists(Path.Combine(root, "metrics.jsonl")));
        Assert.True(File.Exists(Path.Combine(root, "loss.png")));
        Assert.True(File.Exists(Path.Combine(root, "samples", "step-000002.png")));
        Assert.True(File.Exists(Path.Combine(root, "samples", "step-000003.png")));
        Assert.True(File.Exists(Path.Combine(root, "checkpoints", "step-000003.ckpt")));

        string grid = Path.Combine(tmp.Path, "grid.png");
        (code, stdout, err) = Run("sample", "--checkpoint", root, "--count", "9", "--out", grid);
        Assert.True(code == 0, stdout + err);
        var (_, w, h, c) = ImageFile.Load(grid);
        Assert.Equal((3 * 32 + 4 * 2, 3 * 32 + 4 * 2, 3), (w, h, c)); // 3×3 grid, padding 2

        // The same name again is refused and nothing is lost.
        string before = File.ReadAllText(Path.Combine(root, "metrics.jsonl"));
        (code, _, err) = Run("train", "dcgan", "--data", images, "--size", "32", "--steps", "3", "--out", outDir, "--name", "t");
        Assert.Equal(2, code);
        Assert.Contains("already exists", err);
        Assert.Equal(before, File.ReadAllText(Path.Combine(root, "metrics.jsonl")));

        // Resume raises the step count and continues from step 3.
        (code, stdout, err) = Run("train", "dcgan", "--resume", root, "--steps", "4");
        Assert.True(code == 0, stdout + err);
        Assert.Contains("resuming", stdout);
        Assert.True(File.Exists(Path.Combine(root, "checkpoints", "step-000004.ckpt")));
        // Resume with another option changed is refused.
        (code, _, err) = Run("train", "dcgan", "--resume", root, "--batch", "8");
        Assert.Equal(2, code);
        Assert.Contains("only --steps", err);
    }

    [Theory]
    [InlineData("no such dataset", "train", "dcgan", "--data", "/nonexistent/folder/x", "--name", "x")]
    [InlineData("--steps must be positive", "train", "mlp", "--data", "ring", "--steps", "-5", "--name", "x")]
    [InlineData("does not exist", "sample", "--checkpoint", "/nonexistent/run", "--out", "g.png")]
    [InlineData("--count must be between", "sample", "--checkpoint", "/nonexistent/run", "--count", "-1", "--out", "g.png")]
    public void BadInputGivesOneClearLineAndNonZeroExit(string expected, params string[] args)
    {
        using var tmp = new TestUtil.TempDir();
        var full = args.Concat(args[0] == "train" ? new[] { "--out", tmp.Path } : Array.Empty<string>()).ToArray();
        var (code, _, err) = Run(full);
        Assert.NotEqual(0, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        if (expected != "no such dataset") Assert.Contains(expected, lines[0]);
        else Assert.Contains("unknown dataset", lines[0]);
    }

    [Fact]
    public void UnknownOptionValueIsRejected()
    {
        var (code, _, err) = Run("train", "mlp", "--data", "ring", "--g-loss", "wasserstein");
        Assert.NotEqual(0, code);
        Assert.Contains("wasserstein", err);
    }

    [Fact]
    public void ListShowsModelsPresetsAndDatasets()
    {
        var (code, stdout, _) = Run("list");
        Assert.Equal(0, code);
        foreach (var s in new[] { "dcgan", "mlp", "dcgan28", "dcgan28-deep", "dcgan-mnist", "stacked-mnist-dcgan", "mlp-ring", "fashion-mnist", "grid" })
            Assert.Contains(s, stdout);
        // Within a section every description starts in the same column, also after the longest name.
        var lines = stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int arch = lines.IndexOf("Architectures:");
        var rows = lines.Skip(arch + 1).TakeWhile(l => l.StartsWith("  ")).ToList();
        Assert.Contains(rows, r => r.StartsWith("  dcgan28-deep  "));
        var starts = rows.Select(r => { int nameEnd = r.IndexOf(' ', 2); int i = nameEnd; while (r[i] == ' ') i++; return i; }).Distinct().ToList();
        Assert.Single(starts);
    }
}
