using System.Text.Json.Nodes;
using GanSharp.Imaging;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Cli;

public class BatchFitTests
{
    [Fact]
    public void ABatchLargerThanTheDataShrinksToTheDataRoundedToThePack()
    {
        var o = new GanOptions { Batch = 64 };
        Assert.Equal("--batch 64 is larger than the 10 examples of 'photos': training with batch 10", BatchFit.ToData(o, 10, "photos"));
        Assert.Equal(10, o.Batch);

        o = new GanOptions { Batch = 64, Pack = 4 };
        Assert.Equal("--batch 64 is larger than the 10 examples of 'photos': training with batch 8 (a multiple of --pack 4)", BatchFit.ToData(o, 10, "photos"));
        Assert.Equal(8, o.Batch);

        o = new GanOptions { Batch = 64 };
        Assert.Null(BatchFit.ToData(o, 64, "photos"));                    // fits: untouched, no warning
        Assert.Equal(64, o.Batch);

        o = new GanOptions { Batch = 64, Pack = 4 };
        var e = Assert.Throws<ArgumentException>(() => BatchFit.ToData(o, 3, "photos"));
        Assert.Equal("'photos' has 3 example(s), fewer than one packed batch of --pack 4: add images or lower --pack", e.Message);
    }

    [Fact]
    public void TrainingOnAFolderSmallerThanTheBatchWarnsAndTrainsAtTheFolderSize()
    {
        using var tmp = new TestUtil.TempDir();
        string dir = Path.Combine(tmp.Path, "six");
        Directory.CreateDirectory(dir);
        var rng = new Random(1);
        for (int i = 0; i < 6; i++)
        {
            var pixels = new byte[32 * 32 * 3];
            rng.NextBytes(pixels);
            ImageFile.SavePng(Path.Combine(dir, $"{i}.png"), pixels, 32, 32, 3);
        }
        var (code, stdout, stderr) = TestUtil.RunCli("train", "dcgan", "--data", dir, "--size", "32", "--steps", "2", "--batch", "64",
            "--z-dim", "4", "--width-g", "2", "--width-d", "2", "--threads", "1", "--sample-count", "4", "--log-every", "1",
            "--augment", "ada", "--out", tmp.Path, "--name", "run");
        Assert.True(code == 0, stdout + stderr);
        var warning = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("warning: ", StringComparison.Ordinal));
        Assert.Equal($"warning: --batch 64 is larger than the 6 examples of '{dir}': training with batch 6", warning);
        Assert.Contains("2 steps of batch 6", stdout);
        var options = JsonNode.Parse(File.ReadAllText(Path.Combine(tmp.Path, "run", "options.json")))!["options"]!;
        Assert.Equal(6, options["batch"]!.GetValue<int>());           // a resume keeps the fitted batch
        Assert.Equal(2, File.ReadAllLines(Path.Combine(tmp.Path, "run", "metrics.jsonl")).Length);
    }
}
