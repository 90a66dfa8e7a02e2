using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>Modes and KL to uniform of a stacked-MNIST sample: see <see cref="StackedMnistModes"/>.</summary>
/// <param name="Modes">Distinct digit triples present (of 1,000).</param>
/// <param name="Kl">KL(p_gen ‖ uniform over 1,000 triples), natural log.</param>
/// <param name="Samples">Samples counted.</param>
public sealed record StackedMnistResult(int Modes, double Kl, int Samples);

/// <summary>
/// Stacked-MNIST mode counting (Metz et al. 2017, "Unrolled GANs"; Srivastava et al. 2017, "VEEGAN"), as the PacGAN
/// reference code computes it (github.com/fjxmlzn/PacGAN at 190853e, stacked_MNIST_experiments/*/model.py,
/// log_metrics): a classifier labels each of the 3 channels; a mode is the digit triple; KL = Σ_{p&gt;0} p ln(p·1000).
/// The reference scores 26,000 samples in the VEEGAN setting and 25,600 in the Unrolled-GAN setting.
/// </summary>
public static class StackedMnistModes
{
    public const int TotalModes = 1000;
    public const int VeeganSamples = 26000;
    public const int UnrolledSamples = 25600;

    /// <summary>Modes and KL from N×3 predicted digits (integers 0..9, one column per channel).</summary>
    public static StackedMnistResult Compute(Tensor digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.dim() != 2 || digits.shape[1] != 3)
            throw new ArgumentException($"digits must be N×3 (one predicted digit per channel); got shape [{string.Join(", ", digits.shape)}]", nameof(digits));
        if (digits.is_floating_point() || digits.dtype == ScalarType.Bool)
            throw new ArgumentException($"digits must be an integer tensor (predicted labels); got {digits.dtype}", nameof(digits));
        if (digits.shape[0] == 0)
            throw new ArgumentException("digits is empty", nameof(digits));

        using var scope = NewDisposeScope();
        var d = digits.to_type(ScalarType.Int64);
        long min = d.min().item<long>(), max = d.max().item<long>();
        if (min < 0 || max > 9)
            throw new ArgumentException($"digits must be in 0..9; found {(min < 0 ? min : max)}", nameof(digits));
        var triple = d.select(1, 0) * 100 + d.select(1, 1) * 10 + d.select(1, 2);
        var counts = triple.bincount(null, TotalModes).data<long>().ToArray();
        long n = d.shape[0];
        int modes = counts.Count(c => c > 0);
        double kl = counts.Where(c => c > 0).Sum(c => (double)c / n * Math.Log((double)c / n * TotalModes));
        return new StackedMnistResult(modes, kl, checked((int)n));
    }
}
