using GanSharp.Training;
using System.Diagnostics;
using System.Text.Json.Nodes;
using GanSharp.Models;

namespace GanSharp.Runs;

public enum SweepJobExit
{
    /// <summary>The job's result file is written (evaluated, or diverged).</summary>
    Finished,

    /// <summary>Stopped on request; its run wrote a checkpoint and resumes next time.</summary>
    Interrupted,

    /// <summary>Crashed or refused (the message says why); it is retried next time.</summary>
    Failed,
}

public sealed record SweepJobOutcome(SweepJobExit Exit, string? Error = null);

/// <summary>Runs one job to its end (or until cancelled); it reports steps through <see cref="SweepRunner.Report"/>.</summary>
public delegate Task<SweepJobOutcome> SweepJobLauncher(SweepJob job, CancellationToken cancel);

/// <summary>Where the sweep stands: jobs done of total, the running jobs' steps, and an ETA from the step rate.</summary>
public sealed record SweepProgress(int Total, int Done, int Failed, IReadOnlyList<(string Job, int Step, int Steps)> Running, TimeSpan Elapsed, TimeSpan? Eta);

public sealed record SweepSummary(int Total, int Skipped, int Finished, int Interrupted, IReadOnlyList<(string Job, string Error)> Failed, TimeSpan Elapsed, IReadOnlyList<string> Outputs);

