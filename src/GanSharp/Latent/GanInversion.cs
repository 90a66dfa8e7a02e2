using GanSharp.Performance;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Latent;

public sealed class InversionOptions
{
    /// <summary>Adam steps on z.</summary>
    public int Steps { get; init; } = 300;

    /// <summary>Adam learning rate on z.</summary>
    public double Lr { get; init; } = 0.05;

    /// <summary>
    /// Weight λ of the latent prior penalty λ·(‖z‖²/d − 1)² (gaussian prior: keeps z near the shell where almost
    /// all of N(0, I) lies). Sphere latents are projected back onto the sphere and uniform ones clamped to
    /// [−1, 1] after every step regardless.
    /// </summary>
    public double PriorWeight { get; init; }

    /// <summary>Random starts per target; the one whose G(z) is closest to the target is optimized.</summary>
    public int Starts { get; init; } = 8;

    public long Seed { get; init; }
}

/// <summary>Latents found for target images, their reconstructions G(z), and the pixel MSE before and after.</summary>
public sealed record InversionResult(Tensor Latents, Tensor Reconstructions, double[] MseBefore, double[] MseAfter) : IDisposable
{
    public void Dispose()
    {
        Latents.Dispose();
        Reconstructions.Dispose();
    }
}

/// <summary>
/// GAN inversion by optimization (as in Zhu et al. 2016, "Generative Visual Manipulation on the Natural Image
/// Manifold", without the encoder): find z minimizing the pixel MSE ‖G(z) − x‖² with Adam, G fixed in eval mode.
/// </summary>
public static class GanInversion
{
    /// <summary>
    /// Inverts targets N×C×H×W in [-1, 1] (the generator's example shape). MseBefore is the error of the best
    /// random start, MseAfter of the optimized latent; both are per image, mean over pixels in [-1, 1] units.
    /// </summary>
    public static InversionResult Invert(GanSystem system, Tensor targets, InversionOptions o)
    {
        if (o.Steps < 0) throw new ArgumentException($"inversion steps must be non-negative (got {o.Steps})");
        if (o.Starts < 1) throw new ArgumentException($"inversion needs at least one start (got {o.Starts})");
        long n = targets.shape[0], d = system.Options.ZDim;
        var prior = system.Options.Prior;
        var parameters = system.G.parameters().ToArray();
        bool[] requires = parameters.Select(p => p.requires_grad).ToArray();
        bool wasTraining = system.G.training;
        system.G.eval();
        foreach (var p in parameters) p.requires_grad = false;
        try
        {
            using var g = new Generator((ulong)ShuffledBatches.MixSeed(o.Seed, -9));
            using var scope = NewDisposeScope();
            var target = targets.to_type(ScalarType.Float32);

            // Best of o.Starts random latents per target.
            var candidates = system.SampleLatent(n * o.Starts, g).reshape(o.Starts, n, d);
            Tensor startErr;
            using (no_grad())
                startErr = stack(Enumerable.Range(0, o.Starts).Select(s => PerImageMse(system.Generate(candidates[s]), target)).ToArray(), 0); // starts × n
            var best = startErr.argmin(0);                                                              // n
            var z = candidates.permute(1, 0, 2).gather(1, best.reshape(n, 1, 1).expand(n, 1, d)).squeeze(1).contiguous(); // n × d
            var before = startErr.min(0).values;

            var m = zeros_like(z);
            var v = zeros_like(z);
            const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
            for (int step = 1; step <= o.Steps; step++)
            {
                NativeGarbage.AfterStep(step - 1);   // frees finalizer-held native memory (implicit Scalars)
                using var stepScope = NewDisposeScope();
                var zz = z.detach().requires_grad_(true);
                var loss = PerImageMse(system.Generate(zz), target).sum();
                if (o.PriorWeight > 0)
                    loss = loss.add(zz.pow(2).sum(1).div(d).sub(1).pow(2).sum().mul(o.PriorWeight));
                var grad = autograd.grad(new[] { loss }, new[] { zz })[0];
                using (no_grad())
                {
                    m.mul_(b1).add_(grad, alpha: 1 - b1);
                    v.mul_(b2).addcmul_(grad, grad, value: 1 - b2);
                    var mHat = m.div(1 - Math.Pow(b1, step));
                    var vHat = v.div(1 - Math.Pow(b2, step));
                    z.sub_(mHat.div(vHat.sqrt().add(eps)).mul(o.Lr));
                    if (prior == NoisePrior.Sphere) z.copy_(z.div(z.norm(1, keepdim: true).clamp_min(1e-12)).mul(Math.Sqrt(d)));
                    else if (prior == NoisePrior.Uniform) z.clamp_(-1, 1);
                }
            }
            Tensor recon, after;
            using (no_grad())
            {
                recon = system.Generate(z);
                after = PerImageMse(recon, target);
            }
            double[] Values(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
            return new InversionResult(z.detach().MoveToOuterDisposeScope(), recon.MoveToOuterDisposeScope(), Values(before), Values(after));
        }
        finally
        {
            for (int i = 0; i < parameters.Length; i++) parameters[i].requires_grad = requires[i];
            if (wasTraining) system.G.train();
        }
    }

    /// <summary>Mean squared error per image: N×C×H×W pairs → [N].</summary>
    public static Tensor PerImageMse(Tensor a, Tensor b) => a.sub(b).pow(2).flatten(1).mean(new long[] { 1 });
}
