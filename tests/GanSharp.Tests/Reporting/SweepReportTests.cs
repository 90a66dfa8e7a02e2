using GanSharp.Reporting;
using GanSharp.Runs;
using Xunit;

namespace GanSharp.Tests.Reporting;

public class SweepReportTests
{
    /// <summary>
    /// A sweep folder as `gansharp sweep` leaves it, made by hand: results.json and the bar plot from hand-made job
    /// results (configuration a: modes 6, 8, 7 over three seeds; b: 2, and a diverged seed), and the first job of
    /// each configuration as a run directory with metrics.
    /// </summary>
    private static string MakeSweep(string root)
    {
        var spec = SweepSpec.Parse("""
            { "name": "t", "base": { "preset": "mlp-ring", "steps": 100 }, "configs": [ { "name": "a" }, { "name": "b", "lr-d": 0.001 } ], "seeds": [1, 2, 3] }
            """);
        SweepJobResult R(string config, long seed, double modes, string status = "done") => new(
            $"{config}-s{seed}", config, seed, status, 100, 100, 256, 10, 2,
            status == "done" ? new Dictionary<string, double> { ["modes.modes"] = modes, ["modes.hq_percent"] = 50 } : new Dictionary<string, double>(), null);
        var rows = SweepResults.Rows(spec, new List<SweepJobResult> { R("a", 1, 6), R("a", 2, 8), R("a", 3, 7), R("b", 1, 2), R("b", 2, 0, "diverged") });
        string dir = Path.Combine(root, "t");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "sweep-plan.json"), "{}");
        File.WriteAllText(Path.Combine(dir, SweepResults.JsonFile), SweepResults.Json(spec, rows).ToJsonString());
        SweepPlots.Bars(Path.Combine(dir, "modes-modes.png"), new[] { "a", "b" }, rows.Select(r => r.Values["modes.modes"]).ToArray(), "t: modes", "modes.modes", 300, 200);
        foreach (var (job, lossD) in new[] { ("a-s1", 1.25), ("b-s1", 0.75) })
        {
            string run = Path.Combine(dir, job);
            Directory.CreateDirectory(run);
            File.WriteAllText(Path.Combine(run, "options.json"), "{\"options\":{\"model\":\"mlp\",\"steps\":100},\"git-commit\":\"abc\"}");
            File.WriteAllText(Path.Combine(run, "metrics.jsonl"), string.Concat(Enumerable.Range(1, 4).Select(i =>
                $"{{\"step\":{i * 25},\"loss_d\":{lossD + i / 10.0},\"loss_g\":0.7,\"d_real\":0.5,\"d_fake\":0.4}}\n")));
        }
        return dir;
    }

    [Fact]
    public void ASweepFolderGetsItsTablePlotsAndCurves()
    {
        using var tmp = new TestUtil.TempDir();
        string sweep = MakeSweep(tmp.Path);
        var (code, stdout, err) = TestUtil.RunCli("report", sweep);
        Assert.True(code == 0, stdout + err);
        string html = System.Net.WebUtility.HtmlDecode(File.ReadAllText(Path.Combine(sweep, "report.html")));   // ± and × are entities
        foreach (var section in SweepReport.Sections) Assert.Contains($"<section id=\"{section}\">", html);
        RunReportTests.AssertSelfContained(html);
        Assert.Contains("<th>modes.modes ↑</th><th>modes.hq_percent</th>", html);
        Assert.Contains("<tr><td>a</td><td>3/3</td><td class=\"num\">7 ± 1</td>", html);              // mean ± sample std of 6, 8, 7
        Assert.Contains("<tr><td>b</td><td>1/3 (1 diverged)</td><td class=\"num\">2</td>", html);
        Assert.Contains("<td>s1: 6, s2: 8, s3: 7</td>", html);
        Assert.Contains("<td>s1: 2, s2: diverged</td>", html);
        Assert.Contains("<td>100 × 256</td><td class=\"num\">12</td>", html);                        // steps × batch, 10 + 2 s per job
        Assert.Contains("alt=\"modes.modes per configuration\"", html);
        Assert.Contains("alt=\"loss_d\"", html);                                                      // curves of a-s1 and b-s1 overlaid
        Assert.Contains("<tr><td>b</td><td>lr-d = 0.001</td></tr>", html);
        Assert.Contains("<td>abc</td>", html);                                                        // environment of the first run
    }

    [Fact]
    public void ASweepWithoutResultsOrInACompareIsOneClearError()
    {
        using var tmp = new TestUtil.TempDir();
        string sweep = MakeSweep(tmp.Path);
        var (code, _, err) = TestUtil.RunCli("report", "--compare", sweep, Path.Combine(sweep, "a-s1"));
        Assert.Equal(2, code);
        Assert.Contains("is a sweep folder: report it on its own", err);

        File.Delete(Path.Combine(sweep, SweepResults.JsonFile));
        (code, _, err) = TestUtil.RunCli("report", sweep);
        Assert.Equal(2, code);
        Assert.Equal($"error: '{sweep}' has no results.json yet: it is written when the sweep's jobs finish (run 'gansharp sweep FILE' again to finish them)", err.Trim());
    }
}
