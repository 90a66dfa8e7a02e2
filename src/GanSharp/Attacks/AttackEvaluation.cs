using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Attacks;

public enum AttackMethod
{
    Fgsm,
    Pgd,
}

/// <summary>One row of a robustness table: error rate and mean perturbation norms at one ε ([0, 1] scale).</summary>
public readonly record struct AttackRow(double Eps, long Errors, long Count, double MeanL2, double MeanLinf, double Seconds)
{
    /// <summary>Misclassified fraction of all evaluated examples (clean mistakes included).</summary>
    public double ErrorRate => Count == 0 ? 0 : (double)Errors / Count;
}

/// <summary>Model adapters: the attacks work on [0, 1] images.</summary>
public static class AttackModels
{
    /// <summary>
    /// A forward function on [0, 1] images for a network trained on GanSharp's [-1, 1] images (x ↦ net(2x − 1)).
    /// Gradients flow through the affine map, so an ε in the [0, 1] scale is 2ε in the network's own scale.
    /// </summary>
    public static Func<Tensor, Tensor> OnUnitPixels(nn.Module<Tensor, Tensor> netOnMinusOneToOne) =>
        x => netOnMinusOneToOne.call(x.mul(2.0).sub(1.0));

    /// <summary>uint8 N×… pixels (0..255) as float32 in [0, 1] (v / 255, exactly, not via [-1, 1]).</summary>
    public static Tensor UnitPixels(Tensor bytes) => bytes.to_type(ScalarType.Float32).div(255.0);
}

/// <summary>Runs an attack over a labelled set of [0, 1] images, ε by ε, in batches.</summary>
public static class AttackEvaluation
{
    /// <summary>One attack on one batch: FGSM or PGD under the norm.</summary>
    public static Tensor Attack(AttackMethod method, Func<Tensor, Tensor> model, Tensor images, Tensor labels, double eps, AttackNorm norm, PgdOptions? pgd = null) =>
        method == AttackMethod.Fgsm ? Fgsm.Attack(model, images, labels, eps, norm) : Pgd.Attack(model, images, labels, eps, norm, pgd);

    /// <summary>
    /// The table: a first row at ε = 0 (clean error), then one per ε. Error counts every evaluated example that is
    /// misclassified after the attack, whether or not it was misclassified before. Norms are of adv − x in the [0, 1]
    /// scale (after clipping), averaged over all examples. <paramref name="progress"/> gets a line now and then.
    /// </summary>
    public static List<AttackRow> Run(Func<Tensor, Tensor> model, Tensor images01, Tensor labels, AttackMethod method, AttackNorm norm,
        IReadOnlyList<double> eps, PgdOptions? pgd = null, int batch = 500, Action<string>? progress = null)
    {
        long n = images01.shape[0];
        var rows = new List<AttackRow>();
        var clock = Stopwatch.StartNew();
        long clean = 0;
        for (long i = 0; i < n; i += batch)
        {
            using var scope = NewDisposeScope();
            long b = Math.Min(batch, n - i);
            clean += Errors(model, images01.narrow(0, i, b), labels.narrow(0, i, b));
        }
        rows.Add(new AttackRow(0, clean, n, 0, 0, clock.Elapsed.TotalSeconds));
        foreach (double e in eps)
        {
            clock.Restart();
            long errors = 0;
            double l2 = 0, linf = 0;
            var report = Stopwatch.StartNew();
            for (long i = 0; i < n; i += batch)
            {
                using var scope = NewDisposeScope();
                long b = Math.Min(batch, n - i);
                var x = images01.narrow(0, i, b);
                var y = labels.narrow(0, i, b);
                var adv = Attack(method, model, x, y, e, norm, pgd);
                errors += Errors(model, adv, y);
                var d = adv.sub(x).flatten(1);
                l2 += d.pow(2).sum(1).sqrt().sum().item<float>();
                linf += d.abs().amax(1).sum().item<float>();
                if (report.Elapsed.TotalSeconds >= 10 && i + b < n)
                {
                    progress?.Invoke($"  ε={e:G4}: {i + b}/{n} examples, {clock.Elapsed.TotalSeconds:F0} s");
                    report.Restart();
                }
            }
            var row = new AttackRow(e, errors, n, l2 / n, linf / n, clock.Elapsed.TotalSeconds);
            rows.Add(row);
            progress?.Invoke($"ε={e:G4}: error {row.ErrorRate:P2}, mean L2 {row.MeanL2:F3}, mean L∞ {row.MeanLinf:F3} ({row.Seconds:F1} s)");
        }
        return rows;
    }

    /// <summary>Misclassified examples in a batch.</summary>
    public static long Errors(Func<Tensor, Tensor> model, Tensor images, Tensor labels)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return model(images).argmax(1).ne(labels).sum().item<long>();
    }

    /// <summary>Predicted class and its softmax probability for each image.</summary>
    public static (long[] Labels, float[] Confidence) Predict(Func<Tensor, Tensor> model, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (p, c) = nn.functional.softmax(model(images), 1).max(1);
        return (c.data<long>().ToArray(), p.data<float>().ToArray());
    }
}
