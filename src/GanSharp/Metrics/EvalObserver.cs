using System.Globalization;
using System.Text.Json.Nodes;
using GanSharp.Imaging;
using GanSharp.Training;

namespace GanSharp.Metrics;

/// <summary>
/// Evaluates metrics every eval-every steps during training: appends {"step", "eval": {...}} to metrics.jsonl,
/// keeps checkpoints/best.ckpt by the first metric, and redraws collapse.png (the class histogram of samples
/// at each evaluation) when the metrics read classes. Uses its own generator and G's eval mode: training is
/// unchanged.
/// </summary>
public sealed class EvalObserver : ITrainingObserver, IDisposable
{
    private readonly RunDirectory _run;
    private readonly EvalContext _ctx;
    private readonly IReadOnlyList<IMetric> _metrics;
    private double? _best;

    public EvalObserver(RunDirectory run, EvalContext ctx, IReadOnlyList<IMetric> metrics)
    {
        _run = run;
        _ctx = ctx;
        _metrics = metrics;
        if (File.Exists(BestInfoPath))
            _best = JsonNode.Parse(File.ReadAllText(BestInfoPath))?["value"]?.GetValue<double>();
    }

    public string BestPath => Path.Combine(_run.CheckpointsDir, "best.ckpt");
    public string BestInfoPath => Path.Combine(_run.CheckpointsDir, "best.json");
    public string CollapsePlotPath => Path.Combine(_run.Root, "collapse.png");

    public void OnStep(Trainer trainer, StepStats stats)
    {
        if (trainer.Options.EvalEvery > 0 && stats.Step % trainer.Options.EvalEvery == 0) Evaluate(trainer);
    }

    public void OnEnd(Trainer trainer, bool completed)
    {
        if (completed && trainer.Step % trainer.Options.EvalEvery != 0) Evaluate(trainer);
    }

    public EvalReport Evaluate(Trainer trainer)
    {
        _ctx.ResetGenerated();
        var report = Evaluator.Run(_ctx, _metrics);
        var values = new JsonObject();
        foreach (var (k, v) in report.Flat()) values[k] = double.IsFinite(v) ? v : null;
        var line = new JsonObject { ["step"] = trainer.Step, ["eval"] = values, ["eval_seconds"] = Math.Round(report.Seconds, 2) };
        if (report.ClassHistogram is { } h) line["class_hist"] = new JsonArray(h.Select(x => (JsonNode)Math.Round(x, 5)).ToArray());
        RunDirectory.AppendLine(_run.MetricsPath, line.ToJsonString());

        var first = _metrics[0];
        double primary = report.Primary;
        bool better = _best is null || (first.HigherIsBetter ? primary > _best : primary < _best);
        if (double.IsFinite(primary) && better)
        {
            _best = primary;
            var (header, tensors) = trainer.CaptureState();
            CheckpointFile.Save(BestPath, header, tensors);
            RunDirectory.AtomicWrite(BestInfoPath, new JsonObject
            {
                ["step"] = trainer.Step, ["metric"] = $"{first.Name}.{first.PrimaryKey}", ["value"] = primary,
            }.ToJsonString());
        }
        if (report.ClassHistogram is not null) DrawCollapse();
        return report;
    }

    /// <summary>Redraws collapse.png from every class histogram in metrics.jsonl.</summary>
    public void DrawCollapse()
    {
        var steps = new List<double>();
        var rows = new List<double[]>();
        foreach (var line in File.ReadLines(_run.MetricsPath))
        {
            JsonNode? n;
            try { n = JsonNode.Parse(line); }
            catch (System.Text.Json.JsonException) { continue; }
            if (n?["class_hist"] is not JsonArray a) continue;
            steps.Add(n["step"]!.GetValue<double>());
            rows.Add(a.Select(x => x!.GetValue<double>()).ToArray());
        }
        if (rows.Count == 0) return;
        int k = rows[0].Length;
        var names = Enumerable.Range(0, k).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        Plots.StackedBars(CollapsePlotPath, steps, rows.ToArray(), names, "Class histogram of samples at each evaluation");
    }

    public void Dispose() => _ctx.Dispose();
}
