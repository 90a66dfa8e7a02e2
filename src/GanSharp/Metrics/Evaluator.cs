using System.Diagnostics;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Training;

namespace GanSharp.Metrics;

/// <summary>The results of one evaluation.</summary>
public sealed record EvalReport(IReadOnlyList<(IMetric Metric, MetricResult Result)> Results, double Seconds, string? FeatureNet, string? FeatureNetHash)
{
    /// <summary>The first metric's primary value (ranks checkpoints).</summary>
    public double Primary => Results[0].Result.Values[Results[0].Metric.PrimaryKey];

    public JsonObject ToJson()
    {
        var metrics = new JsonObject();
        foreach (var (m, r) in Results)
        {
            var o = new JsonObject();
            foreach (var (k, v) in r.Values) o[k] = double.IsFinite(v) ? v : null;
            o["generated"] = r.GeneratedCount;
            o["real"] = r.RealCount;
            if (r.Note is not null) o["note"] = r.Note;
            if (r.ClassHistogram is not null) o["class_hist"] = new JsonArray(r.ClassHistogram.Select(x => (JsonNode)Math.Round(x, 5)).ToArray());
            metrics[m.Name] = o;
        }
        return new JsonObject
        {
            ["metrics"] = metrics,
            ["feature-net"] = FeatureNet,
            ["feature-net-hash"] = FeatureNetHash,
            ["seconds"] = Math.Round(Seconds, 2),
        };
    }

    /// <summary>Flat "metric.key" → value pairs.</summary>
    public IEnumerable<(string Key, double Value)> Flat() =>
        Results.SelectMany(x => x.Result.Values.Select(kv => ($"{x.Metric.Name}.{kv.Key}", kv.Value)));

    /// <summary>The class histogram reported by any metric, if one was.</summary>
    public double[]? ClassHistogram => Results.Select(r => r.Result.ClassHistogram).FirstOrDefault(h => h is not null);
}

/// <summary>Runs metrics on a GAN and sets up the reference data and feature network for a dataset.</summary>
public static class Evaluator
{
    public static EvalReport Run(EvalContext ctx, IReadOnlyList<IMetric> metrics)
    {
        foreach (var m in metrics)
            if (m.NotApplicable(ctx) is { } why)
                throw new ArgumentException($"metric '{m.Name}' does not apply: {why}");
        var clock = Stopwatch.StartNew();
        var results = new List<(IMetric, MetricResult)>();
        foreach (var m in metrics)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            results.Add((m, m.Compute(ctx)));
        }
        string? name = ctx.HasFeatureNetwork && metrics.Any(UsesFeatures) ? ctx.FeatureNetwork.Name : null;
        string? hash = name is not null ? ctx.FeatureNetwork.Hash : null;
        return new EvalReport(results, clock.Elapsed.TotalSeconds, name, hash);
    }

    private static bool UsesFeatures(IMetric m) => m.Name is not "modes";

    /// <summary>The feature network name used by default for a dataset, or null.</summary>
    public static string? DefaultFeatureNet(string dataset) => dataset switch
    {
        "mnist" or "stacked-mnist" => "mnist-cnn",
        "fashion-mnist" => "fashion-cnn",
        _ => null,
    };

    /// <summary>
    /// The feature network for a reference set: the dataset's own classifier, else <see cref="RandomCnn"/> for
    /// other image data (a folder, a provider's images), else none (2-D points).
    /// </summary>
    public static string? DefaultFeatureNet(string dataset, TensorDataset? reference) =>
        DefaultFeatureNet(dataset) ?? (reference is not null && reference.ExampleShape.Length == 3 ? RandomCnn.NetworkName : null);

    /// <summary>
    /// An evaluation context for a run's options: MNIST-style data is compared with its test split (10,000
    /// images), stacked MNIST with 10,000 stacks of test digits, an image folder with itself (at the run's size,
    /// channels and resize mode), or <see cref="EvalSettings.Reference"/> when set; 2-D mixtures need no reference.
    /// </summary>
    public static EvalContext Context(GanSystem system, EvalSettings settings, Action<string>? log = null)
    {
        var o = system.Options;
        string data = settings.Reference ?? o.Data;
        TensorDataset? reference = data switch
        {
            "ring" or "grid" => null,
            "mnist" or "fashion-mnist" or "stacked-mnist" => Datasets.Open(data, new DatasetOpenOptions { Split = "test", DataDir = o.DataDir, Seed = 20_240 }, log),
            "shapes" => Datasets.Open(data, new DatasetOpenOptions { Split = "test", Size = o.Size, Count = 2000, Seed = 20_240 }, log),   // generated: a bounded reference
            _ => Datasets.Open(data, new DatasetOpenOptions { Size = o.Size, Channels = o.Channels, Resize = o.Resize }, log),
        };
        if (settings.Reference is not null && reference is not null && !reference.ExampleShape.SequenceEqual(system.ExampleShape))
        {
            string shape = $"[{string.Join(",", reference.ExampleShape)}]";
            reference.Dispose();
            throw new ArgumentException($"reference '{data}' has examples of shape {shape}, the checkpoint generates [{string.Join(",", system.ExampleShape)}]: pass a reference of the run's kind");
        }
        string? net = settings.FeatureNet ?? DefaultFeatureNet(data, reference);
        Func<IFeatureNetwork>? factory = net is null ? null : () => FeatureNetworks.Load(net);
        return new EvalContext(system, data, reference, factory, settings) { Log = log, OwnsReference = true };
    }
}
