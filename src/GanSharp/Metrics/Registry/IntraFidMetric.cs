using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Class-conditional FID ("intra-class FID", Miyato &amp; Koyama 2018): for each class c, the FID between the
/// features of samples generated for c and of the real images labelled c; the value is the mean over classes
/// (each class also reported as class_c). It judges a conditional model per class, where plain FID cannot tell a
/// model that ignores its label from one that follows it.
/// </summary>
public sealed class IntraFidMetric : IMetric
{
    public string Name => "cfid";
    public string Description => "class-conditional (intra-class) FID: FID per requested class against real images of that class, mean over classes (class-conditional models; lower is better)";
    public string PrimaryKey => "cfid";
    public bool HigherIsBetter => false;

    public string? NotApplicable(EvalContext ctx) =>
        ctx.System is not IClassConditional ? "it needs a class-conditional model (e.g. cgan, cascade)"
        : ctx.Reference?.Labels is null ? "it needs labelled real images (mnist, fashion-mnist)"
        : null;

    public MetricResult Compute(EvalContext ctx)
    {
        int n = ctx.Settings.Samples;
        int k = ((IClassConditional)ctx.System).NumClasses;
        var gen = ctx.GeneratedFeatures(n).Features;
        var requested = ctx.GeneratedConditions(n)!.to_type(ScalarType.Int64);
        var real = ctx.RealFeatures().Features;
        var labels = ctx.Reference!.Labels!;
        var values = new Dictionary<string, double>();
        double sum = 0;
        int classes = 0;
        for (int c = 0; c < k; c++)
        {
            var g = gen[requested.eq(c)];
            var r = real[labels.eq(c)];
            if (g.shape[0] < 2 || r.shape[0] < 2) { values[$"class_{c}"] = double.NaN; continue; }
            double fid = Fid.Compute(g, r);
            values[$"class_{c}"] = fid;
            sum += fid;
            classes++;
        }
        if (classes == 0) throw new ArgumentException("cfid: no class has at least 2 generated and 2 real samples: raise --eval-samples");
        var result = new Dictionary<string, double> { ["cfid"] = sum / classes };
        foreach (var (key, v) in values) result[key] = v;
        return new MetricResult(result, n, (int)real.shape[0]);
    }
}
