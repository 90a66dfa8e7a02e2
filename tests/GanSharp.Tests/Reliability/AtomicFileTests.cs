using GanSharp.IO;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Reliability;

/// <summary>The one atomic-write helper: order of fsync, rename and directory fsync; failures; stale temps; half-made runs.</summary>
public class AtomicFileTests
{
    [Fact]
    public void WritesSyncTheFileThenRenameThenSyncTheDirectory()
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "sub", "a.bin");
        List<string> log;
        using (AtomicFile.StartTrace(out log))
            AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        string dir = Path.GetDirectoryName(path)!;
        var expected = new List<string> { $"fsync {AtomicFile.TempPath(path)}", $"rename {path}" };
        if (!OperatingSystem.IsWindows()) expected.Add($"fsync-dir {dir}"); // POSIX: the rename is durable once its directory is synced
        Assert.Equal(expected, log);
        Assert.Equal(["a.bin"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void EveryRunFileGoesThroughIt()
    {
        // options.json, `latest`, checkpoints, sample PNGs, loss.png: each write is synced, renamed and its directory synced.
        using var tmp = new TestUtil.TempDir();
        var o = TestUtil.TinyMlp(steps: 2);
        o.SampleEvery = 2;
        o.LogEvery = 1;
        List<string> log;
        using (AtomicFile.StartTrace(out log))
        {
            using var data = GanSharp.Runs.TrainingRun.OpenData(o);
            using var run = GanSharp.Runs.TrainingRun.Create(o, data, tmp.Path, "r");
            Assert.True(run.Run());
        }
        string root = Path.Combine(tmp.Path, "r");
        foreach (var f in new[] { "options.json", Path.Combine("checkpoints", "latest"), Path.Combine("checkpoints", "step-000002.ckpt"),
                     Path.Combine("samples", "step-000002.png"), "loss.png" })
        {
            string full = Path.Combine(root, f);
            int rename = log.IndexOf($"rename {full}");
            Assert.True(rename > 0, $"{f} was not renamed into place");
            Assert.Equal($"fsync {AtomicFile.TempPath(full)}", log[rename - 1]);
            if (!OperatingSystem.IsWindows()) Assert.Equal($"fsync-dir {Path.GetDirectoryName(full)}", log[rename + 1]);
        }
        // metrics.jsonl is synced before each checkpoint that covers its lines.
        int metricsSync = log.IndexOf($"fsync {Path.Combine(root, "metrics.jsonl")}");
        Assert.True(metricsSync >= 0 && metricsSync < log.IndexOf($"rename {Path.Combine(root, "checkpoints", "step-000002.ckpt")}"));
    }

    [Fact]
    public void AWriterThatThrowsLeavesTheOldFileAndNoTemp()
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "f.txt");
        File.WriteAllText(path, "old");
        var e = Assert.Throws<InvalidDataException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("new, half"u8);
            throw new InvalidDataException("checksum mismatch");
        }));
        Assert.Equal("checksum mismatch", e.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["f.txt"], Directory.GetFiles(tmp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void StaleTempsOfDeadWritersAreRemovedOthersKept()
    {
        using var tmp = new TestUtil.TempDir();
        int dead = DeadPid();
        string stale = Path.Combine(tmp.Path, $".step-000004.ckpt.{dead}.tmp");
        string mine = Path.Combine(tmp.Path, $".options.json.{Environment.ProcessId}.tmp");
        string notOurs = Path.Combine(tmp.Path, ".hidden.tmp");        // no pid: not a temp file of ours
        string live = Path.Combine(tmp.Path, ".latest.1.tmp");           // pid 1 (init) is alive
        foreach (var f in new[] { stale, mine, notOurs, live }) File.WriteAllText(f, "x");
        Assert.Equal(1, AtomicFile.RemoveStaleTemps(tmp.Path));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(mine) && File.Exists(notOurs) && File.Exists(live));
    }

    [Fact]
    public void TakingTheWriteLockRemovesStaleTempsOfTheRun()
    {
        using var tmp = new TestUtil.TempDir();
        var o = TestUtil.TinyMlp(steps: 2);
        using (var data = GanSharp.Runs.TrainingRun.OpenData(o))
        using (var run = GanSharp.Runs.TrainingRun.Create(o, data, tmp.Path, "r"))
            Assert.True(run.Run());
        string root = Path.Combine(tmp.Path, "r");
        int dead = DeadPid();
        var stale = new[] { Path.Combine(root, $".options.json.{dead}.tmp"), Path.Combine(root, "checkpoints", $".step-000004.ckpt.{dead}.tmp"),
            Path.Combine(root, "samples", $".step-000004.png.{dead}.tmp") };
        foreach (var f in stale) File.WriteAllText(f, "torn");
        using (RunDirectory.Open(root)) Assert.All(stale, f => Assert.True(File.Exists(f))); // a reader removes nothing
        using (RunDirectory.Open(root, lockForWriting: true)) Assert.All(stale, f => Assert.False(File.Exists(f)));
    }

    [Fact]
    public void ARunKilledBeforeItsOptionsWereWrittenCanBeCreatedAgain()
    {
        using var tmp = new TestUtil.TempDir();
        string root = Path.Combine(tmp.Path, "r");
        // What a trainer killed between taking the lock and writing options.json leaves.
        Directory.CreateDirectory(Path.Combine(root, "samples"));
        Directory.CreateDirectory(Path.Combine(root, "checkpoints"));
        File.WriteAllText(Path.Combine(root, RunLock.GuardFileName), "");
        File.WriteAllText(Path.Combine(root, RunLock.FileName), $"{{\"pid\":{DeadPid()},\"host\":\"{Environment.MachineName}\",\"process-start\":\"2020-01-01T00:00:00Z\",\"token\":\"t\"}}");
        File.WriteAllText(Path.Combine(root, $".options.json.{DeadPid()}.tmp"), "{\"opt");
        Assert.False(RunDirectory.HoldsRun(root));

        var (code, _, stderr) = TestUtil.RunCli("train", "mlp", "--data", "ring", "--steps", "2", "--batch", "8", "--z-dim", "2",
            "--width-g", "8", "--width-d", "8", "--threads", "1", "--out", tmp.Path, "--name", "r");
        Assert.True(code == 0, stderr);
        Assert.True(RunDirectory.HoldsRun(root));
        Assert.Empty(Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories));

        // Anything else in the folder is kept and refused as before.
        string other = Path.Combine(tmp.Path, "other");
        Directory.CreateDirectory(Path.Combine(other, "samples"));
        File.WriteAllText(Path.Combine(other, "samples", "mine.png"), "keep");
        Assert.True(RunDirectory.HoldsRun(other));
        Assert.Throws<ArgumentException>(() => RunDirectory.Create(tmp.Path, "other"));
    }

    // A pid that is not running: a process that has exited.
    private static int DeadPid()
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }
}
