using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Inception Score analogue (Salimans et al. 2016) on the dataset's own classifier instead of Inception,
/// with the entropy of the predicted-class histogram.
/// </summary>
public sealed class InceptionScoreMetric : IMetric
{
    public string Name => "is";
    public string Description => "Inception Score analogue on the domain classifier, 10 splits, and class entropy (higher is better)";
    public string PrimaryKey => "is";
    public bool HigherIsBetter => true;

    public string? NotApplicable(EvalContext ctx) => ctx.ClassifierNotApplicable();

    public MetricResult Compute(EvalContext ctx)
    {
        var logits = ctx.GeneratedLogits(ctx.Settings.Samples, "IS");
        var probs = nn.functional.softmax(logits.to_type(ScalarType.Float64), 1);
        var (mean, std) = InceptionScore.Compute(probs);
        var predicted = logits.argmax(1);
        var hist = InceptionScore.ClassHistogram(predicted, (int)logits.shape[1]);
        return new MetricResult(new Dictionary<string, double>
        {
            ["is"] = mean, ["is_std"] = std, ["class_entropy"] = InceptionScore.ClassEntropy(predicted, (int)logits.shape[1]),
        }, (int)logits.shape[0], 0) { ClassHistogram = hist };
    }
}
