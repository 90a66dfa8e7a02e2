using static TorchSharp.torch;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// A composite loss and the terms it is made of (each a scalar tensor, logged unweighted). A family on the engine can
/// equally build <c>Losses.LossTerms</c> from the same primitives (<see cref="ImageToImageLosses.Bce"/>, PixelL1, Content, TotalVariation).
/// </summary>
public sealed record ImageLossTerms(Tensor Total, IReadOnlyDictionary<string, Tensor> Terms) : IDisposable
{
    public void Dispose()
    {
        Total.Dispose();
        foreach (var t in Terms.Values) t.Dispose();
    }
}

/// <summary>
/// Pure loss functions of the image-to-image families, on tensors the loop has already computed (network outputs,
/// D logits, feature maps): no networks, no optimizers. Adversarial terms take logits and use the
/// numerically stable sigmoid cross-entropy (the sigmoid of the papers' D lives here).
/// </summary>
public static class ImageToImageLosses
{
    /// <summary>SRGAN's scale on VGG feature maps: φ/12.75 "to obtain VGG losses of a scale comparable to the MSE loss" (Ledig et al. 2017).</summary>
    public const double SrganFeatureScale = 1 / 12.75;

    /// <summary>SRGAN's weight on the adversarial term of the perceptual loss.</summary>
    public const double SrganAdversarialWeight = 1e-3;

    /// <summary>pix2pix's weight λ on the L1 term.</summary>
    public const double Pix2PixL1Weight = 100;

    /// <summary>ID-CGAN's weight λa on the adversarial term (Zhang, Sindagi &amp; Patel 2017).</summary>
    public const double IdCganAdversarialWeight = 6.6e-3;

    /// <summary>Mean squared error over every element.</summary>
    public static Tensor PixelMse(Tensor output, Tensor target) => nn.functional.mse_loss(output, target);

    /// <summary>Mean absolute error over every element.</summary>
    public static Tensor PixelL1(Tensor output, Tensor target) => nn.functional.l1_loss(output, target);

