using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Fréchet distance between Gaussians fitted to two feature sets (Heusel et al. 2017, "GANs Trained by a Two
/// Time-Scale Update Rule Converge to a Local Nash Equilibrium"): ‖μ₁−μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½.
/// Everything is in float64. tr (Σ₁Σ₂)^½ is taken as tr (√Σ₁ Σ₂ √Σ₁)^½ (same eigenvalues, but symmetric), with
/// both square roots from symmetric eigen-decompositions and negative eigenvalues (round-off) clamped to 0.
/// </summary>
public static class Fid
{
    /// <summary>FID between N₁×D and N₂×D feature sets (float32 or float64; each needs N ≥ 2).</summary>
    public static double Compute(Tensor featuresA, Tensor featuresB)
    {
        MetricInput.Features(featuresA, nameof(featuresA), minRows: 2);
        MetricInput.Features(featuresB, nameof(featuresB), minRows: 2);
        MetricInput.SameDim(featuresA, featuresB, nameof(featuresA), nameof(featuresB));
        using var scope = NewDisposeScope();
        var (mu1, s1) = MomentTensors(featuresA);
        var (mu2, s2) = MomentTensors(featuresB);
        return Distance(mu1, s1, mu2, s2);
    }

    /// <summary>Mean and unbiased (N−1) covariance of an N×D feature set, in double precision.</summary>
    public static (double[] Mu, double[,] Sigma) Statistics(Tensor features)
    {
        MetricInput.Features(features, nameof(features), minRows: 2);
        using var scope = NewDisposeScope();
        var (mu, sigma) = MomentTensors(features);
        return (MetricInput.ToDoubles(mu), MetricInput.ToMatrix(sigma));
    }

    /// <summary>Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂).</summary>
    public static double FrechetDistance(double[] mu1, double[,] sigma1, double[] mu2, double[,] sigma2)
    {
        ArgumentNullException.ThrowIfNull(mu1);
        ArgumentNullException.ThrowIfNull(sigma1);
        ArgumentNullException.ThrowIfNull(mu2);
        ArgumentNullException.ThrowIfNull(sigma2);
        int d = mu1.Length;
        if (d == 0)
            throw new ArgumentException("mu1 is empty");
        if (mu2.Length != d)
            throw new ArgumentException($"mean dims differ: mu1 has D={d}, mu2 has D={mu2.Length}");
        if (sigma1.GetLength(0) != d || sigma1.GetLength(1) != d)
            throw new ArgumentException($"sigma1 must be {d}×{d} to match mu1; got {sigma1.GetLength(0)}×{sigma1.GetLength(1)}");
        if (sigma2.GetLength(0) != d || sigma2.GetLength(1) != d)
            throw new ArgumentException($"sigma2 must be {d}×{d} to match mu2; got {sigma2.GetLength(0)}×{sigma2.GetLength(1)}");
        using var scope = NewDisposeScope();
        return Distance(
            tensor(mu1, ScalarType.Float64), MetricInput.FromMatrix(sigma1),
            tensor(mu2, ScalarType.Float64), MetricInput.FromMatrix(sigma2));
    }

    // Caller owns the dispose scope.
    static (Tensor Mu, Tensor Sigma) MomentTensors(Tensor features)
    {
        var x = features.detach().to_type(ScalarType.Float64);
        var mu = x.mean([0]);
        var centered = x - mu;
        var sigma = centered.t().mm(centered).div_(x.shape[0] - 1);
        return (mu, sigma);
    }

    // Caller owns the dispose scope.
    static double Distance(Tensor mu1, Tensor sigma1, Tensor mu2, Tensor sigma2)
    {
        var diff = mu1 - mu2;
        double meanTerm = diff.dot(diff).item<double>();
        var root1 = SymmetricSqrt(sigma1);
        var inner = root1.mm(sigma2).mm(root1);
        inner = (inner + inner.t()).mul_(0.5); // symmetric up to round-off; make it exact for eigh
        var (eig, _) = linalg.eigh(inner);
        double traceSqrt = eig.clamp_min(0).sqrt().sum().item<double>();
        double traces = sigma1.trace().item<double>() + sigma2.trace().item<double>();
        return meanTerm + traces - 2 * traceSqrt;
    }

    static Tensor SymmetricSqrt(Tensor sym)
    {
        var s = (sym + sym.t()).mul_(0.5);
        var (eig, vectors) = linalg.eigh(s);
        return (vectors * eig.clamp_min(0).sqrt()).mm(vectors.t());
    }
}
