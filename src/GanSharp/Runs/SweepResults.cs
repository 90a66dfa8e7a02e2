using GanSharp.Training;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using GanSharp.Metrics;

namespace GanSharp.Runs;

/// <summary>Mean, sample standard deviation (n − 1; 0 for one value) and the values themselves.</summary>
public sealed record SweepStat(double Mean, double Std, IReadOnlyList<double> Values)
{
    /// <summary>Statistics of the finite values (a metric that came out NaN is left out).</summary>
    public static SweepStat Of(IEnumerable<double> values)
    {
        var v = values.ToList();
        var f = v.Where(double.IsFinite).ToList();
        if (f.Count == 0) return new SweepStat(double.NaN, double.NaN, v);
        double mean = f.Average();
        double std = f.Count > 1 ? Math.Sqrt(f.Sum(x => (x - mean) * (x - mean)) / (f.Count - 1)) : 0;
        return new SweepStat(mean, std, v);
    }
}

/// <summary>One row of the results table: a configuration over its seeds.</summary>
public sealed record SweepRow(
    string Config, int Planned, IReadOnlyList<SweepJobResult> Results, IReadOnlyDictionary<string, SweepStat> Values,
    int Steps, int Batch, SweepStat Seconds)
{
    public int Done => Results.Count(r => !r.Failed);
    public int Failed => Results.Count(r => r.Failed);
}

/// <summary>The sweep's results: results.md (a table), results.json, and a bar plot per primary metric.</summary>
public static class SweepResults
{
    public const string MarkdownFile = "results.md";
    public const string JsonFile = "results.json";

    /// <summary>The finished jobs' results on disk, in plan order.</summary>
    public static List<SweepJobResult> Collect(SweepSpec spec, string sweepDir)
    {
        var list = new List<SweepJobResult>();
        foreach (var job in spec.Jobs)
        {
            string path = Path.Combine(SweepJobs.JobDir(sweepDir, job), SweepJobs.ResultFile);
            if (File.Exists(path)) list.Add(SweepJobResult.Load(path));
        }
        return list;
    }

    /// <summary>One row per configuration, in the spec's order.</summary>
    public static List<SweepRow> Rows(SweepSpec spec, IReadOnlyList<SweepJobResult> results)
    {
        var rows = new List<SweepRow>();
        foreach (var c in spec.Configs)
        {
            var mine = results.Where(r => r.Config == c.Name).ToList();
            var ok = mine.Where(r => !r.Failed).ToList();
            var keys = ok.SelectMany(r => r.Values.Keys).Distinct().ToList();
            var values = keys.ToDictionary(k => k, k => SweepStat.Of(ok.Select(r => r.Values.GetValueOrDefault(k, double.NaN))), StringComparer.Ordinal);
            var planned = spec.Jobs.First(j => j.Config == c.Name).Options;
            rows.Add(new SweepRow(c.Name, spec.Seeds.Count, mine, values, planned.Steps, planned.Batch,
                SweepStat.Of(mine.Select(r => r.TrainSeconds + r.EvalSeconds))));
        }
        return rows;
    }

    /// <summary>"metric.key" of each metric's primary value, in the sweep's metric order.</summary>
    public static List<(string Key, bool HigherIsBetter)> PrimaryKeys(SweepSpec spec) =>
        MetricRegistry.Parse(spec.Metrics).Select(m => ($"{m.Name}.{m.PrimaryKey}", m.HigherIsBetter)).ToList();

    public static string Markdown(SweepSpec spec, IReadOnlyList<SweepRow> rows)
    {
        var primary = PrimaryKeys(spec);
        var keys = rows.SelectMany(r => r.Values.Keys).Distinct().ToList();
        // Primary values first, then the other values in the order the metrics report them.
        keys = primary.Select(p => p.Key).Where(keys.Contains).Concat(keys.Where(k => !primary.Any(p => p.Key == k))).ToList();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# Sweep {spec.Name}\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"{rows.Count} configurations × seeds {string.Join(", ", spec.Seeds)}; metrics {spec.Metrics} ({spec.EvalSamples} eval samples where the metric uses them). ");
        sb.Append("Values are mean ± sample standard deviation over the seeds that finished (diverged runs are counted apart).\n\n");
        var header = new List<string> { "config", "seeds done" };
        header.AddRange(keys.Select(k => k + " " + (primary.FirstOrDefault(p => p.Key == k) is { Key: not null } p ? (p.HigherIsBetter ? "↑" : "↓") : "")));
        header.AddRange(primary.Where(p => keys.Contains(p.Key)).Select(p => $"{p.Key} per seed"));
        header.AddRange(["steps × batch", "s / job"]);
        sb.Append("| ").Append(string.Join(" | ", header.Select(h => h.Trim()))).Append(" |\n");
        sb.Append('|').Append(string.Concat(header.Select((_, i) => i == 0 ? "---|" : "---:|"))).Append('\n');
        foreach (var r in rows)
        {
            var cells = new List<string> { r.Config, $"{r.Done}/{r.Planned}" + (r.Failed > 0 ? $" ({r.Failed} diverged)" : "") };
            cells.AddRange(keys.Select(k => r.Values.TryGetValue(k, out var s) ? PlusMinus(s) : "–"));
            foreach (var p in primary.Where(p => keys.Contains(p.Key)))
                cells.Add(string.Join(", ", r.Results.Select(x => $"s{x.Seed}: " + (x.Failed ? "diverged" : Num(x.Values.GetValueOrDefault(p.Key, double.NaN))))));
            cells.Add($"{r.Steps} × {r.Batch}");
            cells.Add(r.Results.Count == 0 ? "–" : PlusMinus(r.Seconds, "F0"));
            sb.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");
        }
        return sb.ToString();
    }

