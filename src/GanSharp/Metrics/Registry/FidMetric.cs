namespace GanSharp.Metrics;

/// <summary>Fréchet distance between feature statistics of generated and real images (Heusel et al. 2017).</summary>
public sealed class FidMetric : IMetric
{
    public string Name => "fid";
    public string Description => "Fréchet distance of feature statistics, generated vs real (lower is better)";
    public string PrimaryKey => "fid";
    public bool HigherIsBetter => false;

    public string? NotApplicable(EvalContext ctx) => ctx.Reference is null ? "it needs image data (use modes for 2-D mixtures)" : null;

    public MetricResult Compute(EvalContext ctx)
    {
        var real = ctx.RealFeatures().Features;
        var gen = ctx.GeneratedFeatures(ctx.Settings.Samples).Features;
        return new MetricResult(new Dictionary<string, double> { ["fid"] = Fid.Compute(gen, real) }, (int)gen.shape[0], (int)real.shape[0]);
    }
}
