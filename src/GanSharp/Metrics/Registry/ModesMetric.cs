using GanSharp.Data;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Mode coverage. 2-D mixtures: the PacGAN definition on 2,500 samples (modes captured, % high-quality samples,
/// reverse KL). Stacked MNIST: distinct digit triples read by the classifier per channel and KL to uniform over
/// 1,000, on 26,000 samples (the VEEGAN setting). Labelled image data: predicted classes with at least one
/// sample, and KL of the class histogram to uniform.
/// </summary>
public sealed class ModesMetric : IMetric
{
    public const int Samples2D = 2500;

    public string Name => "modes";
    public string Description => "mode coverage: 2-D mixtures (PacGAN), Stacked MNIST (1000 triples), or classes (higher is better)";
    public string PrimaryKey => "modes";
    public bool HigherIsBetter => true;

    public string? NotApplicable(EvalContext ctx) =>
        ctx.DatasetName is "ring" or "grid" || ctx.HasFeatureNetwork && ctx.FeatureNetwork.NumClasses > 0 ? null : "it needs a 2-D mixture or a dataset with a classifier";

    public MetricResult Compute(EvalContext ctx)
    {
        if (ctx.DatasetName is "ring" or "grid")
        {
            var samples = ctx.Generated(Samples2D);
            var r = ModeCoverage.Compute(samples, GaussianMixture2D.Means(ctx.DatasetName), GaussianMixture2D.Std(ctx.DatasetName));
            return new MetricResult(new Dictionary<string, double>
            {
                ["modes"] = r.Modes, ["total_modes"] = r.TotalModes, ["hq_percent"] = 100 * r.HighQualityFraction, ["reverse_kl"] = r.ReverseKl,
            }, Samples2D, 0) { ClassHistogram = r.Counts.Select(c => (double)c / Math.Max(1, r.Counts.Sum())).ToArray() };
        }
        if (ctx.DatasetName == "stacked-mnist")
        {
            var images = ctx.Generated(StackedMnistModes.VeeganSamples);
            var digits = FeatureNetworks.PredictDigitsPerChannel(ctx.FeatureNetwork, images);
            var r = StackedMnistModes.Compute(digits);
            return new MetricResult(new Dictionary<string, double> { ["modes"] = r.Modes, ["kl"] = r.Kl }, r.Samples, 0, "VEEGAN setting: 26000 samples");
        }
        var logits = ctx.GeneratedFeatures(ctx.Settings.Samples).Logits
            ?? throw new ArgumentException($"feature network '{ctx.FeatureNetwork.Name}' has no classifier head");
        int k = (int)logits.shape[1];
        var hist = InceptionScore.ClassHistogram(logits.argmax(1), k);
        double kl = hist.Where(p => p > 0).Sum(p => p * Math.Log(p * k));
        return new MetricResult(new Dictionary<string, double> { ["modes"] = hist.Count(p => p > 0), ["kl"] = kl }, (int)logits.shape[0], 0)
        { ClassHistogram = hist };
    }
}
