using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Attacks;

/// <summary>The norm that measures (and bounds) a perturbation; ε is always in the [0, 1] pixel scale.</summary>
public enum AttackNorm
{
    /// <summary>L∞: every pixel moves by at most ε.</summary>
    Linf,

    /// <summary>L2: the perturbation of each example has Euclidean length at most ε.</summary>
    L2,
}

/// <summary>Shared pieces of the attacks: the loss gradient, per-example norms, steps and projections.</summary>
internal static class AttackMath
{
    /// <summary>Keeps a zero gradient (or perturbation) from dividing by zero.</summary>
    private const double Tiny = 1e-12;

    /// <summary>
    /// ∇ₓ of the summed cross-entropy of <paramref name="model"/> on (x, y). Only x requires grad, and the gradient
    /// comes from autograd.grad, so nothing is accumulated in the model's parameters' .grad.
    /// </summary>
    public static Tensor LossGradient(Func<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var xi = x.detach().clone().requires_grad_(true);
        var loss = nn.functional.cross_entropy(model(xi), y, reduction: nn.Reduction.Sum);
        var g = autograd.grad([loss], [xi])[0];
        return g.detach().MoveToOuterDisposeScope();
    }

    /// <summary>Summed cross-entropy of the model on (x, y), without a graph.</summary>
    public static double Loss(Func<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return nn.functional.cross_entropy(model(x), y, reduction: nn.Reduction.Sum).item<float>();
    }

    /// <summary>Per-example Euclidean norm of an N×… tensor, shaped N×1×…×1 for broadcasting.</summary>
    public static Tensor L2PerExample(Tensor t)
    {
        long[] shape = [t.shape[0], .. Enumerable.Repeat(1L, (int)t.dim() - 1)];
        return t.flatten(1).pow(2).sum(1).sqrt().reshape(shape);
    }

    /// <summary>The steepest-ascent direction of unit norm: sign(g) for L∞, g/‖g‖₂ per example for L2.</summary>
    public static Tensor Direction(Tensor g, AttackNorm norm) => norm switch
    {
        AttackNorm.Linf => g.sign(),
        _ => g.div(L2PerExample(g).clamp_min(Tiny)),
    };

    /// <summary>Projects the perturbation δ onto the ε-ball of the norm (per example).</summary>
    public static Tensor Project(Tensor delta, double eps, AttackNorm norm) => norm switch
    {
        AttackNorm.Linf => delta.clamp(-eps, eps),
        _ => delta.mul(L2PerExample(delta).clamp_min(Tiny).reciprocal().mul(eps).clamp_max(1.0)),
    };

    /// <summary>A uniformly random point of the ε-ball around zero, one per example.</summary>
    public static Tensor RandomInBall(Tensor like, double eps, AttackNorm norm, Generator? g)
    {
        if (norm == AttackNorm.Linf)
            return rand(like.shape, generator: g).mul(2 * eps).sub(eps);
        // Uniform in the L2 ball: a Gaussian direction, radius ε·U^(1/d).
        var dir = randn(like.shape, generator: g);
        dir = dir.div(L2PerExample(dir).clamp_min(Tiny));
        long d = like[0].numel();
        long[] shape = [like.shape[0], .. Enumerable.Repeat(1L, (int)like.dim() - 1)];
        var r = rand(shape, generator: g).pow(1.0 / d).mul(eps);
        return dir.mul(r);
    }

    public static void Check(Tensor images, Tensor labels, double eps)
    {
        if (images.dim() < 2 || labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"images must be N×… and labels N; got [{string.Join(", ", images.shape)}] and [{string.Join(", ", labels.shape)}]");
        if (!(eps > 0) || double.IsInfinity(eps))
            throw new ArgumentException($"ε must be positive and finite (got {eps})");
    }
}
