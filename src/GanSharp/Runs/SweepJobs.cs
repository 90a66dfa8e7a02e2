using GanSharp.Training;
using System.Globalization;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Metrics;

namespace GanSharp.Runs;

/// <summary>Where a job stands on disk.</summary>
public enum SweepJobState
{
    /// <summary>No run directory yet.</summary>
    New,

    /// <summary>A run directory without a result: resumed from its latest checkpoint.</summary>
    Partial,

    /// <summary>sweep-result.json is present (evaluated, or diverged): skipped.</summary>
    Finished,
}

/// <summary>The outcome of one job as written to its sweep-result.json.</summary>
public sealed record SweepJobResult(
    string Job, string Config, long Seed, string Status, int Step, int Steps, int Batch,
    double TrainSeconds, double EvalSeconds, IReadOnlyDictionary<string, double> Values, string? Error)
{
    public bool Failed => Status != "done";

    public static SweepJobResult Load(string path)
    {
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            if (o["values"] is JsonObject vs)
                foreach (var (k, v) in vs) values[k] = v is null ? double.NaN : v.GetValue<double>();
            return new SweepJobResult(o["job"]!.GetValue<string>(), o["config"]!.GetValue<string>(), o["seed"]!.GetValue<long>(),
                o["status"]!.GetValue<string>(), o["step"]!.GetValue<int>(), o["steps"]!.GetValue<int>(), o["batch"]!.GetValue<int>(),
                o["train-seconds"]!.GetValue<double>(), o["eval-seconds"]?.GetValue<double>() ?? 0, values, o["error"]?.GetValue<string>());
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new ArgumentException($"sweep result '{path}' is damaged ({e.Message}): delete it to run the job's evaluation again");
        }
    }
}

/// <summary>
/// One sweep job in this process: an ordinary training run in SWEEP/JOB (<see cref="TrainingRun.Create"/>, or
/// <see cref="TrainingRun.Resume"/> when the directory exists), then an evaluation with the sweep's metrics,
/// written to SWEEP/JOB/sweep-result.json.
/// </summary>
public static class SweepJobs
{
    public const string ResultFile = "sweep-result.json";
    public const string PlanFile = "sweep-plan.json";
    public const string LogFile = "job.log";

    /// <summary>Seed of every job's evaluation generator: the same samples draw for every configuration.</summary>
    public const long EvalSeed = 12345;

    public static string JobDir(string sweepDir, SweepJob job) => Path.Combine(sweepDir, job.Name);

    public static SweepJobState State(string sweepDir, SweepJob job)
    {
        string dir = JobDir(sweepDir, job);
        if (File.Exists(Path.Combine(dir, ResultFile)))
        {
            var r = SweepJobResult.Load(Path.Combine(dir, ResultFile));
            return r.Failed || r.Steps >= job.Options.Steps ? SweepJobState.Finished : SweepJobState.Partial;
        }
        return File.Exists(Path.Combine(dir, "options.json")) ? SweepJobState.Partial : SweepJobState.New;
    }

    /// <summary>
    /// Refuses to continue a job whose run directory was trained with other options than the sweep now plans
    /// (only a higher step count is allowed: the run is resumed to it).
    /// </summary>
    public static void CheckMatches(string sweepDir, SweepJob job)
    {
        string dir = JobDir(sweepDir, job);
        if (!File.Exists(Path.Combine(dir, "options.json"))) return;
        var saved = RunDirectory.Open(dir).ReadOptions();
        if (job.Options.Steps < saved.Steps)
            throw new ArgumentException($"job '{dir}' was planned for {saved.Steps} steps, the sweep now says {job.Options.Steps}: steps can only be raised (or use another --out)");
        var a = saved.ToJsonObject();
        var b = job.Options.ToJsonObject();
        foreach (var key in new[] { "steps", "data-dir" }) { a.Remove(key); b.Remove(key); }
        var differ = a.Where(kv => !JsonNode.DeepEquals(kv.Value, b[kv.Key])).Select(kv => $"{kv.Key} {kv.Value?.ToJsonString()} → {b[kv.Key]?.ToJsonString()}").ToList();
        if (differ.Count > 0)
            throw new ArgumentException($"job '{dir}' was run with other options than the sweep file now gives ({string.Join(", ", differ)}): rename the sweep or use another --out");
    }

