using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Training;

namespace GanSharp.Cli.Serve;

/// <summary>
/// The runs a dashboard shows: every directory holding options.json directly under the runs folder or one level
/// down (a sweep's runs). A run's id is its relative path with '/' separators; a request names a run only by an
/// id from this enumeration, so no request can reach a path the enumeration did not produce (no traversal).
/// </summary>
public sealed class RunFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The runs by id (relative path, '/'-separated), in id order. Symbolic links are not followed.</summary>
    public SortedDictionary<string, string> Runs()
    {
        var runs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in Children(Root))
        {
            string name = Path.GetFileName(dir);
            if (IsRun(dir)) runs[name] = dir;
            else
                foreach (var sub in Children(dir))
                    if (IsRun(sub)) runs[name + "/" + Path.GetFileName(sub)] = sub;
        }
        return runs;
    }

    /// <summary>The directory of run <paramref name="id"/>, or null when no enumerated run has that id.</summary>
    public string? Find(string? id) => id is not null && Runs().TryGetValue(id, out var dir) ? dir : null;

    private static IEnumerable<string> Children(string dir)
    {
        try
        {
            return new DirectoryInfo(dir).EnumerateDirectories()
                .Where(d => (d.Attributes & FileAttributes.ReparsePoint) == 0 && !d.Name.StartsWith('.'))
                .Select(d => d.FullName).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }

    private static bool IsRun(string dir) => File.Exists(Path.Combine(dir, "options.json"));

    /// <summary>One row of the run list: model, data, planned and last step, last losses, state, last update.</summary>
    public static JsonObject Summary(string id, string dir)
    {
        var options = Options(dir);
        var last = LastTrainLine(Path.Combine(dir, "metrics.jsonl"));
        int planned = options?["steps"]?.GetValue<int>() ?? 0;
        int step = last?["step"]?.GetValue<int>() ?? 0;
        return new JsonObject
        {
            ["id"] = id,
            ["model"] = options?["model"]?.GetValue<string>(),
            ["data"] = options?["data"]?.GetValue<string>(),
            ["steps"] = planned,
            ["step"] = step,
            ["loss_d"] = last?["loss_d"]?.DeepClone(),
            ["loss_g"] = last?["loss_g"]?.DeepClone(),
            ["updated"] = Updated(dir),
            ["state"] = State(dir, step, planned),
        };
    }

    /// <summary>
    /// Everything the run page draws: options, every metrics line and the byte offset after the last complete one
    /// (where the live stream continues), the sample steps and the checkpoints.
    /// </summary>
    public static JsonObject Detail(string id, string dir)
    {
        var (lines, offset) = MetricsTail.Read(Path.Combine(dir, "metrics.jsonl"), 0);
        var metrics = new JsonArray();
        foreach (var l in lines) metrics.Add(l);
        var options = Options(dir);
        int step = lines.LastOrDefault(l => l["eval"] is null)?["step"]?.GetValue<int>() ?? 0;
        int planned = options?["steps"]?.GetValue<int>() ?? 0;
        return new JsonObject
        {
            ["id"] = id,
            ["dir"] = dir,
            ["options"] = options?.DeepClone(),
            ["metrics"] = metrics,
            ["offset"] = offset,
            ["samples"] = SampleSteps(dir),
            ["checkpoints"] = Checkpoints(dir),
            ["state"] = State(dir, step, planned),
            ["updated"] = Updated(dir),
        };
    }

    /// <summary>The "options" object of the run's options.json, or null while it is missing or unreadable.</summary>
    public static JsonObject? Options(string dir)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "options.json")))?["options"] as JsonObject;
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The steps of samples/step-NNNNNN.png, ascending.</summary>
    public static JsonArray SampleSteps(string dir)
    {
        var steps = new List<int>();
        string samples = Path.Combine(dir, "samples");
        if (Directory.Exists(samples))
            foreach (var f in Directory.EnumerateFiles(samples, "step-*.png"))
                if (int.TryParse(Path.GetFileNameWithoutExtension(f)["step-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int s))
                    steps.Add(s);
        steps.Sort();
        return new JsonArray(steps.Select(s => (JsonNode)s).ToArray());
    }

    /// <summary>The sample grid of <paramref name="step"/>, or null.</summary>
    public static string? SamplePath(string dir, int step)
    {
        string path = Path.Combine(dir, "samples", $"step-{step:D6}.png");
        return step >= 0 && File.Exists(path) ? path : null;
    }

    /// <summary>checkpoints/*.ckpt with step, size and time; the one `latest` points to is marked.</summary>
    public static JsonArray Checkpoints(string dir)
    {
        var list = new JsonArray();
        string ckpts = Path.Combine(dir, "checkpoints");
        if (!Directory.Exists(ckpts)) return list;
        string? latest = null;
        try { latest = File.ReadAllText(Path.Combine(ckpts, RunDirectory.LatestPointer)).Trim(); }
        catch (IOException) { }
        foreach (var f in new DirectoryInfo(ckpts).EnumerateFiles("*.ckpt").OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            int? step = f.Name.StartsWith("step-", StringComparison.Ordinal)
                && int.TryParse(Path.GetFileNameWithoutExtension(f.Name)["step-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int s) ? s : null;
            list.Add(new JsonObject
            {
                ["name"] = f.Name,
                ["step"] = step,
                ["bytes"] = f.Length,
                ["modified"] = new DateTimeOffset(f.LastWriteTimeUtc).ToUnixTimeMilliseconds(),
                ["latest"] = f.Name == latest,
            });
        }
        return list;
    }

    /// <summary>"training" while the run's writer lock is present and it wrote in the last 10 minutes, else "done" or "stopped".</summary>
    private static string State(string dir, int step, int planned)
    {
        if (planned > 0 && step >= planned) return "done";
        bool locked = File.Exists(Path.Combine(dir, RunLock.FileName));
        long updated = Updated(dir);
        return locked && DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - updated < 600_000 ? "training" : "stopped";
    }

    /// <summary>Last write of metrics.jsonl (else options.json), Unix milliseconds.</summary>
    private static long Updated(string dir)
    {
        string metrics = Path.Combine(dir, "metrics.jsonl");
        var t = File.Exists(metrics) ? File.GetLastWriteTimeUtc(metrics) : File.GetLastWriteTimeUtc(Path.Combine(dir, "options.json"));
        return new DateTimeOffset(t).ToUnixTimeMilliseconds();
    }

    private static JsonObject? LastTrainLine(string metrics)
    {
        if (!File.Exists(metrics)) return null;
        try
        {
            using var fs = new FileStream(metrics, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long from = Math.Max(0, fs.Length - 16_384);                     // the tail holds the last training line
            var (lines, _) = MetricsTail.Read(fs, from, skipPartialFirst: from > 0);
            return lines.LastOrDefault(l => l["eval"] is null);
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>Reads the complete lines of metrics.jsonl after a byte offset (a line being written is left for later).</summary>
public static class MetricsTail
{
    /// <summary>The JSON objects of the complete lines after <paramref name="offset"/>, and the offset after the last of them.</summary>
    public static (List<JsonObject> Lines, long Offset) Read(string path, long offset)
    {
        if (!File.Exists(path)) return (new List<JsonObject>(), 0);
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Read(fs, offset, skipPartialFirst: false);
        }
        catch (FileNotFoundException)
        {
            return (new List<JsonObject>(), 0);
        }
    }

    /// <summary>
    /// Up to 64 bytes of the file just before <paramref name="offset"/> (the end of the last line sent), or null when
    /// the file is shorter than that: a stream compares them on every poll, so that a file rewritten by a resume
    /// (truncated, then grown past the old offset before the next poll) is noticed and not read from a stale offset.
    /// </summary>
    public static byte[]? Anchor(string path, long offset)
    {
        if (offset == 0) return Array.Empty<byte>();
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (fs.Length < offset) return null;
            int n = (int)Math.Min(64, offset);
            fs.Seek(offset - n, SeekOrigin.Begin);
            var bytes = new byte[n];
            fs.ReadExactly(bytes);
            return bytes;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>As <see cref="Read(string, long)"/> on an open stream; <paramref name="skipPartialFirst"/> drops text up to the first newline.</summary>
    public static (List<JsonObject> Lines, long Offset) Read(Stream fs, long offset, bool skipPartialFirst)
    {
        var lines = new List<JsonObject>();
        long length = fs.Length;
        if (offset >= length) return (lines, offset);
        fs.Seek(offset, SeekOrigin.Begin);
        var bytes = new byte[length - offset];
        fs.ReadExactly(bytes);
        int end = Array.LastIndexOf(bytes, (byte)'\n');
        if (end < 0) return (lines, offset);
        int start = 0;
        if (skipPartialFirst) start = Array.IndexOf(bytes, (byte)'\n') + 1;
        if (start <= end)
            foreach (var text in Encoding.UTF8.GetString(bytes, start, end - start).Split('\n'))
            {
                try
                {
                    if (JsonNode.Parse(text) is JsonObject o && o["step"] is not null) lines.Add(o);
                }
                catch (JsonException) { }                                        // not a metrics line
            }
        return (lines, offset + end + 1);
    }
}
