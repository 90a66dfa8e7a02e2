using GanSharp.Metrics;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

public class FidTests
{
    // Small tensors: one thread avoids OpenMP stalls on a busy 2-core machine (as TestUtil does for training).
    public FidTests() => set_num_threads(1);

    [Fact]
    public void OneDimensionalGaussiansMatchClosedForm()
    {
        // d² = (μ1−μ2)² + (σ1−σ2)² for 1-D Gaussians.
        double fd = Fid.FrechetDistance([1.5], new double[,] { { 4.0 } }, [-0.5], new double[,] { { 9.0 } });
        MetricFixtures.Close((1.5 + 0.5) * (1.5 + 0.5) + (2.0 - 3.0) * (2.0 - 3.0), fd, rel: 1e-12);
    }

    [Fact]
    public void DiagonalCovariancesMatchClosedForm()
    {
        // Commuting case: Σ_d (μ1d−μ2d)² + (σ1d − σ2d)².
        double[] v1 = [1, 4, 0.25], v2 = [9, 1, 0.25];
        double[] m1 = [0, 1, 2], m2 = [1, 1, -1];
        var s1 = new double[3, 3];
        var s2 = new double[3, 3];
        double expected = 0;
        for (int i = 0; i < 3; i++)
        {
            s1[i, i] = v1[i];
            s2[i, i] = v2[i];
            expected += (m1[i] - m2[i]) * (m1[i] - m2[i]) + Math.Pow(Math.Sqrt(v1[i]) - Math.Sqrt(v2[i]), 2);
        }
        MetricFixtures.Close(expected, Fid.FrechetDistance(m1, s1, m2, s2), rel: 1e-12);
    }

    [Fact]
    public void NonCommutingTwoByTwoMatchesHandAndScipy()
    {
        // Σ1 = [[2,1],[1,2]], Σ2 = diag(1,3): Σ1Σ2 = [[2,3],[1,6]] is not symmetric. For 2×2,
        // tr √(Σ1Σ2) = √(tr(Σ1Σ2) + 2√det(Σ1Σ2)) = √(8 + 2·3) = √14.
        var f = MetricFixtures.Section("frechet_2x2");
        double fd = Fid.FrechetDistance(f.Vector("mu1"), f.Matrix("sigma1"), f.Vector("mu2"), f.Matrix("sigma2"));
        double byHand = (0.5 * 0.5 + 2.0 * 2.0) + 4 + 4 - 2 * Math.Sqrt(14);
        MetricFixtures.Close(byHand, fd, rel: 1e-12);
        MetricFixtures.Close(f.Number("fd"), fd, rel: 1e-9); // scipy.linalg.sqrtm
    }

    [Fact]
    public void FixedArraysMatchScipy()
    {
        // Tolerance: relative 1e-6 (both sides are float64; scipy's sqrtm is a Schur method, ours eigh).
        var f = MetricFixtures.Section("fid");
        using var a = f.Tensor("a");
        using var b = f.Tensor("b");
        MetricFixtures.Close(f.Number("fid"), Fid.Compute(a, b), rel: 1e-6);

        var (mu, sigma) = Fid.Statistics(a);
        var expectedMu = f.Vector("mu_a");
        var expectedSigma = f.Matrix("sigma_a"); // np.cov: unbiased, N−1
        for (int i = 0; i < mu.Length; i++)
        {
            MetricFixtures.Close(expectedMu[i], mu[i], rel: 1e-12, abs: 1e-14);
            for (int j = 0; j < mu.Length; j++)
                MetricFixtures.Close(expectedSigma[i, j], sigma[i, j], rel: 1e-10, abs: 1e-13);
        }
    }

    [Fact]
    public void SameDistributionIsSmallAndShiftedIsLarge()
    {
        using var g = new Generator(11);
        using var real1 = randn([2000, 16], generator: g);
        using var real2 = randn([2000, 16], generator: g);
        using var noise = randn([2000, 16], generator: g).mul_(Math.Sqrt(2)).add_(3);
        double small = Fid.Compute(real1, real2);
        double large = Fid.Compute(real1, noise);
        // Expected: ≈ D(D+1)/(2N)·2 ≈ 0.14 sampling bias; N(0,I) vs N(3,2I): 16·9 + 16·(√2−1)² ≈ 146.7.
        Assert.InRange(small, 0, 0.5);
        Assert.InRange(large, 140, 155);
    }

    [Fact]
    public void Float32AndFloat64InputsAgree()
    {
        var f = MetricFixtures.Section("fid");
        using var a = f.Tensor("a", ScalarType.Float32);
        using var b = f.Tensor("b", ScalarType.Float32);
        MetricFixtures.Close(f.Number("fid"), Fid.Compute(a, b), rel: 1e-5);
    }

    [Fact]
    public void MismatchedDimsFailWithClearMessage()
    {
        using var a = zeros(10, 4);
        using var b = zeros(10, 5);
        var e = Assert.Throws<ArgumentException>(() => Fid.Compute(a, b));
        Assert.Contains("feature dims differ: featuresA has D=4, featuresB has D=5", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Fid.FrechetDistance([0, 0], new double[2, 2], [0], new double[1, 1]));
        Assert.Contains("mean dims differ", e2.Message);
        using var one = zeros(1, 4);
        Assert.Contains("at least 2 rows", Assert.Throws<ArgumentException>(() => Fid.Compute(one, a)).Message);
    }
}
