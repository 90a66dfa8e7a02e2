using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Improved precision and recall (Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for Assessing
/// Generative Models"). The manifold of a set is the union of balls around its feature vectors, each with radius the
/// distance to that vector's k-th nearest neighbour in the same set (itself excluded). Precision = fraction of
/// generated samples inside the real manifold; recall = fraction of real samples inside the generated manifold.
/// "Inside" is distance ≤ radius, as in the authors' code. Distances come from torch.cdist in row batches, so
/// memory is O(batch × N), not O(N²); they are computed in the inputs' dtype (float64 if either is).
/// </summary>
public static class PrecisionRecall
{
    public const int DefaultK = 3;

    /// <summary>Rows per distance batch: 1024 × 10,000 float32 distances is 40 MB.</summary>
    public const int DefaultBatchSize = 1024;

    /// <summary>Precision and recall of <paramref name="generated"/> against <paramref name="real"/> (each N×D, N &gt; k).</summary>
    public static (double Precision, double Recall) Compute(Tensor real, Tensor generated, int k = DefaultK, int batchSize = DefaultBatchSize)
    {
        if (k < 1)
            throw new ArgumentException($"precision/recall needs k ≥ 1; got {k}", nameof(k));
        if (batchSize < 1)
            throw new ArgumentException($"precision/recall needs batchSize ≥ 1; got {batchSize}", nameof(batchSize));
        MetricInput.Features(real, nameof(real));
        MetricInput.Features(generated, nameof(generated));
        MetricInput.SameDim(real, generated, nameof(real), nameof(generated));
        if (real.shape[0] <= k || generated.shape[0] <= k)
            throw new ArgumentException(
                $"precision/recall with k={k} needs more than {k} samples per set; got real {real.shape[0]}, generated {generated.shape[0]}");

        using var scope = NewDisposeScope();
        var dtype = real.dtype == ScalarType.Float64 || generated.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var r = real.detach().to_type(dtype);
        var g = generated.detach().to_type(dtype);
        var realRadii = KnnRadii(r, k, batchSize);
        var genRadii = KnnRadii(g, k, batchSize);

        // One pass over the generated×real distances serves both: rows give precision, columns give recall.
        long inRealManifold = 0;
        var realCovered = zeros(r.shape[0], dtype: ScalarType.Bool);
        for (long start = 0; start < g.shape[0]; start += batchSize)
        {
            using var inner = NewDisposeScope();
            long len = Math.Min(batchSize, g.shape[0] - start);
            var dist = cdist(g.slice(0, start, start + len, 1), r);                  // len × Nr
            inRealManifold += (dist <= realRadii.unsqueeze(0)).any(1).sum().item<long>();
            var covered = (dist <= genRadii.slice(0, start, start + len, 1).unsqueeze(1)).any(0);
            realCovered.logical_or_(covered);
        }
        double precision = (double)inRealManifold / g.shape[0];
        double recall = (double)realCovered.sum().item<long>() / r.shape[0];
        return (precision, recall);
    }

    /// <summary>Distance from each row of <paramref name="x"/> to its k-th nearest other row (N×D → N).</summary>
    public static Tensor KnnRadii(Tensor x, int k = DefaultK, int batchSize = DefaultBatchSize)
    {
        MetricInput.Features(x, nameof(x), minRows: k + 1);
        using var scope = NewDisposeScope();
        var radii = new List<Tensor>();
        for (long start = 0; start < x.shape[0]; start += batchSize)
        {
            long len = Math.Min(batchSize, x.shape[0] - start);
            var dist = cdist(x.slice(0, start, start + len, 1), x);                  // len × N
            // Index k of the ascending row: index 0 is the point itself (distance 0).
            var (values, _) = dist.topk(k + 1, dim: 1, largest: false, sorted: true);
            radii.Add(values.select(1, k));
        }
        return cat(radii, 0).MoveToOuterDisposeScope();
    }
}
