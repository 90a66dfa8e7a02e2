using GanSharp.Families.Progressive;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Progressive;

public class PixelNormTests
{
    [Fact]
    public void PixelNormGivesUnitMeanSquarePerPixel()
    {
        using var scope = NewDisposeScope();
        using var norm = new PixelNorm();
        // Pixels of very different magnitudes (root mean squares from about 0.03 to 30).
        var x = randn(new long[] { 2, 7, 3, 4 }, generator: new Generator(8)) * pow(10, rand(new long[] { 2, 1, 3, 4 }, generator: new Generator(9)) * 3 - 1.5);
        var y = norm.forward(x);
        var meanSquare = y.square().mean(new long[] { 1 });                       // 2 × 3 × 4
        Assert.True(allclose(meanSquare, ones_like(meanSquare), 1e-5, 1e-4), meanSquare.ToString(TorchSharp.TensorStringStyle.Julia));
        // ε only matters for near-zero pixels: there the mean square is ms/(ms + ε), not 1.
        var tiny = norm.forward(full(new long[] { 1, 4, 1, 1 }, 1e-4f));
        Assert.Equal(1e-8 / (1e-8 + 1e-8), tiny.square().mean().item<float>(), 4);
        // Each pixel's feature vector keeps its direction: y = x / rms(x).
        var rms = x.square().mean(new long[] { 1 }, keepdim: true).add(1e-8).sqrt();
        Assert.True(allclose(y, x / rms, 1e-5, 1e-6));
        var z = norm.forward(randn(new long[] { 5, 6 }, generator: new Generator(10)));  // a latent batch: per row
        Assert.True(allclose(z.square().mean(new long[] { 1 }), ones(5), 1e-5, 1e-5));
    }
}
