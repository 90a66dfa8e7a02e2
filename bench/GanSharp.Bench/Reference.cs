using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanSharp.Bench;

/// <summary>A results file given on the command line is missing or not what it should be; the message is one line.</summary>
public sealed class BenchInputException(string message) : Exception(message);

/// <summary>
/// The numbers in the PyTorch columns, by workload id (ms per iteration, or per batch for sample64): a results file
/// written by bench/pytorch_bench.py on the same machine (--compare-pytorch), whose <c>median_ms_engine</c> is
/// PyTorch's median, or none. There is no built-in reference: numbers measured on another machine made a 2× gap
/// that one machine does not show.
/// </summary>
public sealed class PyTorchNumbers
{
    private readonly IReadOnlyDictionary<string, double> _ms;

    private PyTorchNumbers(string label, JsonObject json, IReadOnlyDictionary<string, double> ms, IReadOnlyList<string>? warnings = null)
    {
        Label = label;
        Json = json;
        _ms = ms;
        Warnings = warnings ?? Array.Empty<string>();
    }

    /// <summary>The file's own warnings (e.g. PyTorch ran on a reference BLAS), to print before measuring.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>A short description for the log, e.g. "PyTorch 1.13.0 from FILE".</summary>
    public string Label { get; }

    /// <summary>Where the numbers come from, recorded as the results' <c>reference</c>.</summary>
    public JsonObject Json { get; }

    /// <summary>PyTorch's median ms for a workload id, when known.</summary>
    public double? Ms(string id) => _ms.TryGetValue(id, out double v) ? v : null;

    /// <summary>No PyTorch column (no --compare-pytorch file).</summary>
    public static PyTorchNumbers None() => new(
        "none (pass --compare-pytorch FILE, measured on this machine by bench/pytorch_bench.py, for a PyTorch column)",
        new JsonObject { ["source"] = "none" },
        new Dictionary<string, double>());

    /// <summary>Reads a gansharp-bench/1 file of PyTorch numbers; throws <see cref="BenchInputException"/> when it is not one.</summary>
    public static PyTorchNumbers Load(string path)
    {
        string full = Path.GetFullPath(path);
        BenchInputException Fail(string why) => new($"--compare-pytorch {path}: {why}");
        if (!File.Exists(full)) throw Fail("no such file");
        byte[] bytes;
        JsonObject root;
        try
        {
            bytes = File.ReadAllBytes(full);
            root = JsonNode.Parse(bytes) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw Fail($"{(e is JsonException ? "not valid JSON" : "cannot read it")} ({e.Message.ReplaceLineEndings(" ")})");
        }
        if (Text(root["schema"]) != "gansharp-bench/1")
            throw Fail($"schema is '{Text(root["schema"]) ?? "missing"}', expected gansharp-bench/1 (write the file with bench/pytorch_bench.py)");
        string pytorch = Text(root["versions"]?["pytorch"]) ?? throw Fail("no versions.pytorch: not a PyTorch results file (write one with bench/pytorch_bench.py)");
        if (root["workloads"] is not JsonArray { Count: > 0 } workloads) throw Fail("no workloads");

        var ms = new Dictionary<string, double>();
        for (int i = 0; i < workloads.Count; i++)
        {
            string id = Text(workloads[i]?["id"]) ?? throw Fail($"workloads[{i}] has no id");
            double v = Number(workloads[i]?["median_ms_engine"]) ?? throw Fail($"workload '{id}' has no positive median_ms_engine");
            if (!ms.TryAdd(id, v)) throw Fail($"workload '{id}' appears twice");
        }

        var machine = root["machine"] as JsonObject;
        var warnings = (root["warnings"] as JsonArray ?? new JsonArray()).Select(Text).OfType<string>().ToArray();
        var json = new JsonObject
        {
            ["source"] = "file",
            ["path"] = full,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            ["provenance"] = $"PyTorch {pytorch}, measured by bench/pytorch_bench.py on {Text(machine?["cpu_model"]) ?? "an unknown CPU"} " +
                             $"at {Text(root["date_utc"]) ?? "an unknown date"}{(root["quick"]?.GetValueKind() == JsonValueKind.True ? " (--quick: rough numbers)" : "")}",
            ["date_utc"] = root["date_utc"]?.DeepClone(),
            ["command"] = root["command"]?.DeepClone(),
            ["quick"] = root["quick"]?.DeepClone(),
            ["machine"] = machine?.DeepClone(),
            ["versions"] = root["versions"]!.DeepClone(),
            ["warnings"] = new JsonArray(warnings.Select(w => (JsonNode)w).ToArray()),
            ["median_ms_by_id"] = new JsonObject(ms.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        };
        return new PyTorchNumbers($"PyTorch {pytorch} from {path}", json, ms, warnings);
    }

    /// <summary>A warning when the file's numbers were measured on another CPU or core count than <paramref name="ours"/>; null when the same.</summary>
    public string? MachineMismatch(JsonObject ours)
    {
        if (Json["machine"] is not JsonObject theirs) return Json["source"]?.GetValue<string>() == "file" ? "the PyTorch file does not say which machine it was measured on" : null;
        string? Cpu(JsonObject m) => Text(m["cpu_model"]);
        string? Cores(JsonObject m) => m["logical_cores"]?.ToJsonString();
        return Cpu(theirs) == Cpu(ours) && Cores(theirs) == Cores(ours)
            ? null
            : $"the PyTorch numbers come from another machine ({Cpu(theirs)}, {Cores(theirs)} cores; this is {Cpu(ours)}, {Cores(ours)} cores): ratios to PyTorch compare machines too";
    }

    private static string? Text(JsonNode? n) => n is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static double? Number(JsonNode? n) =>
        n is JsonValue v && v.TryGetValue(out double d) && double.IsFinite(d) && d > 0 ? d : null;
}
