namespace GanSharp.Metrics;

/// <summary>Kernel Inception Distance analogue (Bińkowski et al. 2018): unbiased MMD², cubic kernel, 100 subsets of 1,000.</summary>
public sealed class KidMetric : IMetric
{
    public string Name => "kid";
    public string Description => "unbiased MMD² with a cubic polynomial kernel over 100 subsets of 1000, or of the smaller set's size (lower is better)";
    public string PrimaryKey => "kid";
    public bool HigherIsBetter => false;

    public string? NotApplicable(EvalContext ctx) => ctx.Reference is null ? "it needs image data (use modes for 2-D mixtures)" : null;

    public MetricResult Compute(EvalContext ctx)
    {
        var real = ctx.RealFeatures().Features;
        var gen = ctx.GeneratedFeatures(ctx.Settings.Samples).Features;
        // A small folder (fewer than 1,000 images) is measured with subsets of all it has, as clean-fid does.
        int size = (int)Math.Min(Kid.DefaultSubsetSize, Math.Min(gen.shape[0], real.shape[0]));
        var (mean, std) = Kid.Compute(gen, real, Kid.DefaultSubsets, size, ctx.Settings.Seed);
        return new MetricResult(new Dictionary<string, double> { ["kid"] = mean, ["kid_std"] = std }, (int)gen.shape[0], (int)real.shape[0],
            $"{Kid.DefaultSubsets} subsets of {size}");
    }
}
