using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Runs;
using GanSharp.Training;

namespace GanSharp.Reporting;

/// <summary>
/// The report of a sweep directory (`gansharp report SWEEP`): one self-contained HTML file with the results table of
/// results.json (mean ± std over seeds, per-seed primary values, steps × batch, seconds per job), the bar plots of
/// the primary metrics, the training curves of each configuration's first finished seed overlaid, each
/// configuration's options and the environment. Images are inlined as in <see cref="RunReport"/>.
/// </summary>
public static class SweepReport
{
    /// <summary>Sections of the sweep report, in order (HTML ids).</summary>
    public static readonly IReadOnlyList<string> Sections = new[] { "results", "plots", "curves", "configurations", "environment" };

    /// <summary>True when <paramref name="dir"/> is a sweep's folder (it holds sweep-plan.json or results.json, and is not a run).</summary>
    public static bool IsSweep(string dir) =>
        Directory.Exists(dir) && !File.Exists(Path.Combine(dir, "options.json"))
        && (File.Exists(Path.Combine(dir, SweepJobs.PlanFile)) || File.Exists(Path.Combine(dir, SweepResults.JsonFile)));

    public static void Write(string outPath, string sweepDir)
    {
        string html = Build(sweepDir);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (dir is not null) Directory.CreateDirectory(dir);
        RunDirectory.AtomicWrite(outPath, html);
    }

