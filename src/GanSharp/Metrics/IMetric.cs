namespace GanSharp.Metrics;

/// <summary>The values one metric produced, with the sample counts it used.</summary>
public sealed record MetricResult(IReadOnlyDictionary<string, double> Values, int GeneratedCount, int RealCount, string? Note = null)
{
    /// <summary>Per-class fractions of generated samples, when the metric reads classes.</summary>
    public double[]? ClassHistogram { get; init; }
}

/// <summary>
/// A metric, found by name in <see cref="MetricRegistry"/>. Adding one is one file: a class implementing this
/// interface with a public parameterless constructor.
/// </summary>
public interface IMetric
{
    /// <summary>The name used on the command line (e.g. "fid").</summary>
    string Name { get; }
    string Description { get; }

    /// <summary>The value key that ranks checkpoints, and whether higher is better.</summary>
    string PrimaryKey { get; }
    bool HigherIsBetter { get; }

    /// <summary>Whether this metric applies to the data in <paramref name="ctx"/>; when not, the reason.</summary>
    string? NotApplicable(EvalContext ctx) => null;

    MetricResult Compute(EvalContext ctx);
}

/// <summary>Every <see cref="IMetric"/> in the GanSharp assembly, by name.</summary>
public static class MetricRegistry
{
    private static readonly Lazy<IReadOnlyDictionary<string, IMetric>> _all = new(() =>
        typeof(IMetric).Assembly.GetTypes()
            .Where(t => typeof(IMetric).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IMetric)Activator.CreateInstance(t)!)
            .ToDictionary(m => m.Name, StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, IMetric> All => _all.Value;

    /// <summary>Parses "fid,kid" into metrics; unknown names are an error listing the known ones.</summary>
    public static IReadOnlyList<IMetric> Parse(string names)
    {
        var list = new List<IMetric>();
        foreach (var n in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!All.TryGetValue(n, out var m))
                throw new ArgumentException($"unknown metric '{n}': use one of {string.Join(", ", All.Keys.Order(StringComparer.Ordinal))}");
            if (!list.Contains(m)) list.Add(m);
        }
        if (list.Count == 0) throw new ArgumentException("no metrics given: e.g. --metrics fid,modes");
        return list;
    }
}
