using GanSharp.Families.ImageToImage;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.ImageToImage;

public class LossTests
{
    static double V(Tensor t) => t.to_type(ScalarType.Float64).item<double>();

    // sigmoid cross-entropy by hand: target 1 → ln(1 + e^−x), target 0 → ln(1 + e^x)
    static double Real(double x) => Math.Log(1 + Math.Exp(-x));
    static double Fake(double x) => Math.Log(1 + Math.Exp(x));

    [Fact]
    public void ContentLossRescalesFeatures()
    {
        using var a = tensor(new double[] { 12.75, 0, 25.5, 0 }).reshape(1, 4, 1, 1);
        using var b = zeros(1, 4, 1, 1, ScalarType.Float64);
        // scaled differences 1, 0, 2, 0 → mean of squares 5/4
        Assert.Equal(1.25, V(ImageToImageLosses.Content(a, b)), 12);
        Assert.Equal((12.75 * 12.75 + 25.5 * 25.5) / 4, V(ImageToImageLosses.Content(a, b, featureScale: 1)), 9);
    }

    [Fact]
    public void TotalVariationByHand()
    {
        // 2×3 image [[0, 1, 3], [2, 2, 2]]: vertical diffs 2, 1, −1; horizontal diffs 1, 2, 0, 0
        using var x = tensor(new double[] { 0, 1, 3, 2, 2, 2 }).reshape(1, 1, 2, 3);
        Assert.Equal((2 + 1 + 1) / 3.0 + (1 + 2 + 0 + 0) / 4.0, V(ImageToImageLosses.TotalVariation(x)), 12);
        Assert.Equal((4 + 1 + 1) / 3.0 + (1 + 4) / 4.0, V(ImageToImageLosses.TotalVariation(x, squared: true)), 12);
        using var flat = full(2, 3, 5, 5, 0.3);
        Assert.Equal(0.0, V(ImageToImageLosses.TotalVariation(flat)));
    }

    [Fact]
    public void Pix2PixDiscriminatorLossIsHalved()
    {
        using var real = tensor(new double[] { 0, Math.Log(3) });
        using var fake = tensor(new double[] { -1, 2 });
        using var loss = ImageToImageLosses.Pix2PixDiscriminator(real, fake);
        double r = (Math.Log(2) + Math.Log(4.0 / 3)) / 2, f = (Fake(-1) + Fake(2)) / 2;
        Assert.Equal(0.5 * (r + f), V(loss.Total), 12);
        Assert.Equal(r, V(loss.Terms["d_real"]), 12);
        Assert.Equal(f, V(loss.Terms["d_fake"]), 12);
        using var full1 = ImageToImageLosses.Discriminator(real, fake);
        Assert.Equal(r + f, V(full1.Total), 12);
    }

    [Fact]
    public void Pix2PixGeneratorLossIsAdversarialPlusHundredL1()
    {
        using var logits = tensor(new double[] { 0.5, -0.5, 1.5, 0 }).reshape(1, 1, 2, 2);   // a 2×2 patch map
        using var output = tensor(new double[] { 0.1, -0.2, 0.3, 0.0 }).reshape(1, 1, 2, 2);
        using var target = tensor(new double[] { 0.0, 0.0, 0.0, 0.5 }).reshape(1, 1, 2, 2);
        using var loss = ImageToImageLosses.Pix2PixGenerator(logits, output, target);
        double adv = (Real(0.5) + Real(-0.5) + Real(1.5) + Real(0)) / 4, l1 = (0.1 + 0.2 + 0.3 + 0.5) / 4;
        Assert.Equal(adv, V(loss.Terms["g_adv"]), 12);
        Assert.Equal(l1, V(loss.Terms["l1"]), 12);
        Assert.Equal(adv + 100 * l1, V(loss.Total), 10);
    }

    [Fact]
    public void SrganPerceptualLossWeighsTheAdversarialTerm()
    {
        using var content = tensor(0.2, ScalarType.Float64);
        using var logits = tensor(new double[] { -2, 1 }).reshape(2, 1);
        using var output = tensor(new double[] { 0, 1, 3, 2, 2, 2 }).reshape(1, 1, 2, 3);
        double adv = (Real(-2) + Real(1)) / 2;
        using var plain = ImageToImageLosses.SrganGenerator(content, logits);
        Assert.Equal(0.2 + 1e-3 * adv, V(plain.Total), 12);
        Assert.False(plain.Terms.ContainsKey("tv"));
        using var tv = ImageToImageLosses.SrganGenerator(content, logits, output, tvWeight: 2e-8);
        Assert.Equal(0.2 + 1e-3 * adv + 2e-8 * (4 / 3.0 + 3 / 4.0), V(tv.Total), 12);
    }

    [Fact]
    public void IdCganLossCombinesMsePerceptualAndMultiScaleAdversarial()
    {
        using var output = tensor(new double[] { 1, 2 });
        using var target = tensor(new double[] { 0, 0 });
        using var perceptual = tensor(0.4, ScalarType.Float64);
        var scales = new[] { tensor(new double[] { 0, 0, 0, 0 }), tensor(new double[] { 2 }) };
        using var loss = ImageToImageLosses.IdCganGenerator(output, target, perceptual, scales);
        double adv = (Math.Log(2) + Real(2)) / 2;
        Assert.Equal(2.5 + 0.4 + 6.6e-3 * adv, V(loss.Total), 12);
        using var d = ImageToImageLosses.MultiScaleDiscriminator(scales, scales);
        Assert.Equal(adv + (Math.Log(2) + Fake(2)) / 2, V(d.Total), 12);
        foreach (var s in scales) s.Dispose();
    }

    [Fact]
    public void LossesAreDifferentiable()
    {
        using var output = randn(2, 3, 4, 4).requires_grad_(true);
        using var target = randn(2, 3, 4, 4);
        using var logits = randn(2, 1, 2, 2);
        using var loss = ImageToImageLosses.Pix2PixGenerator(logits, output, target);
        loss.Total.backward();
        // d/d(out) of 100·mean|out − y| = 100·sign/numel
        Assert.True(allclose(output.grad!, (output - target).sign().detach() * (100.0 / 96), 1e-5, 1e-6));
    }
}