    public static string Build(string sweepDir)
    {
        string resultsPath = Path.Combine(sweepDir, SweepResults.JsonFile);
        if (!File.Exists(resultsPath))
            throw new ArgumentException($"'{sweepDir}' has no {SweepResults.JsonFile} yet: it is written when the sweep's jobs finish (run 'gansharp sweep FILE' again to finish them)");
        JsonObject doc;
        try
        {
            doc = JsonNode.Parse(File.ReadAllText(resultsPath)) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"'{resultsPath}' is not valid sweep results ({e.Message}): rerun 'gansharp sweep FILE' to rewrite it");
        }
        try
        {
            return Html(sweepDir, doc);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or KeyNotFoundException)
        {
            throw new ArgumentException($"'{resultsPath}' is not valid sweep results ({e.Message}): rerun 'gansharp sweep FILE' to rewrite it");
        }
    }

    private static string Html(string sweepDir, JsonObject doc)
    {
        string name = doc["name"]?.GetValue<string>() ?? Path.GetFileName(Path.GetFullPath(sweepDir).TrimEnd(Path.DirectorySeparatorChar));
        var configs = doc["configs"]!.AsArray().Select(c => c!.AsObject()).ToList();
        var primary = (doc["primary"] as JsonArray ?? new JsonArray()).Select(p => (Key: p!["key"]!.GetValue<string>(), Higher: p["higher-is-better"]!.GetValue<bool>())).ToList();
        var keys = configs.SelectMany(c => (c["values"] as JsonObject ?? new JsonObject()).Select(kv => kv.Key)).Distinct().ToList();
        keys = primary.Select(p => p.Key).Where(keys.Contains).Concat(keys.Where(k => !primary.Any(p => p.Key == k))).ToList();

        // The first finished job of each configuration, for its curves and the environment.
        var firstRuns = new List<RunData>();
        foreach (var c in configs)
        {
            var job = (c["jobs"] as JsonArray ?? new JsonArray()).Select(j => j!.AsObject()).FirstOrDefault(j => j["status"]?.GetValue<string>() == "done");
            string? jobName = job?["job"]?.GetValue<string>();
            if (jobName is null || jobName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || jobName is "." or "..") continue;
            string runDir = Path.Combine(sweepDir, jobName);
            if (File.Exists(Path.Combine(runDir, "options.json"))) firstRuns.Add(RunData.Load(runDir));
        }

        var E = (Func<string, string>)RunReport.E;
        var html = new StringBuilder();
        string title = $"GanSharp sweep {name}";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
            .Append(RunReport.Css).Append("</style></head><body>\n");
        html.Append("<h1>").Append(E(title)).Append("</h1>\n<p class=\"meta\">")
            .Append(E($"generated {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC by gansharp {Interop.ModelExport.GanSharpVersion}"))
            .Append("</p>\n<nav>").Append(string.Join(" · ", Sections.Select(s => $"<a href=\"#{s}\">{s}</a>"))).Append("</nav>\n");

        // Results: the table of results.md, as HTML.
        RunReport.Section(html, "results", "Results");
        string seeds = doc["seeds"] is JsonArray sa ? string.Join(", ", sa.Select(s => s!.ToJsonString())) : "?";
        html.Append("<p class=\"note\">").Append(E($"{configs.Count} configurations × seeds {seeds}; metrics {doc["metrics"]?.ToString() ?? "?"}. "
            + "Values are mean ± sample standard deviation over the seeds that finished (diverged runs are counted apart).")).Append("</p>\n");
        html.Append("<table><tr><th>config</th><th>seeds done</th>");
        foreach (var k in keys)
        {
            var p = primary.FirstOrDefault(x => x.Key == k);
            html.Append("<th>").Append(E(k + (p.Key is null ? "" : p.Higher ? " ↑" : " ↓"))).Append("</th>");
        }
        foreach (var p in primary.Where(p => keys.Contains(p.Key))) html.Append("<th>").Append(E(p.Key + " per seed")).Append("</th>");
        html.Append("<th>steps × batch</th><th>s / job</th></tr>\n");
        foreach (var c in configs)
        {
            int done = c["done"]?.GetValue<int>() ?? 0, planned = c["planned"]?.GetValue<int>() ?? 0, diverged = c["diverged"]?.GetValue<int>() ?? 0;
            html.Append("<tr><td>").Append(E(c["config"]!.GetValue<string>())).Append("</td><td>")
                .Append(E($"{done}/{planned}" + (diverged > 0 ? $" ({diverged} diverged)" : ""))).Append("</td>");
            foreach (var k in keys)
                html.Append("<td class=\"num\">").Append(E(c["values"]?[k] is JsonObject v ? SweepResults.PlusMinus(Stat(v)) : "–")).Append("</td>");
            var jobs = (c["jobs"] as JsonArray ?? new JsonArray()).Select(j => j!.AsObject()).ToList();
            foreach (var p in primary.Where(p => keys.Contains(p.Key)))
                html.Append("<td>").Append(E(string.Join(", ", jobs.Select(j => $"s{j["seed"]}: " + (j["status"]?.GetValue<string>() == "done"
                    ? SweepResults.Num(j["values"]?[p.Key] is JsonValue jv && jv.TryGetValue<double>(out var d) ? d : double.NaN) : j["status"]?.GetValue<string>()))))).Append("</td>");
            double? secs = c["seconds-per-job"] is JsonValue sv && sv.TryGetValue<double>(out var s) ? s : null;
            html.Append("<td>").Append(E($"{c["steps"]} × {c["batch"]}")).Append("</td><td class=\"num\">")
                .Append(E(secs is { } x ? SweepResults.Num(x, "F0") : "–")).Append("</td></tr>\n");
        }
        html.Append("</table></section>\n");

        // Plots: the bar plot `gansharp sweep` drew per primary metric.
        RunReport.Section(html, "plots", "Primary metrics per configuration");
        bool anyPlot = false;
        foreach (var (key, _) in primary)
        {
            string png = Path.Combine(sweepDir, key.Replace('.', '-') + ".png");
            if (!File.Exists(png)) continue;
            anyPlot = true;
            html.Append("<figure>").Append(RunReport.Img(png, $"{key} per configuration")).Append("</figure>\n");
        }
        if (!anyPlot) html.Append("<p class=\"note\">No bar plots in the sweep folder (no configuration finished with a value).</p>\n");
        html.Append("</section>\n");

        // Curves: one line per configuration (its first finished seed).
        RunReport.Section(html, "curves", "Training curves (first finished seed of each configuration)");
        string tmp = Path.Combine(Path.GetTempPath(), "gansharp-report-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmp);
        try
        {
            bool any = false;
            if (firstRuns.Count > 0)
                foreach (var key in new[] { "loss_d", "loss_g", "d_real", "d_fake" })
                    any |= RunReport.Plot(html, firstRuns, new[] { key }, eval: false, key, tmp);
            if (!any) html.Append("<p class=\"note\">No finished job has metrics.jsonl.</p>\n");
        }
        finally
        {
            try { Directory.Delete(tmp, true); } catch (IOException) { }
        }
        html.Append("</section>\n");

        RunReport.Section(html, "configurations", "Configurations (options over the sweep's base)");
        html.Append("<table><tr><th>config</th><th>options</th></tr>\n");
        foreach (var c in configs)
            html.Append("<tr><td>").Append(E(c["config"]!.GetValue<string>())).Append("</td><td>")
                .Append(E(c["options"] is JsonObject o && o.Count > 0 ? string.Join(", ", o.Select(kv => $"{kv.Key} = {kv.Value?.ToJsonString().Trim('"')}")) : "(the base)"))
                .Append("</td></tr>\n");
        html.Append("</table></section>\n");

        if (firstRuns.Count > 0) RunReport.Environment(html, firstRuns.Take(1).ToList());
        else RunReport.Section(html, "environment", "Environment");
        if (firstRuns.Count == 0) html.Append("<p class=\"note\">No finished job.</p></section>\n");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static SweepStat Stat(JsonObject v)
    {
        double mean = v["mean"] is JsonValue m && m.TryGetValue<double>(out var a) ? a : double.NaN;
        double std = v["std"] is JsonValue s && s.TryGetValue<double>(out var b) ? b : double.NaN;
        var values = (v["values"] as JsonArray ?? new JsonArray()).Select(x => x is JsonValue xv && xv.TryGetValue<double>(out var d) ? d : double.NaN).ToList();
        return new SweepStat(mean, std, values);
    }
}
