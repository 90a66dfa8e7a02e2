using GanSharp.Losses;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Losses;

public class AdversarialLossTests
{
    // D(x) = sigmoid(l). Hand values: sigmoid(0) = 0.5, sigmoid(ln 3) = 0.75, sigmoid(−ln 3) = 0.25.
    private static readonly double Ln3 = Math.Log(3);

    [Fact]
    public void DiscriminatorLossIsNegativeLogLikelihoodOfRealAndFake()
    {
        using var real = tensor(new[] { (float)Ln3, 0f });   // D(x) = 0.75, 0.5
        using var fake = tensor(new[] { (float)-Ln3, 0f });  // D(G(z)) = 0.25, 0.5
        // −[mean(log .75, log .5) + mean(log(1−.25), log(1−.5))]
        double expected = -((Math.Log(0.75) + Math.Log(0.5)) / 2 + (Math.Log(0.75) + Math.Log(0.5)) / 2);
        using var loss = AdversarialLoss.Discriminator(real, fake);
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void OneSidedLabelSmoothingMixesTheRealTarget()
    {
        using var real = tensor(new[] { (float)Ln3 });   // D(x) = 0.75
        using var fake = tensor(new[] { 0f });           // D(G(z)) = 0.5
        double expected = -(0.9 * Math.Log(0.75) + 0.1 * Math.Log(0.25)) - Math.Log(0.5);
        using var loss = AdversarialLoss.Discriminator(real, fake, realTarget: 0.9);
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void NonSaturatingGeneratorLossIsMinusLogDOfFake()
    {
        using var fake = tensor(new[] { (float)-Ln3, (float)Ln3 }); // D = 0.25, 0.75
        double expected = -(Math.Log(0.25) + Math.Log(0.75)) / 2;
        using var loss = AdversarialLoss.Generator(fake, GeneratorLossKind.NonSaturating);
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void MinimaxGeneratorLossIsLogOneMinusDOfFake()
    {
        using var fake = tensor(new[] { (float)-Ln3, (float)Ln3 }); // 1 − D = 0.75, 0.25
        double expected = (Math.Log(0.75) + Math.Log(0.25)) / 2;
        using var loss = AdversarialLoss.Generator(fake, GeneratorLossKind.Minimax);
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void MinimaxSaturatesWhereNonSaturatingDoesNot()
    {
        // When D confidently rejects fakes (D(G(z)) ≈ 0), the minimax gradient vanishes: Goodfellow et al.'s motivation.
        using var l1 = tensor(new[] { -10f }, requires_grad: true);
        AdversarialLoss.Generator(l1, GeneratorLossKind.Minimax).backward();
        using var l2 = tensor(new[] { -10f }, requires_grad: true);
        AdversarialLoss.Generator(l2, GeneratorLossKind.NonSaturating).backward();
        double gMinimax = Math.Abs(l1.grad!.item<float>());
        double gNonSat = Math.Abs(l2.grad!.item<float>());
        Assert.True(gMinimax < 1e-4, $"minimax gradient {gMinimax}");
        Assert.True(gNonSat > 0.99, $"non-saturating gradient {gNonSat}");
    }

    [Fact]
    public void LossesAreStableForLargeLogits()
    {
        using var real = tensor(new[] { 200f });
        using var fake = tensor(new[] { -200f });
        using var loss = AdversarialLoss.Discriminator(real, fake);
        Assert.True(double.IsFinite(loss.item<float>()));
        Assert.Equal(0, loss.item<float>(), 6);
    }
}
