using GanSharp.Latent;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Latent;

public class InterpolationTests
{
    private static Tensor Unit(params float[] v)
    {
        var t = tensor(v);
        return t.div(t.norm());
    }

    [Fact]
    public void SlerpEndpointsEqualTheInputs()
    {
        using var g = new Generator(1);
        using var a = randn(new long[] { 3, 16 }, generator: g);
        using var b = randn(new long[] { 3, 16 }, generator: g);
        using var s0 = Interpolation.Slerp(a, b, 0);
        using var s1 = Interpolation.Slerp(a, b, 1);
        Assert.True(s0.allclose(a, 1e-5, 1e-5));
        Assert.True(s1.allclose(b, 1e-5, 1e-5));
    }

    [Fact]
    public void SlerpKeepsUnitNormWhileLerpDips()
    {
        using var a = Unit(1, 0, 0, 0);
        using var b = Unit(0.2f, 1, 0.5f, 0);
        using var slerp = Interpolation.Path(a, b, 11, InterpolationKind.Slerp);
        using var lerp = Interpolation.Path(a, b, 11, InterpolationKind.Lerp);
        Assert.Equal(new long[] { 11, 4 }, slerp.shape);
        float[] sn = slerp.norm(1).data<float>().ToArray();
        float[] ln = lerp.norm(1).data<float>().ToArray();
        Assert.All(sn, n => Assert.Equal(1.0, n, 5));
        Assert.True(ln[5] < 0.95, $"lerp midpoint norm {ln[5]}");
        Assert.True(ln.Skip(1).Take(9).All(n => n < 1));
    }

    [Fact]
    public void LerpMidpointIsTheMean()
    {
        using var a = tensor(new float[] { 1, 2, 3 });
        using var b = tensor(new float[] { -1, 4, 0 });
        using var mid = Interpolation.Lerp(a, b, 0.5);
        Assert.Equal(new float[] { 0, 3, 1.5f }, mid.data<float>().ToArray());
    }

    [Fact]
    public void SlerpFallsBackToLerpForParallelVectors()
    {
        using var a = tensor(new float[] { 1, 2, 3 });
        using var b = tensor(new float[] { 2, 4, 6 });
        using var s = Interpolation.Slerp(a, b, 0.25);
        using var l = Interpolation.Lerp(a, b, 0.25);
        Assert.False(s.isnan().any().item<bool>());
        Assert.True(s.allclose(l, 1e-6, 1e-6));
    }

    [Fact]
    public void BatchedPathIsRowMajorAndDefaultsFollowThePrior()
    {
        using var a = zeros(2, 3);
        using var b = ones(2, 3);
        using var p = Interpolation.Path(a, b, 4, InterpolationKind.Lerp);
        Assert.Equal(new long[] { 8, 3 }, p.shape);
        Assert.Equal(1.0f / 3, p[1, 0].item<float>(), 5);  // row 0, step 1
        Assert.Equal(0f, p[4, 0].item<float>());           // row 1, step 0
        Assert.Equal(InterpolationKind.Slerp, Interpolation.DefaultKind(NoisePrior.Gaussian));
        Assert.Equal(InterpolationKind.Slerp, Interpolation.DefaultKind(NoisePrior.Sphere));
        Assert.Equal(InterpolationKind.Lerp, Interpolation.DefaultKind(NoisePrior.Uniform));
        Assert.Throws<ArgumentException>(() => Interpolation.Parse("cubic"));
        Assert.Throws<ArgumentException>(() => Interpolation.Path(a, b, 1, InterpolationKind.Lerp));
    }
}
