using System.Globalization;
using System.Text.Json.Nodes;
using GanSharp.Imaging;
using GanSharp.Performance;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>Appends step, losses, D outputs, gradient norms and seconds to metrics.jsonl every log-every steps.</summary>
public sealed class MetricsLog(string path) : ITrainingObserver
{
    public void OnStep(Trainer trainer, StepStats s)
    {
        if (!s.Measured) return;
        var line = new JsonObject { ["step"] = s.Step };
        foreach (var (key, value) in s.Values) line[key] = double.IsFinite(value) ? value : null;
        line["seconds"] = Math.Round(s.Seconds, 3);
        RunDirectory.AppendLine(path, line.ToJsonString()); // one write; a failed one leaves no torn line
    }

    /// <summary>Reads metrics.jsonl back as columns (for plots).</summary>
    public static (List<double> Steps, Dictionary<string, List<double>> Series) Read(string path, params string[] keys)
    {
        var steps = new List<double>();
        var series = keys.ToDictionary(k => k, _ => new List<double>());
        if (!File.Exists(path)) return (steps, series);
        foreach (var line in File.ReadLines(path))
        {
            JsonNode? n;
            try { n = JsonNode.Parse(line); }
            catch (System.Text.Json.JsonException) { continue; }
            if (n?["step"] is null) continue;
            steps.Add(n["step"]!.GetValue<double>());
            foreach (var k in keys) series[k].Add(n[k]?.GetValue<double>() ?? double.NaN);
        }
        return (steps, series);
    }
}

/// <summary>
/// Sample grids from one fixed noise batch (drawn from its own generator) every sample-every steps and at the
/// end, plus the loss-curve PNG. G is switched to eval mode for sampling, so BatchNorm statistics are untouched.
/// </summary>
public sealed class SampleGrids : ITrainingObserver, IDisposable
{
    private readonly RunDirectory _run;
    private readonly Tensor _fixedNoise;
    private readonly Tensor? _fixedCondition;
    private readonly int? _columns;
    private readonly (float[] X, float[] Y)? _means;

    public SampleGrids(RunDirectory run, GanSystem system, (float[] X, float[] Y)? trueMeans = null)
    {
        _run = run;
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(system.Options.Seed, -2));
        _fixedCondition = system.GridCondition(system.Options.SampleCount)?.DetachFromDisposeScope();
        _fixedNoise = system.SampleLatent(_fixedCondition?.shape[0] ?? system.Options.SampleCount, g).DetachFromDisposeScope();
        _columns = system.GridColumns(system.Options.SampleCount);
        _means = trueMeans;
        if (system.GridRowLabels(system.Options.SampleCount) is { } rows)
            File.WriteAllLines(Path.Combine(run.SamplesDir, "rows.txt"), rows.Select((r, i) => $"row {i + 1}: {r}"));
    }

    public void OnStep(Trainer trainer, StepStats stats)
    {
        if (stats.Step % trainer.Options.SampleEvery == 0) Write(trainer);
    }

    public void OnEnd(Trainer trainer, bool completed)
    {
        if (trainer.Step % trainer.Options.SampleEvery != 0 && trainer.Step > 0) Write(trainer);
    }

    /// <summary>Writes samples/step-NNNNNN.png and refreshes loss.png; returns the sample path.</summary>
    public string Write(Trainer trainer)
    {
        string path = Path.Combine(_run.SamplesDir, $"step-{trainer.Step:D6}.png");
        using (var scope = NewDisposeScope())
        {
            var images = trainer.System.GridImages(Sample(trainer.System, _fixedNoise, _fixedCondition), _fixedCondition);
            SaveSamples(images, path, $"step {trainer.Step}", _means, _columns);
        }
        var (steps, series) = MetricsLog.Read(_run.MetricsPath, "loss_d", "loss_g", "d_real", "d_fake");
        if (steps.Count >= 2)
            Plots.LossCurves(_run.LossCurvePath, steps,
                series.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<double>)kv.Value), "GAN losses and mean D outputs");
        NativeGarbage.CollectFull();
        return path;
    }

    /// <summary>
    /// G(z) in eval mode under inference_mode, through G's BatchNorm-folded inference path unless the
    /// fold-batch-norm knob is off; G's training mode is restored.
    /// </summary>
    public static Tensor Sample(GanSystem system, Tensor z, Tensor? condition = null)
    {
        var g = system.HasNetwork("G") ? system.Network("G") : null;   // a system without G (an encoder) draws its own grid
        bool wasTraining = g?.training ?? false;
        g?.eval();
        try
        {
            using var ema = system.Ema?.Swap();
            using var _ = inference_mode();
            system.InferenceG = g is null ? null : system.FoldedG(ema is not null);
            return system.Generate(z, condition);
        }
        finally
        {
            system.InferenceG = null;
            if (wasTraining) g!.train();
        }
    }

    /// <summary>
    /// Images become a grid PNG (RGBA samples, premultiplied, drawn over a checkerboard so that transparency shows);
    /// 2-D points a scatter plot over the true means when known.
    /// </summary>
    public static void SaveSamples(Tensor samples, string path, string title, (float[] X, float[] Y)? means = null, int? columns = null)
    {
        if (samples.device_type != DeviceType.CPU)
        {
            using var onCpu = samples.cpu();                 // images are written from the CPU
            SaveSamples(onCpu, path, title, means, columns);
            return;
        }
        if (samples.dim() == 4)
        {
            using var rgb = samples.shape[1] == 4 ? GanSharp.Augment.Alpha.OverCheckerboard(samples) : null;
            ImageGrid.Save(rgb ?? samples, path, columns, scale: samples.shape[2] <= 28 ? 2 : 1); // 28×28 digits shown at 2×
        }
        else if (samples.dim() == 2 && samples.shape[1] == 2)
        {
            var xy = samples.to_type(ScalarType.Float32).contiguous();
            float[] xs = xy.select(1, 0).data<float>().ToArray(); // cpu: samples were moved to the CPU at the top
            float[] ys = xy.select(1, 1).data<float>().ToArray(); // cpu: samples were moved to the CPU at the top
            Plots.Scatter2D(path, xs, ys, means?.X ?? Array.Empty<float>(), means?.Y ?? Array.Empty<float>(), title);
        }
        else
        {
            throw new ArgumentException($"cannot draw samples of shape [{string.Join(",", samples.shape)}]");
        }
    }

    public void Dispose()
    {
        _fixedNoise.Dispose();
        _fixedCondition?.Dispose();
    }
}

/// <summary>Writes a checkpoint every checkpoint-every steps and always at the end (also when cancelled).</summary>
public sealed class Checkpointer(RunDirectory run) : ITrainingObserver
{
    public string? LastPath { get; private set; }

    public void OnStep(Trainer trainer, StepStats stats)
    {
        if (stats.Step % trainer.Options.CheckpointEvery == 0) LastPath = run.SaveCheckpoint(trainer, trainer.Options.Keep);
    }

    public void OnEnd(Trainer trainer, bool completed)
    {
        if (trainer.Step > 0 && (LastPath is null || trainer.Step % trainer.Options.CheckpointEvery != 0))
            LastPath = run.SaveCheckpoint(trainer, trainer.Options.Keep);
    }
}

/// <summary>Formats numbers for logs and tables with the invariant culture.</summary>
public static class Fmt
{
    public static string G4(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
