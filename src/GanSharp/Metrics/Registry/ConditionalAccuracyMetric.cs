using GanSharp.Training;
using GanSharp.Models;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Conditional accuracy: generated samples for uniformly drawn requested classes are read by the dataset's
/// classifier (mnist-cnn / fashion-cnn); the fraction it assigns to the requested class, overall and per class.
/// </summary>
public sealed class ConditionalAccuracyMetric : IMetric
{
    public string Name => "cond-acc";
    public string Description => "conditional accuracy: the classifier agrees with the requested class (class-conditional models; higher is better)";
    public string PrimaryKey => "accuracy";
    public bool HigherIsBetter => true;

    public string? NotApplicable(EvalContext ctx) =>
        ctx.System is not IClassConditional ? "it needs a class-conditional model (e.g. cgan)"
        : !ctx.HasFeatureNetwork ? "it needs a dataset with a classifier (mnist, fashion-mnist)"
        : null;

    public MetricResult Compute(EvalContext ctx)
    {
        int n = ctx.Settings.Samples;
        int k = ((IClassConditional)ctx.System).NumClasses;
        var logits = ctx.GeneratedFeatures(n).Logits
            ?? throw new ArgumentException($"feature network '{ctx.FeatureNetwork.Name}' has no classifier head");
        if (logits.shape[1] != k)
            throw new ArgumentException($"feature network '{ctx.FeatureNetwork.Name}' reads {logits.shape[1]} classes, the model has {k}");
        var requested = ctx.GeneratedConditions(n)!.to_type(ScalarType.Int64);
        var correct = logits.argmax(1).eq(requested).to_type(ScalarType.Float32);

        var values = new Dictionary<string, double> { ["accuracy"] = correct.mean().item<float>() };
        for (int c = 0; c < k; c++)
        {
            var mask = requested.eq(c);
            long count = mask.sum().item<long>();
            values[$"class_{c}"] = count == 0 ? double.NaN : correct.masked_select(mask).mean().item<float>();
        }
        return new MetricResult(values, n, 0); // per-class accuracies are the class_K values
    }
}
