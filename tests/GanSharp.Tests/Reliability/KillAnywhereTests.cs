using Xunit;
using Xunit.Abstractions;

namespace GanSharp.Tests.Reliability;

/// <summary>
/// SIGKILL `gansharp train` at least 50 times across mlp, dcgan (with EMA), cgan and pix2pix, at random moments and
/// inside every kind of write, resuming each time: every run ends equal to its uninterrupted twin bit for bit (see
/// <see cref="KillAnywhere"/>). GANSHARP_KILLS and GANSHARP_KILL_SEED change the count and the seed
/// (bench/kill-anywhere.sh); the report goes to the test output and $TMP/gansharp-kill-report.txt.
/// </summary>
public sealed class KillAnywhereTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Slow")]
    public void KilledAnywhereTheRunResumesToTheUninterruptedResult()
    {
        int kills = int.TryParse(Environment.GetEnvironmentVariable("GANSHARP_KILLS"), out int k) ? k : 60;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("GANSHARP_KILL_SEED"), out int s) ? s : 20;
        string? only = Environment.GetEnvironmentVariable("GANSHARP_KILL_FAMILIES");
        using var tmp = new TestUtil.TempDir();
        var families = KillAnywhere.Families(Path.Combine(tmp.Path, "data"))
            .Where(f => only is null || only.Split(',').Contains(f.Name)).ToList();
        var lines = new List<string>();
        var harness = new KillAnywhere(tmp.Path, seed, line => { lock (lines) lines.Add(line); output.WriteLine(line); });

        var report = harness.Run(families, kills);

        string text = KillAnywhere.Describe(report);
        output.WriteLine(text);
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "gansharp-kill-report.txt"), string.Join("\n", lines) + "\n" + text + "\n");
        Assert.True(report.Kills >= kills, $"only {report.Kills} of {kills} kills happened");
        Assert.True(report.External > 0 && report.Injected > 0, text);
        Assert.Equal(families.Count, report.KillsByFamily.Count);
    }
}
