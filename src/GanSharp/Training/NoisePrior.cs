using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>The distribution p(z) the generator's input is drawn from.</summary>
public enum NoisePrior
{
    /// <summary>z ~ N(0, I).</summary>
    Gaussian,

    /// <summary>z ~ U(−1, 1)^d (Goodfellow et al. 2014; DCGAN).</summary>
    Uniform,

    /// <summary>
    /// z uniform on the hypersphere of radius √d (a normalised gaussian, as in White 2016, "Sampling Generative
    /// Networks"); the radius keeps ‖z‖ at the typical norm of a gaussian sample.
    /// </summary>
    Sphere,
}

public static class NoisePriors
{
    /// <summary>Draws n latents of dimension d from <paramref name="prior"/> using <paramref name="generator"/>.</summary>
    public static Tensor Sample(NoisePrior prior, long n, long d, Generator? generator)
    {
        switch (prior)
        {
            case NoisePrior.Gaussian:
                return randn(new[] { n, d }, generator: generator); // cpu: drawn from the CPU generator; GanSystem.SampleLatent puts them on the device
            case NoisePrior.Uniform:
                return rand(new[] { n, d }, generator: generator).mul_(2).sub_(1); // cpu: drawn from the CPU generator; GanSystem.SampleLatent puts them on the device
            case NoisePrior.Sphere:
                using (var g = randn(new[] { n, d }, generator: generator)) // cpu: drawn from the CPU generator; GanSystem.SampleLatent puts them on the device
                    return g.div(g.norm(1, keepdim: true).clamp_min(1e-12)).mul_(Math.Sqrt(d));
            default:
                throw new ArgumentOutOfRangeException(nameof(prior));
        }
    }
}
