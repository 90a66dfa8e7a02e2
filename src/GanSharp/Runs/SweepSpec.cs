using GanSharp.Training;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Metrics;

namespace GanSharp.Runs;

/// <summary>One configuration of a sweep: a name and the options it sets over the sweep's base.</summary>
public sealed record SweepConfig(string Name, JsonObject Overrides);

/// <summary>One job: a configuration trained with one seed, in its own run directory.</summary>
public sealed record SweepJob(string Name, string Config, long Seed, GanOptions Options);

/// <summary>
/// A sweep file: base options, configurations (the cartesian product of <c>grid</c> or an explicit
/// <c>configs</c> list, each merged over <c>base</c> through <see cref="OptionLayers"/>) × seeds, and the metrics
/// each finished run is evaluated with.
/// <code>
/// { "name": "ring-fixes", "base": { "preset": "mlp-ring", "steps": 2000 },
///   "grid": { "d-steps": [1, 5], "g-loss": ["nonsaturating", "minimax"] },
///   "seeds": [1, 2, 3], "metrics": "modes", "eval-samples": 2500 }
/// </code>
/// </summary>
public sealed class SweepSpec
{
    private static readonly string[] TopLevelKeys = ["name", "description", "base", "grid", "configs", "seeds", "metrics", "eval-samples"];

    private SweepSpec(string name, string source, JsonObject baseOptions, IReadOnlyList<SweepConfig> configs,
        IReadOnlyList<long> seeds, string metrics, int evalSamples, IReadOnlyList<SweepJob> jobs)
    {
        Name = name;
        Source = source;
        Base = baseOptions;
        Configs = configs;
        Seeds = seeds;
        Metrics = metrics;
        EvalSamples = evalSamples;
        Jobs = jobs;
    }

    public string Name { get; }

    /// <summary>Where the spec came from (a file path), for messages.</summary>
    public string Source { get; }
    public JsonObject Base { get; }
    public IReadOnlyList<SweepConfig> Configs { get; }
    public IReadOnlyList<long> Seeds { get; }

    /// <summary>Comma-separated metric names (see <see cref="MetricRegistry"/>).</summary>
    public string Metrics { get; }
    public int EvalSamples { get; }

    /// <summary>Configurations × seeds, in that order (all seeds of the first configuration first).</summary>
    public IReadOnlyList<SweepJob> Jobs { get; }

