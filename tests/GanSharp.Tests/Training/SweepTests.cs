using System.Text.Json.Nodes;
using GanSharp.Losses;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Training;

public class SweepTests
{
    // A tiny MLP on the ring: 20 steps take well under a second.
    private const string TinyBase = """
        { "model": "mlp", "arch": "mlp", "data": "ring", "z-dim": 4, "width-g": 16, "width-d": 16, "depth": 2, "batch": 32,
          "steps": 20, "threads": 1, "log-every": 5, "sample-every": 1000, "checkpoint-every": 5, "sample-count": 50 }
        """;

    private static string TinySweep(string name = "tiny") => $$"""
        { "name": "{{name}}", "base": {{TinyBase}},
          "configs": [ { "name": "vanilla" }, { "name": "minimax", "g-loss": "minimax" } ],
          "seeds": [1], "metrics": "modes", "eval-samples": 500 }
        """;

    [Fact]
    public void GridIsTheCartesianProductTimesSeeds()
    {
        var spec = SweepSpec.Parse("""
            { "name": "g", "base": { "preset": "mlp-ring", "steps": 100 },
              "grid": { "d-steps": [1, 5], "g-loss": ["nonsaturating", "minimax"] }, "seeds": [1, 2, 3] }
            """);
        Assert.Equal(4, spec.Configs.Count);
        Assert.Equal(12, spec.Jobs.Count);
        Assert.Equal(["d-steps-1_g-loss-nonsaturating", "d-steps-1_g-loss-minimax", "d-steps-5_g-loss-nonsaturating", "d-steps-5_g-loss-minimax"],
            spec.Configs.Select(c => c.Name));
        Assert.Equal("d-steps-1_g-loss-nonsaturating-s1", spec.Jobs[0].Name);
        Assert.Equal("d-steps-5_g-loss-minimax-s3", spec.Jobs[^1].Name);
        var last = spec.Jobs[^1].Options;
        Assert.Equal((5, GeneratorLossKind.Minimax, 3L, 100), (last.DSteps, last.GLoss, last.Seed, last.Steps));
        // The preset layer is under the base's own options.
        Assert.Equal(("mlp", "ring", 256, 1e-4), (last.Model, last.Data, last.Batch, last.LrG));
        Assert.Equal("modes", spec.Metrics);
        Assert.All(spec.Jobs, j => Assert.Equal(j.Seed, j.Options.Seed));
    }

    [Fact]
    public void ExplicitConfigsMergeOverBaseWithTheirOwnPreset()
    {
        var spec = SweepSpec.Parse("""
            { "name": "c", "base": { "preset": "mlp-ring", "steps": 300, "lr-d": 0.001 },
              "configs": [ { "name": "ring" }, { "name": "grid", "preset": "mlp-grid", "batches": "joint" }, { "prior": "uniform" } ],
              "metrics": ["modes"], "eval-samples": 2500 }
            """);
        Assert.Equal(["ring", "grid", "prior-uniform"], spec.Configs.Select(c => c.Name));
        Assert.Equal([1L], spec.Seeds); // no seeds: the base seed (default 1)
        var (ring, grid, uniform) = (spec.Jobs[0].Options, spec.Jobs[1].Options, spec.Jobs[2].Options);
        Assert.Equal(("ring", true, 300, 0.001), (ring.Data, ring.SeparateBatches, ring.Steps, ring.LrD));
        Assert.Equal(("grid", false, 300, 0.001), (grid.Data, grid.SeparateBatches, grid.Steps, grid.LrD));
        Assert.Equal(NoisePrior.Uniform, uniform.Prior);
        Assert.Equal(2500, spec.EvalSamples);
    }

