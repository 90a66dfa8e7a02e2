using static TorchSharp.torch;

namespace GanSharp.Losses;

/// <summary>
/// The semi-supervised GAN objective of Salimans et al. 2016, "Improved Techniques for Training GANs", §5, on the
/// K logits l_1..l_K of a classifier D whose (K+1)-th "fake" logit is fixed at 0. With Z(x) = Σ_k exp l_k(x),
/// D(x) = Z/(Z+1) = sigmoid(logsumexp l), so every term is a softplus of a logsumexp. Pure functions.
/// </summary>
public static class SemiSupervisedLoss
{
    /// <summary>The real-vs-fake logit log Z(x) = logsumexp_k l_k (N×K → N).</summary>
    public static Tensor RealLogit(Tensor logits) => logits.logsumexp(1);

    /// <summary>L_supervised: cross-entropy over the K real classes on labelled examples (N×K logits, N labels).</summary>
    public static Tensor Supervised(Tensor logits, Tensor labels) => nn.functional.cross_entropy(logits, labels);

    /// <summary>
    /// L_unsupervised = −E_x log(Z(x)/(Z(x)+1)) − E_z log(1/(Z(G(z))+1)) = E softplus(−log Z(x)) + E softplus(log Z(G(z))).
    /// </summary>
    public static Tensor Unsupervised(Tensor realLogits, Tensor fakeLogits) =>
        nn.functional.softplus(-RealLogit(realLogits)).mean() + nn.functional.softplus(RealLogit(fakeLogits)).mean();

    /// <summary>
    /// Feature matching (§3.1): ‖E f(x) − E f(G(z))‖² / F, the squared distance of the batch means of D's F features,
    /// averaged over features as in the authors' MNIST script (T.mean(T.square(mom_gen − mom_real))). The real half
    /// carries no gradient.
    /// </summary>
    public static Tensor FeatureMatching(Tensor realFeatures, Tensor fakeFeatures) =>
        (realFeatures.detach().flatten(1).mean(new long[] { 0 }) - fakeFeatures.flatten(1).mean(new long[] { 0 })).pow(2).mean();
}
