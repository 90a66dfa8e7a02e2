using GanSharp.Reporting;
using Xunit;

namespace GanSharp.Tests.Reporting;

/// <summary>
/// `gansharp compare` (issue 15's time-to-quality measurement): each evaluation is placed at the trainer's training
/// seconds of its step, never at a time that includes evaluation; seconds to reach a target, final and best values,
/// and seeds grouped as mean ± sample std, all against hand-computed values.
/// </summary>
public class TimeToQualityTests
{
    /// <summary>A run directory whose metrics.jsonl has log lines (with training seconds) and eval lines (with eval_seconds).</summary>
    private static string Run(string root, string name, params string[] lines)
    {
        string dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), string.Join("\n", lines) + "\n");
        return dir;
    }

    private static string Log(int step, double seconds) => $"{{\"step\":{step},\"loss_d\":1,\"loss_g\":1,\"seconds\":{seconds}}}";
    private static string Eval(int step, double fid, double evalSeconds = 500) => $"{{\"step\":{step},\"eval\":{{\"fid.fid\":{fid},\"cfid.cfid\":{fid * 2}}},\"eval_seconds\":{evalSeconds}}}";

    [Fact]
    public void EvaluationsSitAtTheTrainingSecondsOfTheirStepAndEvaluationTimeIsLeftOut()
    {
        using var tmp = new TestUtil.TempDir();
        // Steps 50 and 100 are logged; the evaluation at step 100 took 500 s, which must not move the step-150 point.
        string run = Run(tmp.Path, "prog-s1",
            Log(1, 0.5), Log(50, 10), Log(100, 20), Eval(100, 300), Log(150, 26), Eval(150, 200), Eval(175, 150), Log(200, 40), Eval(200, 120));
        var q = TimeToQuality.Read(run, "fid");
        Assert.Equal("prog", q.Group);
        Assert.Equal(new[] { 100, 150, 175, 200 }, q.Points.Select(p => p.Step));
        Assert.Equal(new[] { 20.0, 26.0, 33.0, 40.0 }, q.Points.Select(p => p.Seconds));   // step 175: halfway between 26 and 40
        Assert.Equal(new[] { 300.0, 200.0, 150.0, 120.0 }, q.Points.Select(p => p.Value));
        Assert.Equal(new[] { 600.0, 400.0, 300.0, 240.0 }, TimeToQuality.Read(run, "cfid").Points.Select(p => p.Value));
        Assert.Equal(120, q.Final);
        Assert.Equal(120, q.Best(lowerIsBetter: true));
        Assert.Equal(300, q.Best(lowerIsBetter: false));
        Assert.Equal(26, q.SecondsToReach(200, lowerIsBetter: true));    // the first evaluation at or below the target
        Assert.Equal(33, q.SecondsToReach(180, lowerIsBetter: true));
        Assert.True(double.IsNaN(q.SecondsToReach(100, lowerIsBetter: true)));
        Assert.Equal(20, q.SecondsToReach(250, lowerIsBetter: false));
    }

    [Fact]
    public void SeedsOfAMethodAreOneGroupSummarizedAsMeanAndSampleStd()
    {
        using var tmp = new TestUtil.TempDir();
        var curves = new[]
        {
            TimeToQuality.Read(Run(tmp.Path, "direct-s1", Log(100, 10), Eval(100, 150), Log(200, 20), Eval(200, 90)), "fid"),
            TimeToQuality.Read(Run(tmp.Path, "direct-s2", Log(100, 12), Eval(100, 100), Log(200, 24), Eval(200, 110)), "fid"),
            TimeToQuality.Read(Run(tmp.Path, "direct-s3", Log(100, 11), Eval(100, 130), Log(200, 22), Eval(200, 130)), "fid"),
            TimeToQuality.Read(Run(tmp.Path, "lapgan-s1", Log(100, 5), Eval(100, 300)), "fid"),
        };
        Assert.Equal(new[] { "direct", "direct", "direct", "lapgan" }, curves.Select(c => c.Group));
        string table = TimeToQuality.Table(curves, "fid", 120, lowerIsBetter: true);
        Assert.Contains("| direct-s1 | 2 | 200 | 20 | 90.0 | 90.0 | 20 |", table);
        Assert.Contains("| direct-s2 | 2 | 200 | 24 | 110.0 | 100.0 | 12 |", table);
        Assert.Contains("| direct-s3 | 2 | 200 | 22 | 130.0 | 130.0 | – |", table);          // never reached 120
        Assert.Contains("| lapgan-s1 | 1 | 100 | 5 | 300.0 | 300.0 | – |", table);
        // finals 90, 110, 130: mean 110, sample std 20; bests 90, 100, 130: mean 106.7, std √(433.3) = 20.8;
        // reached by two seeds at 20 and 12 s: mean 16, std √32 = 5.7 → "16 ± 6".
        Assert.Contains("| direct | 3 | 110.0 ± 20.0 | 106.7 ± 20.8 | 16 ± 6 (2/3) |", table);
        Assert.DoesNotContain("| lapgan |", table);                                            // one run is not a group
    }

    [Fact]
    public void ARunWithoutTheMetricHasNoPointsAndAFolderWithoutMetricsIsRefused()
    {
        using var tmp = new TestUtil.TempDir();
        Assert.Empty(TimeToQuality.Read(Run(tmp.Path, "cgan-s1", Log(100, 10), Eval(100, 50)), "kid").Points);
        var e = Assert.Throws<ArgumentException>(() => TimeToQuality.Read(tmp.Path, "fid"));
        Assert.Contains("has no metrics.jsonl", e.Message);
        string bad = Run(tmp.Path, "torn", Log(100, 10), "{\"step\":2");
        var e2 = Assert.Throws<ArgumentException>(() => TimeToQuality.Read(bad, "fid"));
        Assert.Contains("metrics.jsonl:2 is not a JSON line", e2.Message);
    }
}
