using System.Text.Json.Nodes;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Training;

/// <summary>
/// The Slurm backend against a fake sbatch/squeue: what it submits, what it skips, how it reads the queue.
/// tests/slurm/sweep-on-slurm.sh runs it on a real single-node cluster (SlurmIntegrationTests, Slow).
/// </summary>
public class SlurmSweepTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gansharp-slurm-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private const string Sweep = """
        { "name": "tiny", "base": { "model": "mlp", "arch": "mlp", "data": "ring", "z-dim": 4, "width-g": 16, "width-d": 16,
            "depth": 2, "batch": 32, "steps": 20, "threads": 1 },
          "configs": [ { "name": "a" }, { "name": "b", "g-loss": "minimax" } ], "seeds": [1, 2] }
        """;

    private sealed class FakeSlurm : ISlurmClient
    {
        public List<(string Script, IReadOnlyList<string> Args)> Submitted { get; } = [];
        public List<SlurmTask> Queued { get; } = [];
        private int _next = 100;

        public string Submit(string scriptPath, IReadOnlyList<string> extraArgs)
        {
            Submitted.Add((File.ReadAllText(scriptPath), extraArgs));
            return (_next++).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public IReadOnlyList<SlurmTask> Queue(string jobName)
        {
            Assert.Equal("gansharp-tiny", jobName);
            return Queued;
        }
    }

    private (SlurmSweep Sweep, FakeSlurm Slurm) Make()
    {
        var fake = new FakeSlurm();
        return (new SlurmSweep(SweepSpec.Parse(Sweep), _dir, fake), fake);
    }

    private static void MarkFinished(SlurmSweep sweep, string job)
    {
        string dir = Path.Combine(sweep.SweepDir, job);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, SweepJobs.ResultFile), new JsonObject
        {
            ["job"] = job, ["config"] = job[..1], ["seed"] = 1, ["status"] = "done", ["step"] = 20, ["steps"] = 20, ["batch"] = 32,
            ["train-seconds"] = 1.0, ["eval-seconds"] = 0.5, ["values"] = new JsonObject { ["modes.modes"] = 3.0 },
        }.ToJsonString());
    }

    [Fact]
    public void FirstSubmissionIsOneThrottledArrayOverEveryJobPlusADependentCollector()
    {
        var (sweep, slurm) = Make();
        var sub = sweep.Submit(new SlurmSettings { Throttle = 2, SbatchArgs = ["--partition=cpu", "--time=01:00:00"] },
            "/opt/dotnet", ["/opt/gs.dll"], ["sweep", "/x/tiny.json", "--status"])!;
        Assert.Equal("100", sub.ArrayId);
        Assert.Equal("101", sub.CollectId);
        Assert.Equal(["a-s1", "a-s2", "b-s1", "b-s2"], sub.Jobs);
        Assert.Equal(1, sub.CpusPerTask);

        var script = slurm.Submitted[0].Script;
        Assert.Contains("#SBATCH --job-name=gansharp-tiny\n", script);
        Assert.Contains("#SBATCH --array=0-3%2\n", script);
        Assert.Contains("#SBATCH --cpus-per-task=1\n", script);
        Assert.Contains("#SBATCH --partition=cpu\n#SBATCH --time=01:00:00\n", script);
        Assert.Contains($"#SBATCH --output={Path.Combine(sweep.SlurmDir, "%A_%a.out")}\n", script);
        Assert.Contains($"exec '/opt/dotnet' '/opt/gs.dll' 'sweep' 'job' '{sweep.SweepDir}' \"$JOB\"\n", script);
        // Task i runs line i + 1 of the jobs file.
        Assert.Equal(["a-s1", "a-s2", "b-s1", "b-s2"], File.ReadAllLines(Path.Combine(sweep.SlurmDir, "submit-1.jobs")));
        Assert.Contains("sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\"", script);

        Assert.Equal(["--dependency=afterany:100"], slurm.Submitted[1].Args);
        Assert.Contains("exec '/opt/dotnet' '/opt/gs.dll' 'sweep' '/x/tiny.json' '--status'\n", slurm.Submitted[1].Script);
        Assert.True(File.Exists(Path.Combine(sweep.SweepDir, SweepJobs.PlanFile)));
    }

    [Fact]
    public void ResubmittingSkipsFinishedAndQueuedJobsAndNumbersTheNewArray()
    {
        var (sweep, slurm) = Make();
        sweep.Submit(new SlurmSettings(), "gs", [], null);
        // a-s1 finished; a-s2 still running in array 100; b-s1 and b-s2 were cancelled (gone from the queue).
        MarkFinished(sweep, "a-s1");
        slurm.Queued.Add(new SlurmTask("100", 1, "RUNNING"));
        slurm.Queued.Add(new SlurmTask("999", 2, "PENDING")); // another sweep's array with the same name: ignored
        var sub = sweep.Submit(new SlurmSettings(), "gs", [], null)!;
        Assert.Equal(["b-s1", "b-s2"], sub.Jobs);
        Assert.Contains("#SBATCH --array=0-1\n", slurm.Submitted[^1].Script);
        Assert.Equal(["b-s1", "b-s2"], File.ReadAllLines(Path.Combine(sweep.SlurmDir, "submit-2.jobs")));
        Assert.Equal(["100", "101"], sweep.Submissions().Select(s => s.ArrayId));

        // Everything finished or queued: nothing is submitted.
        slurm.Queued.Add(new SlurmTask("101", 0, "PENDING"));
        slurm.Queued.Add(new SlurmTask("101", 1, "PENDING"));
        int before = slurm.Submitted.Count;
        Assert.Null(sweep.Submit(new SlurmSettings(), "gs", [], null));
        Assert.Equal(before, slurm.Submitted.Count);
    }

    [Fact]
    public void StatusJoinsDiskStateAndQueueState()
    {
        var (sweep, slurm) = Make();
        sweep.Submit(new SlurmSettings(), "gs", [], null);
        MarkFinished(sweep, "b-s2");
        Directory.CreateDirectory(Path.Combine(sweep.SweepDir, "a-s2"));
        File.WriteAllText(Path.Combine(sweep.SweepDir, "a-s2", "options.json"), "{}");
        File.WriteAllText(Path.Combine(sweep.SweepDir, "a-s2", "metrics.jsonl"), "{\"step\":5}\n{\"step\":10}\n{\"step\":1");
        slurm.Queued.AddRange(SlurmSweep.ParseQueue("100|1|RUNNING\n100|[2]|PENDING\n"));
        var rows = sweep.Status().ToDictionary(r => r.Job);
        Assert.Equal((SweepJobState.New, "not started", (string?)null), (rows["a-s1"].Disk, rows["a-s1"].Detail, rows["a-s1"].Queue));
        Assert.Equal((SweepJobState.Partial, "step 10/20", "RUNNING"), (rows["a-s2"].Disk, rows["a-s2"].Detail, rows["a-s2"].Queue));
        Assert.Equal((SweepJobState.New, "PENDING"), (rows["b-s1"].Disk, rows["b-s1"].Queue));
        Assert.Equal((SweepJobState.Finished, "done"), (rows["b-s2"].Disk, rows["b-s2"].Detail));
    }

    [Fact]
    public void QueueLinesExpandPendingRanges()
    {
        var tasks = SlurmSweep.ParseQueue("7|[2-4%2]|PENDING\n7|1|RUNNING\n8|0,3|PENDING\n9|N/A|PENDING\n");
        Assert.Equal([("7", 2, "PENDING"), ("7", 3, "PENDING"), ("7", 4, "PENDING"), ("7", 1, "RUNNING"), ("8", 0, "PENDING"), ("8", 3, "PENDING")],
            tasks.Select(t => (t.ArrayId, t.Index, t.State)));
        var e = Assert.Throws<InvalidOperationException>(() => SlurmSweep.ParseQueue("7 RUNNING"));
        Assert.Contains("unexpected line", e.Message);
    }

    [Fact]
    public void QuotingSurvivesSpacesAndQuotes()
    {
        Assert.Equal("'a b'", SlurmSweep.Quote("a b"));
        Assert.Equal("'it'\\''s'", SlurmSweep.Quote("it's"));
    }

    [Fact]
    public void NegativeThrottleIsRefusedBeforeAnythingIsWritten()
    {
        var (sweep, slurm) = Make();
        var e = Assert.Throws<ArgumentException>(() => sweep.Submit(new SlurmSettings { Throttle = -1 }, "gs", [], null));
        Assert.Contains("--throttle", e.Message);
        Assert.Empty(slurm.Submitted);
        Assert.False(Directory.Exists(sweep.SweepDir));
    }

    [Fact]
    public void ADamagedSubmissionsFileIsOneClearError()
    {
        var (sweep, _) = Make();
        Directory.CreateDirectory(sweep.SlurmDir);
        File.WriteAllText(Path.Combine(sweep.SlurmDir, SlurmSweep.SubmissionsFile), "{\"array-id\": \"1\", tru");
        var e = Assert.Throws<ArgumentException>(() => sweep.Status());
        Assert.Contains(SlurmSweep.SubmissionsFile, e.Message);
    }
}
