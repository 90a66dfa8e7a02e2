using GanSharp.Families.Progressive;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Progressive;

public class EqualizedLayersTests
{
    [Fact]
    public void ConvForwardIsAnOrdinaryConvWithWeightsTimesTheHeConstant()
    {
        using var scope = NewDisposeScope();
        using var conv = new EqualizedConv2d(3, 5, 3, generator: new Generator(1));
        using (no_grad()) conv.Bias.copy_(arange(5, dtype: ScalarType.Float32) / 10);
        double he = Math.Sqrt(2.0 / (3 * 3 * 3));                                 // fan_in = in·k·k = 27
        Assert.Equal(he, conv.Scale, 15);
        var x = randn(new long[] { 2, 3, 6, 6 }, generator: new Generator(2));
        var expected = nn.functional.conv2d(x, conv.Weight.detach() * he, conv.Bias.detach(), padding: new long[] { 1, 1 });
        Assert.True(allclose(conv.forward(x), expected, 1e-6, 1e-6));
        Assert.Equal(new long[] { 2, 5, 6, 6 }, conv.forward(x).shape);
    }

    [Fact]
    public void WeightsAreStandardNormalAndScaledAtRunTimeSoTheirGradientIsScaledToo()
    {
        using var scope = NewDisposeScope();
        using var conv = new EqualizedConv2d(64, 64, 3, generator: new Generator(3));
        Assert.InRange(conv.Weight.std().item<float>(), 0.97f, 1.03f);          // N(0, 1) stored, not N(0, c²)
        Assert.InRange(conv.Weight.mean().item<float>(), -0.03f, 0.03f);
        Assert.Equal(0f, conv.Bias.abs().sum().item<float>());

        using var small = new EqualizedConv2d(2, 3, 3, generator: new Generator(4));
        var x = randn(new long[] { 2, 2, 5, 5 }, generator: new Generator(5));
        small.forward(x).square().sum().backward();
        // The same loss through an ordinary conv with the effective weight c·w: dL/dw = c · dL/d(c·w).
        var effective = (small.Weight.detach() * small.Scale).requires_grad_(true);
        nn.functional.conv2d(x, effective, small.Bias.detach(), padding: new long[] { 1, 1 }).square().sum().backward();
        Assert.True(allclose(small.Weight.grad!, effective.grad! * small.Scale, 1e-5, 1e-5));
    }

    [Fact]
    public void LinearUsesGainOverRootFanIn()
    {
        using var scope = NewDisposeScope();
        using var dense = new EqualizedLinear(16, 4, gain: 1, generator: new Generator(6));
        Assert.Equal(0.25, dense.Scale);                                          // 1/√16
        var x = randn(new long[] { 3, 16 }, generator: new Generator(7));
        Assert.True(allclose(dense.forward(x), x.matmul(dense.Weight.detach().t()) * 0.25, 1e-6, 1e-6));
        using var he = new EqualizedLinear(8, 2);
        Assert.Equal(Math.Sqrt(2.0 / 8), he.Scale, 15);
    }
}
