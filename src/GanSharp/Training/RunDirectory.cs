using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.Json.Nodes;
using GanSharp.IO;

namespace GanSharp.Training;

/// <summary>
/// One run = one directory: options.json (every resolved option plus provenance), metrics.jsonl, samples/,
/// a loss-curve PNG and checkpoints/ (step-NNNNNN.ckpt files, a `latest` pointer replaced by rename, the last
/// N kept). A trainer opens it with lockForWriting (see <see cref="RunLock"/>: one writer per run) and disposes it
/// to release the lock; readers open it without.
/// </summary>
public sealed class RunDirectory : IDisposable
{
    public const string LatestPointer = "latest";

    private RunDirectory(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }
    public string OptionsPath => Path.Combine(Root, "options.json");
    public string MetricsPath => Path.Combine(Root, "metrics.jsonl");
    public string SamplesDir => Path.Combine(Root, "samples");
    public string CheckpointsDir => Path.Combine(Root, "checkpoints");
    public string LossCurvePath => Path.Combine(Root, "loss.png");

    /// <summary>The write lock when this directory was opened for writing, else null.</summary>
    public RunLock? WriteLock { get; private set; }

    /// <summary>Takes the run's write lock (idempotent); <see cref="Dispose"/> releases it.</summary>
    public RunDirectory LockForWriting()
    {
        if (WriteLock is null)
        {
            WriteLock = RunLock.Acquire(Root);
            // Temp files of a writer that was killed mid-write: ours to remove now that no one else writes here.
            foreach (var d in new[] { Root, SamplesDir, CheckpointsDir }) AtomicFile.RemoveStaleTemps(d);
        }
        return this;
    }

    /// <summary>Releases the write lock, if held.</summary>
    public void Dispose()
    {
        WriteLock?.Dispose();
        WriteLock = null;
    }

    /// <summary>Creates DIR/NAME; an existing non-empty run directory is refused (nothing in it is touched).</summary>
    public static RunDirectory Create(string dir, string name) => Create(dir, name, lockForWriting: false);

