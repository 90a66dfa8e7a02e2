namespace GanSharp.Metrics;

/// <summary>Improved precision and recall (Kynkäänniemi et al. 2019), k = 3.</summary>
public sealed class PrecisionRecallMetric : IMetric
{
    public string Name => "pr";
    public string Description => "improved precision / recall of feature manifolds, k = 3 (higher is better)";
    public string PrimaryKey => "precision";
    public bool HigherIsBetter => true;

    public string? NotApplicable(EvalContext ctx) => ctx.Reference is null ? "it needs image data (use modes for 2-D mixtures)" : null;

    public MetricResult Compute(EvalContext ctx)
    {
        var real = ctx.RealFeatures().Features;
        var gen = ctx.GeneratedFeatures(ctx.Settings.Samples).Features;
        var (p, r) = PrecisionRecall.Compute(real, gen, PrecisionRecall.DefaultK);
        return new MetricResult(new Dictionary<string, double> { ["precision"] = p, ["recall"] = r }, (int)gen.shape[0], (int)real.shape[0]);
    }
}
