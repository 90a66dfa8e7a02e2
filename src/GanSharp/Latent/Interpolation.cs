using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Latent;

/// <summary>How to walk from one latent to another.</summary>
public enum InterpolationKind
{
    /// <summary>Straight line (1 − t)·z0 + t·z1.</summary>
    Lerp,

    /// <summary>
    /// Great-circle path (Shoemake 1985), recommended for gaussian latents by White 2016, "Sampling Generative
    /// Networks": the straight line passes near the origin, where a high-dimensional gaussian has almost no mass.
    /// </summary>
    Slerp,
}

/// <summary>Interpolation between latents (Radford et al. 2015 §6.1 walks; White 2016 slerp).</summary>
public static class Interpolation
{
    /// <summary>Below this sin(ω) the vectors are treated as parallel and slerp falls back to lerp.</summary>
    public const double ParallelSin = 1e-6;

    /// <summary>The default for a prior: slerp for gaussian and sphere latents (they live near a sphere), lerp for uniform.</summary>
    public static InterpolationKind DefaultKind(NoisePrior prior) =>
        prior == NoisePrior.Uniform ? InterpolationKind.Lerp : InterpolationKind.Slerp;

    public static InterpolationKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "lerp" => InterpolationKind.Lerp,
        "slerp" => InterpolationKind.Slerp,
        _ => throw new ArgumentException($"unknown interpolation '{name}': use lerp or slerp"),
    };

    /// <summary>(1 − t)·z0 + t·z1 for latents of shape [d] or rows of [n, d].</summary>
    public static Tensor Lerp(Tensor z0, Tensor z1, double t) => z0.mul(1 - t).add_(z1.mul(t));

    /// <summary>
    /// sin((1 − t)ω)/sin ω · z0 + sin(tω)/sin ω · z1 with ω the angle between z0 and z1, row by row for [n, d]
    /// (or for one [d] vector). Rows whose vectors are nearly parallel (or antiparallel, or zero) are lerped.
    /// </summary>
    public static Tensor Slerp(Tensor z0, Tensor z1, double t)
    {
        using var scope = NewDisposeScope();
        bool single = z0.dim() == 1;
        var a = single ? z0.unsqueeze(0) : z0;
        var b = single ? z1.unsqueeze(0) : z1;
        var a64 = a.to_type(ScalarType.Float64);
        var b64 = b.to_type(ScalarType.Float64);
        var cos = (a64 * b64).sum(1, keepdim: true)
            .div(a64.norm(1, keepdim: true).mul(b64.norm(1, keepdim: true)).clamp_min(1e-300))
            .clamp(-1.0, 1.0);
        var omega = cos.acos();
        var sin = omega.sin();
        var parallel = sin.lt(ParallelSin);
        var safeSin = where(parallel, ones_like(sin), sin);
        var wa = where(parallel, full_like(sin, 1 - t), omega.mul(1 - t).sin().div(safeSin));
        var wb = where(parallel, full_like(sin, t), omega.mul(t).sin().div(safeSin));
        var r = (a64 * wa + b64 * wb).to_type(z0.dtype);
        return (single ? r.squeeze(0) : r).MoveToOuterDisposeScope();
    }

    public static Tensor At(Tensor z0, Tensor z1, double t, InterpolationKind kind) =>
        kind == InterpolationKind.Slerp ? Slerp(z0, z1, t) : Lerp(z0, z1, t);

    /// <summary>
    /// <paramref name="steps"/> latents from z0 to z1 inclusive (t = 0, 1/(steps−1), …, 1). For [d] inputs the
    /// result is [steps, d]; for [n, d] inputs it is [n·steps, d], row i's path at rows i·steps … i·steps + steps − 1.
    /// </summary>
    public static Tensor Path(Tensor z0, Tensor z1, int steps, InterpolationKind kind)
    {
        if (steps < 2) throw new ArgumentException($"an interpolation needs at least 2 steps (got {steps})");
        using var scope = NewDisposeScope();
        var a = z0.dim() == 1 ? z0.unsqueeze(0) : z0;
        var b = z1.dim() == 1 ? z1.unsqueeze(0) : z1;
        var points = Enumerable.Range(0, steps).Select(i => At(a, b, (double)i / (steps - 1), kind)).ToArray();
        return stack(points, 1).reshape(a.shape[0] * steps, a.shape[1]).MoveToOuterDisposeScope(); // [n, steps, d] → [n·steps, d]
    }
}
