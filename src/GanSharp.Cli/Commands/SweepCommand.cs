using System.CommandLine;
using System.Runtime.InteropServices;
using GanSharp.Training;
using GanSharp.Runs;

namespace GanSharp.Cli.Commands;

/// <summary>
/// `gansharp sweep FILE`: every configuration × seed of a sweep file as an ordinary training run, evaluated and
/// tabulated; re-running it skips finished jobs and resumes the rest. Parallel jobs are child processes
/// (`gansharp sweep job DIR JOB`, hidden) because torch's thread count is process-wide.
/// </summary>
public static class SweepCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Sweep file (JSON): base options, a grid or a list of configs, seeds, metrics (see docs/sweeps.md)" };
        var outDir = new Option<string>("--out") { Description = "Directory that holds sweeps: jobs go to OUT/<sweep name>/<config>-s<seed>/", DefaultValueFactory = _ => "runs" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Jobs at once (child processes); jobs × threads never exceeds the cores (MLP jobs use 1 thread)", DefaultValueFactory = _ => 1 };
        var inProcess = new Option<bool>("--in-process") { Description = "Run the jobs one at a time in this process (no child processes)", Hidden = true };
        var backend = new Option<string>("--backend") { Description = "local: run the jobs here (default); slurm: submit them as a Slurm job array (sbatch --array) and return", DefaultValueFactory = _ => "local" };
        backend.AcceptOnlyFromAmong("local", "slurm");
        var throttle = new Option<int>("--throttle") { Description = "slurm: at most N array tasks at once (--array=0-K%N); 0: no limit", DefaultValueFactory = _ => 0 };
        var sbatchArgs = new Option<string[]>("--sbatch-arg") { Description = "slurm: an extra sbatch option for every task, e.g. --sbatch-arg=--partition=cpu --sbatch-arg=--time=02:00:00", AllowMultipleArgumentsPerToken = false };
        var status = new Option<bool>("--status") { Description = "Show every job's state (on disk, and in the Slurm queue when jobs were submitted) and collect the results table from the finished jobs; runs nothing" };
        var cmd = new Command("sweep", """
            Run a sweep: each configuration (the product of "grid", or the "configs" list, merged over "base")
            × each seed is a training run in OUT/<sweep>/<config>-s<seed>/, evaluated with the sweep's metrics
            into sweep-result.json. Writes OUT/<sweep>/results.md (mean ± std over seeds per configuration),
            results.json and a bar plot per primary metric. Run the same command again to continue: finished
            jobs are skipped, interrupted ones resume from their latest checkpoint. Ctrl+C stops every running
            job cleanly (each writes a checkpoint).

            Examples:
              gansharp sweep sweeps/ring-grid.json --jobs 2
              gansharp sweep sweeps/ring-grid.json --out runs --jobs 2     # again: resumes / skips
              gansharp sweep sweeps/ring-grid.json --backend slurm --throttle 4 --sbatch-arg=--partition=cpu
              gansharp sweep sweeps/ring-grid.json --status                 # queue, finished jobs, results table
            """);
        cmd.Arguments.Add(file);
        cmd.Options.Add(outDir);
        cmd.Options.Add(jobs);
        cmd.Options.Add(inProcess);
        cmd.Options.Add(backend);
        cmd.Options.Add(throttle);
        cmd.Options.Add(sbatchArgs);
        cmd.Options.Add(status);
        cmd.Subcommands.Add(JobCommand());
        cmd.SetAction(p =>
        {
            string f = p.GetValue(file)!, o = p.GetValue(outDir)!;
            if (p.GetValue(status)) return Status(f, o);
            if (p.GetValue(backend) == "slurm")
                return SubmitSlurm(f, o, new SlurmSettings { Throttle = p.GetValue(throttle), SbatchArgs = p.GetValue(sbatchArgs) ?? [] });
            return Run(f, o, p.GetValue(jobs), p.GetValue(inProcess));
        });
        return cmd;
    }

    private static int Run(string file, string outDir, int jobs, bool inProcess)
    {
        if (jobs <= 0) throw new ArgumentException($"--jobs must be positive (got {jobs})");
        if (inProcess && jobs != 1) throw new ArgumentException("--in-process runs one job at a time: use --jobs 1");
        var spec = SweepSpec.Load(file);
        int cores = Environment.ProcessorCount;
        if (jobs > cores)
        {
            Console.WriteLine($"--jobs {jobs} is more than the {cores} cores: running at most {cores} at once");
            jobs = cores;
        }
        var runner = new SweepRunner(spec, outDir)
        {
            Jobs = jobs,
            Cores = cores,
            Log = m => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {m}"),
            Progress = ShowProgress,
        };
        SweepJobLauncher launcher;
        if (inProcess)
        {
            TorchRuntime.EnsureLoaded();
            launcher = runner.InProcess();
        }
        else
        {
            var (host, prefix) = ChildHost();
            launcher = runner.ChildProcess(host, prefix);
        }

        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            if (!cts.IsCancellationRequested) Console.Error.WriteLine("stopping: each running job writes a checkpoint (run the same command again to continue)");
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
        SweepSummary summary;
        try
        {
            summary = runner.RunAsync(launcher, cts.Token).GetAwaiter().GetResult();
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        string md = Path.Combine(runner.SweepDir, SweepResults.MarkdownFile);
        if (File.Exists(md))
        {
            Console.WriteLine();
            Console.Write(File.ReadAllText(md));
            Console.WriteLine();
        }
        Console.WriteLine($"{summary.Skipped + summary.Finished}/{summary.Total} jobs finished ({summary.Finished} now, {summary.Skipped} before) in {summary.Elapsed:hh\\:mm\\:ss}; outputs: {string.Join(", ", summary.Outputs.Select(Path.GetFileName))} in {runner.SweepDir}");
        foreach (var (job, error) in summary.Failed) Console.Error.WriteLine($"error: job {job} failed: {error}");
        if (summary.Failed.Count > 0) return CliErrors.Failed;
        if (summary.Interrupted > 0)
        {
            Console.WriteLine($"{summary.Interrupted} jobs not finished. Continue with: gansharp sweep {file} --out {outDir} --jobs {jobs}");
            return CliErrors.Interrupted;
        }
        return 0;
    }

    private static int SubmitSlurm(string file, string outDir, SlurmSettings settings)
    {
        var spec = SweepSpec.Load(file);
        var sweep = new SlurmSweep(spec, outDir, new SlurmCommands());
        var (host, prefix) = ChildHost();
        // The dependent task that collects the table when the array ends: this command with --status.
        string[] collect = ["sweep", Path.GetFullPath(file), "--out", Path.GetFullPath(outDir), "--status"];
        var submitted = sweep.Submit(settings, host, prefix, collect, m => Console.WriteLine(m));
        if (submitted is null)
        {
            Console.WriteLine($"nothing to submit. See where the jobs stand: gansharp sweep {file} --out {outDir} --status");
            return 0;
        }
        Console.WriteLine($"script {submitted.Script}; task outputs in {sweep.SlurmDir}");
        Console.WriteLine($"follow it with: gansharp sweep {file} --out {outDir} --status");
        return 0;
    }

    private static int Status(string file, string outDir)
    {
        var spec = SweepSpec.Load(file);
        // Without a Slurm client (or before any submission) the queue column stays empty.
        ISlurmClient slurm = SlurmCommands.Available ? new TolerantSlurm(new SlurmCommands()) : new NoSlurm();
        var sweep = new SlurmSweep(spec, outDir, slurm);
        if (!Directory.Exists(sweep.SweepDir))
        {
            Console.WriteLine($"sweep {spec.Name}: nothing run yet ({sweep.SweepDir} does not exist)");
            return 0;
        }
        var rows = sweep.Status();
        int w = Math.Max(3, rows.Max(r => r.Job.Length));
        Console.WriteLine($"{"job".PadRight(w)}  {"state",-10}  {"detail",-16}  queue");
        foreach (var r in rows)
            Console.WriteLine($"{r.Job.PadRight(w)}  {r.Disk.ToString().ToLowerInvariant(),-10}  {r.Detail,-16}  {r.Queue ?? "–"}");
        int finished = rows.Count(r => r.Disk == SweepJobState.Finished), queued = rows.Count(r => r.Queue is not null);
        Console.WriteLine($"{finished}/{rows.Count} jobs finished, {queued} in the Slurm queue");
        if (finished == 0) return 0;
        var outputs = SweepResults.Write(spec, sweep.SweepDir);
        Console.WriteLine();
        Console.Write(File.ReadAllText(Path.Combine(sweep.SweepDir, SweepResults.MarkdownFile)));
        Console.WriteLine();
        Console.WriteLine($"outputs: {string.Join(", ", outputs.Select(Path.GetFileName))} in {sweep.SweepDir}");
        return 0;
    }

    /// <summary>A queue that cannot be read (controller down) leaves the queue column empty, with a warning.</summary>
    private sealed class TolerantSlurm(ISlurmClient inner) : ISlurmClient
    {
        public string Submit(string scriptPath, IReadOnlyList<string> extraArgs) => inner.Submit(scriptPath, extraArgs);

        public IReadOnlyList<SlurmTask> Queue(string jobName)
        {
            try
            {
                return inner.Queue(jobName);
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"warning: the Slurm queue could not be read ({e.Message}); showing the jobs on disk only");
                return [];
            }
        }
    }

    private sealed class NoSlurm : ISlurmClient
    {
        public string Submit(string scriptPath, IReadOnlyList<string> extraArgs) => throw new InvalidOperationException("sbatch is not on PATH");
        public IReadOnlyList<SlurmTask> Queue(string jobName) => [];
    }

    private static void ShowProgress(SweepProgress p)
    {
        string running = string.Join(", ", p.Running.Select(r => $"{r.Job} {r.Step}/{r.Steps}"));
        string eta = p.Eta is { } e ? $"ETA {e:hh\\:mm\\:ss}" : "ETA –";
        Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {p.Done}/{p.Total} jobs done{(p.Failed > 0 ? $", {p.Failed} failed" : "")}" +
                          $"{(running.Length > 0 ? $"; running {running}" : "")}; {eta} (training steps only)");
    }

    /// <summary>How to start this CLI again: the dotnet host with the CLI dll, or the CLI's own app host.</summary>
    private static (string Host, string[] Prefix) ChildHost()
    {
        string dll = typeof(SweepCommand).Assembly.Location;
        string? proc = Environment.ProcessPath;
        string procName = proc is null ? "" : Path.GetFileNameWithoutExtension(proc);
        if (procName == "dotnet") return (proc!, [dll]);
        if (procName == Path.GetFileNameWithoutExtension(dll)) return (proc!, []);
        return (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [dll]);
    }

    /// <summary>`gansharp sweep job SWEEP_DIR JOB`: one job of a prepared sweep (started by `sweep`).</summary>
    private static Command JobCommand()
    {
        var dir = new Argument<string>("sweep-dir") { Description = "OUT/<sweep name> (holds sweep-plan.json)" };
        var name = new Argument<string>("job") { Description = "Job name, <config>-s<seed>" };
        var watchStdin = new Option<bool>("--watch-stdin") { Description = "Stop (with a checkpoint) on a 'stop' line or end of input" };
        var cmd = new Command("job", "Run one job of a prepared sweep (used by 'gansharp sweep')") { Hidden = true };
        cmd.Arguments.Add(dir);
        cmd.Arguments.Add(name);
        cmd.Options.Add(watchStdin);
        cmd.SetAction(p =>
        {
            string sweepDir = p.GetValue(dir)!;
            var (job, metrics, evalSamples) = SweepSpec.ReadPlannedJob(Path.Combine(sweepDir, SweepJobs.PlanFile), p.GetValue(name)!);
            TorchRuntime.EnsureLoaded();
            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
            Console.CancelKeyPress += onCancel;
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
            if (p.GetValue(watchStdin))
            {
                // The parent writes "stop" to stop us; its death closes the pipe, which stops us too.
                var watcher = new Thread(() =>
                {
                    string? line;
                    while ((line = Console.In.ReadLine()) is not null && line.Trim() != "stop") { }
                    if (!cts.IsCancellationRequested) Console.WriteLine("stopping: writing a checkpoint");
                    cts.Cancel();
                }) { IsBackground = true };
                watcher.Start();
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            double last = -1;
            try
            {
                bool done = SweepJobs.Run(sweepDir, job, metrics, evalSamples, cts.Token, Console.WriteLine, (step, steps) =>
                {
                    if (clock.Elapsed.TotalSeconds - last < 1 && step != steps) return;
                    last = clock.Elapsed.TotalSeconds;
                    Console.WriteLine($"progress {step} {steps}");
                });
                return done ? 0 : CliErrors.Interrupted;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return cmd;
    }
}