    public static JsonObject Json(SweepSpec spec, IReadOnlyList<SweepRow> rows) => new()
    {
        ["name"] = spec.Name,
        ["metrics"] = spec.Metrics,
        ["eval-samples"] = spec.EvalSamples,
        ["seeds"] = new JsonArray(spec.Seeds.Select(s => (JsonNode)s).ToArray()),
        ["primary"] = new JsonArray(PrimaryKeys(spec).Select(p => (JsonNode)new JsonObject { ["key"] = p.Key, ["higher-is-better"] = p.HigherIsBetter }).ToArray()),
        ["configs"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
        {
            ["config"] = r.Config,
            ["options"] = spec.Configs.First(c => c.Name == r.Config).Overrides.DeepClone(),
            ["planned"] = r.Planned,
            ["done"] = r.Done,
            ["diverged"] = r.Failed,
            ["steps"] = r.Steps,
            ["batch"] = r.Batch,
            ["seconds-per-job"] = Finite(r.Seconds.Mean),
            ["values"] = new JsonObject(r.Values.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, new JsonObject
            {
                ["mean"] = Finite(kv.Value.Mean),
                ["std"] = Finite(kv.Value.Std),
                ["values"] = new JsonArray(kv.Value.Values.Select(Finite).ToArray()),
            }))),
            ["jobs"] = new JsonArray(r.Results.Select(x => (JsonNode)new JsonObject
            {
                ["job"] = x.Job,
                ["seed"] = x.Seed,
                ["status"] = x.Status,
                ["step"] = x.Step,
                ["train-seconds"] = x.TrainSeconds,
                ["eval-seconds"] = x.EvalSeconds,
                ["values"] = new JsonObject(x.Values.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, Finite(kv.Value)))),
                ["error"] = x.Error,
            }).ToArray()),
        }).ToArray()),
    };

    /// <summary>Writes results.md, results.json and one bar plot per primary metric; returns the written paths.</summary>
    public static List<string> Write(SweepSpec spec, string sweepDir)
    {
        var rows = Rows(spec, Collect(spec, sweepDir));
        var written = new List<string>();
        string md = Path.Combine(sweepDir, MarkdownFile), json = Path.Combine(sweepDir, JsonFile);
        RunDirectory.AtomicWrite(md, Markdown(spec, rows));
        RunDirectory.AtomicWrite(json, Json(spec, rows).ToJsonString(GanOptions.Json));
        written.Add(md);
        written.Add(json);
        foreach (var (key, higher) in PrimaryKeys(spec))
        {
            if (!rows.Any(r => r.Values.ContainsKey(key))) continue;
            string png = Path.Combine(sweepDir, key.Replace('.', '-') + ".png");
            SweepPlots.Bars(png, rows.Select(r => r.Config).ToArray(),
                rows.Select(r => r.Values.TryGetValue(key, out var s) ? s : SweepStat.Of([])).ToArray(),
                $"{spec.Name}: {key} ({(higher ? "higher" : "lower")} is better), mean ± std over seeds", key);
            written.Add(png);
        }
        return written;
    }

    public static string PlusMinus(SweepStat s, string format = "") =>
        !double.IsFinite(s.Mean) ? "–" : s.Values.Count(double.IsFinite) > 1 ? $"{Num(s.Mean, format)} ± {Num(s.Std, format)}" : Num(s.Mean, format);

    /// <summary>4 significant digits, without exponents for ordinary magnitudes.</summary>
    public static string Num(double v, string format = "")
    {
        if (!double.IsFinite(v)) return "–";
        if (format != "") return v.ToString(format, CultureInfo.InvariantCulture);
        if (v == Math.Round(v) && Math.Abs(v) < 1e9) return v.ToString("F0", CultureInfo.InvariantCulture);
        double a = Math.Abs(v);
        if (a >= 1000) return v.ToString("F0", CultureInfo.InvariantCulture);
        if (a >= 1e-3) return v.ToString("G4", CultureInfo.InvariantCulture);
        return v.ToString("E2", CultureInfo.InvariantCulture);
    }

    private static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null;
}
