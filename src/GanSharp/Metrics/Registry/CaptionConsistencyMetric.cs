using GanSharp.Families.TextToImage;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Caption consistency on captioned shapes (issue 13): the model draws one image per caption of real images of the
/// judges' seed, on seen ("test" split) and on held-out (shape, colour) combinations ("heldout" split); the attribute
/// classifier (<see cref="TextToImageJudges"/>) reads each object's shape, colour, size and position and the
/// background, objects are matched to the caption's by position (Hungarian), and the metric reports per-attribute
/// accuracy and the share of images whose every attribute matches. The same classifier on the real images gives the
/// ceiling (real_*). Also the classifier-FID (fid_attr) of the seen-caption images against their real images, with
/// the classifier's features; every model is compared at 32 px.
/// </summary>
public sealed class CaptionConsistencyMetric : IMetric
{
    public string Name => "caption-consistency";
    public string Description => "text-to-image on shapes: attribute accuracy and all-attributes-match share, seen and held-out combinations, real ceiling, classifier-FID (higher seen_all is better)";
    public string PrimaryKey => "seen_all";
    public bool HigherIsBetter => true;

    public string? NotApplicable(EvalContext ctx) => TextToImageJudges.NotApplicable(ctx);

    public MetricResult Compute(EvalContext ctx)
    {
        int n = ctx.Settings.Samples;
        using var classifier = TextToImageJudges.AttributeClassifier(ctx.Settings.CacheDir, ctx.Log);
        var values = Evaluate(ctx.System, classifier, n, ctx.Settings.Seed, null, ctx.Log);
        return new MetricResult(values, 2 * n, 2 * n, $"judged at {TextToImageJudges.Side} px; {n} captions per split");
    }

    /// <summary>
    /// The metric's values for <paramref name="system"/> (an <see cref="ITextToImage"/>) judged by
    /// <paramref name="classifier"/> on <paramref name="n"/> captions per split, latents from a generator seeded by
    /// <paramref name="seed"/>; <paramref name="shapesCache"/> is the captioned shapes cache root (null: the default).
    /// </summary>
    public static Dictionary<string, double> Evaluate(GanSystem system, AttributeClassifier classifier, int n, long seed, string? shapesCache, Action<string>? log)
    {
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(seed, -31));
        var values = new Dictionary<string, double>();
        foreach (var (name, split) in new[] { ("seen", "test"), ("heldout", "heldout") })
        {
            using var scope = NewDisposeScope();
            using var data = TextToImageJudges.Shapes(split, n, log, shapesCache);
            var attributes = data.ExtraFields[CaptionFields.Attributes];
            var generated = TextToImageJudges.Generate(system, TextToImageJudges.CaptionPerImage(data), g);
            var real = data.Gather(arange(data.Count));
            var fake = CaptionConsistency.Score(AttributeClassifierTrainer.Predict(classifier, generated, TextToImageJudges.Side), attributes);
            var ceiling = CaptionConsistency.Score(AttributeClassifierTrainer.Predict(classifier, real, TextToImageJudges.Side), attributes);
            Put(values, name, fake);
            Put(values, "real_" + name, ceiling);
            if (name == "seen")
                values["fid_attr"] = Fid.Compute(AttributeClassifierTrainer.Features(classifier, generated, TextToImageJudges.Side),
                    AttributeClassifierTrainer.Features(classifier, real, TextToImageJudges.Side));
        }
        values["seen_vs_real"] = values["seen_all"] / values["real_seen_all"];
        values["heldout_vs_real"] = values["heldout_all"] / values["real_heldout_all"];
        return values;
    }

    private static void Put(Dictionary<string, double> values, string prefix, ConsistencyScore s)
    {
        values[prefix + "_all"] = s.AllMatch;
        values[prefix + "_count"] = s.Count;
        values[prefix + "_background"] = s.Background;
        values[prefix + "_shape"] = s.Shape;
        values[prefix + "_colour"] = s.Colour;
        values[prefix + "_size"] = s.Size;
        values[prefix + "_position"] = s.Position;
    }
}
