using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Attacks;

/// <summary>How <see cref="Pgd"/> searches the ε-ball.</summary>
public sealed record PgdOptions
{
    /// <summary>Number of gradient steps k.</summary>
    public int Steps { get; init; } = 10;

    /// <summary>Step size in the [0, 1] pixel scale; null means 2.5·ε/k (Madry et al. 2018), for either norm.</summary>
    public double? StepSize { get; init; }

    /// <summary>Start from a uniformly random point of the ε-ball (clipped to [0, 1]) instead of the clean image.</summary>
    public bool RandomStart { get; init; }

    /// <summary>Seed of the random start.</summary>
    public long Seed { get; init; } = 0;

    public double StepSizeFor(double eps) => StepSize ?? 2.5 * eps / Steps;
}

/// <summary>
/// Projected gradient descent on the negative loss (Madry et al. 2018, "Towards Deep Learning Models Resistant to
/// Adversarial Attacks"): k steps xₜ₊₁ = clip₀¹(x + Π_ε(xₜ + α·d(∇ₓJ(xₜ)) − x)), with d = sign for L∞ and g/‖g‖₂
/// for L2, and Π_ε the projection onto the ε-ball around the clean x. Untargeted: maximizes the cross-entropy on
/// the true label. Images and ε are in the [0, 1] scale; every step is clipped to [0, 1] (after the projection,
/// which keeps the point inside the ball).
/// </summary>
public static class Pgd
{
    /// <summary>
    /// Adversarial versions of <paramref name="images"/> (N×…, in [0, 1]) for <paramref name="model"/> (a forward
    /// function from [0, 1] images to logits, modules in eval mode). Only the input requires grad. Returns a new tensor.
    /// </summary>
    public static Tensor Attack(Func<Tensor, Tensor> model, Tensor images, Tensor labels, double eps, AttackNorm norm = AttackNorm.Linf, PgdOptions? options = null)
    {
        AttackMath.Check(images, labels, eps);
        var o = options ?? new PgdOptions();
        if (o.Steps < 1) throw new ArgumentException($"PGD needs at least one step (got {o.Steps})");
        double alpha = o.StepSizeFor(eps);
        if (!(alpha > 0)) throw new ArgumentException($"PGD step size must be positive (got {alpha})");
        using var scope = NewDisposeScope();
        var x0 = images.detach();
        var x = x0;
        if (o.RandomStart)
        {
            using var g = new Generator((ulong)o.Seed);
            x = x0.add(AttackMath.RandomInBall(x0, eps, norm, g)).clamp(0.0, 1.0);
        }
        for (int k = 0; k < o.Steps; k++)
        {
            using var step = NewDisposeScope();
            var grad = AttackMath.LossGradient(model, x, labels);
            var delta = AttackMath.Project(x.add(AttackMath.Direction(grad, norm).mul(alpha)).sub(x0), eps, norm);
            x = x0.add(delta).clamp(0.0, 1.0).MoveToOuterDisposeScope();
        }
        return x.detach().MoveToOuterDisposeScope();
    }
}
