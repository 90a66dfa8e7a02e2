using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Imaging;
using GanSharp.Training;

namespace GanSharp.Reporting;

/// <summary>What a run directory holds, read once for a report.</summary>
public sealed class RunData
{
    private RunData(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }
    public string Name => Path.GetFileName(Root.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>options.json as written by <see cref="RunDirectory.WriteOptions"/>.</summary>
    public JsonObject OptionsDoc { get; private set; } = new();
    public JsonObject Options => OptionsDoc["options"] as JsonObject ?? new JsonObject();

    /// <summary>Training lines of metrics.jsonl (with loss_d …) in order.</summary>
    public List<JsonObject> TrainLines { get; } = new();

    /// <summary>Evaluation lines of metrics.jsonl ({"step", "eval": {...}, "class_hist"?}).</summary>
    public List<JsonObject> EvalLines { get; } = new();

    /// <summary>Sample grids (samples/step-NNNNNN.png) by step.</summary>
    public List<(int Step, string Path)> Samples { get; } = new();

    /// <summary>The final evaluation: eval.json from `gansharp eval` if there is one, else the last evaluation during training.</summary>
    public (string Source, int? Step, List<(string Key, double? Value, string Samples)> Rows)? FinalEval { get; private set; }

    public string? CollapsePng => File.Exists(Path.Combine(Root, "collapse.png")) ? Path.Combine(Root, "collapse.png") : null;

    public static RunData Load(string root)
    {
        var run = new RunData(root);
        string options = Path.Combine(run.Root, "options.json");
        if (File.Exists(run.Root)) throw new ArgumentException($"'{root}' is a file, not a run directory: pass the run's folder (the one holding options.json)");
        if (!Directory.Exists(run.Root)) throw new ArgumentException($"run directory '{root}' does not exist");
        if (!File.Exists(options)) throw new ArgumentException($"'{root}' is not a run directory (no options.json)");
        try
        {
            run.OptionsDoc = JsonNode.Parse(File.ReadAllText(options)) as JsonObject ?? new JsonObject();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"'{options}' is not valid JSON ({e.Message})");
        }
        string metrics = Path.Combine(run.Root, "metrics.jsonl");
        if (File.Exists(metrics))
            foreach (var line in File.ReadLines(metrics))
            {
                JsonObject? n;
                try { n = JsonNode.Parse(line) as JsonObject; }
                catch (JsonException) { continue; } // a line cut by a crash
                if (n?["step"] is null) continue;
                if (n["eval"] is JsonObject) run.EvalLines.Add(n);
                else run.TrainLines.Add(n);
            }
        string samples = Path.Combine(run.Root, "samples");
        if (Directory.Exists(samples))
            foreach (var f in Directory.GetFiles(samples, "step-*.png"))
                if (int.TryParse(Path.GetFileNameWithoutExtension(f)["step-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int step))
                    run.Samples.Add((step, f));
        run.Samples.Sort((a, b) => a.Step.CompareTo(b.Step));
        run.FinalEval = ReadEval(run);
        return run;
    }

    private static (string, int?, List<(string, double?, string)>)? ReadEval(RunData run)
    {
        foreach (var path in new[] { Path.Combine(run.Root, "checkpoints", "eval.json"), Path.Combine(run.Root, "eval.json") })
        {
            if (!File.Exists(path)) continue;
            try
            {
                var doc = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
                var rows = new List<(string, double?, string)>();
                foreach (var (metric, node) in doc["metrics"]?.AsObject() ?? new JsonObject())
                {
                    if (node is not JsonObject m) continue;
                    string samples = $"{m["generated"]?.ToJsonString() ?? "?"} / {m["real"]?.ToJsonString() ?? "?"}";
                    foreach (var (k, v) in m)
                        if (k is not ("generated" or "real" or "note" or "class_hist"))
                            rows.Add(($"{metric}.{k}", v is JsonValue jv && jv.TryGetValue<double>(out var d) ? d : null, samples));
                }
                return ($"{Path.GetRelativePath(run.Root, path)} (gansharp eval)", doc["step"]?.GetValue<int>(), rows);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                continue; // a damaged eval.json: fall back to the training-time evaluation
            }
        }
        if (run.EvalLines.Count == 0) return null;
        var last = run.EvalLines[^1];
        var list = last["eval"]!.AsObject().Select(kv => (kv.Key, kv.Value is JsonValue v && v.TryGetValue<double>(out var d) ? (double?)d : null, "")).ToList();
        return ("metrics.jsonl (last evaluation during training)", last["step"]!.GetValue<int>(), list);
    }

    /// <summary>Values of a numeric key at each training step that has it (NaN where it is missing or null).</summary>
    public (List<double> Steps, List<double> Values) Series(string key, bool eval = false)
    {
        var steps = new List<double>();
        var values = new List<double>();
        foreach (var line in eval ? EvalLines : TrainLines)
        {
            var source = eval ? line["eval"]!.AsObject() : line;
            steps.Add(line["step"]!.GetValue<double>());
            values.Add(source[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : double.NaN);
        }
        return (steps, values);
    }

    public IEnumerable<string> EvalKeys() => EvalLines.SelectMany(l => l["eval"]!.AsObject().Select(kv => kv.Key)).Distinct();
}

/// <summary>
/// One self-contained HTML file about a run (or several, compared): options, curves, sample grids over time with a
/// slider, the final evaluation, the class histogram over time and the environment. Every image is inlined as a
/// data: URI and the page loads nothing else, so it can be mailed as it is.
/// </summary>
public static class RunReport
{
    /// <summary>Sections of the report, in order (HTML ids).</summary>
    public static readonly IReadOnlyList<string> Sections = new[] { "options", "curves", "samples", "evaluation", "collapse", "environment" };

    private static readonly (string Title, string[] Keys)[] TrainPlots =
    {
        ("Losses", new[] { "loss_d", "loss_g" }),
        ("D outputs: D(x) and D(G(z))", new[] { "d_real", "d_fake" }),
        ("Gradient norms", new[] { "grad_norm_d", "grad_norm_g" }),
    };

    /// <summary>Writes the report for <paramref name="runs"/> (one: a run report; several: a comparison) to <paramref name="outPath"/>.</summary>
    public static void Write(string outPath, IReadOnlyList<string> runs, int maxFrames = 60)
    {
        string html = Build(runs, maxFrames);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (dir is not null) Directory.CreateDirectory(dir);
        RunDirectory.AtomicWrite(outPath, html);
    }

    /// <summary>The HTML of the report; at most <paramref name="maxFrames"/> sample grids per run (evenly spaced, the last kept).</summary>
    public static string Build(IReadOnlyList<string> runs, int maxFrames = 60)
    {
        if (runs.Count == 0) throw new ArgumentException("give at least one run directory");
        if (maxFrames < 1) throw new ArgumentException($"maxFrames must be positive (got {maxFrames})");
        var data = runs.Select(RunData.Load).ToList();
        bool compare = data.Count > 1;
        string tmp = Path.Combine(Path.GetTempPath(), "gansharp-report-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmp);
        try
        {
            var html = new StringBuilder();
            string title = compare ? $"GanSharp comparison: {string.Join(" vs ", data.Select(d => d.Name))}" : $"GanSharp run {data[0].Name}";
            html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
                .Append(Css).Append("</style></head><body>\n");
            html.Append("<h1>").Append(E(title)).Append("</h1>\n<p class=\"meta\">")
                .Append(E($"generated {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC by gansharp {Interop.ModelExport.GanSharpVersion}"))
                .Append("</p>\n<nav>").Append(string.Join(" · ", Sections.Select(s => $"<a href=\"#{s}\">{s}</a>"))).Append("</nav>\n");
            Options(html, data);
            Curves(html, data, tmp);
            Samples(html, data, maxFrames);
            Evaluation(html, data);
            Collapse(html, data, tmp);
            Environment(html, data);
            html.Append("<script>").Append(Script).Append("</script>\n</body></html>\n");
            return html.ToString();
        }
        finally
        {
            try { Directory.Delete(tmp, true); } catch (IOException) { }
        }
    }

    internal static void Section(StringBuilder html, string id, string heading) =>
        html.Append($"<section id=\"{id}\"><h2>").Append(E(heading)).Append("</h2>\n");

    private static void Options(StringBuilder html, List<RunData> runs)
    {
        Section(html, "options", "Options");
        var keys = runs.SelectMany(r => r.Options.Select(kv => kv.Key)).Distinct().ToList();
        if (runs.Count > 1) html.Append("<p class=\"note\">Rows in bold differ between the runs.</p>\n");
        html.Append("<table><tr><th>option</th>").Append(string.Concat(runs.Select(r => $"<th>{E(r.Name)}</th>"))).Append("</tr>\n");
        foreach (var k in keys)
        {
            var values = runs.Select(r => r.Options[k]?.ToJsonString() ?? "").ToList();
            bool differs = values.Distinct().Count() > 1;
            html.Append(differs ? "<tr class=\"differs\">" : "<tr>").Append($"<td>{E(k)}</td>")
                .Append(string.Concat(values.Select(v => $"<td>{E(v.Trim('"'))}</td>"))).Append("</tr>\n");
        }
        html.Append("</table></section>\n");
    }

    private static void Curves(StringBuilder html, List<RunData> runs, string tmp)
    {
        Section(html, "curves", "Loss and metric curves");
        bool any = false;
        foreach (var (title, keys) in TrainPlots)
        {
            // One run: its series together; several: one plot per key, one line per run.
            var groups = runs.Count == 1 ? new[] { (title, keys) } : keys.Select(k => ($"{title}: {k}", new[] { k })).ToArray();
            foreach (var (t, ks) in groups)
                any |= Plot(html, runs, ks, eval: false, t, tmp);
        }
        foreach (var key in runs.SelectMany(r => r.EvalKeys()).Distinct().Take(12))
            any |= Plot(html, runs, new[] { key }, eval: true, $"Evaluation during training: {key}", tmp);
        if (!any) html.Append("<p class=\"note\">metrics.jsonl has no values yet.</p>\n");
        html.Append("</section>\n");
    }

    /// <summary>One PNG plot (steps of all runs merged; a series is NaN where its run has no value).</summary>
    internal static bool Plot(StringBuilder html, List<RunData> runs, string[] keys, bool eval, string title, string tmp)
    {
        var perSeries = new List<(string Name, Dictionary<double, double> Values)>();
        foreach (var run in runs)
            foreach (var key in keys)
            {
                var (steps, values) = run.Series(key, eval);
                var map = new Dictionary<double, double>();
                for (int i = 0; i < steps.Count; i++) if (double.IsFinite(values[i])) map[steps[i]] = values[i];
                if (map.Count == 0) continue;
                string name = runs.Count == 1 ? key : keys.Length == 1 ? run.Name : $"{run.Name} {key}";
                perSeries.Add((name, map));
            }
        if (perSeries.Count == 0) return false;
        var allSteps = perSeries.SelectMany(s => s.Values.Keys).Distinct().Order().ToList();
        var series = new Dictionary<string, IReadOnlyList<double>>();
        foreach (var (name, values) in perSeries)
            series[Unique(series, name)] = allSteps.Select(s => values.TryGetValue(s, out var v) ? v : double.NaN).ToList();
        string file = Path.Combine(tmp, Guid.NewGuid().ToString("N") + ".png");
        Plots.LossCurves(file, allSteps, series, title);
        html.Append("<figure>").Append(Img(file, title)).Append("</figure>\n");
        return true;
    }

    private static string Unique(Dictionary<string, IReadOnlyList<double>> series, string name)
    {
        string n = name;
        for (int i = 2; series.ContainsKey(n); i++) n = $"{name} ({i})";
        return n;
    }

    private static void Samples(StringBuilder html, List<RunData> runs, int maxFrames)
    {
        Section(html, "samples", "Sample grids over time");
        html.Append("<p class=\"note\">Drag the slider to scrub through training; every grid uses the same fixed noise.</p>\n");
        foreach (var run in runs)
        {
            if (runs.Count > 1) html.Append("<h3>").Append(E(run.Name)).Append("</h3>\n");
            var frames = Pick(run.Samples, maxFrames);
            if (frames.Count == 0)
            {
                html.Append("<p class=\"note\">no sample grids in samples/.</p>\n");
                continue;
            }
            html.Append("<div class=\"strip\"><div class=\"controls\"><input type=\"range\" min=\"0\" max=\"").Append(frames.Count - 1)
                .Append("\" value=\"").Append(frames.Count - 1).Append("\" step=\"1\" aria-label=\"sample grid\"> <output>step ")
                .Append(frames[^1].Step).Append("</output>");
            if (frames.Count < run.Samples.Count)
                html.Append($" <span class=\"note\">({frames.Count} of {run.Samples.Count} grids)</span>");
            html.Append("</div>\n");
            for (int i = 0; i < frames.Count; i++)
                html.Append(Img(frames[i].Path, $"samples at step {frames[i].Step}", $"data-step=\"{frames[i].Step}\"" + (i == frames.Count - 1 ? "" : " hidden")))
                    .Append('\n');
            html.Append("</div>\n");
        }
        html.Append("</section>\n");
    }

    /// <summary>At most <paramref name="max"/> items evenly spaced, always with the first and the last.</summary>
    public static List<T> Pick<T>(IReadOnlyList<T> items, int max)
    {
        if (items.Count <= max) return items.ToList();
        if (max == 1) return new List<T> { items[^1] };
        return Enumerable.Range(0, max).Select(i => (int)Math.Round(i * (items.Count - 1) / (double)(max - 1))).Distinct().Select(i => items[i]).ToList();
    }

    private static void Evaluation(StringBuilder html, List<RunData> runs)
    {
        Section(html, "evaluation", "Final evaluation");
        if (runs.All(r => r.FinalEval is null))
        {
            html.Append("<p class=\"note\">No evaluation: run 'gansharp eval --checkpoint RUN' or train with --eval-every.</p>\n</section>\n");
            return;
        }
        if (runs.Count == 1)
        {
            var (source, step, rows) = runs[0].FinalEval!.Value;
            html.Append("<p class=\"note\">").Append(E($"from {source}{(step is null ? "" : $", step {step}")}")).Append("</p>\n");
            html.Append("<table><tr><th>metric</th><th>value</th><th>samples (generated / real)</th></tr>\n");
            foreach (var (key, value, samples) in rows)
                html.Append($"<tr><td>{E(key)}</td><td class=\"num\">{E(Num(value))}</td><td>{E(samples)}</td></tr>\n");
        }
        else
        {
            var keys = runs.Where(r => r.FinalEval is not null).SelectMany(r => r.FinalEval!.Value.Rows.Select(x => x.Key)).Distinct().ToList();
            html.Append("<table><tr><th>metric</th>").Append(string.Concat(runs.Select(r => $"<th>{E(r.Name)}</th>"))).Append("</tr>\n");
            html.Append("<tr><td>source</td>").Append(string.Concat(runs.Select(r => $"<td>{E(r.FinalEval is { } f ? $"{f.Source}{(f.Step is null ? "" : $", step {f.Step}")}" : "none")}</td>"))).Append("</tr>\n");
            foreach (var key in keys)
                html.Append($"<tr><td>{E(key)}</td>").Append(string.Concat(runs.Select(r =>
                    $"<td class=\"num\">{E(Num(r.FinalEval?.Rows.FirstOrDefault(x => x.Key == key).Value))}</td>"))).Append("</tr>\n");
        }
        html.Append("</table></section>\n");
    }

    private static void Collapse(StringBuilder html, List<RunData> runs, string tmp)
    {
        Section(html, "collapse", "Class histogram of samples over time (mode collapse)");
        bool any = false;
        foreach (var run in runs)
        {
            string? png = run.CollapsePng;
            if (png is null)
            {
                // Not drawn yet (e.g. a run copied without its PNGs): draw it from the class histograms logged.
                var rows = run.EvalLines.Where(l => l["class_hist"] is JsonArray).ToList();
                if (rows.Count > 0)
                {
                    var fractions = rows.Select(l => l["class_hist"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray()).ToArray();
                    png = Path.Combine(tmp, Guid.NewGuid().ToString("N") + ".png");
                    Plots.StackedBars(png, rows.Select(l => l["step"]!.GetValue<double>()).ToList(), fractions,
                        Enumerable.Range(0, fractions[0].Length).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(),
                        "Class histogram of samples at each evaluation");
                }
            }
            if (png is null) continue;
            any = true;
            if (runs.Count > 1) html.Append("<h3>").Append(E(run.Name)).Append("</h3>\n");
            html.Append("<figure>").Append(Img(png, $"class histogram over time, {run.Name}")).Append("</figure>\n");
        }
        if (!any) html.Append("<p class=\"note\">Not present: it is drawn when evaluations during training read classes (e.g. --eval-every with --metrics modes).</p>\n");
        html.Append("</section>\n");
    }

    internal static void Environment(StringBuilder html, List<RunData> runs)
    {
        Section(html, "environment", "Environment");
        var rows = new List<(string Key, Func<JsonObject, string> Value)>
        {
            ("git commit", d => d["git-commit"]?.GetValue<string>() ?? "unknown"),
            ("created", d => d["created"]?.GetValue<string>() ?? ""),
            ("threads", d => d["threads"]?.ToJsonString() ?? ""),
        };
        foreach (var k in runs.SelectMany(r => (r.OptionsDoc["versions"] as JsonObject ?? new JsonObject()).Select(kv => kv.Key)).Distinct().ToList())
            rows.Add(($"{k} version", d => d["versions"]?[k]?.ToString() ?? ""));
        rows.Add(("OS", d => d["machine"]?["os"]?.ToString() ?? ""));
        rows.Add(("CPU cores", d => d["machine"]?["cores"]?.ToJsonString() ?? ""));
        rows.Add(("CPU features", d => d["machine"]?["cpu-features"] is JsonArray a ? string.Join(", ", a.Select(x => x?.ToString())) : ""));
        html.Append("<table><tr><th></th>").Append(string.Concat(runs.Select(r => $"<th>{E(r.Name)}</th>"))).Append("</tr>\n");
        foreach (var (key, value) in rows)
            html.Append($"<tr><td>{E(key)}</td>").Append(string.Concat(runs.Select(r => $"<td>{E(value(r.OptionsDoc))}</td>"))).Append("</tr>\n");
        html.Append("</table>\n<p class=\"note\">").Append(E($"report made on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Environment.ProcessorCount} cores")).Append("</p></section>\n");
    }

    internal static string Img(string pngPath, string alt, string extra = "") =>
        $"<img {extra} alt=\"{E(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(pngPath))}\">";

    private static string Num(double? v) => v is { } d ? d.ToString("G6", CultureInfo.InvariantCulture) : "—";

    internal static string E(string s) => WebUtility.HtmlEncode(s);

    internal const string Css = """
        body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
        h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
        nav a{color:#1f77b4}table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left}
        th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.differs{font-weight:bold;background:#fff6d5}
        .note,.meta{color:#666;font-size:.9em}figure{margin:1em 0}img{max-width:100%}
        .strip img{display:block;margin-top:.5em;min-width:256px;image-rendering:pixelated}.strip input{width:60%}
        """;

    // The slider of each strip shows one of its grids (the others stay hidden); the last is shown without scripts.
    private const string Script = """
        document.querySelectorAll('.strip').forEach(function (strip) {
          var slider = strip.querySelector('input'), label = strip.querySelector('output');
          var frames = strip.querySelectorAll('img');
          slider.addEventListener('input', function () {
            frames.forEach(function (f, i) { f.hidden = i !== +slider.value; });
            label.textContent = 'step ' + frames[+slider.value].dataset.step;
          });
        });
        """;
}