    [Theory]
    [InlineData("""{ "name": "x", "base": { "packing": 4 }, "configs": [ {} ] }""", "unknown option 'packing'")]
    [InlineData("""{ "name": "x", "configs": [ { "name": "a", "dsteps": 2 } ] }""", "unknown option 'dsteps'")]
    [InlineData("""{ "name": "x", "grid": { "lr_g": [1] } }""", "unknown option 'lr_g'")]
    [InlineData("""{ "name": "x", "grid": {} }""", "\"grid\" is empty")]
    [InlineData("""{ "name": "x", "grid": { "d-steps": [] } }""", "grid option 'd-steps' has no values")]
    [InlineData("""{ "name": "x", "configs": [] }""", "\"configs\" is empty")]
    [InlineData("""{ "name": "x" }""", "give either \"grid\"")]
    [InlineData("""{ "name": "x", "grid": { "d-steps": [1] }, "configs": [ {} ] }""", "give either \"grid\"")]
    [InlineData("""{ "grid": { "d-steps": [1] } }""", "\"name\" is missing")]
    [InlineData("""{ "name": "x", "grid": { "d-steps": [1] }, "metrics": "fd" }""", "unknown metric 'fd'")]
    [InlineData("""{ "name": "x", "grid": { "d-steps": [0] } }""", "--d-steps must be positive")]
    [InlineData("""{ "name": "x", "grid": { "g-loss": ["wasserstein"] } }""", "unknown value 'wasserstein' for option 'g-loss' in the configuration: use non-saturating, minimax")]
    [InlineData("""{ "name": "x", "configs": [ { "name": "a" }, { "name": "a" } ] }""", "two configurations are named 'a'")]
    [InlineData("""{ "name": "x", "configs": [ { "seed": 3 } ] }""", "'seed' is set by the sweep's \"seeds\"")]
    [InlineData("""{ "name": "x", "grid": { "d-steps": [1] }, "seeds": [] }""", "\"seeds\" must be a non-empty list")]
    [InlineData("""{ "name": "x", "grid": { "d-steps": [1] }, "sedes": [1] }""", "unknown key 'sedes'")]
    [InlineData("""{ "name": "x", "grid": { "batches": ["both"] } }""", "\"batches\" must be \"separate\" or \"joint\"")]
    [InlineData("""{ "name": "x", "grid": { "d-steps": [1] }, """, "is not valid JSON")]
    [InlineData("""[1, 2]""", "is not a JSON object")]
    public void BadSweepFilesAreOneClearLine(string json, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => SweepSpec.Parse(json, "s.json"));
        Assert.Contains(expected, e.Message);
        Assert.Contains("s.json", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MeanAndSampleStdOverSeeds()
    {
        var s = SweepStat.Of([6, 8, 7]);
        Assert.Equal(7, s.Mean, 12);
        Assert.Equal(1, s.Std, 12); // sample std (n - 1)
        Assert.Equal(0, SweepStat.Of([5]).Std);
        var withNan = SweepStat.Of([2, double.NaN, 4]);
        Assert.Equal((3, Math.Sqrt(2)), (withNan.Mean, withNan.Std));
        Assert.Equal("7 ± 1", SweepResults.PlusMinus(s));
        Assert.Equal("5", SweepResults.PlusMinus(SweepStat.Of([5])));
        Assert.Equal("7.667", SweepResults.Num(23.0 / 3));
    }

    [Fact]
    public void ResultsTableHasOneRowPerConfigWithMeanStdAndPerSeedValues()
    {
        var spec = SweepSpec.Parse("""
            { "name": "t", "base": { "preset": "mlp-ring", "steps": 100 }, "configs": [ { "name": "a" }, { "name": "b" } ], "seeds": [1, 2, 3] }
            """);
        SweepJobResult R(string config, long seed, double modes, string status = "done") => new(
            $"{config}-s{seed}", config, seed, status, 100, 100, 256, 10, 2,
            status == "done" ? new Dictionary<string, double> { ["modes.modes"] = modes, ["modes.hq_percent"] = 50 } : new Dictionary<string, double>(), null);
        var results = new List<SweepJobResult> { R("a", 1, 6), R("a", 2, 8), R("a", 3, 7), R("b", 1, 2), R("b", 2, 0, "diverged") };
        var rows = SweepResults.Rows(spec, results);
        Assert.Equal(2, rows.Count);
        Assert.Equal((7.0, 1.0), (rows[0].Values["modes.modes"].Mean, rows[0].Values["modes.modes"].Std));
        Assert.Equal((1, 1), (rows[1].Done, rows[1].Failed));
        string md = SweepResults.Markdown(spec, rows);
        var lines = md.Split('\n').Where(l => l.StartsWith('|')).ToList();
        Assert.Equal(4, lines.Count); // header, separator, a, b
        Assert.Contains("modes.modes ↑", lines[0]);
        Assert.StartsWith("| a | 3/3 | 7 ± 1 | 50 ± 0 | s1: 6, s2: 8, s3: 7 | 100 × 256 | 12 ± 0 |", lines[2]);
        Assert.StartsWith("| b | 1/3 (1 diverged) | 2 | 50 |", lines[3]);
        Assert.Contains("s2: diverged", lines[3]);
        var json = SweepResults.Json(spec, rows);
        Assert.Equal(7.0, json["configs"]![0]!["values"]!["modes.modes"]!["mean"]!.GetValue<double>());
    }

    [Fact]
    public async Task ResumeSkipsFinishedJobsAndContinuesAPartialOne()
    {
        using var tmp = new TestUtil.TempDir();
        string file = Path.Combine(tmp.Path, "tiny.json");
        File.WriteAllText(file, TinySweep());
        var spec = SweepSpec.Load(file);
        var runner = new SweepRunner(spec, tmp.Path) { Jobs = 1 };
        runner.Prepare();

        // A session that stopped "minimax" after 8 of 20 steps.
        var partial = spec.Jobs.Single(j => j.Config == "minimax");
        using (var cts = new CancellationTokenSource())
        {
            bool done = SweepJobs.Run(runner.SweepDir, partial, spec.Metrics, spec.EvalSamples, cts.Token,
                progress: (step, _) => { if (step >= 8) cts.Cancel(); });
            Assert.False(done);
        }
        Assert.Equal(SweepJobState.Partial, SweepJobs.State(runner.SweepDir, partial));
        Assert.Equal(SweepJobState.New, SweepJobs.State(runner.SweepDir, spec.Jobs[0]));

        var log = new List<string>();
        var second = new SweepRunner(spec, tmp.Path) { Jobs = 1, Log = log.Add };
        var summary = await second.RunAsync(second.InProcess());
        Assert.True(summary.Failed.Count == 0, string.Join("\n", log));
        Assert.Equal((2, 0, 2), (summary.Total, summary.Skipped, summary.Finished));
        Assert.Contains(log, l => l.Contains("[minimax-s1] resuming") && l.Contains("at step 8 of 20"));
        Assert.Contains(log, l => l.Contains("[vanilla-s1] run "));
        foreach (var job in spec.Jobs)
        {
            var r = SweepJobResult.Load(Path.Combine(runner.SweepDir, job.Name, SweepJobs.ResultFile));
            Assert.Equal((20, "done"), (r.Step, r.Status));
            Assert.True(r.Values.ContainsKey("modes.modes"));
        }
        Assert.True(File.Exists(Path.Combine(runner.SweepDir, SweepResults.MarkdownFile)));
        Assert.True(File.Exists(Path.Combine(runner.SweepDir, SweepResults.JsonFile)));
        Assert.True(new FileInfo(Path.Combine(runner.SweepDir, "modes-modes.png")).Length > 1000);

        // Again: everything is skipped, nothing is rewritten.
        string resultPath = Path.Combine(runner.SweepDir, "vanilla-s1", SweepJobs.ResultFile);
        var stamp = File.GetLastWriteTimeUtc(resultPath);
        var third = new SweepRunner(spec, tmp.Path) { Jobs = 1 };
        summary = await third.RunAsync(third.InProcess());
        Assert.Equal((2, 2, 0), (summary.Total, summary.Skipped, summary.Finished));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(resultPath));
    }

