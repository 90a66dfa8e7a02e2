using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GanSharp.Tests.Families.ImageToImage;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Tests.Reliability;

/// <summary>
/// The kill-anywhere harness (issue 20): runs `gansharp train` as a child process and SIGKILLs it again and again,
/// resuming each time, until the run completes; then proves that the killed-and-resumed run equals an uninterrupted
/// one bit for bit. A kill is either external (Process.Kill, SIGKILL, at a random moment of the training loop) or
/// injected (GANSHARP_CRASH_AT: the process SIGKILLs itself inside a checkpoint, `latest`, sample, loss-curve,
/// metrics, options or lock write: torn mid-write, written but not renamed, or renamed but not synced).
/// After every kill it checks what a user would find: options.json readable, `latest` naming a checkpoint that
/// loads, metrics.jsonl whole lines in rising steps but for at most one torn last line. At the end: metrics.jsonl
/// with no torn or duplicated line equal to the reference's (but for seconds), the final checkpoint's tensors and
/// family state bit-identical, every sample PNG and loss.png byte-identical, the same checkpoint files kept, and
/// no temp file left. Used by <see cref="KillAnywhereTests"/> and bench/kill-anywhere.sh.
/// </summary>
public sealed class KillAnywhere
{
    public sealed record Family(string Name, Func<string, string[]> TrainArgs);

    public sealed record Report(int Kills, int External, int Injected, int Completions, int TornLinesSeen, int HalfMadeRuns,
        Dictionary<string, int> KillsByFamily, Dictionary<string, int> KillsByPoint, TimeSpan Wall);

    private readonly string _work;
    private readonly Random _rng;
    private readonly Action<string> _log;
    private readonly string _cliDll;

    public KillAnywhere(string workDir, int seed, Action<string> log)
    {
        _work = workDir;
        _rng = new Random(seed);
        _log = log;
        _cliDll = Path.Combine(AppContext.BaseDirectory, "GanSharp.Cli.dll");
        if (!File.Exists(_cliDll)) throw new FileNotFoundException($"the CLI is not beside the tests: {_cliDll}");
    }

    /// <summary>The families the harness knows, each a tiny run on data made in <c>dataDir</c>.</summary>
    public static IReadOnlyList<Family> Families(string dataDir)
    {
        string idx = Path.Combine(dataDir, "idx");
        string photos = Path.Combine(dataDir, "photos");
        string[] Common(int steps, int sampleEvery, int ckptEvery) =>
            ["--steps", $"{steps}", "--threads", "1", "--log-every", "1", "--sample-every", $"{sampleEvery}",
             "--checkpoint-every", $"{ckptEvery}", "--keep", "2"];
        return
        [
            new("mlp", d => ["train", "mlp", "--data", "ring", "--batch", "32", "--z-dim", "4", "--width-g", "16", "--width-d", "16",
                "--depth", "2", "--sample-count", "50", "--seed", "7", .. Common(24, 6, 3), .. d.Split(' ')]),
            new("dcgan", d => ["train", "dcgan", "--data", "mnist", "--data-dir", idx, "--arch", "dcgan28", "--batch", "16", "--z-dim", "8",
                "--width-g", "4", "--width-d", "4", "--ema", "0.9", "--sample-count", "4", "--seed", "3", .. Common(16, 4, 3), .. d.Split(' ')]),
            new("cgan", d => ["train", "cgan", "--data", "mnist", "--data-dir", idx, "--arch", "dcgan28", "--batch", "16", "--z-dim", "8",
                "--width-g", "4", "--width-d", "4", "--sample-count", "20", "--seed", "5", .. Common(16, 4, 3), .. d.Split(' ')]),
            new("pix2pix", d => ["train", "pix2pix", "--data", photos, "--size", "16", "--task", "edges", "--batch", "4", "--width-g", "4",
                "--width-d", "4", "--sample-count", "4", "--seed", "3", .. Common(12, 3, 2), .. d.Split(' ')]),
        ];
    }

