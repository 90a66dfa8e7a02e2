using static TorchSharp.torch;

namespace GanSharp.Losses;

/// <summary>The adversarial objective a run optimizes.</summary>
public enum LossKind
{
    /// <summary>The GAN value function (Goodfellow et al. 2014) with the chosen generator loss.</summary>
    Gan,

    /// <summary>Wasserstein GAN (Arjovsky et al. 2017): critic maximizes E D(x) − E D(G(z)); use with clipping.</summary>
    Wgan,

    /// <summary>WGAN with gradient penalty (Gulrajani et al. 2017).</summary>
    WganGp,

    /// <summary>Hinge loss (Lim &amp; Ye 2017; Miyato et al. 2018).</summary>
    Hinge,

    /// <summary>Least-squares GAN (Mao et al. 2017), targets a = 0, b = c = 1.</summary>
    Lsgan,
}

/// <summary>Optimizer of both networks.</summary>
public enum OptimizerKind
{
    Adam,

    /// <summary>RMSProp, as in the WGAN paper.</summary>
    Rmsprop,
}

/// <summary>Discriminator and generator losses on D's outputs for each <see cref="LossKind"/>; pure functions.</summary>
public static class GanLosses
{
    /// <summary>D's loss on real and fake outputs. <paramref name="realTarget"/> &lt; 1 is one-sided label smoothing (gan, lsgan).</summary>
    public static Tensor Discriminator(LossKind kind, Tensor real, Tensor fake, double realTarget = 1.0) => kind switch
    {
        LossKind.Gan => AdversarialLoss.Discriminator(real, fake, realTarget),
        LossKind.Wgan or LossKind.WganGp => fake.mean() - real.mean(),
        LossKind.Hinge => nn.functional.relu(1 - real).mean() + nn.functional.relu(1 + fake).mean(),
        LossKind.Lsgan => 0.5 * ((real - realTarget).pow(2).mean() + fake.pow(2).mean()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// The real-data half of <see cref="Discriminator"/> (each D loss is a real half plus a generated half), for the
    /// value function at an unrolled D (<see cref="Training.UnrolledGan"/>).
    /// </summary>
    public static Tensor DiscriminatorReal(LossKind kind, Tensor real, double realTarget = 1.0) => kind switch
    {
        LossKind.Gan => AdversarialLoss.DiscriminatorReal(real, realTarget),
        LossKind.Wgan or LossKind.WganGp => -real.mean(),
        LossKind.Hinge => nn.functional.relu(1 - real).mean(),
        LossKind.Lsgan => 0.5 * (real - realTarget).pow(2).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>G's loss on D's outputs for generated samples.</summary>
    public static Tensor Generator(LossKind kind, Tensor fake, GeneratorLossKind ganLoss = GeneratorLossKind.NonSaturating) => kind switch
    {
        LossKind.Gan => AdversarialLoss.Generator(fake, ganLoss),
        LossKind.Wgan or LossKind.WganGp or LossKind.Hinge => -fake.mean(),
        LossKind.Lsgan => 0.5 * (fake - 1).pow(2).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Feature matching (Salimans et al. 2016) for the stability toolbox: the squared difference of the batch means of
    /// D's hidden features, averaged over features (the authors' code; the semi-supervised GAN's
    /// <see cref="SemiSupervisedLoss.FeatureMatching"/> is the same expression on its own features).
    /// </summary>
    public static Tensor FeatureMatchingMean(Tensor realFeatures, Tensor fakeFeatures) =>
        (realFeatures.detach().mean(new long[] { 0 }) - fakeFeatures.mean(new long[] { 0 })).pow(2).mean(); // mean over features, as in the authors' code
}
