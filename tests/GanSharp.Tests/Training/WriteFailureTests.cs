using System.Text.Json.Nodes;
using GanSharp.Imaging;
using GanSharp.IO;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Training;

/// <summary>
/// Disk full and read-only directories: a failed write names the file in one line, the previous file stays whole,
/// and metrics.jsonl keeps no torn line. Faults come from <see cref="WriteFaults"/> (tests run as root, where chmod
/// proves nothing), and for checkpoints from the kernel itself: /dev/full answers every write with ENOSPC.
/// </summary>
public class WriteFailureTests
{
    private static string[] TempFiles(string dir) => Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories);

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void AtomicWriteThatFailsKeepsTheOldFileAndLeavesNoTempFile(int failAfter)
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "options.json");
        RunDirectory.AtomicWrite(path, "{\"old\":1}");
        using (WriteFaults.Inject("options.json", failAfter))
        {
            var e = Assert.Throws<IOException>(() => RunDirectory.AtomicWrite(path, "{\"new\":\"a longer document\"}"));
            Assert.Contains(path, e.Message);
            Assert.Contains("No space left on device", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        Assert.Equal("{\"old\":1}", File.ReadAllText(path));
        Assert.Empty(TempFiles(tmp.Path));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    public void MetricsAppendThatFailsLeavesNoTornLine(int failAfter)
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "metrics.jsonl");
        RunDirectory.AppendLine(path, "{\"step\":1,\"loss_d\":0.5}");
        RunDirectory.AppendLine(path, "{\"step\":2,\"loss_d\":0.25}");
        byte[] before = File.ReadAllBytes(path);
        using (WriteFaults.Inject("metrics.jsonl", failAfter))
        {
            var e = Assert.Throws<IOException>(() => RunDirectory.AppendLine(path, "{\"step\":3,\"loss_d\":0.125,\"loss_g\":2.0}"));
            Assert.Contains(path, e.Message);
            Assert.Contains("the file is unchanged", e.Message);
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        // And appending works again once there is space.
        RunDirectory.AppendLine(path, "{\"step\":3}");
        Assert.Equal(new[] { 1, 2, 3 }, File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!["step"]!.GetValue<int>()));
    }

    [Fact]
    public void SampleGridWriteThatFailsKeepsThePreviousPng()
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "samples", "step-000010.png");
        ImageFile.SavePng(path, new byte[4 * 4], 4, 4, 1);
        byte[] before = File.ReadAllBytes(path);
        using (WriteFaults.Inject("step-000010.png", 40))
        {
            var e = Assert.Throws<ImageException>(() => ImageFile.SavePng(path, Enumerable.Repeat((byte)200, 64 * 64).ToArray(), 64, 64, 1));
            Assert.Contains(path, e.Message);
            Assert.Contains("No space left on device", e.Message);
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(TempFiles(tmp.Path));
    }

    [Fact]
    public void CheckpointIntoAFullDiskFailsInOneLineAndKeepsThePreviousCheckpoint()
    {
        Assert.True(File.Exists("/dev/full"), "/dev/full (Linux) gives ENOSPC on every write");
        using var tmp = new TestUtil.TempDir();
        var o = TestUtil.TinyMlp(steps: 10);
        using var data = TrainingRun.OpenData(o);
        using var run = TrainingRun.Create(o, data, tmp.Path, "run");
        run.Trainer.TrainStep();
        run.Trainer.TrainStep();
        string first = run.Directory.SaveCheckpoint(run.Trainer, keep: 3);
        byte[] firstBytes = File.ReadAllBytes(first);
        string latestPointer = Path.Combine(run.Directory.CheckpointsDir, RunDirectory.LatestPointer);
        string pointerBefore = File.ReadAllText(latestPointer);
        run.Trainer.TrainStep();

        // CheckpointFile.Save writes to ".step-000003.ckpt.<pid>.tmp": make that name a door to /dev/full.
        string next = run.Directory.CheckpointPath(run.Trainer.Step);
        string tmpName = Path.Combine(run.Directory.CheckpointsDir, $".{Path.GetFileName(next)}.{Environment.ProcessId}.tmp");
        File.CreateSymbolicLink(tmpName, "/dev/full");

        var e = Assert.Throws<IOException>(() => run.Directory.SaveCheckpoint(run.Trainer, keep: 3));
        Assert.Contains(next, e.Message);
        Assert.Contains("No space left on device", e.Message);
        Assert.Contains("the previous checkpoint step-000002.ckpt is kept", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        Assert.False(File.Exists(next));
        Assert.False(File.Exists(tmpName));
        Assert.Equal(firstBytes, File.ReadAllBytes(first));
        Assert.Equal(pointerBefore, File.ReadAllText(latestPointer));
        Assert.Equal(first, run.Directory.LatestCheckpoint());
        var (_, tensors) = CheckpointFile.Load(first); // still whole
        foreach (var t in tensors.Values) t.Dispose();

        // With space again, the next save works.
        Assert.Equal(next, run.Directory.SaveCheckpoint(run.Trainer, keep: 3));
    }

    [Fact]
    public void LatestPointerThatCannotBeWrittenStillNamesTheOldCheckpoint()
    {
        using var tmp = new TestUtil.TempDir();
        var o = TestUtil.TinyMlp(steps: 10);
        using var data = TrainingRun.OpenData(o);
        using var run = TrainingRun.Create(o, data, tmp.Path, "run");
        run.Trainer.TrainStep();
        string first = run.Directory.SaveCheckpoint(run.Trainer, keep: 3);
        run.Trainer.TrainStep();
        using (WriteFaults.Inject(Path.Combine("checkpoints", RunDirectory.LatestPointer)))
        {
            var e = Assert.Throws<IOException>(() => run.Directory.SaveCheckpoint(run.Trainer, keep: 3));
            Assert.Contains("`latest` still names step-000001.ckpt", e.Message);
        }
        Assert.Equal(first, run.Directory.LatestCheckpoint());
        Assert.Empty(TempFiles(tmp.Path));
    }
}

