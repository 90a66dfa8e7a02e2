using GanSharp.Runs;
using System.Text.RegularExpressions;
using GanSharp.Data;
using GanSharp.Reporting;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Reporting;

public class RunReportTests
{
    private static readonly Regex DataUri = new(@"data:image/png;base64,([A-Za-z0-9+/=]*)");

    /// <summary>A tiny MLP run on the ring with evaluations (modes: class histograms) and sample plots at 3, 6, 8.</summary>
    private static string TinyRun(string dir, string name, double lr = 2e-4)
    {
        using var data = GaussianMixture2D.Ring(512, 1);
        var o = TestUtil.TinyMlp(steps: 8);
        o.LogEvery = 1;
        o.SampleEvery = 3;
        o.SampleCount = 200;
        o.EvalEvery = 3;
        o.EvalSamples = 300;
        o.Metrics = "modes";
        o.LrG = lr;
        using var run = TrainingRun.Create(o, data, dir, name);
        Assert.True(run.Run());
        return run.Directory.Root;
    }

    internal static void AssertSelfContained(string html)
    {
        var images = DataUri.Matches(html);
        Assert.NotEmpty(images);
        foreach (Match m in images)
        {
            var png = Convert.FromBase64String(m.Groups[1].Value);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
        string outside = DataUri.Replace(html, "data:image/png;base64,"); // the payloads are data, not URLs
        Assert.DoesNotContain("http", outside, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("//", Regex.Replace(outside, @"<script>.*?</script>", "", RegexOptions.Singleline)); // no protocol-relative links
        Assert.DoesNotMatch(new Regex(@"\b(src|href)=""(?!#|data:image/png;base64,"")"), outside); // in-page anchors and inline images only
        Assert.DoesNotContain("<link", outside);
        Assert.DoesNotContain("@import", outside);
    }

    [Fact]
    public void TheReportOfATinyRunHasEverySectionAndNoExternalUrl()
    {
        using var tmp = new TestUtil.TempDir();
        string run = TinyRun(tmp.Path, "tiny");
        var (code, stdout, err) = TestUtil.RunCli("eval", "--checkpoint", run, "--metrics", "modes", "--samples", "300");
        Assert.True(code == 0, stdout + err);

        string outFile = Path.Combine(tmp.Path, "report.html");
        (code, stdout, err) = TestUtil.RunCli("report", run, "--out", outFile);
        Assert.True(code == 0, stdout + err);
        string html = File.ReadAllText(outFile);

        foreach (var section in RunReport.Sections) Assert.Contains($"<section id=\"{section}\">", html);
        AssertSelfContained(html);
        Assert.Contains("<td>lr-g</td>", html);                                   // options
        Assert.Contains("alt=\"Losses\"", html);                                  // curves
        Assert.Contains("alt=\"Evaluation during training: modes.modes\"", html);
        Assert.Contains("type=\"range\" min=\"0\" max=\"2\"", html);               // three grids to scrub
        foreach (int step in new[] { 3, 6, 8 }) Assert.Contains($"data-step=\"{step}\"", html);
        Assert.Equal(2, Regex.Matches(html, "data-step=\"\\d+\" hidden").Count);   // only the last grid shows
        Assert.Contains("checkpoints/eval.json (gansharp eval)", html);           // final evaluation from eval.json
        Assert.Contains("<td>modes.modes</td>", html);
        Assert.Contains("alt=\"class histogram over time, tiny\"", html);         // collapse
        Assert.Contains("torchsharp version", html);                              // environment
        Assert.Contains("git commit", html);
    }

    [Fact]
    public void ComparingRunsOverlaysCurvesAndPutsMetricsSideBySide()
    {
        using var tmp = new TestUtil.TempDir();
        string a = TinyRun(tmp.Path, "slow", lr: 1e-4), b = TinyRun(tmp.Path, "fast", lr: 4e-4);
        string outFile = Path.Combine(tmp.Path, "cmp.html");
        var (code, stdout, err) = TestUtil.RunCli("report", "--compare", a, b, "--out", outFile);
        Assert.True(code == 0, stdout + err);
        string html = File.ReadAllText(outFile);
        foreach (var section in RunReport.Sections) Assert.Contains($"<section id=\"{section}\">", html);
        AssertSelfContained(html);
        Assert.Contains("<tr class=\"differs\"><td>lr-g</td><td>0.0001</td><td>0.0004</td></tr>", html);
        Assert.Contains("<th>slow</th><th>fast</th>", html);
        Assert.Contains("alt=\"Losses: loss_d\"", html);                         // one plot per key, a line per run
        Assert.Contains("metrics.jsonl (last evaluation during training), step 8", html);
        Assert.Equal(2, Regex.Matches(html, "class=\"strip\"").Count);
    }

    [Fact]
    public void PickKeepsFirstAndLastEvenlySpaced()
    {
        var items = Enumerable.Range(0, 100).ToList();
        Assert.Equal(new[] { 0, 33, 66, 99 }, RunReport.Pick(items, 4));
        Assert.Equal(new[] { 99 }, RunReport.Pick(items, 1));
        Assert.Equal(items, RunReport.Pick(items, 100));
    }

    [Fact]
    public void NotARunDirectoryIsOneClearError()
    {
        using var tmp = new TestUtil.TempDir();
        var (code, _, err) = TestUtil.RunCli("report", tmp.Path);
        Assert.Equal(2, code);
        Assert.Contains("no options.json", err);
    }
}
