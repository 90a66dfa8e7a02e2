using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): the unbiased MMD² estimate with the
/// cubic polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over random subsets drawn without replacement from each
/// set. Defaults (100 subsets of 1000) and the reported (mean, population std) follow torch-fidelity's metric_kid;
/// unlike clean-fid, a set smaller than the subset size is an error rather than a smaller subset. Kernels in float64.
/// </summary>
public static class Kid
{
    public const int DefaultSubsets = 100;
    public const int DefaultSubsetSize = 1000;

    /// <summary>KID over <paramref name="subsets"/> random subset pairs of <paramref name="subsetSize"/> rows each.</summary>
    public static (double Mean, double Std) Compute(Tensor featuresA, Tensor featuresB,
        int subsets = DefaultSubsets, int subsetSize = DefaultSubsetSize, long seed = 0)
    {
        if (subsets < 1)
            throw new ArgumentException($"KID needs at least 1 subset; got {subsets}", nameof(subsets));
        if (subsetSize < 2)
            throw new ArgumentException($"KID subsets need at least 2 samples; got subsetSize {subsetSize}", nameof(subsetSize));
        MetricInput.Features(featuresA, nameof(featuresA));
        MetricInput.Features(featuresB, nameof(featuresB));
        MetricInput.SameDim(featuresA, featuresB, nameof(featuresA), nameof(featuresB));
        long smallest = Math.Min(featuresA.shape[0], featuresB.shape[0]);
        if (smallest < subsetSize)
            throw new ArgumentException(
                $"KID needs at least {subsetSize} samples per set for subsets of {subsetSize}; got {smallest}" +
                $" (featuresA {featuresA.shape[0]}, featuresB {featuresB.shape[0]}): pass a smaller subsetSize or more samples");

        using var scope = NewDisposeScope();
        using var gen = new Generator(unchecked((ulong)seed));
        var a = featuresA.detach().to_type(ScalarType.Float64);
        var b = featuresB.detach().to_type(ScalarType.Float64);
        var values = new double[subsets];
        for (int i = 0; i < subsets; i++)
        {
            using var inner = NewDisposeScope();
            var ia = randperm(a.shape[0], generator: gen).slice(0, 0, subsetSize, 1);
            var ib = randperm(b.shape[0], generator: gen).slice(0, 0, subsetSize, 1);
            values[i] = Mmd2Double(a.index_select(0, ia), b.index_select(0, ib));
        }
        return MeanStd(values);
    }

    /// <summary>
    /// KID over given subsets: subset i pairs rows <paramref name="subsetsA"/>[i] of A with rows
    /// <paramref name="subsetsB"/>[i] of B. For reproducing another implementation's subset choice exactly.
    /// </summary>
    public static (double Mean, double Std) ComputeOnSubsets(Tensor featuresA, Tensor featuresB,
        IReadOnlyList<long[]> subsetsA, IReadOnlyList<long[]> subsetsB)
    {
        ArgumentNullException.ThrowIfNull(subsetsA);
        ArgumentNullException.ThrowIfNull(subsetsB);
        MetricInput.Features(featuresA, nameof(featuresA));
        MetricInput.Features(featuresB, nameof(featuresB));
        MetricInput.SameDim(featuresA, featuresB, nameof(featuresA), nameof(featuresB));
        if (subsetsA.Count == 0 || subsetsA.Count != subsetsB.Count)
            throw new ArgumentException($"KID needs the same positive number of subsets for A and B; got {subsetsA.Count} and {subsetsB.Count}");
        using var scope = NewDisposeScope();
        var a = featuresA.detach().to_type(ScalarType.Float64);
        var b = featuresB.detach().to_type(ScalarType.Float64);
        var values = new double[subsetsA.Count];
        for (int i = 0; i < values.Length; i++)
        {
            using var inner = NewDisposeScope();
            var ia = SubsetIndex(subsetsA[i], a.shape[0], $"subsetsA[{i}]");
            var ib = SubsetIndex(subsetsB[i], b.shape[0], $"subsetsB[{i}]");
            values[i] = Mmd2Double(a.index_select(0, ia), b.index_select(0, ib));
        }
        return MeanStd(values);
    }

    /// <summary>
    /// Unbiased MMD² between whole sets X (m×D) and Y (n×D), m, n ≥ 2, cubic polynomial kernel:
    /// Σ_{i≠j} k(xᵢ,xⱼ)/(m(m−1)) + Σ_{i≠j} k(yᵢ,yⱼ)/(n(n−1)) − 2 Σ k(xᵢ,yⱼ)/(mn).
    /// </summary>
    public static double Mmd2(Tensor x, Tensor y)
    {
        MetricInput.Features(x, nameof(x), minRows: 2);
        MetricInput.Features(y, nameof(y), minRows: 2);
        MetricInput.SameDim(x, y, nameof(x), nameof(y));
        using var scope = NewDisposeScope();
        return Mmd2Double(x.detach().to_type(ScalarType.Float64), y.detach().to_type(ScalarType.Float64));
    }

    // Caller owns the dispose scope; x and y are float64.
    static double Mmd2Double(Tensor x, Tensor y)
    {
        double m = x.shape[0], n = y.shape[0], d = x.shape[1];
        var kxx = Kernel(x, x, d);
        var kyy = Kernel(y, y, d);
        var kxy = Kernel(x, y, d);
        double sxx = kxx.sum().item<double>() - kxx.trace().item<double>();
        double syy = kyy.sum().item<double>() - kyy.trace().item<double>();
        double sxy = kxy.sum().item<double>();
        return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2 * sxy / (m * n);
    }

    static Tensor Kernel(Tensor x, Tensor y, double d)
    {
        var t = x.mm(y.t()).div_(d).add_(1);
        return t.square().mul_(t); // t³; cheaper than pow
    }

    static Tensor SubsetIndex(long[] rows, long count, string name)
    {
        ArgumentNullException.ThrowIfNull(rows, name);
        if (rows.Length < 2)
            throw new ArgumentException($"{name} needs at least 2 rows; got {rows.Length}");
        foreach (var r in rows)
            if (r < 0 || r >= count)
                throw new ArgumentException($"{name} has row {r}, outside 0..{count - 1}");
        return tensor(rows, ScalarType.Int64);
    }

    internal static (double Mean, double Std) MeanStd(double[] values)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length; // population std, as numpy's np.std
        return (mean, Math.Sqrt(variance));
    }
}
