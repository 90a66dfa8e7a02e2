using static TorchSharp.torch;

namespace GanSharp.Losses;

/// <summary>Generator objective of Goodfellow et al. 2014, "Generative Adversarial Nets".</summary>
public enum GeneratorLossKind
{
    /// <summary>Maximize log D(G(z)), i.e. minimize −log D(G(z)) (the paper's practical fix; the default).</summary>
    NonSaturating,

    /// <summary>Minimize log(1 − D(G(z))), the original minimax objective (saturates early in training).</summary>
    Minimax,
}

/// <summary>
/// The GAN value function on discriminator logits l (D = sigmoid(l)); pure functions, no optimizer, no loop.
/// log D = −softplus(−l) and log(1 − D) = −softplus(l), computed stably.
/// </summary>
public static class AdversarialLoss
{
    /// <summary>
    /// Discriminator loss −[mean log D(x) + mean log(1 − D(G(z)))], with an optional soft real target
    /// (one-sided label smoothing: realTarget 0.9 gives −[0.9 log D(x) + 0.1 log(1 − D(x))]).
    /// </summary>
    public static Tensor Discriminator(Tensor realLogits, Tensor fakeLogits, double realTarget = 1.0) =>
        DiscriminatorReal(realLogits, realTarget) + nn.functional.softplus(fakeLogits).mean();

    /// <summary>The real-data half of <see cref="Discriminator"/>: −mean[t log D(x) + (1 − t) log(1 − D(x))].</summary>
    public static Tensor DiscriminatorReal(Tensor realLogits, double realTarget = 1.0) => realTarget == 1.0
        ? nn.functional.softplus(-realLogits).mean()
        : (realTarget * nn.functional.softplus(-realLogits) + (1 - realTarget) * nn.functional.softplus(realLogits)).mean();

    /// <summary>Generator loss on D's logits for generated samples.</summary>
    public static Tensor Generator(Tensor fakeLogits, GeneratorLossKind kind) => kind switch
    {
        GeneratorLossKind.NonSaturating => nn.functional.softplus(-fakeLogits).mean(),
        GeneratorLossKind.Minimax => (-nn.functional.softplus(fakeLogits)).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