    /// <summary>Reads and checks a sweep file; every problem is an <see cref="ArgumentException"/> naming the file.</summary>
    public static SweepSpec Load(string path)
    {
        if (!File.Exists(path))
            throw new ArgumentException(Directory.Exists(path)
                ? $"sweep file '{path}' is a directory: pass a .json sweep file"
                : $"sweep file '{path}' does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    // Messages can quote the file's text (a parser's excerpt, an unknown value), newlines and control characters
    // included: keep the error to one printable line.
    private static string OneLine(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"[\s\p{Cc}]+", " ").Trim();

    /// <summary>Most jobs (configurations × seeds) one sweep may have.</summary>
    public const int MaxJobs = 10_000;

    /// <summary>Parses a sweep from JSON text; <paramref name="source"/> names it in messages.</summary>
    public static SweepSpec Parse(string json, string source = "sweep")
    {
        string where = $"sweep file '{source}'";
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new ArgumentException($"{where} is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{where} is not valid JSON ({OneLine(e.Message)})");
        }
        foreach (var (key, _) in root)
            if (!TopLevelKeys.Contains(key))
                throw new ArgumentException($"{where}: unknown key '{key}' (use {string.Join(", ", TopLevelKeys)})");

        string name = Str(root, "name", where) ?? throw new ArgumentException($"{where}: \"name\" is missing (it names the sweep's output folder)");
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
            throw new ArgumentException($"{where}: \"name\" '{name}' is not a valid folder name");

        var baseOptions = root["base"] switch
        {
            null => new JsonObject(),
            JsonObject o => (JsonObject)o.DeepClone(),
            _ => throw new ArgumentException($"{where}: \"base\" must be an object of options"),
        };
        CheckKeys(baseOptions, $"{where}, base", allowName: false);
        if (baseOptions.ContainsKey("seed") && root.ContainsKey("seeds"))
            throw new ArgumentException($"{where}: give the seeds either as \"seeds\" or as base \"seed\", not both");

        var configs = ReadConfigs(root, where);
        var seeds = ReadSeeds(root, baseOptions, where);
        if ((long)configs.Count * seeds.Count > MaxJobs)
            throw new ArgumentException($"{where}: {configs.Count} configurations × {seeds.Count} seeds = {(long)configs.Count * seeds.Count} jobs, more than the {MaxJobs} a sweep may have: split it into smaller sweeps");

        string metrics = root["metrics"] switch
        {
            null => "modes",
            JsonArray a => string.Join(",", a.Select(x => x is JsonValue v && v.TryGetValue<string>(out var s) ? s
                : throw new ArgumentException($"{where}: \"metrics\" must be a name or a list of names"))),
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw new ArgumentException($"{where}: \"metrics\" must be a name or a list of names"),
        };
        try
        {
            metrics = string.Join(",", MetricRegistry.Parse(metrics).Select(m => m.Name));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{where}: {e.Message}");
        }

        int evalSamples = 10_000;
        if (root["eval-samples"] is { } es)
        {
            if (es is not JsonValue ev || !ev.TryGetValue(out evalSamples) || evalSamples <= 0)
                throw new ArgumentException($"{where}: \"eval-samples\" must be a positive integer (got {es.ToJsonString()})");
        }

        var jobs = new List<SweepJob>();
        foreach (var c in configs)
        {
            GanOptions resolved;
            try
            {
                resolved = Resolve(baseOptions, c.Overrides);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{where}, config '{c.Name}': {OneLine(e.Message)}");
            }
            foreach (long seed in seeds)
            {
                var o = GanOptions.FromJson(resolved.ToJson());
                o.Seed = seed;
                jobs.Add(new SweepJob($"{c.Name}-s{seed.ToString(CultureInfo.InvariantCulture)}", c.Name, seed, o));
            }
        }
        return new SweepSpec(name, source, baseOptions, configs, seeds, metrics, evalSamples, jobs);
    }

    /// <summary>
    /// Base &lt; configuration through the option layers: a "preset" key in either picks the preset layer. The
    /// option catalog reads the keys (also the flag names such as <c>"batches": "separate" | "joint"</c>).
    /// </summary>
    private static GanOptions Resolve(JsonObject baseOptions, JsonObject overrides)
    {
        var b = (JsonObject)baseOptions.DeepClone();
        var c = (JsonObject)overrides.DeepClone();
        b.Remove("name");
        c.Remove("name");
        string? preset = PopString(c, "preset") ?? PopString(b, "preset");
        PopString(b, "preset");
        return OptionLayers.Resolve(preset, b, c, configSource: "base", flagsSource: "the configuration");
    }

    private static string? PopString(JsonObject o, string key)
    {
        if (o[key] is not { } n) { o.Remove(key); return null; }
        o.Remove(key);
        return n is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new ArgumentException($"\"{key}\" must be a string");
    }

    private static List<SweepConfig> ReadConfigs(JsonObject root, string where)
    {
        bool hasGrid = root.ContainsKey("grid"), hasConfigs = root.ContainsKey("configs");
        if (hasGrid == hasConfigs)
            throw new ArgumentException($"{where}: give either \"grid\" (options → lists of values) or \"configs\" (a list of option objects)");
        var list = new List<SweepConfig>();
        if (hasGrid)
        {
            if (root["grid"] is not JsonObject grid)
                throw new ArgumentException($"{where}: \"grid\" must be an object of option → list of values");
            if (grid.Count == 0) throw new ArgumentException($"{where}: \"grid\" is empty: give at least one option with a list of values");
            CheckKeys(grid, $"{where}, grid", allowName: false);
            var axes = new List<(string Key, JsonNode?[] Values)>();
            foreach (var (key, node) in grid)
            {
                if (node is not JsonArray values)
                    throw new ArgumentException($"{where}: grid option '{key}' must be a list of values (got {node?.ToJsonString() ?? "null"})");
                if (values.Count == 0) throw new ArgumentException($"{where}: grid option '{key}' has no values");
                axes.Add((key, values.ToArray()));
            }
            // Refuse a product too large to run before enumerating it (6 axes of 10 values: a million jobs).
            long combos = 1;
            foreach (var (_, values) in axes) combos = Math.Min(combos * values.Length, long.MaxValue / 1024);
            if (combos > MaxJobs)
                throw new ArgumentException($"{where}: \"grid\" makes {combos} jobs per seed, more than the {MaxJobs} a sweep may have: split it into smaller sweeps");
            // Cartesian product, the last option varying fastest.
            IEnumerable<List<(string, JsonNode?)>> product = [[]];
            foreach (var (key, values) in axes)
                product = product.SelectMany(prefix => values.Select(v => new List<(string, JsonNode?)>(prefix) { (key, v) }));
            foreach (var combo in product)
            {
                var o = new JsonObject();
                foreach (var (k, v) in combo) o[k] = v?.DeepClone();
                list.Add(new SweepConfig(DeriveName(o), o));
            }
        }
        else
        {
            if (root["configs"] is not JsonArray configs)
                throw new ArgumentException($"{where}: \"configs\" must be a list of option objects");
            if (configs.Count == 0) throw new ArgumentException($"{where}: \"configs\" is empty: give at least one configuration (e.g. {{\"name\": \"vanilla\"}})");
            for (int i = 0; i < configs.Count; i++)
            {
                if (configs[i] is not JsonObject c)
                    throw new ArgumentException($"{where}: configs[{i}] must be an object of options");
                CheckKeys(c, $"{where}, configs[{i}]", allowName: true);
                var o = (JsonObject)c.DeepClone();
                string name = Str(o, "name", $"{where}, configs[{i}]") ?? DeriveName(o);
                o.Remove("name");
                if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
                    throw new ArgumentException($"{where}: configs[{i}] name '{name}' is not a valid folder name");
                list.Add(new SweepConfig(name, o));
            }
        }
        var dup = list.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
            throw new ArgumentException($"{where}: two configurations are named '{dup.Key}': give each a distinct \"name\"");
        return list;
    }

    private static List<long> ReadSeeds(JsonObject root, JsonObject baseOptions, string where)
    {
        if (root["seeds"] is not { } node)
            return [baseOptions["seed"] is JsonValue v && v.TryGetValue<long>(out var s) ? s : new GanOptions().Seed];
        if (node is not JsonArray a || a.Count == 0)
            throw new ArgumentException($"{where}: \"seeds\" must be a non-empty list of integers, e.g. [1, 2, 3]");
        var seeds = new List<long>();
        foreach (var x in a)
        {
            if (x is not JsonValue v || !v.TryGetValue<long>(out var s))
                throw new ArgumentException($"{where}: \"seeds\" must be a list of integers (got {x?.ToJsonString() ?? "null"})");
            if (seeds.Contains(s)) throw new ArgumentException($"{where}: seed {s} is listed twice");
            seeds.Add(s);
        }
        return seeds;
    }

    /// <summary>Every key must be an option of the <see cref="OptionCatalog"/> (kebab-case, or its flag name such as "batches") or "preset".</summary>
    private static void CheckKeys(JsonObject layer, string where, bool allowName)
    {
        var catalog = OptionCatalog.Default;
        foreach (var (key, _) in layer)
        {
            if (catalog.Find(key) is not null || key is "preset" || (allowName && key == "name")) continue;
            throw new ArgumentException($"{where}: unknown option '{key}' (options are kebab-case, as in a run's options.json: e.g. d-steps, g-loss, lr-g)");
        }
        if (layer.ContainsKey("seed") && !where.EndsWith(", base", StringComparison.Ordinal))
            throw new ArgumentException($"{where}: 'seed' is set by the sweep's \"seeds\" list, not per configuration");
    }

    /// <summary>"d-steps-5_g-loss-minimax" from {"d-steps": 5, "g-loss": "minimax"}; "base" when empty.</summary>
    public static string DeriveName(JsonObject overrides)
    {
        if (overrides.Count == 0) return "base";
        var parts = overrides.Select(kv =>
        {
            string v = kv.Value switch
            {
                JsonValue jv when jv.TryGetValue<string>(out var s) => s,
                JsonArray arr => string.Join(",", arr.Select(x => x?.ToJsonString())),
                null => "null",
                var n => n.ToJsonString(),
            };
            return $"{kv.Key}-{v}";
        });
        return string.Concat(string.Join("_", parts).Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_'));
    }

    private static string? Str(JsonObject o, string key, string where) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        var n => throw new ArgumentException($"{where}: \"{key}\" must be a string (got {n.ToJsonString()})"),
    };

    /// <summary>The plan as JSON: what the job processes read (sweep-plan.json).</summary>
    public JsonObject ToPlanJson() => new()
    {
        ["name"] = Name,
        ["source"] = Path.GetFullPath(Source),
        ["metrics"] = Metrics,
        ["eval-samples"] = EvalSamples,
        ["seeds"] = new JsonArray(Seeds.Select(s => (JsonNode)s).ToArray()),
        ["configs"] = new JsonArray(Configs.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["options"] = c.Overrides.DeepClone() }).ToArray()),
        ["jobs"] = new JsonArray(Jobs.Select(j => (JsonNode)new JsonObject
        {
            ["name"] = j.Name,
            ["config"] = j.Config,
            ["seed"] = j.Seed,
            ["options"] = j.Options.ToJsonObject(),
        }).ToArray()),
    };

    /// <summary>Reads one job back from a sweep-plan.json (in a job process).</summary>
    public static (SweepJob Job, string Metrics, int EvalSamples) ReadPlannedJob(string planPath, string jobName)
    {
        if (!File.Exists(planPath)) throw new ArgumentException($"sweep plan '{planPath}' does not exist: run 'gansharp sweep FILE' first");
        try
        {
            var plan = JsonNode.Parse(File.ReadAllText(planPath))!.AsObject();
            foreach (var j in plan["jobs"]!.AsArray())
            {
                if (j!["name"]!.GetValue<string>() != jobName) continue;
                var job = new SweepJob(jobName, j["config"]!.GetValue<string>(), j["seed"]!.GetValue<long>(),
                    GanOptions.FromJson(j["options"]!.ToJsonString()));
                return (job, plan["metrics"]!.GetValue<string>(), plan["eval-samples"]!.GetValue<int>());
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new ArgumentException($"sweep plan '{planPath}' is damaged ({e.Message})");
        }
        throw new ArgumentException($"sweep plan '{planPath}' has no job '{jobName}'");
    }
}
