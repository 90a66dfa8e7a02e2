using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using GanSharp.Models;
using GanSharp.Training;

namespace GanSharp.Runs;

/// <summary>One array task in the Slurm queue: array job id, task index, state (PENDING, RUNNING, …).</summary>
public sealed record SlurmTask(string ArrayId, int Index, string State);

/// <summary>The two Slurm commands a sweep needs. <see cref="SlurmCommands"/> runs the real ones.</summary>
public interface ISlurmClient
{
    /// <summary>Submits a batch script (sbatch --parsable) and returns the job id.</summary>
    string Submit(string scriptPath, IReadOnlyList<string> extraArgs);

    /// <summary>The queued and running tasks of the jobs named <paramref name="jobName"/> (squeue).</summary>
    IReadOnlyList<SlurmTask> Queue(string jobName);
}

/// <summary>Runs <c>sbatch</c> and <c>squeue</c> from PATH (SLURM_CONF and the rest come from the environment).</summary>
public sealed class SlurmCommands : ISlurmClient
{
    public static bool Available => FindOnPath("sbatch") is not null && FindOnPath("squeue") is not null;

    public string Submit(string scriptPath, IReadOnlyList<string> extraArgs)
    {
        var (code, stdout, stderr) = Run("sbatch", ["--parsable", .. extraArgs, scriptPath]);
        if (code != 0) throw new InvalidOperationException($"sbatch refused {scriptPath}: {FirstLine(stderr, stdout)}");
        // --parsable prints "jobid" or "jobid;cluster".
        return stdout.Trim().Split(';')[0];
    }

    public IReadOnlyList<SlurmTask> Queue(string jobName)
    {
        var (code, stdout, stderr) = Run("squeue", ["--noheader", "--array", "--name", jobName, "--format", "%F|%K|%T"]);
        if (code != 0) throw new InvalidOperationException($"squeue failed: {FirstLine(stderr, stdout)}");
        return SlurmSweep.ParseQueue(stdout);
    }

    private static string FirstLine(string a, string b) =>
        (a.Trim().Length > 0 ? a : b).Trim().Split('\n')[0];

    private static (int Code, string Stdout, string Stderr) Run(string exe, IEnumerable<string> args)
    {
        string path = FindOnPath(exe) ?? throw new InvalidOperationException($"'{exe}' is not on PATH: the slurm backend needs a Slurm client (sbatch, squeue)");
        var psi = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    private static string? FindOnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, exe)).FirstOrDefault(File.Exists);
}

/// <summary>How array tasks are requested: the throttle (<c>%N</c>), and extra sbatch options passed through.</summary>
public sealed record SlurmSettings
{
    /// <summary>At most this many tasks of the array run at once (sbatch --array=0-K%N); 0: no throttle.</summary>
    public int Throttle { get; init; }

    /// <summary>Extra sbatch options, e.g. <c>--partition=cpu</c>, <c>--time=02:00:00</c>.</summary>
    public IReadOnlyList<string> SbatchArgs { get; init; } = [];
}

/// <summary>What one submission sent: the array job id and its tasks' job names (task i runs Jobs[i]).</summary>
public sealed record SlurmSubmission(string ArrayId, IReadOnlyList<string> Jobs, string Script, int CpusPerTask, string? CollectId);

/// <summary>One job's row in <c>--status</c>: where it stands on disk and in the queue.</summary>
public sealed record SlurmJobStatus(string Job, SweepJobState Disk, string Detail, string? Queue);

/// <summary>
/// The Slurm backend of <c>gansharp sweep</c>: the jobs not finished go out as one job array (<c>sbatch
/// --array=0-K%N</c>); each task runs <c>gansharp sweep job SWEEP_DIR JOB</c>, the same per-job entry point as the
/// local backend's child processes, so a task resumes a partial run from its latest checkpoint and writes the same
/// sweep-result.json. A dependent task (<c>afterany</c>) collects the results table and plots when the array ends;
/// <c>--status</c> collects them too. Re-submitting skips finished jobs and jobs still queued or running.
/// Files: SWEEP/slurm/submit-N.sh, submit-N.jobs (task index → job), submissions.jsonl, and each task's output
/// in SWEEP/slurm/ARRAY_TASK.out.
/// </summary>
public sealed class SlurmSweep(SweepSpec spec, string outDir, ISlurmClient slurm)
{
    public const string Folder = "slurm";
    public const string SubmissionsFile = "submissions.jsonl";

    public SweepRunner Runner { get; } = new(spec, outDir);
    public string SweepDir => Runner.SweepDir;
    public string SlurmDir => Path.Combine(SweepDir, Folder);
    public string JobName => "gansharp-" + spec.Name;