/// <summary>
/// Runs a sweep's jobs: skips finished ones, resumes partial ones, starts the rest, at most
/// <see cref="Jobs"/> at once and never more torch threads than <see cref="Cores"/> (each job's threads are
/// <see cref="GanFamilies.DefaultThreads"/> of its options: 1 for MLPs). Each job runs through a launcher: in this
/// process (<see cref="InProcess"/>, one at a time: torch's thread count is process-wide) or as a child process
/// (<see cref="ChildProcess"/>). Results are rewritten after every finished job.
/// </summary>
public sealed class SweepRunner(SweepSpec spec, string outDir)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, (int First, int Step, int Steps)> _steps = new(StringComparer.Ordinal);
    private long _stepsOfEndedJobs;

    public SweepSpec Spec { get; } = spec;
    public string SweepDir { get; } = Path.GetFullPath(Path.Combine(outDir, spec.Name));
    public int Jobs { get; init; } = 1;
    public int Cores { get; init; } = Environment.ProcessorCount;
    public TimeSpan ProgressEvery { get; init; } = TimeSpan.FromSeconds(10);
    public Action<string>? Log { get; init; }
    public Action<SweepProgress>? Progress { get; init; }

    public string PlanPath => Path.Combine(SweepDir, SweepJobs.PlanFile);

    /// <summary>
    /// Creates the sweep folder, checks every existing job directory against the plan (before anything runs) and
    /// writes sweep-plan.json (what job processes read).
    /// </summary>
    public void Prepare()
    {
        Directory.CreateDirectory(SweepDir);
        foreach (var job in Spec.Jobs) SweepJobs.CheckMatches(SweepDir, job);
        RunDirectory.AtomicWrite(PlanPath, Spec.ToPlanJson().ToJsonString(GanOptions.Json));
    }

    public async Task<SweepSummary> RunAsync(SweepJobLauncher launch, CancellationToken cancel = default)
    {
        Prepare();
        var clock = Stopwatch.StartNew();
        var todo = Spec.Jobs.Where(j => SweepJobs.State(SweepDir, j) != SweepJobState.Finished).ToList();
        int total = Spec.Jobs.Count, skipped = total - todo.Count, finished = 0, interrupted = 0;
        var failed = new List<(string, string)>();
        Log?.Invoke($"sweep {Spec.Name}: {total} jobs ({Spec.Configs.Count} configurations × {Spec.Seeds.Count} seeds) in {SweepDir}; " +
                    $"{skipped} finished, {todo.Count(j => SweepJobs.State(SweepDir, j) == SweepJobState.Partial)} to resume, " +
                    $"{todo.Count(j => SweepJobs.State(SweepDir, j) == SweepJobState.New)} to start; up to {Jobs} at once on {Cores} cores");
        lock (_lock)
            foreach (var j in todo) _steps[j.Name] = (-1, 0, j.Options.Steps);

        var queue = new Queue<SweepJob>(todo);
        var running = new Dictionary<Task<SweepJobOutcome>, (SweepJob Job, int Threads)>();
        while (true)
        {
            while (!cancel.IsCancellationRequested && queue.Count > 0 && running.Count < Jobs)
            {
                var job = queue.Peek();
                int threads = Math.Min(GanFamilies.DefaultThreads(job.Options), Cores);
                if (running.Count > 0 && running.Values.Sum(r => r.Threads) + threads > Cores) break;
                queue.Dequeue();
                Log?.Invoke($"start {job.Name} ({threads} thread{(threads == 1 ? "" : "s")})");
                running[Guard(launch, job, cancel)] = (job, threads);
            }
            if (running.Count == 0) break;

            var tick = Task.Delay(ProgressEvery, CancellationToken.None);
            var first = await Task.WhenAny(running.Keys.Cast<Task>().Append(tick)).ConfigureAwait(false);
            if (first != tick)
            {
                var task = (Task<SweepJobOutcome>)first;
                var (job, _) = running[task];
                running.Remove(task);
                var outcome = await task.ConfigureAwait(false);
                lock (_lock)
                {
                    if (_steps.Remove(job.Name, out var s) && s.First >= 0) _stepsOfEndedJobs += s.Step - s.First;
                }
                switch (outcome.Exit)
                {
                    case SweepJobExit.Finished:
                        finished++;
                        Log?.Invoke($"finished {job.Name}{Describe(job)}");
                        TryWriteResults();
                        break;
                    case SweepJobExit.Interrupted:
                        interrupted++;
                        Log?.Invoke($"stopped {job.Name} (checkpoint written; it resumes next time)");
                        break;
                    default:
                        failed.Add((job.Name, outcome.Error ?? "failed"));
                        Log?.Invoke($"FAILED {job.Name}: {outcome.Error}");
                        break;
                }
            }
            Progress?.Invoke(Snapshot(total, skipped + finished, failed.Count, clock.Elapsed));
        }
        var outputs = TryWriteResults();
        return new SweepSummary(total, skipped, finished, interrupted + queue.Count, failed, clock.Elapsed, outputs);
    }

    private static Task<SweepJobOutcome> Guard(SweepJobLauncher launch, SweepJob job, CancellationToken cancel) => Task.Run(async () =>
    {
        try
        {
            return await launch(job, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new SweepJobOutcome(SweepJobExit.Failed, e.Message);
        }
    });

    private string Describe(SweepJob job)
    {
        string path = Path.Combine(SweepJobs.JobDir(SweepDir, job), SweepJobs.ResultFile);
        if (!File.Exists(path)) return "";
        var r = SweepJobResult.Load(path);
        if (r.Failed) return $": {r.Status} at step {r.Step}";
        var primary = SweepResults.PrimaryKeys(Spec).Select(p => p.Key).Where(r.Values.ContainsKey)
            .Select(k => $"{k} {SweepResults.Num(r.Values[k])}");
        return $": {string.Join(", ", primary)} ({r.TrainSeconds + r.EvalSeconds:F0} s)";
    }

    private List<string> TryWriteResults()
    {
        try
        {
            return SweepResults.Write(Spec, SweepDir);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            Log?.Invoke($"could not write the results table: {e.Message}");
            return [];
        }
    }

    /// <summary>Called by launchers with a job's current step.</summary>
    public void Report(string job, int step, int steps)
    {
        lock (_lock)
        {
            if (!_steps.TryGetValue(job, out var s)) return;
            _steps[job] = (s.First < 0 ? step : s.First, step, steps);
        }
    }

    private SweepProgress Snapshot(int total, int done, int failed, TimeSpan elapsed)
    {
        lock (_lock)
        {
            // Steps trained in this session (also by jobs that ended) against the steps still to train.
            long progressed = _stepsOfEndedJobs + _steps.Values.Where(s => s.First >= 0).Sum(s => (long)(s.Step - s.First));
            long remaining = _steps.Values.Sum(s => (long)Math.Max(0, s.Steps - s.Step));
            TimeSpan? eta = progressed > 0 ? TimeSpan.FromSeconds(elapsed.TotalSeconds * remaining / progressed) : null;
            var runningJobs = _steps.Where(kv => kv.Value.First >= 0).Select(kv => (kv.Key, kv.Value.Step, kv.Value.Steps)).ToList();
            return new SweepProgress(total, done, failed, runningJobs, elapsed, eta);
        }
    }

    /// <summary>Runs each job in this process (one at a time), with <see cref="SweepJobs.Run"/>.</summary>
    public SweepJobLauncher InProcess() => (job, cancel) =>
    {
        if (Jobs != 1) throw new ArgumentException("in-process sweeps run one job at a time (--jobs 1)");
        bool done = SweepJobs.Run(SweepDir, job, Spec.Metrics, Spec.EvalSamples, cancel, Log is null ? null : m => Log($"[{job.Name}] {m}"),
            (step, steps) => Report(job.Name, step, steps));
        return Task.FromResult(new SweepJobOutcome(done ? SweepJobExit.Finished : SweepJobExit.Interrupted));
    };

    /// <summary>
    /// Runs each job as a child process: <paramref name="fileName"/> <paramref name="prefixArgs"/> sweep job SWEEP_DIR JOB
    /// --watch-stdin. The child prints "progress STEP STEPS" lines; everything else it writes goes to the job's
    /// job.log. Cancelling writes "stop" to its stdin and waits for it to checkpoint and exit.
    /// </summary>
    public SweepJobLauncher ChildProcess(string fileName, IReadOnlyList<string> prefixArgs) => async (job, cancel) =>
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in prefixArgs) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "sweep", "job", SweepDir, job.Name, "--watch-stdin" }) psi.ArgumentList.Add(a);
        string jobDir = SweepJobs.JobDir(SweepDir, job);
        using var log = new JobLog(jobDir);
        string? lastError = null;
        using var p = new Process { StartInfo = psi };
        void OnLine(string? line, bool isError)
        {
            if (line is null) return;
            var parts = line.Split(' ');
            if (!isError && parts.Length == 3 && parts[0] == "progress" && int.TryParse(parts[1], out int step) && int.TryParse(parts[2], out int steps))
            {
                Report(job.Name, step, steps);
                return;
            }
            if (isError && line.StartsWith("error: ", StringComparison.Ordinal)) lastError = line["error: ".Length..];
            log.Write(line);
        }
        p.OutputDataReceived += (_, e) => OnLine(e.Data, false);
        p.ErrorDataReceived += (_, e) => OnLine(e.Data, true);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var reg = cancel.Register(() =>
        {
            try
            {
                p.StandardInput.WriteLine("stop");
                p.StandardInput.Close();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException) { }
        });
        await p.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        p.WaitForExit(); // drains the output events
        log.Flush();
        int code = p.ExitCode;
        if (code == 0 && File.Exists(Path.Combine(jobDir, SweepJobs.ResultFile))) return new SweepJobOutcome(SweepJobExit.Finished);
        if (code == 130) return new SweepJobOutcome(SweepJobExit.Interrupted);
        return new SweepJobOutcome(SweepJobExit.Failed, $"{lastError ?? $"exit code {code}"} (log: {log.Where})");
    };

    /// <summary>
    /// A child's output, appended to JOB/job.log. Lines are held back until the run directory exists
    /// (options.json written): the run refuses to start in a folder that already has files.
    /// </summary>
    private sealed class JobLog(string jobDir) : IDisposable
    {
        private readonly List<string> _pending = new();
        private StreamWriter? _w;

        public string Where { get; private set; } = Path.Combine(jobDir, SweepJobs.LogFile);

        public void Write(string line)
        {
            lock (_pending)
            {
                if (_w is null && File.Exists(Path.Combine(jobDir, "options.json")))
                {
                    _w = new StreamWriter(Where, append: true) { AutoFlush = true };
                    foreach (var l in _pending) _w.WriteLine(l);
                    _pending.Clear();
                }
                if (_w is not null) _w.WriteLine(line);
                else _pending.Add(line);
            }
        }

        /// <summary>Writes held-back lines where they can go: the job folder if it exists, else the sweep folder.</summary>
        public void Flush()
        {
            lock (_pending)
            {
                if (_pending.Count == 0) return;
                if (!Directory.Exists(jobDir)) Where = jobDir + "." + SweepJobs.LogFile;
                File.AppendAllLines(Where, _pending);
                _pending.Clear();
            }
        }

        public void Dispose() => _w?.Dispose();
    }
}
