using GanSharp.Families.Progressive;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Progressive;

public class LaplacianPyramidTests
{
    [Fact]
    public void ReconstructsItsInputExactlyUpToRounding()
    {
        using var scope = NewDisposeScope();
        var x = rand(new long[] { 2, 3, 16, 16 }, generator: new Generator(1)) * 2 - 1;
        var pyramid = LaplacianPyramid.Build(x, 3);
        Assert.Equal(new[] { 16L, 8, 4 }, pyramid.Bands.Select(b => b.shape[2]));
        Assert.Equal(new long[] { 2, 3, 2, 2 }, pyramid.Coarsest.shape);
        Assert.True(allclose(pyramid.Coarsest, nn.functional.avg_pool2d(x, 8), 0, 1e-6));
        Assert.True(allclose(pyramid.Reconstruct(), x, 0, 1e-6));
        var x64 = x.to_type(ScalarType.Float64);
        Assert.True(allclose(LaplacianPyramid.Build(x64, 4).Reconstruct(), x64, 0, 1e-14));
        Assert.True(pyramid.Bands[0].abs().max().item<float>() > 0.1);            // the bands carry real detail
    }

    [Fact]
    public void BandsOfASmoothImageAreZeroAndBadSizesAreRejected()
    {
        using var scope = NewDisposeScope();
        var constant = full(new long[] { 1, 1, 8, 8 }, 0.5f);
        var pyramid = LaplacianPyramid.Build(constant, 2);
        Assert.All(pyramid.Bands, b => Assert.Equal(0f, b.abs().max().item<float>()));
        Assert.Equal(0.5f, pyramid.Coarsest.mean().item<float>());
        Assert.Contains("divisible by 8", Assert.Throws<ArgumentException>(() => LaplacianPyramid.Build(zeros(1, 1, 12, 12), 3)).Message);
    }
}