    /// <summary>
    /// Submits the jobs that are neither finished nor already in the queue. Returns null when there is nothing
    /// to submit. <paramref name="host"/> + <paramref name="prefixArgs"/> start this CLI on the compute node;
    /// <paramref name="collectCommand"/> (arguments after them) is the dependent collecting task, or null.
    /// </summary>
    public SlurmSubmission? Submit(SlurmSettings settings, string host, IReadOnlyList<string> prefixArgs,
        IReadOnlyList<string>? collectCommand, Action<string>? log = null)
    {
        if (settings.Throttle < 0) throw new ArgumentException($"--throttle must be 0 (none) or positive (got {settings.Throttle})");
        Runner.Prepare();
        var queued = QueuedJobs();
        var todo = new List<SweepJob>();
        int finished = 0, inQueue = 0;
        foreach (var job in spec.Jobs)
        {
            if (SweepJobs.State(SweepDir, job) == SweepJobState.Finished) finished++;
            else if (queued.ContainsKey(job.Name)) inQueue++;
            else todo.Add(job);
        }
        log?.Invoke($"sweep {spec.Name}: {spec.Jobs.Count} jobs; {finished} finished, {inQueue} queued or running in Slurm, {todo.Count} to submit");
        if (todo.Count == 0) return null;

        Directory.CreateDirectory(SlurmDir);
        int n = Directory.EnumerateFiles(SlurmDir, "submit-*.sh").Count() + 1;
        string jobsFile = Path.Combine(SlurmDir, $"submit-{n}.jobs");
        string script = Path.Combine(SlurmDir, $"submit-{n}.sh");
        // Tasks of one array share their resources: the most threads any job wants.
        int cpus = todo.Max(j => GanFamilies.DefaultThreads(j.Options));
        RunDirectory.AtomicWrite(jobsFile, string.Join('\n', todo.Select(j => j.Name)) + "\n");
        RunDirectory.AtomicWrite(script, Script(todo.Count, cpus, settings, jobsFile, host, prefixArgs));
        string arrayId = slurm.Submit(script, []);
        string? collectId = null;
        if (collectCommand is not null)
        {
            string collect = Path.Combine(SlurmDir, $"collect-{n}.sh");
            RunDirectory.AtomicWrite(collect, CollectScript(settings, host, prefixArgs, collectCommand));
            collectId = slurm.Submit(collect, [$"--dependency=afterany:{arrayId}"]);
        }
        var record = new JsonObject
        {
            ["array-id"] = arrayId,
            ["collect-id"] = collectId,
            ["script"] = Path.GetFileName(script),
            ["jobs"] = Path.GetFileName(jobsFile),
            ["tasks"] = todo.Count,
            ["cpus-per-task"] = cpus,
            ["throttle"] = settings.Throttle,
            ["submitted"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
        RunDirectory.AppendLine(Path.Combine(SlurmDir, SubmissionsFile), record.ToJsonString());
        log?.Invoke($"submitted array job {arrayId}: {todo.Count} tasks{(settings.Throttle > 0 ? $", at most {settings.Throttle} at once" : "")}, " +
                    $"{cpus} CPU{(cpus == 1 ? "" : "s")} each{(collectId is null ? "" : $"; results collected by job {collectId} when it ends")}");
        return new SlurmSubmission(arrayId, todo.Select(j => j.Name).ToList(), script, cpus, collectId);
    }

    /// <summary>The batch script of one submission: task i runs line i+1 of the jobs file.</summary>
    public string Script(int tasks, int cpus, SlurmSettings settings, string jobsFile, string host, IReadOnlyList<string> prefixArgs)
    {
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --job-name={JobName}\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --array=0-{tasks - 1}{(settings.Throttle > 0 ? $"%{settings.Throttle}" : "")}\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={cpus}\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --output={Path.Combine(SlurmDir, "%A_%a.out")}\n");
        foreach (var a in settings.SbatchArgs) s.Append(CultureInfo.InvariantCulture, $"#SBATCH {a}\n");
        s.Append("# Written by gansharp sweep --backend slurm. Each task trains (or resumes) one job and evaluates it.\n");
        s.Append("set -euo pipefail\n");
        s.Append(CultureInfo.InvariantCulture, $"JOB=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" {Quote(jobsFile)})\n");
        s.Append(CultureInfo.InvariantCulture, $"exec {Command(host, prefixArgs, ["sweep", "job", SweepDir])} \"$JOB\"\n");
        return s.ToString();
    }

    private string CollectScript(SlurmSettings settings, string host, IReadOnlyList<string> prefixArgs, IReadOnlyList<string> collectCommand)
    {
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --job-name={JobName}-collect\n");
        s.Append("#SBATCH --cpus-per-task=1\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --output={Path.Combine(SlurmDir, "collect-%j.out")}\n");
        foreach (var a in settings.SbatchArgs) s.Append(CultureInfo.InvariantCulture, $"#SBATCH {a}\n");
        s.Append(CultureInfo.InvariantCulture, $"exec {Command(host, prefixArgs, collectCommand)}\n");
        return s.ToString();
    }

    private static string Command(string host, IReadOnlyList<string> prefix, IReadOnlyList<string> args) =>
        string.Join(' ', new[] { host }.Concat(prefix).Concat(args).Select(Quote));

    /// <summary>Single-quotes a word for bash.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Every submission so far, oldest first.</summary>
    public IReadOnlyList<SlurmSubmission> Submissions()
    {
        string path = Path.Combine(SlurmDir, SubmissionsFile);
        if (!File.Exists(path)) return [];
        var list = new List<SlurmSubmission>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Trim().Length == 0) continue;
            JsonObject o;
            try
            {
                o = JsonNode.Parse(line)!.AsObject();
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new ArgumentException($"'{path}' has a damaged line ({e.Message}): remove that line");
            }
            string jobs = Path.Combine(SlurmDir, o["jobs"]!.GetValue<string>());
            list.Add(new SlurmSubmission(o["array-id"]!.GetValue<string>(), File.ReadAllLines(jobs).Where(l => l.Length > 0).ToList(),
                Path.Combine(SlurmDir, o["script"]!.GetValue<string>()), o["cpus-per-task"]!.GetValue<int>(), o["collect-id"]?.GetValue<string>()));
        }
        return list;
    }