    /// <summary>
    /// Content (perceptual) loss on feature maps φ of the output and the target: mean((s·φ_out − s·φ_target)²) with
    /// s = <paramref name="featureScale"/>. SRGAN's VGG54 loss uses φ5,4 (the 4th conv of the 5th block of VGG-19,
    /// after its ReLU, on ImageNet-normalised inputs) and s = 1/12.75; for another feature network choose s so that
    /// the loss has the magnitude VGG54 has on the same images.
    /// </summary>
    public static Tensor Content(Tensor featuresOutput, Tensor featuresTarget, double featureScale = SrganFeatureScale)
    {
        using var scope = NewDisposeScope();
        var d = (featuresOutput - featuresTarget).mul(featureScale);
        return d.square().mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Anisotropic total variation of N×C×H×W images: mean |x(h+1, w) − x(h, w)| + mean |x(h, w+1) − x(h, w)|
    /// (each mean over its own differences), or the squared differences when <paramref name="squared"/>.
    /// </summary>
    public static Tensor TotalVariation(Tensor images, bool squared = false)
    {
        using var scope = NewDisposeScope();
        long h = images.shape[2], w = images.shape[3];
        var dh = images.narrow(2, 1, h - 1) - images.narrow(2, 0, h - 1);
        var dw = images.narrow(3, 1, w - 1) - images.narrow(3, 0, w - 1);
        Tensor F(Tensor d) => squared ? d.square() : d.abs();
        return (F(dh).mean() + F(dw).mean()).MoveToOuterDisposeScope();
    }

    /// <summary>Sigmoid cross-entropy of logits against a constant target (1 = real, 0 = fake), mean over elements.</summary>
    public static Tensor Bce(Tensor logits, double target)
    {
        using var t = full_like(logits, target);
        return nn.functional.binary_cross_entropy_with_logits(logits, t);
    }

    /// <summary>D's loss: BCE(real → 1) + BCE(fake → 0), multiplied by <paramref name="scale"/> (pix2pix halves it: 0.5).</summary>
    public static ImageLossTerms Discriminator(Tensor realLogits, Tensor fakeLogits, double scale = 1.0)
    {
        var real = Bce(realLogits, 1);
        var fake = Bce(fakeLogits, 0);
        return new ImageLossTerms((real + fake).mul_(scale), new Dictionary<string, Tensor> { ["d_real"] = real, ["d_fake"] = fake });
    }

    /// <summary>pix2pix D loss: (BCE(D(x, y) → 1) + BCE(D(x, G(x)) → 0)) / 2, "to slow down the rate at which D learns relative to G".</summary>
    public static ImageLossTerms Pix2PixDiscriminator(Tensor realLogits, Tensor fakeLogits) => Discriminator(realLogits, fakeLogits, 0.5);

    /// <summary>pix2pix G loss: BCE(D(x, G(x)) → 1) + λ·|y − G(x)|₁ (λ = 100). Terms: "g_adv", "l1".</summary>
    public static ImageLossTerms Pix2PixGenerator(Tensor fakeLogits, Tensor output, Tensor target, double l1Weight = Pix2PixL1Weight)
    {
        var adv = Bce(fakeLogits, 1);
        var l1 = PixelL1(output, target);
        return new ImageLossTerms(adv + l1 * l1Weight, new Dictionary<string, Tensor> { ["g_adv"] = adv, ["l1"] = l1 });
    }

    /// <summary>
    /// SRGAN's perceptual loss: content + 10⁻³·BCE(D(G(x)) → 1) (+ tvWeight·TV(G(x)) when tvWeight &gt; 0).
    /// <paramref name="content"/> is the content term already computed (<see cref="Content"/>, or <see cref="PixelMse"/>
    /// for SRGAN-MSE). Terms: "content", "g_adv" and, with TV, "tv".
    /// </summary>
    public static ImageLossTerms SrganGenerator(Tensor content, Tensor fakeLogits, Tensor? output = null,
        double adversarialWeight = SrganAdversarialWeight, double tvWeight = 0)
    {
        var adv = Bce(fakeLogits, 1);
        var terms = new Dictionary<string, Tensor> { ["content"] = content.alias(), ["g_adv"] = adv };
        var total = content + adv * adversarialWeight;
        if (tvWeight > 0)
        {
            ArgumentNullException.ThrowIfNull(output);
            var tv = TotalVariation(output);
            terms["tv"] = tv;
            using var old = total;
            total = old + tv * tvWeight;
        }
        return new ImageLossTerms(total, terms);
    }

    /// <summary>
    /// ID-CGAN's refined loss: MSE(G(x), y) + λp·perceptual + λa·adversarial with λa = 6.6·10⁻³ and λp = 1.
    /// <paramref name="perceptual"/> is the feature-space term already computed (<see cref="Content"/>); the
    /// adversarial term is the mean BCE over every scale's logits (<paramref name="fakeLogitsPerScale"/>).
    /// Terms: "mse", "perceptual", "g_adv".
    /// </summary>
    public static ImageLossTerms IdCganGenerator(Tensor output, Tensor target, Tensor perceptual, IReadOnlyList<Tensor> fakeLogitsPerScale,
        double perceptualWeight = 1.0, double adversarialWeight = IdCganAdversarialWeight)
    {
        var mse = PixelMse(output, target);
        var adv = MeanOverScales(fakeLogitsPerScale, 1);
        var total = mse + perceptual * perceptualWeight + adv * adversarialWeight;
        return new ImageLossTerms(total, new Dictionary<string, Tensor> { ["mse"] = mse, ["perceptual"] = perceptual.alias(), ["g_adv"] = adv });
    }

    /// <summary>Multi-scale D loss: the mean over scales of BCE(real → 1) + BCE(fake → 0), times <paramref name="scale"/>.</summary>
    public static ImageLossTerms MultiScaleDiscriminator(IReadOnlyList<Tensor> realLogits, IReadOnlyList<Tensor> fakeLogits, double scale = 1.0)
    {
        var real = MeanOverScales(realLogits, 1);
        var fake = MeanOverScales(fakeLogits, 0);
        return new ImageLossTerms((real + fake).mul_(scale), new Dictionary<string, Tensor> { ["d_real"] = real, ["d_fake"] = fake });
    }

    static Tensor MeanOverScales(IReadOnlyList<Tensor> logits, double target)
    {
        if (logits.Count == 0) throw new ArgumentException("no discriminator outputs given", nameof(logits));
        using var scope = NewDisposeScope();
        var sum = Bce(logits[0], target);
        for (int i = 1; i < logits.Count; i++) sum = sum + Bce(logits[i], target);
        return sum.div(logits.Count).MoveToOuterDisposeScope();
    }
}
