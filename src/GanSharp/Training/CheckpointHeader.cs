using System.Text.Json.Nodes;

namespace GanSharp.Training;

/// <summary>
/// The typed header of a training checkpoint, schema version 2: what the checkpoint is (family, architecture,
/// options, example shape), where the run stands (step, data position, seconds), its networks and optimizer groups,
/// and the family's own state (e.g. a growing family's resolution). Version 1 headers (two networks G and D, keys
/// opt-g-steps / opt-d-steps) are read and upgraded; newer versions are refused with a clear message.
/// </summary>
public sealed class CheckpointHeader
{
    public const string Format = "gansharp-checkpoint";
    public const int CurrentVersion = 2;

    public sealed record NetworkInfo(string Name, bool Trainable);

    public int Version { get; init; } = CurrentVersion;
    public required string Family { get; init; }
    public required string Arch { get; init; }
    public int Step { get; init; }
    public int NumClasses { get; init; }
    public required long[] ExampleShape { get; init; }
    public long Epoch { get; init; }
    public long Cursor { get; init; }
    public IReadOnlyList<NetworkInfo> Networks { get; init; } = Array.Empty<NetworkInfo>();
    public IReadOnlyDictionary<string, long> OptimizerSteps { get; init; } = new Dictionary<string, long>();
    public JsonObject? FamilyState { get; init; }
    public double Seconds { get; init; }
    public string? LibraryVersion { get; init; } = typeof(CheckpointHeader).Assembly.GetName().Version?.ToString();
    public required JsonObject Options { get; init; }

    public JsonObject ToJson() => new()
    {
        ["format"] = Format,
        ["version"] = Version,
        ["family"] = Family,
        ["arch"] = Arch,
        ["step"] = Step,
        ["num-classes"] = NumClasses,
        ["example-shape"] = new JsonArray(ExampleShape.Select(d => (JsonNode)d).ToArray()),
        ["epoch"] = Epoch,
        ["cursor"] = Cursor,
        ["networks"] = new JsonArray(Networks.Select(n => (JsonNode)new JsonObject { ["name"] = n.Name, ["trainable"] = n.Trainable }).ToArray()),
        ["optimizers"] = new JsonObject(OptimizerSteps.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        ["family-state"] = FamilyState?.DeepClone(),
        ["seconds"] = Seconds,
        ["library-version"] = LibraryVersion,
        ["options"] = Options.DeepClone(),
    };

    /// <summary>Reads a header (version 1 or 2); anything else is a <see cref="CheckpointException"/> naming <paramref name="source"/>.</summary>
    public static CheckpointHeader Parse(JsonObject json, string source)
    {
        try
        {
            if (json["format"]?.GetValue<string>() != Format)
                throw new CheckpointException($"'{source}' is not a GanSharp training checkpoint");
            int version = json["version"]?.GetValue<int>() ?? 0;
            if (version > CurrentVersion)
                throw new CheckpointException($"'{source}' was written by a newer GanSharp (checkpoint version {version}; this one reads 1 to {CurrentVersion}): upgrade GanSharp");
            if (version < 1)
                throw new CheckpointException($"'{source}' has no valid checkpoint version");
            var optimizers = new Dictionary<string, long>();
            List<NetworkInfo> networks;
            if (version == 1)
            {
                networks = new() { new("G", true), new("D", true) };
                optimizers["G"] = json["opt-g-steps"]!.GetValue<long>();
                optimizers["D"] = json["opt-d-steps"]!.GetValue<long>();
            }
            else
            {
                networks = json["networks"]!.AsArray().Select(n => new NetworkInfo(n!["name"]!.GetValue<string>(), n["trainable"]!.GetValue<bool>())).ToList();
                foreach (var (k, v) in json["optimizers"]!.AsObject()) optimizers[k] = v!.GetValue<long>();
            }
            return new CheckpointHeader
            {
                Version = version,
                Family = json["family"]!.GetValue<string>(),
                Arch = json["arch"]?.GetValue<string>() ?? "",
                Step = json["step"]!.GetValue<int>(),
                NumClasses = json["num-classes"]?.GetValue<int>() ?? 0,
                ExampleShape = json["example-shape"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray(),
                Epoch = json["epoch"]!.GetValue<long>(),
                Cursor = json["cursor"]!.GetValue<long>(),
                Networks = networks,
                OptimizerSteps = optimizers,
                FamilyState = json["family-state"] as JsonObject,
                Seconds = json["seconds"]?.GetValue<double>() ?? 0,
                LibraryVersion = json["library-version"]?.GetValue<string>(),
                Options = json["options"]!.AsObject(),
            };
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or System.Text.Json.JsonException)
        {
            throw new CheckpointException($"checkpoint '{source}' has an invalid header ({e.Message})");
        }
    }
}