    /// <summary>Job name → queue state, for the tasks of this sweep's submissions that are still in the queue.</summary>
    public Dictionary<string, string> QueuedJobs()
    {
        var subs = Submissions();
        var byArray = subs.ToDictionary(s => s.ArrayId, s => s.Jobs, StringComparer.Ordinal);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (subs.Count == 0) return result;
        foreach (var t in slurm.Queue(JobName))
            if (byArray.TryGetValue(t.ArrayId, out var jobs) && t.Index >= 0 && t.Index < jobs.Count)
                result[jobs[t.Index]] = t.State;
        return result;
    }

    /// <summary>Every job's state on disk and in the queue.</summary>
    public IReadOnlyList<SlurmJobStatus> Status()
    {
        var queued = QueuedJobs();
        var rows = new List<SlurmJobStatus>();
        foreach (var job in spec.Jobs)
        {
            var state = SweepJobs.State(SweepDir, job);
            string dir = SweepJobs.JobDir(SweepDir, job);
            string detail = state switch
            {
                SweepJobState.Finished => SweepJobResult.Load(Path.Combine(dir, SweepJobs.ResultFile)).Status,
                SweepJobState.Partial => $"step {LastLoggedStep(dir)}/{job.Options.Steps}",
                _ => "not started",
            };
            rows.Add(new SlurmJobStatus(job.Name, state, detail, queued.GetValueOrDefault(job.Name)));
        }
        return rows;
    }

    /// <summary>The last step in a run's metrics.jsonl (0 when none).</summary>
    private static int LastLoggedStep(string runDir)
    {
        string path = Path.Combine(runDir, "metrics.jsonl");
        if (!File.Exists(path)) return 0;
        int step = 0;
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                if (JsonNode.Parse(line)?["step"] is JsonNode s) step = s.GetValue<int>();
            }
            catch (System.Text.Json.JsonException) { } // a line being written
        }
        return step;
    }

    /// <summary>Parses <c>squeue --format %F|%K|%T</c>: array job id, task index (a range such as "2-5%2" for pending tasks), state.</summary>
    public static List<SlurmTask> ParseQueue(string output)
    {
        var tasks = new List<SlurmTask>();
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var f = line.Split('|');
            if (f.Length != 3) throw new InvalidOperationException($"squeue printed an unexpected line: '{line}'");
            foreach (int i in TaskIndices(f[1])) tasks.Add(new SlurmTask(f[0], i, f[2]));
        }
        return tasks;
    }

    /// <summary>"3" → 3; "[0-3%2]" or "0-3%2" or "1,4-5" → every index (pending array tasks are listed as one range without --array).</summary>
    private static IEnumerable<int> TaskIndices(string field)
    {
        string f = field.Trim('[', ']');
        int pct = f.IndexOf('%');
        if (pct >= 0) f = f[..pct];
        if (f is "N/A" or "") yield break;
        foreach (var part in f.Split(','))
        {
            var ends = part.Split('-');
            int a = int.Parse(ends[0], CultureInfo.InvariantCulture);
            int b = ends.Length > 1 ? int.Parse(ends[1], CultureInfo.InvariantCulture) : a;
            for (int i = a; i <= b; i++) yield return i;
        }
    }
}
