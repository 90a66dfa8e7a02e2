using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GanSharp.Imaging;
using GanSharp.Training;
using ScottPlot;

namespace GanSharp.Reporting;

/// <summary>One evaluation of a run: the step, the training seconds up to it (evaluation time left out) and the value.</summary>
public readonly record struct QualityPoint(int Step, double Seconds, double Value);

/// <summary>A run's curve of one metric against training time, read from its metrics.jsonl.</summary>
public sealed record QualityCurve(string Run, string Group, IReadOnlyList<QualityPoint> Points)
{
    public double Final => Points.Count == 0 ? double.NaN : Points[^1].Value;
    public double Best(bool lowerIsBetter) => Points.Count == 0 ? double.NaN : lowerIsBetter ? Points.Min(p => p.Value) : Points.Max(p => p.Value);

    /// <summary>Training seconds at the first evaluation at or past <paramref name="target"/> (NaN when never reached).</summary>
    public double SecondsToReach(double target, bool lowerIsBetter)
    {
        foreach (var p in Points)
            if (lowerIsBetter ? p.Value <= target : p.Value >= target) return p.Seconds;
        return double.NaN;
    }
}

/// <summary>
/// Time to quality across runs (the progressive comparison of issue 15): each run's metric against the training
/// seconds the trainer measured (<c>seconds</c> in metrics.jsonl counts training steps only, not evaluation or
/// sample grids), a PNG of the curves and a markdown table of final value, best value and seconds to reach a target.
/// Runs whose names differ only in a trailing -sN / -seedN are one group (seeds), summarized by mean ± std.
/// </summary>
public static class TimeToQuality
{
    /// <summary>The group of a run name: the name without a trailing "-s3" / "-seed3".</summary>
    public static string GroupOf(string run) => Regex.Replace(run, @"-(s|seed)\d+$", "");