    /// <summary>64 MNIST-format 28×28 images (a bright square at a label-dependent place, plus noise) and labels.</summary>
    public static void WriteData(string dataDir)
    {
        string idx = Path.Combine(dataDir, "idx");
        Directory.CreateDirectory(idx);
        const int n = 64;
        var rng = new Random(11);
        var images = new byte[n * 28 * 28];
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = (byte)(i % 10);
            for (int p = 0; p < 28 * 28; p++) images[i * 784 + p] = (byte)rng.Next(0, 40);
            int top = 2 + labels[i] * 2, left = 4 + (i % 3) * 5;
            for (int y = top; y < top + 8; y++)
                for (int x = left; x < left + 8; x++) images[i * 784 + y * 28 + x] = 250;
        }
        static byte[] BigEndian(params int[] v) => v.SelectMany(x => new[] { (byte)(x >> 24), (byte)(x >> 16), (byte)(x >> 8), (byte)x }).ToArray();
        File.WriteAllBytes(Path.Combine(idx, "train-images-idx3-ubyte"), [.. BigEndian(0x803, n, 28, 28), .. images]);
        File.WriteAllBytes(Path.Combine(idx, "train-labels-idx1-ubyte"), [.. BigEndian(0x801, n), .. labels]);
        Pix2PixFamilyTests.WritePhotos(Path.Combine(dataDir, "photos"), count: 20);
    }

    private sealed record Outcome(int ExitCode, bool Killed, string Stdout, string Stderr, double TrainingSeconds);

    /// <summary>Runs the CLI; kills it <paramref name="killAfter"/> seconds after its first metrics line, when given.</summary>
    private Outcome Cli(string[] args, string runDir, double? killAfter, string? crashAt)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(_cliDll);
        foreach (var a in args) if (a.Length > 0) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment.Remove("GANSHARP_CRASH_AT");
        if (crashAt is not null) psi.Environment["GANSHARP_CRASH_AT"] = crashAt;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        string metrics = Path.Combine(runDir, "metrics.jsonl");
        long startLen = File.Exists(metrics) ? new FileInfo(metrics).Length : 0;
        var clock = Stopwatch.StartNew();
        double? trainingStarted = null;
        while (!p.HasExited)
        {
            if (trainingStarted is null && File.Exists(metrics) && new FileInfo(metrics).Length != startLen) trainingStarted = clock.Elapsed.TotalSeconds;
            if (killAfter is { } k && trainingStarted is { } t && clock.Elapsed.TotalSeconds - t >= k)
            {
                try { p.Kill(); } // SIGKILL
                catch (InvalidOperationException) { }
                break;
            }
            if (clock.Elapsed.TotalMinutes > 5) { p.Kill(); throw new TimeoutException($"gansharp {string.Join(' ', args)} ran over 5 minutes"); }
            Thread.Sleep(2);
        }
        p.WaitForExit();
        // Killed by us or by its crash point: ended by SIGKILL (exit 137); one that ended first was not killed.
        return new Outcome(p.ExitCode, p.ExitCode == 137, stdout.Result, stderr.Result, clock.Elapsed.TotalSeconds - (trainingStarted ?? clock.Elapsed.TotalSeconds));
    }

    private int _nextPoint;

    /// <summary>
    /// The next injected crash point, in turn (every kind comes up once every 16 injected kills): a checkpoint,
    /// `latest`, sample, loss curve, metrics, options or lock write; the occurrence and the byte count are random.
    /// </summary>
    private string PickCrashPoint()
    {
        int n = _rng.Next(1, 4);
        return (_nextPoint++ % 16) switch
        {
            0 or 1 => $"write:checkpoints/step-:{n}:{_rng.Next(0, 20000)}",
            2 => $"rename:checkpoints/step-:{n}",
            3 => $"renamed:checkpoints/step-:{n}",
            4 => $"write:checkpoints/latest:{n}:{_rng.Next(0, 17)}",
            5 => $"rename:checkpoints/latest:{n}",
            6 => $"renamed:checkpoints/latest:{n}",
            7 or 8 => $"write:metrics.jsonl:{_rng.Next(1, 8)}:{_rng.Next(0, 120)}",
            9 => $"write:samples/step-:{n}:{_rng.Next(0, 3000)}",
            10 => $"rename:samples/step-:{n}",
            11 => $"write:loss.png:{n}:{_rng.Next(0, 20000)}",
            12 => $"write:options.json:1:{_rng.Next(0, 1500)}",
            13 => "rename:options.json:1",
            14 => $"write:/.lock:1:{_rng.Next(0, 100)}",
            _ => $"renamed:metrics.jsonl:1", // the rewrite that drops lines after the checkpoint on resume
        };
    }

    public Report Run(IReadOnlyList<Family> families, int kills)
    {
        var wall = Stopwatch.StartNew();
        string dataDir = Path.Combine(_work, "data");
        WriteData(dataDir);
        var byFamily = new Dictionary<string, int>();
        var byPoint = new Dictionary<string, int>();
        int external = 0, injected = 0, completions = 0, torn = 0, halfMade = 0;
        var fams = families.ToList();
        for (int f = 0; f < fams.Count; f++)
        {
            var fam = fams[f];
            int budget = kills / fams.Count + (f < kills % fams.Count ? 1 : 0);
            string refRoot = Path.Combine(_work, "ref"), runRoot = Path.Combine(_work, "killed");
            string refDir = Path.Combine(refRoot, fam.Name), runDir = Path.Combine(runRoot, fam.Name);
            var reference = Cli(fam.TrainArgs($"--out {refRoot} --name {fam.Name}"), refDir, null, null);
            if (reference.ExitCode != 0) throw new InvalidOperationException($"{fam.Name}: the reference run failed: {reference.Stderr}");
            double trainSeconds = Math.Max(reference.TrainingSeconds, 0.05);
            _log($"{fam.Name}: reference run done ({trainSeconds:F2} s of training); {budget} kills");

            int done = 0, attempts = 0;
            while (true)
            {
                bool final = done >= budget;
                if (++attempts > budget * 4 + 10) throw new InvalidOperationException($"{fam.Name}: no progress after {attempts} attempts");
                bool fresh = !File.Exists(Path.Combine(runDir, "options.json"));
                if (fresh && Directory.Exists(runDir)) halfMade++;
                string[] args = fresh ? fam.TrainArgs($"--out {runRoot} --name {fam.Name}") : ["train", fam.Name, "--resume", runDir];
                string? crash = null;
                double? killAfter = null;
                if (!final)
                {
                    if (_rng.Next(2) == 0) crash = PickCrashPoint();
                    else killAfter = _rng.NextDouble() * trainSeconds;
                }
                int expected = fresh ? 0 : LatestStep(runDir);
                var o = Cli(args, runDir, killAfter, crash);
                if (!fresh) CheckResumeLine(fam.Name, expected, o);
                if (o.Killed)
                {
                    done++;
                    byFamily[fam.Name] = byFamily.GetValueOrDefault(fam.Name) + 1;
                    string point = crash is null ? "external" : string.Join(':', crash.Split(':')[..2]);
                    byPoint[point] = byPoint.GetValueOrDefault(point) + 1;
                    if (crash is null) external++; else injected++;
                    var state = CheckAfterKill(fam.Name, runDir, ref torn);
                    _log($"{fam.Name} kill {done}: {(crash is null ? $"external, {killAfter:F2} s into training" : $"injected at {crash}")}: {state}");
                    continue;
                }
                if (o.ExitCode != 0)
                    throw new InvalidOperationException($"{fam.Name}: gansharp {string.Join(' ', args)} failed with exit {o.ExitCode}: {o.Stderr.Trim()}");
                // Completed (a kill that came too late, or a crash point it never reached): it must equal the reference.
                CompareWithReference(fam.Name, refDir, runDir);
                completions++;
                _log($"{fam.Name}: completed after {done} kills; equal to the uninterrupted run bit for bit");
                if (final) break;
                Directory.Delete(runDir, recursive: true); // kills left: a new chain from scratch
            }
        }
        return new Report(external + injected, external, injected, completions, torn, halfMade, byFamily, byPoint, wall.Elapsed);
    }

    // The step of the checkpoint `latest` names (0 when there is none).
    private static int LatestStep(string runDir)
    {
        string pointer = Path.Combine(runDir, "checkpoints", RunDirectory.LatestPointer);
        if (!File.Exists(pointer)) return 0;
        var m = Regex.Match(File.ReadAllText(pointer), @"step-(\d+)\.ckpt");
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    private static void CheckResumeLine(string family, int expected, Outcome o)
    {
        // "resuming DIR at step S of N": S must be the step of the checkpoint `latest` named when it started.
        var m = Regex.Match(o.Stdout, @"resuming .* at step (\d+) of");
        if (!m.Success)
        {
            if (o.Killed) return; // killed before it printed
            throw new InvalidOperationException($"{family}: --resume printed no 'resuming' line: {o.Stdout}{o.Stderr}");
        }
        int step = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        if (step != expected)
            throw new InvalidOperationException($"{family}: --resume started at step {step}, but `latest` named step {expected}");
    }

    /// <summary>What a user finds after a kill: a readable options.json, a loadable `latest`, whole metrics lines.</summary>
    private static string CheckAfterKill(string family, string runDir, ref int torn)
    {
        if (!Directory.Exists(runDir)) return "no run directory yet";
        var parts = new List<string>();
        string options = Path.Combine(runDir, "options.json");
        if (File.Exists(options)) GanOptions.FromJson(JsonNode.Parse(File.ReadAllText(options))!["options"]!.ToJsonString()); // throws if torn
        else parts.Add("no options.json yet");
        string pointer = Path.Combine(runDir, "checkpoints", RunDirectory.LatestPointer);
        if (File.Exists(pointer))
        {
            string latest = Path.Combine(runDir, "checkpoints", File.ReadAllText(pointer).Trim());
            if (!File.Exists(latest))
                throw new InvalidOperationException($"{family}: `latest` ({File.ReadAllText(pointer)}) names no checkpoint file after a kill");
            var (header, tensors) = CheckpointFile.Load(latest); // throws if damaged
            foreach (var t in tensors.Values) t.Dispose();
            parts.Add($"latest {Path.GetFileName(latest)} loads");
        }
        else parts.Add("no checkpoint yet");
        string metrics = Path.Combine(runDir, "metrics.jsonl");
        if (File.Exists(metrics))
        {
            string text = File.ReadAllText(metrics);
            var lines = text.Split('\n').ToList();
            bool endsWhole = text.Length == 0 || text.EndsWith('\n');
            string? last = endsWhole ? null : lines[^1];
            lines.RemoveAt(lines.Count - 1); // "" after the final newline, or the torn tail
            var steps = lines.Select(l => JsonNode.Parse(l)!["step"]!.GetValue<int>()).ToList(); // whole lines parse
            for (int i = 1; i < steps.Count; i++)
                if (steps[i] <= steps[i - 1])
                    throw new InvalidOperationException($"{family}: metrics.jsonl steps not rising after a kill: {string.Join(",", steps)}");
            if (last is not null) { torn++; parts.Add($"metrics {steps.Count} lines + a torn tail of {last.Length} bytes"); }
            else parts.Add($"metrics {steps.Count} lines");
        }
        return string.Join(", ", parts);
    }

    private static void CompareWithReference(string family, string refDir, string runDir)
    {
        // metrics.jsonl: whole lines, rising steps, equal to the reference but for seconds.
        string text = File.ReadAllText(Path.Combine(runDir, "metrics.jsonl"));
        if (!text.EndsWith('\n')) throw new InvalidOperationException($"{family}: metrics.jsonl ends with a torn line");
        var steps = text.TrimEnd('\n').Split('\n').Select(l => JsonNode.Parse(l)!["step"]!.GetValue<int>()).ToList();
        if (steps.Distinct().Count() != steps.Count || !steps.SequenceEqual(steps.Order()))
            throw new InvalidOperationException($"{family}: metrics.jsonl has duplicated or unordered steps: {string.Join(",", steps)}");
        string NoSeconds(string dir) => Regex.Replace(File.ReadAllText(Path.Combine(dir, "metrics.jsonl")), "\"seconds\":[^,}]+", "");
        if (NoSeconds(refDir) != NoSeconds(runDir))
            throw new InvalidOperationException($"{family}: metrics.jsonl differs from the uninterrupted run's");

        var (ha, ta) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(refDir));
        var (hb, tb) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(runDir));
        try
        {
            if (!ta.Keys.Order().SequenceEqual(tb.Keys.Order())) throw new InvalidOperationException($"{family}: checkpoint tensor names differ");
            foreach (var k in ta.Keys)
                if (!ta[k].equal(tb[k]).all().item<bool>()) throw new InvalidOperationException($"{family}: tensor {k} differs from the uninterrupted run's");
            foreach (var key in new[] { "step", "family-state", "epoch", "cursor", "optimizer-steps" })
                if (ha[key]?.ToJsonString() != hb[key]?.ToJsonString())
                    throw new InvalidOperationException($"{family}: checkpoint header '{key}' differs: {ha[key]?.ToJsonString()} vs {hb[key]?.ToJsonString()}");
        }
        finally
        {
            foreach (var t in ta.Values.Concat(tb.Values)) t.Dispose();
        }

        // The same files but for the timestamps inside options.json and checkpoints (compared above) and the lock.
        static List<string> Files(string d) => Directory.GetFiles(d, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(d, f)).Where(f => f != RunLock.GuardFileName).Order(StringComparer.Ordinal).ToList();
        var fa = Files(refDir);
        var fb = Files(runDir);
        if (!fa.SequenceEqual(fb))
            throw new InvalidOperationException($"{family}: files differ: reference [{string.Join(", ", fa)}], killed [{string.Join(", ", fb)}]");
        foreach (var f in fa.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
            if (!File.ReadAllBytes(Path.Combine(refDir, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(runDir, f))))
                throw new InvalidOperationException($"{family}: {f} differs from the uninterrupted run's");
    }

    /// <summary>The report as text (the test output and bench/kill-anywhere.sh print it).</summary>
    public static string Describe(Report r)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"kills survived: {r.Kills} ({r.External} external SIGKILLs at random moments, {r.Injected} injected at write points); runs completed and equal to the uninterrupted ones bit for bit: {r.Completions}; torn metrics tails seen after kills: {r.TornLinesSeen}; half-made run directories re-created: {r.HalfMadeRuns}; wall {r.Wall.TotalSeconds:F0} s");
        sb.AppendLine("by family: " + string.Join(", ", r.KillsByFamily.Select(kv => $"{kv.Key} {kv.Value}")));
        sb.Append("by point: " + string.Join(", ", r.KillsByPoint.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}")));
        return sb.ToString();
    }
}