    /// <summary>
    /// Creates DIR/NAME and, with <paramref name="lockForWriting"/>, takes its write lock before anything is written
    /// (two trainers racing to create the same run: one gets it, the other is refused).
    /// </summary>
    public static RunDirectory Create(string dir, string name, bool lockForWriting)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
            throw new ArgumentException($"invalid run name '{name}'");
        string root = Path.Combine(dir, name);
        if (Directory.Exists(root) && HasRunFiles(root))
            throw new ArgumentException($"run directory '{root}' already exists: pass --resume {root} to continue it, or choose another --name");
        if (File.Exists(root))
            throw new ArgumentException($"'{root}' is a file, not a run directory");
        Directory.CreateDirectory(root);
        var run = new RunDirectory(root);
        if (lockForWriting)
        {
            run.LockForWriting();
            // Lost a race: someone else created files here between the check above and the lock.
            if (HasRunFiles(root))
            {
                run.Dispose();
                throw new ArgumentException($"run directory '{root}' already exists: pass --resume {root} to continue it, or choose another --name");
            }
        }
        Directory.CreateDirectory(run.SamplesDir);
        Directory.CreateDirectory(run.CheckpointsDir);
        return run;
    }

    // Anything but the lock files (a racer that holds the lock is refused by the lock, naming it) and what a trainer
    // killed before writing options.json leaves: temp files and empty samples/ and checkpoints/ folders.
    private static bool HasRunFiles(string root) => Directory.EnumerateFileSystemEntries(root).Any(e => !IsLeftover(e));

    private static bool IsLeftover(string entry)
    {
        string name = Path.GetFileName(entry);
        if (name is RunLock.FileName or RunLock.GuardFileName) return true;
        if (File.Exists(entry)) return name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal);
        return name is "samples" or "checkpoints" && Directory.EnumerateFileSystemEntries(entry).All(IsLeftover);
    }

    /// <summary>
    /// True when <paramref name="dir"/> holds a run (or anything else worth keeping); false when it is missing,
    /// empty, or only what a trainer killed before its first write left (a new run may be created there).
    /// </summary>
    public static bool HoldsRun(string dir) => Directory.Exists(dir) && HasRunFiles(dir);

    /// <summary>Opens an existing run directory (for --resume, or to read it).</summary>
    public static RunDirectory Open(string root) => Open(root, lockForWriting: false);

    /// <summary>Opens an existing run directory; with <paramref name="lockForWriting"/> (resume) takes its write lock first.</summary>
    public static RunDirectory Open(string root, bool lockForWriting)
    {
        var run = new RunDirectory(root);
        if (File.Exists(run.Root))
            throw new ArgumentException($"'{root}' is a file, not a run directory: pass the run's folder (the one holding options.json)");
        if (!Directory.Exists(run.Root))
            throw new ArgumentException($"run directory '{root}' does not exist");
        if (!File.Exists(run.OptionsPath))
            throw new ArgumentException($"'{root}' is not a run directory (no options.json)");
        if (lockForWriting) run.LockForWriting();
        Directory.CreateDirectory(run.SamplesDir);
        Directory.CreateDirectory(run.CheckpointsDir);
        return run;
    }

    public GanOptions ReadOptions()
    {
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(OptionsPath)) as JsonObject ?? throw new FormatException("not a JSON object");
            var opts = node["options"]?.AsObject() ?? throw new FormatException("no \"options\" object");
            return GanOptions.FromJson(opts.ToJsonString());
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new ArgumentException($"'{OptionsPath}' is not valid run options ({OneLine(e.Message)}): restore it from a backup, or start a new run");
        }
    }

    // A parser's message can quote the offending text, newlines included: keep the error to one line.
    private static string OneLine(string message)
    {
        string line = System.Text.RegularExpressions.Regex.Replace(message, @"\s+", " ").Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }

    /// <summary>Writes options.json: the resolved options and where they ran (atomic).</summary>
    public void WriteOptions(GanOptions options, int threads)
    {
        var doc = new JsonObject
        {
            ["options"] = options.ToJsonObject(),
            ["threads"] = threads,
            ["git-commit"] = GitCommit(),
            ["versions"] = new JsonObject
            {
                ["gansharp"] = typeof(RunDirectory).Assembly.GetName().Version?.ToString(),
                ["torchsharp"] = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(),
                ["libtorch"] = TorchSharp.torch.__version__,
                ["dotnet"] = Environment.Version.ToString(),
            },
            ["machine"] = new JsonObject
            {
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                ["cores"] = Environment.ProcessorCount,
                ["cpu-features"] = new JsonArray(CpuFeatures().Select(f => (JsonNode)f).ToArray()),
                ["blas"] = Performance.BlasPath.Current?.ToString(),
            },
            ["created"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
        AtomicWrite(OptionsPath, doc.ToJsonString(GanOptions.Json));
    }

    public string CheckpointPath(int step) => Path.Combine(CheckpointsDir, $"step-{step:D6}.ckpt");

    /// <summary>The checkpoint `latest` points to, or null when there is none.</summary>
    public string? LatestCheckpoint()
    {
        string pointer = Path.Combine(CheckpointsDir, LatestPointer);
        if (!File.Exists(pointer)) return null;
        string target = Path.Combine(CheckpointsDir, File.ReadAllText(pointer).Trim());
        return File.Exists(target) ? target : null;
    }

    /// <summary>Writes a checkpoint for the trainer's step, points `latest` at it, keeps the last <paramref name="keep"/>.</summary>
    public string SaveCheckpoint(Trainer trainer, int keep)
    {
        var (header, tensors) = trainer.CaptureState();
        string path = CheckpointPath(trainer.Step);
        if (FirstNonFinite(tensors) is { } bad)
            throw new TrainingFaultException(TrainingHealth.ExplodingWeights, trainer.Step,
                $"not writing checkpoint {Path.GetFileName(path)}: '{bad}' holds NaN or Inf (the updates exploded); {(LatestCheckpoint() is { } good ? $"the last good checkpoint {Path.GetFileName(good)} is kept" : "no checkpoint was written yet")}. Fix: lower --lr-d / --lr-g, or add a gradient penalty (--loss wgan-gp, --r1 10)");
        // The metrics lines this checkpoint covers reach the disk before it does (a power cut cannot leave a
        // checkpoint whose steps are missing from metrics.jsonl).
        try { AtomicFile.SyncFile(MetricsPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // best effort: an append failure names the file itself
        string? previous = LatestCheckpoint();
        string kept = previous is null ? "there is no earlier checkpoint" : $"the previous checkpoint {Path.GetFileName(previous)} is kept";
        try
        {
            CheckpointFile.Save(path, header, tensors);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write checkpoint {path} ({e.Message}); {kept}: free disk space or make {CheckpointsDir} writable, then --resume", e);
        }
        try
        {
            AtomicWrite(Path.Combine(CheckpointsDir, LatestPointer), Path.GetFileName(path));
        }
        catch (IOException e)
        {
            throw new IOException($"{e.Message}; `latest` still names {(previous is null ? "nothing" : Path.GetFileName(previous))}, which --resume will use", e);
        }
        var old = Directory.GetFiles(CheckpointsDir, "step-*.ckpt").OrderBy(f => f, StringComparer.Ordinal).ToList();
        foreach (var f in old.Take(Math.Max(0, old.Count - keep)))
            if (!string.Equals(f, path, StringComparison.Ordinal)) File.Delete(f);
        return path;
    }

    // Weights, optimizer moments and EMA averages; family and engine state ("state.*", where NaN can be a
    // legitimate "unset") and the generator state are not judged.
    private static string? FirstNonFinite(List<(string Name, TorchSharp.torch.Tensor Value)> tensors)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        foreach (var (name, t) in tensors)
            if (!name.StartsWith("state.", StringComparison.Ordinal) && name != "rng"
                && t.is_floating_point() && !t.isfinite().all().item<bool>()) return name;
        return null;
    }

    /// <summary>A checkpoint file, or a run directory meaning its latest checkpoint.</summary>
    public static string ResolveCheckpoint(string fileOrRun)
    {
        if (File.Exists(fileOrRun)) return fileOrRun;
        if (Directory.Exists(fileOrRun))
        {
            foreach (var dir in new[] { Path.Combine(fileOrRun, "checkpoints"), fileOrRun })
            {
                string pointer = Path.Combine(dir, LatestPointer);
                if (File.Exists(pointer))
                {
                    string target = Path.Combine(dir, File.ReadAllText(pointer).Trim());
                    if (File.Exists(target)) return target;
                    throw new CheckpointException($"'{pointer}' names '{target}', which does not exist");
                }
            }
            throw new CheckpointException($"'{fileOrRun}' has no checkpoints/latest: train it first, or pass a .ckpt file");
        }
        throw new CheckpointException($"checkpoint '{fileOrRun}' does not exist");
    }

    /// <summary>Drops metrics lines after <paramref name="step"/> (they belong to a run that was cut short).</summary>
    public void TruncateMetrics(int step)
    {
        if (!File.Exists(MetricsPath)) return;
        var keep = File.ReadAllLines(MetricsPath).Where(line =>
        {
            try { return JsonNode.Parse(line)?["step"]?.GetValue<int>() <= step; }
            catch (System.Text.Json.JsonException) { return false; }
        });
        AtomicWrite(MetricsPath, string.Concat(keep.Select(l => l + "\n")));
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="text"/> through <see cref="AtomicFile"/> (temp file,
    /// fsync, rename, directory fsync): the file is whole, old or new. A failure (disk full, read-only) removes the
    /// temp file, leaves <paramref name="path"/> as it was and throws one IOException naming the file.
    /// </summary>
    public static void AtomicWrite(string path, string text)
    {
        try
        {
            AtomicFile.WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write {path} ({e.Message}); the file is unchanged", e);
        }
    }

    /// <summary>
    /// Appends one line (and a newline) to <paramref name="path"/> in a single unbuffered write. A failure (disk
    /// full, read-only) cuts the file back to its old length, so a log such as metrics.jsonl never keeps a torn
    /// line, and throws one IOException naming the file.
    /// </summary>
    public static void AppendLine(string path, string line)
    {
        byte[] bytes = new UTF8Encoding(false).GetBytes(line + "\n");
        FileStream fs;
        try
        {
            fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot append to {path} ({e.Message})", e);
        }
        using (fs)
        {
            long before = fs.Length;
            try
            {
                var s = WriteFaults.Wrap(path, fs);
                s.Write(bytes);
                s.Flush();
            }
            catch (IOException e)
            {
                string state = "the file is unchanged";
                try { fs.SetLength(before); }
                catch (IOException) { state = "the last line may be cut short (resume drops it)"; }
                throw new IOException($"cannot append to {path} ({e.Message}); {state}", e);
            }
        }
    }

    private static IEnumerable<string> CpuFeatures()
    {
        if (Sse42.IsSupported) yield return "sse4.2";
        if (Avx.IsSupported) yield return "avx";
        if (Avx2.IsSupported) yield return "avx2";
        if (Fma.IsSupported) yield return "fma";
        if (Avx512F.IsSupported) yield return "avx512f";
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) yield return "neon";
    }

    private static string? GitCommit()
    {
        try
        {
            var psi = new ProcessStartInfo("git", "rev-parse HEAD")
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi);
            if (p is null) return null;
            string output = p.StandardOutput.ReadToEnd().Trim();
            return p.WaitForExit(5000) && p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