    /// <summary>
    /// Reads <paramref name="metric"/> ("fid" or "fid.fid", "cfid") from a run's metrics.jsonl, each evaluation
    /// paired with the training seconds of the same step's log line (interpolated between the nearest ones when
    /// that step was not logged).
    /// </summary>
    public static QualityCurve Read(string runDir, string metric)
    {
        string path = Path.Combine(runDir, "metrics.jsonl");
        if (!File.Exists(path)) throw new ArgumentException($"'{runDir}' is not a run directory (it has no metrics.jsonl)");
        string key = metric.Contains('.') ? metric : $"{metric}.{metric}";
        var seconds = new SortedDictionary<int, double>();
        var evals = new List<(int Step, double Value)>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? n;
            try { n = JsonNode.Parse(line); }
            catch (System.Text.Json.JsonException) { throw new ArgumentException($"{path}:{lineNo} is not a JSON line"); }
            if (n?["step"] is not { } s) continue;
            int step = s.GetValue<int>();
            if (n["seconds"] is { } sec) seconds[step] = sec.GetValue<double>();
            if (n["eval"]?[key] is { } v) evals.Add((step, v.GetValue<double>()));
        }
        var points = evals.Select(e => new QualityPoint(e.Step, SecondsAt(seconds, e.Step), e.Value)).ToList();
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(runDir));
        return new QualityCurve(name, GroupOf(name), points);
    }

    private static double SecondsAt(SortedDictionary<int, double> seconds, int step)
    {
        if (seconds.TryGetValue(step, out var s)) return s;
        var before = seconds.LastOrDefault(kv => kv.Key < step);
        var after = seconds.FirstOrDefault(kv => kv.Key > step);
        if (before.Key == 0 && after.Key == 0) return double.NaN;
        if (after.Key == 0) return before.Value;
        if (before.Key == 0) return after.Value * step / after.Key;
        return before.Value + (after.Value - before.Value) * (step - before.Key) / (after.Key - before.Key);
    }

    /// <summary>The markdown table: one row per run and one per group of seeds (mean ± sample std).</summary>
    public static string Table(IReadOnlyList<QualityCurve> curves, string metric, double? target, bool lowerIsBetter)
    {
        var c = CultureInfo.InvariantCulture;
        string F(double v, string fmt = "F1") => double.IsFinite(v) ? v.ToString(fmt, c) : "–";
        string reach = target is { } t ? $"s to {metric} {(lowerIsBetter ? "≤" : "≥")} {t.ToString(c)}" : "";
        var sb = new StringBuilder();
        sb.AppendLine($"| run | evals | last step | training s | final {metric} | best {metric} |{(reach != "" ? $" {reach} |" : "")}");
        sb.AppendLine($"|---|---:|---:|---:|---:|---:|{(reach != "" ? "---:|" : "")}");
        foreach (var q in curves)
        {
            var last = q.Points.Count > 0 ? q.Points[^1] : default;
            sb.Append($"| {q.Run} | {q.Points.Count} | {last.Step} | {F(last.Seconds, "F0")} | {F(q.Final)} | {F(q.Best(lowerIsBetter))} |");
            if (target is { } tt) sb.Append($" {F(q.SecondsToReach(tt, lowerIsBetter), "F0")} |");
            sb.AppendLine();
        }
        var groups = curves.GroupBy(q => q.Group).Where(g => g.Count() > 1).ToList();
        if (groups.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"| group | seeds | final {metric} | best {metric} |{(reach != "" ? $" {reach} (reached) |" : "")}");
            sb.AppendLine($"|---|---:|---:|---:|{(reach != "" ? "---:|" : "")}");
            foreach (var g in groups)
            {
                var list = g.ToList();
                sb.Append($"| {g.Key} | {list.Count} | {MeanStd(list.Select(q => q.Final), F)} | {MeanStd(list.Select(q => q.Best(lowerIsBetter)), F)} |");
                if (target is { } tt)
                {
                    var times = list.Select(q => q.SecondsToReach(tt, lowerIsBetter)).ToList();
                    sb.Append($" {MeanStd(times.Where(double.IsFinite), v => F(v, "F0"))} ({times.Count(double.IsFinite)}/{times.Count}) |");
                }
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    private static string MeanStd(IEnumerable<double> values, Func<double, string, string> f) => MeanStd(values, v => f(v, "F1"));

    private static string MeanStd(IEnumerable<double> values, Func<double, string> f)
    {
        var v = values.Where(double.IsFinite).ToList();
        if (v.Count == 0) return "–";
        double mean = v.Average();
        if (v.Count == 1) return f(mean);
        double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
        return $"{f(mean)} ± {f(std)}";
    }

    /// <summary>The curves as a PNG: metric against training seconds, one colour per group, one line per run.</summary>
    public static void Plot(string path, IReadOnlyList<QualityCurve> curves, string metric, string title, bool logY = false)
    {
        EmbeddedFonts.EnsureRegisteredWithScottPlot();
        var plot = new Plot();
        plot.Font.Set(Plots.FontName);
        plot.Title(title, size: 18);
        plot.XLabel("training seconds (evaluation left out)", size: 15);
        plot.YLabel(metric, size: 15);
        plot.Legend.FontName = Plots.FontName;
        var palette = new ScottPlot.Palettes.Category10();
        var groups = curves.Select(q => q.Group).Distinct().ToList();
        var labelled = new HashSet<string>();
        foreach (var q in curves)
        {
            var pts = q.Points.Where(p => double.IsFinite(p.Seconds) && double.IsFinite(p.Value)).ToList();
            if (pts.Count == 0) continue;
            var line = plot.Add.ScatterLine(pts.Select(p => p.Seconds).ToArray(), pts.Select(p => logY ? Math.Log10(p.Value) : p.Value).ToArray(),
                palette.GetColor(groups.IndexOf(q.Group) % 10));
            line.LineWidth = 2;
            line.MarkerSize = 5;
            if (labelled.Add(q.Group)) line.LegendText = q.Group;
        }
        if (logY) plot.YLabel($"log10 {metric}", size: 15);
        plot.ShowLegend(Alignment.UpperRight);
        var bytes = plot.GetImageBytes(900, 560, ImageFormat.Png);
        ImageFile.WriteAtomically(path, stream => stream.Write(bytes));
    }
}
