using GanSharp.Data;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>Mode coverage of a 2-D mixture: see <see cref="ModeCoverage"/>.</summary>
/// <param name="Modes">Modes with at least one high-quality sample.</param>
/// <param name="TotalModes">Modes of the mixture (K).</param>
/// <param name="HighQualityFraction">High-quality samples / all samples.</param>
/// <param name="ReverseKl">KL(p_gen ‖ uniform over K) of the high-quality histogram, natural log; NaN when there are none.</param>
/// <param name="Counts">High-quality samples assigned to each mode.</param>
public sealed record ModeCoverageResult(int Modes, int TotalModes, double HighQualityFraction, double ReverseKl, int[] Counts);

/// <summary>
/// Mode coverage on 2-D Gaussian mixtures as the PacGAN reference code defines it (Lin et al. 2018, "PacGAN: The power
/// of two samples in generative adversarial networks"; github.com/fjxmlzn/PacGAN at 190853e,
/// synthetic_data_experiments/PacGAN/pacgan/extensions.py, MetricLogger.do): each sample goes to the mean with the
/// smallest normalised distance sqrt(Σ_d (x_d − μ_d)² / σ²) (strict &lt;, so the first of equally near means wins);
/// it is high quality if that distance is &lt; 3. A mode is captured if it has at least one high-quality sample.
/// "Good points percentage" = high-quality / all samples. The reference logs scipy.stats.entropy of the normalised
/// histogram; the paper's reverse KL is KL(p ‖ uniform) = Σ_{p&gt;0} p ln(p·K) = ln K − entropy. With no high-quality
/// samples the reference's histogram is 0/0 (NaN), and so is <see cref="ModeCoverageResult.ReverseKl"/> here.
/// Distances are computed in float64 like the reference's numpy code.
/// </summary>
public static class ModeCoverage
{
    public const double DefaultThreshold = 3.0;

    /// <summary>Coverage of <paramref name="samples"/> (N×D) for modes at <paramref name="means"/> (K×D), each with std <paramref name="std"/>.</summary>
    public static ModeCoverageResult Compute(Tensor samples, Tensor means, double std, double threshold = DefaultThreshold)
    {
        MetricInput.Features(samples, nameof(samples));
        MetricInput.Features(means, nameof(means));
        MetricInput.SameDim(samples, means, nameof(samples), nameof(means));
        if (!(std > 0) || double.IsInfinity(std))
            throw new ArgumentException($"mode std must be positive and finite; got {std}", nameof(std));
        if (!(threshold > 0))
            throw new ArgumentException($"mode threshold must be positive; got {threshold}", nameof(threshold));

        using var scope = NewDisposeScope();
        var x = samples.detach().to_type(ScalarType.Float64);
        var mu = means.detach().to_type(ScalarType.Float64);
        int k = (int)mu.shape[0];
        var counts = new long[k];
        const long batch = 65536;
        for (long start = 0; start < x.shape[0]; start += batch)
        {
            using var inner = NewDisposeScope();
            var rows = x.slice(0, start, Math.Min(start + batch, x.shape[0]), 1);
            var diff = rows.unsqueeze(1) - mu.unsqueeze(0);                                   // B × K × D
            var dist = diff.square().div_(std * std).sum(2).sqrt();                            // B × K
            var (nearest, index) = dist.min(1);                                                // first minimum on ties
            var good = index.masked_select(nearest < threshold);
            var binCounts = good.bincount(null, k).data<long>().ToArray();
            for (int j = 0; j < k; j++)
                counts[j] += binCounts[j];
        }

        long total = counts.Sum();
        int captured = counts.Count(c => c > 0);
        double klToUniform = total == 0
            ? double.NaN
            : counts.Where(c => c > 0).Sum(c => (double)c / total * Math.Log((double)c / total * k));
        return new ModeCoverageResult(captured, k, (double)total / x.shape[0], klToUniform,
            counts.Select(c => checked((int)c)).ToArray());
    }

    /// <summary>Coverage against one of the project's mixtures, "ring" or "grid" (<see cref="GaussianMixture2D"/>).</summary>
    public static ModeCoverageResult Compute(Tensor samples, string mixture, double threshold = DefaultThreshold)
    {
        if (mixture is not ("ring" or "grid"))
            throw new ArgumentException($"unknown 2-D mixture '{mixture}': use ring or grid", nameof(mixture));
        using var means = GaussianMixture2D.Means(mixture);
        return Compute(samples, means, GaussianMixture2D.Std(mixture), threshold);
    }
}
