using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// D's loss on the three pairs of the matching-aware discriminator and the mean probabilities D gave each pair
/// (detached scalars, for logging). <see cref="RealWrong"/> is null for the plain conditional GAN (no wrong pair).
/// </summary>
public sealed record MatchingAwareLoss(Tensor Loss, Tensor RealRight, Tensor? RealWrong, Tensor FakeRight);

/// <summary>How <see cref="TextToImageLosses.KlToStandardNormal"/> reduces the per-element terms.</summary>
public enum KlReduction
{
    /// <summary>Mean over batch and dimensions, as StackGAN's released code (with λ = 1 it sets the paper's balance).</summary>
    MeanOverElements,

    /// <summary>The exact KL of each example (sum over dimensions), averaged over the batch.</summary>
    SumOverDimensions,
}

/// <summary>
/// Pure loss functions of text-to-image GANs, written as quantities to minimize and on logits (BCE-with-logits, so
/// −log σ(x) = softplus(−x) and −log(1 − σ(x)) = softplus(x) stay finite for any logit).
/// <para>Matching-aware loss (Reed et al. 2016, Algorithm 1) over s_r = D(real, right text), s_w = D(real, wrong text)
/// and s_f = D(G(z, right text), right text): D minimizes −log s_r − ½[log(1 − s_w) + log(1 − s_f)]; G minimizes
/// −log s_f (non-saturating). The paper's listing writes D's objective as a quantity to maximize next to a descent
/// step; these are the signs that train.</para>
/// </summary>
public static class TextToImageLosses
{
    /// <summary>
    /// D's loss from logits (each N): GAN-CLS when <paramref name="realWrong"/> is given, else the plain conditional
    /// GAN's −log s_r − log(1 − s_f).
    /// </summary>
    public static MatchingAwareLoss Discriminator(Tensor realRight, Tensor? realWrong, Tensor fakeRight)
    {
        var real = softplus(realRight.neg()).mean();                  // −log s_r
        var fake = softplus(fakeRight).mean();                        // −log(1 − s_f)
        var loss = realWrong is null
            ? real.add(fake)
            : real.add(softplus(realWrong).mean().add(fake).mul(0.5)); // −log s_r − ½[log(1 − s_w) + log(1 − s_f)]
        using var _ = no_grad();
        return new MatchingAwareLoss(loss, realRight.sigmoid().mean(), realWrong?.sigmoid().mean(), fakeRight.sigmoid().mean());
    }

    /// <summary>G's non-saturating loss −log s_f from D's logits on (fake, right text), N → scalar.</summary>
    public static Tensor Generator(Tensor fakeRight) => softplus(fakeRight.neg()).mean();

    /// <summary>
    /// KL(N(μ, σ²) ‖ N(0, I)) of conditioning augmentation: ½(μ² + σ² − 1 − log σ²) per element, reduced by
    /// <paramref name="reduction"/> (N×d inputs → scalar).
    /// </summary>
    public static Tensor KlToStandardNormal(Tensor mu, Tensor logVar, KlReduction reduction = KlReduction.MeanOverElements)
    {
        var element = mu.square().add(logVar.exp()).sub(1).sub(logVar).mul(0.5);    // N×d
        return reduction == KlReduction.MeanOverElements ? element.mean() : element.sum(1).mean();
    }

    /// <summary>
    /// GAN-INT's interpolated embeddings β·t₁ + (1 − β)·t₂, pairing each row with the row <paramref name="shift"/>
    /// places later in the batch (rolled), so no extra captions are needed. β = 0.5 as in the paper.
    /// </summary>
    public static Tensor Interpolate(Tensor embeddings, double beta = 0.5, long shift = 1) =>
        embeddings.mul(beta).add(embeddings.roll(shift, 0).mul(1 - beta));
}
