using GanSharp.Families.TextToImage;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Text→image R-precision on captioned shapes (AttnGAN's 1 + 99): for each image drawn from a caption of the "test"
/// split, its caption is ranked among 99 captions of images with other attributes by the cosine similarity of the
/// judge embedding (<see cref="TextToImageJudges.RPrecisionJudge"/>, trained separately from the encoder that
/// conditions G). Reports the share ranked first, and the same for the real images (real_r_precision).
/// </summary>
public sealed class RPrecisionMetric : IMetric
{
    public string Name => "r-precision";
    public string Description => "text-to-image on shapes: R-precision (1 + 99 captions) with a separately trained judge embedding (higher is better)";
    public string PrimaryKey => "r_precision";
    public bool HigherIsBetter => true;

    public string? NotApplicable(EvalContext ctx) => TextToImageJudges.NotApplicable(ctx);

    public MetricResult Compute(EvalContext ctx)
    {
        int n = ctx.Settings.Samples;
        var (text, image) = TextToImageJudges.RPrecisionJudge(ctx.Settings.CacheDir, ctx.Log);
        using var judgeText = text;
        using var judgeImage = image;
        var values = Evaluate(ctx.System, judgeText, judgeImage, n, ctx.Settings.Seed, null, ctx.Log);
        return new MetricResult(values, n, n, $"1 + {RPrecision.DefaultMismatched} captions, judge embedding at {TextToImageJudges.Side} px");
    }

    /// <summary>R-precision of <paramref name="system"/> and of the real images on <paramref name="n"/> captions of the "test" split.</summary>
    public static Dictionary<string, double> Evaluate(GanSystem system, TextEncoder judgeText, ImageEncoder judgeImage, int n, long seed, string? shapesCache, Action<string>? log)
    {
        using var data = TextToImageJudges.Shapes("test", n, log, shapesCache);
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(seed, -32));
        using var scope = NewDisposeScope();
        var own = TextToImageJudges.CaptionPerImage(data);
        var generated = TextToImageJudges.Generate(system, own, g);
        var sampler = WrongTextSampler.For(data);
        var others = RPrecision.MismatchedImages(sampler, arange(data.Count), RPrecision.DefaultMismatched, g).flatten();   // N·99
        var (mismatched, _) = CaptionFields.PickCaption(data.ExtraFields[CaptionFields.Captions].index_select(0, others),
            data.ExtraFields[CaptionFields.CaptionCount].index_select(0, others), g);
        Tensor Text(Tensor ids)
        {
            using var _ = no_grad();
            var parts = new List<Tensor>();
            for (long i = 0; i < ids.shape[0]; i += 2000)
            {
                var part = ids.narrow(0, i, Math.Min(2000, ids.shape[0] - i));
                parts.Add(judgeText.call(part, part.ne(Vocabulary.PadId)));
            }
            return cat(parts, 0);
        }
        Tensor Image(Tensor images)
        {
            using var _ = no_grad();
            var parts = new List<Tensor>();
            for (long i = 0; i < images.shape[0]; i += 500)
                parts.Add(judgeImage.call(AttributeClassifierTrainer.Resize(images.narrow(0, i, Math.Min(500, images.shape[0] - i)), TextToImageJudges.Side)));
            return cat(parts, 0);
        }
        var ownText = Text(own);
        var otherText = Text(mismatched).view(data.Count, RPrecision.DefaultMismatched, -1);
        return new Dictionary<string, double>
        {
            ["r_precision"] = RPrecision.Score(Image(generated), ownText, otherText),
            ["real_r_precision"] = RPrecision.Score(Image(data.Gather(arange(data.Count))), ownText, otherText),
        };
    }
}
