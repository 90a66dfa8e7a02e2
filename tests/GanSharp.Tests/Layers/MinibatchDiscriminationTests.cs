using GanSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Layers;

public class MinibatchDiscriminationTests
{
    // A = 2, B = 1, C = 1, T = (1, 2)ᵀ: M = x₀ + 2x₁. Rows (1,0), (0,1), (1,1) give M = 1, 2, 3,
    // so the L1 distances are |1−2| = 1, |1−3| = 2, |2−3| = 1.
    private static MinibatchDiscrimination Tiny(bool excludeSelf)
    {
        var layer = new MinibatchDiscrimination(2, kernels: 1, kernelDim: 1, excludeSelf: excludeSelf);
        using (no_grad()) layer.TensorT.copy_(tensor(new[] { 1f, 2f }).reshape(2, 1, 1));
        return layer;
    }

    private static Tensor Batch() => tensor(new[] { 1f, 0f, 0f, 1f, 1f, 1f }).reshape(3, 2);

    [Fact]
    public void SumsExpOfMinusL1OverTheOtherExamples()
    {
        using var scope = NewDisposeScope();
        using var layer = Tiny(excludeSelf: true);
        var y = layer.forward(Batch());
        Assert.Equal(new long[] { 3, 3 }, y.shape);
        double e1 = Math.Exp(-1), e2 = Math.Exp(-2);
        var expected = tensor(new[] { 1f, 0f, (float)(e1 + e2), 0f, 1f, (float)(e1 + e1), 1f, 1f, (float)(e2 + e1) }).reshape(3, 3);
        Assert.True(allclose(y, expected, 1e-6, 1e-6), y.ToString(TorchSharp.TensorStringStyle.Julia));
    }

    [Fact]
    public void IncludingSelfAddsOne()
    {
        using var scope = NewDisposeScope();
        using var with = Tiny(excludeSelf: false);
        using var without = Tiny(excludeSelf: true);
        var diff = with.forward(Batch())[.., 2] - without.forward(Batch())[.., 2];
        Assert.True(allclose(diff, ones(3), 1e-6, 1e-6));
    }

    [Fact]
    public void DefaultShapeAndGradient()
    {
        using var scope = NewDisposeScope();
        using var layer = new MinibatchDiscrimination(16, kernels: 10, kernelDim: 5);
        var x = randn(8, 4, 2, 2);                  // flattened to 8 × 16
        var y = layer.forward(x);
        Assert.Equal(new long[] { 8, 26 }, y.shape);
        y.sum().backward();
        Assert.NotNull(layer.TensorT.grad);
        Assert.Equal(new long[] { 16, 10, 5 }, layer.TensorT.shape);
    }
}
