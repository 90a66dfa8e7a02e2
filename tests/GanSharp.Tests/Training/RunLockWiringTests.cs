using GanSharp.Runs;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Training;

public sealed class RunLockWiringTests
{
    [Fact]
    public void SecondTrainerOnTheSameRunIsRefusedAndTheFirstReleasesOnDispose()
    {
        using var tmp = new TestUtil.TempDir();
        var o = TestUtil.TinyMlp(steps: 4);
        using var data = TrainingRun.OpenData(o);
        string root = Path.Combine(tmp.Path, "run");
        using (var first = TrainingRun.Create(o, data, tmp.Path, "run"))
        {
            var e = Assert.Throws<RunLockedException>(() => TrainingRun.Resume(root, data));
            Assert.Contains($"pid {Environment.ProcessId}", e.Message);
            var cli = TestUtil.RunCli("train", "mlp", "--resume", root);
            Assert.NotEqual(0, cli.Code);
            Assert.StartsWith("error: run directory", cli.Err.Trim());
            Assert.True(first.Run());
        }
        using (var resumed = TrainingRun.Resume(root, data, steps: 6)) Assert.True(resumed.Run());
    }
}
