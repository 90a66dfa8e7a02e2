using GanSharp.Losses;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Losses;

/// <summary>The loss object: penalties composed with the adversarial loss, and lazy R1.</summary>
public sealed class GanLossTests
{
    // D(x) = sum(w·x): ∇ₓD = w for every example, so ‖∇D‖² = ‖w‖² = 1 + 4 = 5 exactly.
    private static readonly Func<Tensor, Tensor> D = x => (x * tensor(new float[] { 1, 2 })).sum(1);

    private static (double Loss, double? R1) Evaluate(GanLoss loss, int step)
    {
        using var real = tensor(new float[,] { { 0.5f, -1 }, { 2, 0 } });
        using var fake = tensor(new float[,] { { 0, 1 }, { 1, 1 } });
        var r = loss.Discriminator(D, real, fake, D(real), D(fake), null, step);
        return (r.Loss.item<float>(), r.Logged.TryGetValue("loss_r1", out var v) ? v.item<float>() : null);
    }

    [Fact]
    public void LazyR1RunsEveryNStepsWithItsWeightScaledByN()
    {
        var plain = new GanLoss(LossKind.Wgan);
        double adversarial = Evaluate(plain, 1).Loss;                      // E D(fake) − E D(real)
        Assert.Equal(((0 + 2) + (1 + 2)) / 2.0 - ((0.5 - 2) + 2) / 2.0, adversarial, 5);

        var everyStep = new GanLoss(LossKind.Wgan, r1: 4);
        Assert.Equal((adversarial + 4 / 2.0 * 5, 5.0), Evaluate(everyStep, 1));

        var lazy = new GanLoss(LossKind.Wgan, r1: 4, r1Every: 3);
        Assert.Equal((adversarial, (double?)null), Evaluate(lazy, 1));      // off-steps: no penalty, nothing logged
        Assert.Equal((adversarial, (double?)null), Evaluate(lazy, 2));
        Assert.Equal((adversarial + 4 / 2.0 * 3 * 5, 5.0), Evaluate(lazy, 3)); // γ/2 · N · ‖∇D‖²
    }

    [Fact]
    public void LossTermsWeightEachTermAndLogItUnweighted()
    {
        using var a = tensor(2f);
        using var b = tensor(0.5f);
        var r = new LossTerms().Add("adv", a, log: false).Add("l1", b, weight: 100).Result();
        Assert.Equal(2 + 100 * 0.5, r.Loss.item<float>(), 5);
        Assert.Equal(new[] { "loss_l1" }, r.Logged.Keys);
        Assert.Equal(0.5, r.Logged["loss_l1"].item<float>(), 6);
    }
}
