using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// The share of generated samples that the domain classifier reads with confidence: top class probability above
/// <see cref="Threshold"/> (issue 17's "would a stranger read this digit"). Real data gives its ceiling
/// (`gansharp eval --real mnist`). Not a published metric: a plain, interpretable check of legibility.
/// </summary>
public sealed class ConfidentMetric : IMetric
{
    public const double Threshold = 0.9;

    public string Name => "confident";
    public string Description => "share of samples the domain classifier reads with top probability > 0.9 (higher is better; real data is the ceiling)";
    public string PrimaryKey => "confident";
    public bool HigherIsBetter => true;

    public string? NotApplicable(EvalContext ctx) => ctx.ClassifierNotApplicable();

    public MetricResult Compute(EvalContext ctx)
    {
        var logits = ctx.GeneratedLogits(ctx.Settings.Samples, "'confident'");
        using var probs = nn.functional.softmax(logits.to_type(ScalarType.Float64), 1);
        return new MetricResult(new Dictionary<string, double> { ["confident"] = Share(probs) }, (int)logits.shape[0], 0);
    }

    /// <summary>The fraction of rows of <paramref name="probs"/> (N×K class probabilities) whose largest entry exceeds the threshold.</summary>
    public static double Share(Tensor probs, double threshold = Threshold)
    {
        if (probs.dim() != 2 || probs.shape[0] == 0) throw new ArgumentException("expected N×K class probabilities with N > 0");
        using var top = probs.max(1).values;
        using var above = top.gt(threshold);
        return above.to_type(ScalarType.Float64).mean().item<double>();
    }
}
