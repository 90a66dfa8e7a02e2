using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Attacks;

/// <summary>
/// The fast gradient sign method (Goodfellow, Shlens &amp; Szegedy 2015, "Explaining and Harnessing Adversarial
/// Examples"): one step of size ε along the loss gradient's steepest-ascent direction for the norm, untargeted
/// (maximizes the cross-entropy on the true label). L∞: x + ε·sign(∇ₓJ); L2 (the "fast gradient method"):
/// x + ε·∇ₓJ/‖∇ₓJ‖₂ per example. Images are in [0, 1] and ε is in that scale; the result is clipped to [0, 1],
/// so a clipped pixel moves by less than ε.
/// </summary>
public static class Fgsm
{
    /// <summary>
    /// Adversarial versions of <paramref name="images"/> (N×…, in [0, 1]) for <paramref name="model"/> (a forward
    /// function from [0, 1] images to logits; put modules in eval mode first). <paramref name="labels"/>: N int64.
    /// Only the input requires grad: the model's parameters get no .grad. Returns a new tensor (no graph).
    /// </summary>
    public static Tensor Attack(Func<Tensor, Tensor> model, Tensor images, Tensor labels, double eps, AttackNorm norm = AttackNorm.Linf)
    {
        AttackMath.Check(images, labels, eps);
        using var scope = NewDisposeScope();
        var x = images.detach();
        var g = AttackMath.LossGradient(model, x, labels);
        var adv = x.add(AttackMath.Direction(g, norm).mul(eps)).clamp(0.0, 1.0);
        return adv.detach().MoveToOuterDisposeScope();
    }
}