    [Fact]
    public void ChangedOptionsForAnExistingJobAreRefused()
    {
        using var tmp = new TestUtil.TempDir();
        var spec = SweepSpec.Parse(TinySweep());
        var runner = new SweepRunner(spec, tmp.Path) { Jobs = 1 };
        runner.Prepare();
        Assert.True(SweepJobs.Run(runner.SweepDir, spec.Jobs[0], spec.Metrics, spec.EvalSamples));
        var changed = SweepSpec.Parse(TinySweep().Replace("\"z-dim\": 4", "\"z-dim\": 5"));
        var e = Assert.Throws<ArgumentException>(() => new SweepRunner(changed, tmp.Path).Prepare());
        Assert.Contains("z-dim 4 → 5", e.Message);
    }

    [Fact]
    public void CliRunsASweepInProcessAndReportsBadInput()
    {
        using var tmp = new TestUtil.TempDir();
        string file = Path.Combine(tmp.Path, "tiny.json");
        File.WriteAllText(file, TinySweep("cli"));
        var (code, stdout, err) = Cli("sweep", file, "--out", tmp.Path, "--in-process");
        Assert.True(code == 0, stdout + err);
        Assert.Contains("2/2 jobs finished", stdout);
        Assert.Contains("| vanilla | 1/1 |", stdout);
        Assert.True(File.Exists(Path.Combine(tmp.Path, "cli", "vanilla-s1", "options.json")));

        (code, _, err) = Cli("sweep", Path.Combine(tmp.Path, "missing.json"));
        Assert.Equal((2, $"error: sweep file '{Path.Combine(tmp.Path, "missing.json")}' does not exist"), (code, err.Trim()));

        File.WriteAllText(file, """{ "name": "x", "grid": { "packing": [4] } }""");
        (code, _, err) = Cli("sweep", file);
        Assert.Equal(2, code);
        Assert.Contains("unknown option 'packing'", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    private static (int Code, string Out, string Err) Cli(params string[] args) => TestUtil.RunCli(args);
}
