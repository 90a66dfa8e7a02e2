using GanSharp.Families.TextToImage;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

public class NetworkTests
{
    public NetworkTests() => set_num_threads(1);

    /// <summary>‖a − b‖ / ‖a‖: DCGAN-initialised nets in eval mode give tiny outputs, so compare relatively.</summary>
    static double Relative(Tensor a, Tensor b) => a.sub(b).norm().item<float>() / Math.Max(1e-30, a.norm().item<float>());

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void GanClsGeneratorAndDiscriminatorShapes(int size)
    {
        manual_seed(1);
        using var g = new GanClsGenerator(size, embeddingDim: 24, zDim: 10, width: 8);
        using var d = new MatchingAwareDiscriminator(size, embeddingDim: 24, width: 8);
        var z = randn(3, 10);
        var e = randn(3, 24);
        var x = g.call(z, e);
        Assert.Equal(new long[] { 3, 3, size, size }, x.shape);
        Assert.True(x.abs().max().item<float>() <= 1);
        Assert.Equal(new long[] { 3 }, d.call(x, e).shape);
        Assert.Equal(8 * (size == 64 ? 8 : 4), d.FeatureChannels);   // w·2^(stages−1) at 4×4
    }

    [Fact]
    public void TheEmbeddingReachesBothNetworksThroughTheirOwnCompression()
    {
        manual_seed(2);
        using var g = new GanClsGenerator(32, embeddingDim: 16, zDim: 4, width: 8);
        using var d = new MatchingAwareDiscriminator(32, embeddingDim: 16, width: 8);
        g.eval();
        d.eval();
        var z = randn(2, 4);
        var e = randn(2, 16);
        var x = g.call(z, e);
        Assert.True(Relative(x, g.call(z, e.add(1))) > 1e-2);
        Assert.True(Relative(d.call(x, e), d.call(x, e.add(1))) > 1e-2);
        // D's text compression is its own fully connected 16 → 128 layer; the joined 4×4 map has c + 128 channels.
        var dParams = d.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(new long[] { 128, 16 }, dParams["project.fc.weight"].shape);
        Assert.Equal(new long[] { d.FeatureChannels, d.FeatureChannels + 128, 1, 1 }, dParams["join.conv1x1.weight"].shape);
        Assert.Equal(new long[] { 1, d.FeatureChannels, 4, 4 }, dParams["join.conv4x4.weight"].shape);
        var gParams = g.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(new long[] { 128, 16 }, gParams["project.fc.weight"].shape);
        Assert.False(ReferenceEquals(gParams["project.fc.weight"], dParams["project.fc.weight"]));
        Assert.Throws<ArgumentException>(() => new GanClsGenerator(28, 16));
    }

    [Fact]
    public void ConditioningAugmentationIsMuPlusSigmaTimesEpsilon()
    {
        manual_seed(3);
        using var ca = new ConditioningAugmentation(embeddingDim: 6, condDim: 4);
        var e = randn(5, 6);
        var eps = randn(5, 4);
        var (c, mu, logVar) = ca.call(e, eps);
        Assert.Equal(new long[] { 5, 4 }, c.shape);
        Assert.True(c.allclose(mu.add(logVar.div(2).exp().mul(eps)), 1e-6, 1e-6));
        var (c0, mu0, _) = ca.call(e, zeros(5, 4));
        Assert.True(c0.allclose(mu0));
        // Sampling is reproducible through the explicit generator and differs between draws.
        using var g1 = new Generator(9);
        using var g2 = new Generator(9);
        var a = ca.Sample(e, g1).C;
        Assert.True(a.allclose(ca.Sample(e, g2).C));
        Assert.False(a.allclose(ca.Sample(e, g2).C));
    }

    [Theory]
    [InlineData(16, 8)]   // our measurement: 16 → 64
    [InlineData(64, 4)]   // the paper: 64 → 256
    public void StackGanStagesMakeTheirSizesAndStageIIIsFourTimesStageI(int stageI, int width)
    {
        manual_seed(4);
        using var g1 = new StageIGenerator(stageI, embeddingDim: 12, zDim: 6, condDim: 5, width: width);
        using var d1 = new MatchingAwareDiscriminator(stageI, embeddingDim: 12, width: width);
        using var g2 = new StageIIGenerator(stageI, embeddingDim: 12, condDim: 5, width: width);
        using var d2 = new MatchingAwareDiscriminator(4 * stageI, embeddingDim: 12, width: width);
        var e = randn(2, 12);
        using var gen = new Generator(1);
        var (low, mu, logVar) = g1.Generate(randn(2, 6), e, gen);
        Assert.Equal(new long[] { 2, 3, stageI, stageI }, low.shape);
        Assert.Equal(new long[] { 2, 5 }, mu.shape);
        Assert.Equal(new long[] { 2, 5 }, logVar.shape);
        Assert.Equal(new long[] { 2 }, d1.call(low, e).shape);
        var (high, _, _) = g2.Generate(low, e, gen);                        // no z
        Assert.Equal(new long[] { 2, 3, 4 * stageI, 4 * stageI }, high.shape);
        Assert.Equal(4 * stageI, g2.OutputSize);
        Assert.Equal(new long[] { 2 }, d2.call(high, e).shape);
        // Stage-II has its own conditioning augmentation, not Stage-I's.
        Assert.NotSame(g1.Augmentation, g2.Augmentation);
        Assert.Contains(g2.named_parameters(), p => p.name.StartsWith("augment."));
        Assert.Contains(g2.named_modules(), m => m.module is ResidualBlock);
    }

    [Fact]
    public void StageIIReadsTheStageIImage()
    {
        manual_seed(5);
        using var g2 = new StageIIGenerator(16, embeddingDim: 8, condDim: 4, width: 8);
        g2.eval();
        var c = randn(1, 4);
        // Every Stage-I pixel reaches the output (no z: the image and ĉ are all it has).
        var stageI = randn(1, 3, 16, 16).requires_grad_();
        g2.call(stageI, c).sum().backward();
        Assert.True(stageI.grad!.ne(0).all().item<bool>());
        Assert.True(Relative(g2.call(zeros(1, 3, 16, 16), c), g2.call(ones(1, 3, 16, 16), c)) > 1e-3);
    }
}
