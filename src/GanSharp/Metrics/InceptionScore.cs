using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Inception Score (Salimans et al. 2016, "Improved Techniques for Training GANs") on any classifier's softmax
/// p(y|x): exp(E_x KL(p(y|x) ‖ p(y))), with p(y) the mean of p(y|x) within a split. Computed on each of
/// <c>splits</c> contiguous splits (rows [i·N/s, (i+1)·N/s), as torch-fidelity) and reported as mean and population
/// std over splits. 0·log 0 counts as 0. Also the entropy of the histogram of predicted classes, a cheap check for
/// a generator that covers few classes.
/// </summary>
public static class InceptionScore
{
    public const int DefaultSplits = 10;

    /// <summary>IS from an N×C matrix of class probabilities (rows sum to 1; N ≥ splits).</summary>
    public static (double Mean, double Std) Compute(Tensor probs, int splits = DefaultSplits)
    {
        if (splits < 1)
            throw new ArgumentException($"inception score needs at least 1 split; got {splits}", nameof(splits));
        CheckProbabilities(probs, nameof(probs));
        long n = probs.shape[0];
        if (n < splits)
            throw new ArgumentException($"inception score with {splits} splits needs at least {splits} samples; got {n}", nameof(probs));

        using var scope = NewDisposeScope();
        var p = probs.detach().to_type(ScalarType.Float64);
        var scores = new double[splits];
        for (int i = 0; i < splits; i++)
        {
            long start = i * n / splits, end = (i + 1) * n / splits;
            var part = p.slice(0, start, end, 1);
            var marginal = part.mean([0], keepdim: true);
            var logRatio = part.log() - marginal.log();
            var kl = where(part > 0, part * logRatio, zeros_like(part)).sum(1).mean();
            scores[i] = Math.Exp(kl.item<double>());
        }
        return Kid.MeanStd(scores);
    }

    /// <summary>Natural-log entropy of the histogram of argmax classes of an N×C probability (or logit) matrix.</summary>
    public static double ClassEntropy(Tensor probs)
    {
        MetricInput.Features(probs, nameof(probs));
        using var scope = NewDisposeScope();
        return Entropy(ClassHistogram(probs.argmax(1), (int)probs.shape[1]));
    }

    /// <summary>Natural-log entropy of the histogram of predicted labels (N int64 values in 0..numClasses−1).</summary>
    public static double ClassEntropy(Tensor predictedLabels, int numClasses) => Entropy(ClassHistogram(predictedLabels, numClasses));

    /// <summary>Fraction of <paramref name="predictedLabels"/> (N int values in 0..numClasses−1) in each class.</summary>
    public static double[] ClassHistogram(Tensor predictedLabels, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(predictedLabels);
        if (numClasses < 1)
            throw new ArgumentException($"numClasses must be positive; got {numClasses}", nameof(numClasses));
        if (predictedLabels.dim() != 1 || predictedLabels.is_floating_point() || predictedLabels.dtype == ScalarType.Bool)
            throw new ArgumentException(
                $"predictedLabels must be a 1-D integer tensor; got {predictedLabels.dtype} of shape [{string.Join(", ", predictedLabels.shape)}]",
                nameof(predictedLabels));
        if (predictedLabels.shape[0] == 0)
            throw new ArgumentException("predictedLabels is empty", nameof(predictedLabels));
        using var scope = NewDisposeScope();
        var labels = predictedLabels.to_type(ScalarType.Int64);
        long min = labels.min().item<long>(), max = labels.max().item<long>();
        if (min < 0 || max >= numClasses)
            throw new ArgumentException($"predicted labels must be in 0..{numClasses - 1}; found {(min < 0 ? min : max)}", nameof(predictedLabels));
        var counts = labels.bincount(null, numClasses).to_type(ScalarType.Float64);
        return MetricInput.ToDoubles(counts / (double)labels.shape[0]);
    }

    static double Entropy(double[] fractions) => -fractions.Where(f => f > 0).Sum(f => f * Math.Log(f));

    static void CheckProbabilities(Tensor probs, string name)
    {
        MetricInput.Features(probs, name);
        using var scope = NewDisposeScope();
        var p = probs.detach().to_type(ScalarType.Float64);
        if (p.min().item<double>() < 0)
            throw new ArgumentException($"{name} must hold probabilities (softmax outputs); found a negative entry", name);
        double worst = (p.sum(1) - 1).abs().max().item<double>();
        double tolerance = probs.dtype == ScalarType.Float64 ? 1e-6 : 1e-3;
        if (worst > tolerance)
            throw new ArgumentException($"{name} rows must sum to 1 (softmax outputs, not logits); a row is off by {worst:G3}", name);
    }
}