    /// <summary>
    /// Trains (or resumes) and evaluates one job. Returns true when the job is finished (result written, also for
    /// a run whose loss diverged), false when cancelled (the run wrote a checkpoint).
    /// </summary>
    public static bool Run(string sweepDir, SweepJob job, string metrics, int evalSamples, CancellationToken cancel = default,
        Action<string>? log = null, Action<int, int>? progress = null)
    {
        var metricList = MetricRegistry.Parse(metrics);
        string dir = JobDir(sweepDir, job);
        if (State(sweepDir, job) == SweepJobState.Finished) return true;
        CheckMatches(sweepDir, job);

        var o = job.Options;
        using var data = TrainingRun.OpenData(o, log);
        TrainingRun run;
        if (File.Exists(Path.Combine(dir, "options.json")))
        {
            int savedSteps = RunDirectory.Open(dir).ReadOptions().Steps;
            run = TrainingRun.Resume(dir, data, o.Steps > savedSteps ? o.Steps : null, log);
            log?.Invoke($"resuming {dir} at step {run.Trainer.Step} of {run.Trainer.Options.Steps}");
        }
        else
        {
            RemoveEmptyLeftovers(dir);
            run = TrainingRun.Create(o, data, sweepDir, job.Name, log);
            log?.Invoke($"run {dir}: {o.Model} on {o.Data}, {o.Steps} steps of batch {o.Batch}, seed {o.Seed}, {run.Threads} thread(s)");
        }

        using (run)
        {
            if (progress is not null) run.Trainer.Observers.Add(new ProgressObserver(progress));
            var result = new JsonObject
            {
                ["job"] = job.Name,
                ["config"] = job.Config,
                ["seed"] = job.Seed,
            };
            try
            {
                if (!run.Run(cancel)) return false;
            }
            catch (Exception e) when (e is NonFiniteLossException or TrainingFaultException)
            {
                log?.Invoke($"diverged: {e.Message}");
                result["status"] = "diverged";
                result["error"] = e.Message;
                Fill(result, run, 0, null);
                RunDirectory.AtomicWrite(Path.Combine(dir, ResultFile), result.ToJsonString(GanOptions.Json));
                return true;
            }

            using var ctx = Evaluator.Context(run.System, new EvalSettings { Samples = evalSamples, Seed = EvalSeed }, log);
            var report = Evaluator.Run(ctx, metricList);
            result["status"] = "done";
            Fill(result, run, report.Seconds, report);
            RunDirectory.AtomicWrite(Path.Combine(dir, ResultFile), result.ToJsonString(GanOptions.Json));
            log?.Invoke("evaluated: " + string.Join(", ", report.Flat().Select(kv => $"{kv.Key} {kv.Value.ToString("G6", CultureInfo.InvariantCulture)}")));
            return true;
        }
    }

    private static void Fill(JsonObject result, TrainingRun run, double evalSeconds, EvalReport? report)
    {
        result["step"] = run.Trainer.Step;
        result["steps"] = run.Trainer.Options.Steps;
        result["batch"] = run.Trainer.Options.Batch;
        result["train-seconds"] = Math.Round(run.Trainer.Seconds, 2);
        result["eval-seconds"] = Math.Round(evalSeconds, 2);
        var values = new JsonObject();
        if (report is not null)
            foreach (var (k, v) in report.Flat()) values[k] = double.IsFinite(v) ? v : null;
        result["values"] = values;
        if (report is not null) result["eval"] = report.ToJson();
        result["finished"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture);
    }

    /// <summary>A job directory created by a run that stopped before writing options.json holds only empty folders.</summary>
    private static void RemoveEmptyLeftovers(string dir)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var sub in new[] { "samples", "checkpoints" })
        {
            string p = Path.Combine(dir, sub);
            if (Directory.Exists(p) && !Directory.EnumerateFileSystemEntries(p).Any()) Directory.Delete(p);
        }
    }


    private sealed class ProgressObserver(Action<int, int> report) : ITrainingObserver
    {
        public void OnStart(Trainer trainer) => report(trainer.Step, trainer.Options.Steps);
        public void OnStep(Trainer trainer, StepStats stats) => report(stats.Step, trainer.Options.Steps);
    }
}
