using GanSharp.Metrics;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Latent;

/// <summary>An attribute direction in latent space and the samples it was built from.</summary>
public sealed record AttributeVector(
    LatentAttribute Attribute, Tensor Vector, int Samples, int Positives, int Negatives,
    double PositiveMean, double NegativeMean, double AllMean) : IDisposable
{
    public void Dispose() => Vector.Dispose();
}

/// <summary>Images of base latents moved along an attribute vector, and the attribute measured on each.</summary>
public sealed record ArithmeticGrid(Tensor Images, double[] Ts, double[,] Measured, double[] ColumnMeans) : IDisposable
{
    public int Rows => Measured.GetLength(0);
    public int Columns => Ts.Length;
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// Latent vector arithmetic as in DCGAN (Radford et al. 2015 §6.3): an attribute vector is the mean latent of
/// samples that show an attribute minus the mean latent of samples that do not; adding it to new latents adds
/// the attribute. Here the attribute is measured on the generated image itself (<see cref="DigitAttributes"/>).
/// </summary>
public static class AttributeVectors
{
    /// <summary>
    /// Draws <paramref name="samples"/> latents (own generator seeded from <paramref name="seed"/>), generates and
    /// measures them, and returns mean z of the positive group − mean z of the negative group: for thickness and
    /// slant the top and bottom quartiles of the measure, for class:A-B the samples classified as B and as A.
    /// </summary>
    public static AttributeVector Build(GanSystem system, LatentAttribute attribute, int samples, long seed,
        IFeatureNetwork? classifier, int batch = 250)
    {
        if (samples < 8) throw new ArgumentException($"--samples must be at least 8 (got {samples})");
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(seed, -7));
        using var scope = NewDisposeScope();
        var z = system.SampleLatent(samples, g);
        var scores = new List<Tensor>();
        var predicted = new List<Tensor>();
        for (long start = 0; start < samples; start += batch)
        {
            using var step = NewDisposeScope();
            var images = SampleGrids.Sample(system, z.narrow(0, start, Math.Min(batch, samples - start)));
            var (s, p) = DigitAttributes.Measure(attribute, images, classifier);
            scores.Add(s.MoveToOuterDisposeScope());
            if (p is not null) predicted.Add(p.MoveToOuterDisposeScope());
        }
        var score = cat(scores, 0);
        Tensor pos, neg;
        if (attribute.Kind == AttributeKind.Class)
        {
            var label = cat(predicted, 0);
            pos = label.eq(attribute.To).nonzero().flatten();
            neg = label.eq(attribute.From).nonzero().flatten();
            if (pos.shape[0] == 0 || neg.shape[0] == 0)
                throw new ArgumentException($"among {samples} samples, {pos.shape[0]} were classified as {attribute.To} and {neg.shape[0]} as {attribute.From}: both are needed (use more --samples)");
        }
        else
        {
            int k = samples / 4;
            var order = score.argsort();
            neg = order.narrow(0, 0, k);
            pos = order.narrow(0, samples - k, k);
        }
        var vector = z.index_select(0, pos).mean(new long[] { 0 }).sub(z.index_select(0, neg).mean(new long[] { 0 }));
        return new AttributeVector(attribute, vector.MoveToOuterDisposeScope(), samples, (int)pos.shape[0], (int)neg.shape[0],
            score.index_select(0, pos).mean().item<float>(), score.index_select(0, neg).mean().item<float>(), score.mean().item<float>());
    }

    /// <summary>
    /// For each base latent (rows of [r, d]) and each t, G(z + t·v) and its measured attribute. Images come row by
    /// row ([r·ts.Length, C, H, W]); Measured[i, j] is row i at t = ts[j]; ColumnMeans averages over rows.
    /// </summary>
    public static ArithmeticGrid Walk(GanSystem system, Tensor baseLatents, Tensor vector, double[] ts,
        LatentAttribute attribute, IFeatureNetwork? classifier)
    {
        using var scope = NewDisposeScope();
        long r = baseLatents.shape[0];
        var shifted = stack(ts.Select(t => baseLatents.add(vector.unsqueeze(0).mul(t))).ToArray(), 1) // r × cols × d
            .reshape(r * ts.Length, baseLatents.shape[1]);
        var images = SampleGrids.Sample(system, shifted);
        var (score, _) = DigitAttributes.Measure(attribute, images, classifier);
        float[] s = score.contiguous().data<float>().ToArray();
        var measured = new double[r, ts.Length];
        var means = new double[ts.Length];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < ts.Length; j++)
            {
                measured[i, j] = s[i * ts.Length + j];
                means[j] += s[i * ts.Length + j] / r;
            }
        return new ArithmeticGrid(images.MoveToOuterDisposeScope(), ts, measured, means);
    }

    /// <summary>
    /// <paramref name="rows"/> base latents for a walk (own generator seeded from <paramref name="seed"/>). For
    /// class:A-B they are latents whose image is classified as A, so the walk shows A turning into B; an error
    /// when fewer than <paramref name="rows"/> of 100·rows draws are.
    /// </summary>
    public static Tensor BaseLatents(GanSystem system, LatentAttribute attribute, int rows, long seed, IFeatureNetwork? classifier)
    {
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(seed, -8));
        if (attribute.Kind != AttributeKind.Class) return system.SampleLatent(rows, g);
        using var scope = NewDisposeScope();
        var found = new List<Tensor>();
        long count = 0;
        for (int tries = 0; tries < 100 && count < rows; tries++)
        {
            var z = system.SampleLatent(Math.Max(rows, 64), g);
            var (_, predicted) = DigitAttributes.Measure(attribute, SampleGrids.Sample(system, z), classifier);
            var hit = z.index_select(0, predicted!.eq(attribute.From).nonzero().flatten());
            found.Add(hit);
            count += hit.shape[0];
        }
        if (count < rows)
            throw new ArgumentException($"fewer than {rows} generated samples were classified as {attribute.From}: use fewer --rows or base images");
        return cat(found, 0).narrow(0, 0, rows).MoveToOuterDisposeScope();
    }

    /// <summary>count evenly spaced values from lo to hi inclusive (e.g. −2 … 2).</summary>
    public static double[] Range(double lo, double hi, int count) =>
        count < 2 ? throw new ArgumentException($"need at least 2 columns (got {count})")
            : Enumerable.Range(0, count).Select(i => lo + (hi - lo) * i / (count - 1)).ToArray();
}