public class TrainOnAFullDiskTests
{
    [Fact]
    public void TrainStopsWithOneErrorLineWhenTheDiskFillsAtACheckpoint()
    {
        Assert.True(File.Exists("/dev/full"), "/dev/full (Linux) gives ENOSPC on every write");
        using var tmp = new TestUtil.TempDir();
        string root = Path.Combine(tmp.Path, "r");
        var o = TestUtil.TinyMlp(steps: 6);
        o.LogEvery = 1;
        o.CheckpointEvery = 2;
        using (var data = TrainingRun.OpenData(o))
        using (var first = TrainingRun.Create(o, data, tmp.Path, "r"))
        {
            using var cts = new CancellationTokenSource();
            first.Trainer.Observers.Add(new TestUtil.CancelAt(2, cts));
            Assert.False(first.Run(cts.Token)); // stops with step-000002.ckpt
        }
        // The CLI runs in this process: the checkpoint at step 4 goes to ".step-000004.ckpt.<our pid>.tmp".
        File.CreateSymbolicLink(Path.Combine(root, "checkpoints", $".step-000004.ckpt.{Environment.ProcessId}.tmp"), "/dev/full");

        var (code, _, stderr) = TestUtil.RunCli("train", "mlp", "--resume", root);

        Assert.NotEqual(0, code);
        var errors = stderr.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.StartsWith($"error: cannot write checkpoint {Path.Combine(root, "checkpoints", "step-000004.ckpt")} (No space left on device", errors[0]);
        Assert.Contains("the previous checkpoint step-000002.ckpt is kept", errors[0]);
        var run = RunDirectory.Open(root);
        Assert.Equal(Path.Combine(root, "checkpoints", "step-000002.ckpt"), run.LatestCheckpoint());
        var (_, tensors) = CheckpointFile.Load(run.LatestCheckpoint()!);
        foreach (var t in tensors.Values) t.Dispose();
        // metrics.jsonl: whole lines only, steps 1..4 (the failed checkpoint came after step 4 was logged).
        var steps = File.ReadAllLines(run.MetricsPath).Select(l => JsonNode.Parse(l)!["step"]!.GetValue<int>()).ToList();
        Assert.Equal(new[] { 1, 2, 3, 4 }, steps);
    }
}
