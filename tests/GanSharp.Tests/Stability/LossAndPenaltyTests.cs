using GanSharp.Losses;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Stability;

public class LossAndPenaltyTests
{
    private static double V(Tensor t) => t.item<float>();

    [Fact]
    public void WassersteinHingeAndLeastSquaresAgainstHandValues()
    {
        using var real = tensor(new[] { 2f, -0.5f });
        using var fake = tensor(new[] { 0.5f, -3f });
        // WGAN: E D(G(z)) − E D(x) = (0.5 − 3)/2 − (2 − 0.5)/2 = −1.25 − 0.75 = −2
        Assert.Equal(-2.0, V(GanLosses.Discriminator(LossKind.Wgan, real, fake)), 6);
        Assert.Equal(1.25, V(GanLosses.Generator(LossKind.Wgan, fake)), 6);
        // Hinge D: mean relu(1 − real) + mean relu(1 + fake) = (0 + 1.5)/2 + (1.5 + 0)/2 = 1.5
        Assert.Equal(1.5, V(GanLosses.Discriminator(LossKind.Hinge, real, fake)), 6);
        Assert.Equal(1.25, V(GanLosses.Generator(LossKind.Hinge, fake)), 6);
        // LSGAN D: ½[mean (real − 1)² + mean fake²] = ½[(1 + 2.25)/2 + (0.25 + 9)/2] = ½[1.625 + 4.625] = 3.125
        Assert.Equal(3.125, V(GanLosses.Discriminator(LossKind.Lsgan, real, fake)), 6);
        // LSGAN G: ½ mean (fake − 1)² = ½ (0.25 + 16)/2 = 4.0625
        Assert.Equal(4.0625, V(GanLosses.Generator(LossKind.Lsgan, fake)), 6);
        // LSGAN with a smoothed real target 0.9: ½[((2 − .9)² + (−.5 − .9)²)/2 + 4.625]
        Assert.Equal(0.5 * ((1.21 + 1.96) / 2 + 4.625), V(GanLosses.Discriminator(LossKind.Lsgan, real, fake, 0.9)), 5);
    }

    [Fact]
    public void FeatureMatchingIsTheMeanSquaredGapOfFeatureMeans()
    {
        using var real = tensor(new[,] { { 1f, 2f }, { 3f, 4f } });   // mean (2, 3)
        using var fake = tensor(new[,] { { 0f, 0f }, { 2f, 2f } });   // mean (1, 1)
        Assert.Equal((1 + 4) / 2.0, V(GanLosses.FeatureMatchingMean(real, fake)), 6);
    }

    [Fact]
    public void GradientPenaltyEqualsAFiniteDifferenceEstimate()
    {
        // D(x) = sum(tanh(W x)) on 3-D inputs; its input gradient norm is checked by central differences.
        using var w = tensor(new[,] { { 0.5f, -1f, 2f }, { 1.5f, 0.3f, -0.7f } }).to_type(ScalarType.Float64);
        Func<Tensor, Tensor> d = x => tanh(x.matmul(w.t())).sum(1);
        using var real = tensor(new double[,] { { 0.1, 0.2, -0.3 }, { 1, -1, 0.5 } });
        using var fake = tensor(new double[,] { { -0.4, 0.0, 0.9 }, { 0.3, 0.3, 0.3 } });
        using var g1 = new Generator(7);
        double gp = Penalties.GradientPenalty(d, real, fake, g1).item<double>();

        // Same interpolation weights as the penalty draws.
        using var g2 = new Generator(7);
        var eps = rand(new long[] { 2, 1 }, generator: g2).to_type(ScalarType.Float64);
        var xhat = eps * real + (1 - eps) * fake;
        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            double sq = 0;
            for (int j = 0; j < 3; j++)
            {
                const double h = 1e-6;
                var plus = xhat.clone(); plus[i, j] = plus[i, j] + h;
                var minus = xhat.clone(); minus[i, j] = minus[i, j] - h;
                double deriv = (d(plus)[i].item<double>() - d(minus)[i].item<double>()) / (2 * h);
                sq += deriv * deriv;
            }
            expected += Math.Pow(Math.Sqrt(sq) - 1, 2) / 2;
        }
        Assert.Equal(expected, gp, 6);
    }

    [Fact]
    public void R1IsTheMeanSquaredInputGradientNormAndTrainsD()
    {
        // D(x) = w·x: ∇ₓD = w, so R1 = ‖w‖² and ∂R1/∂w = 2w.
        using var w = tensor(new[] { 1f, -2f, 0.5f }, requires_grad: true);
        using var x = tensor(new[,] { { 0.3f, 0.1f, 2f }, { -1f, 0f, 1f } });
        var r1 = Penalties.R1(v => v.matmul(w), x);
        Assert.Equal(1 + 4 + 0.25, V(r1), 5);
        r1.backward();
        Assert.Equal(new[] { 2f, -4f, 1f }, w.grad!.data<float>().ToArray());
    }
}
