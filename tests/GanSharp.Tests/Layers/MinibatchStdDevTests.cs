using GanSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Layers;

public class MinibatchStdDevTests
{
    [Fact]
    public void AppendsMeanOfBiasedStdOverTheBatchAsOneFeature()
    {
        using var scope = NewDisposeScope();
        using var layer = new MinibatchStdDev();
        // Features (1, 3) and (2, 6): means 2, 4; biased variances 1, 4; stds 1, 2; mean 1.5.
        var x = tensor(new[] { 1f, 2f, 3f, 6f }).reshape(2, 2);
        var y = layer.forward(x);
        Assert.Equal(new long[] { 2, 3 }, y.shape);
        var expected = tensor(new[] { 1f, 2f, 1.5f, 3f, 6f, 1.5f }).reshape(2, 3);
        Assert.True(allclose(y, expected, 1e-5, 1e-5), y.ToString(TorchSharp.TensorStringStyle.Julia));
    }

    [Fact]
    public void ImagesGetOneConstantChannel()
    {
        using var scope = NewDisposeScope();
        using var layer = new MinibatchStdDev();
        // Example 0: channel 0 all 0, channel 1 all 1; example 1: channel 0 all 2, channel 1 all 5.
        // Per-pixel stds: channel 0 → 1, channel 1 → 2; mean 1.5 everywhere.
        var x = stack(new[] { cat(new[] { zeros(1, 3, 3), ones(1, 3, 3) }), cat(new[] { full(1, 3, 3, 2f), full(1, 3, 3, 5f) }) });
        var y = layer.forward(x);
        Assert.Equal(new long[] { 2, 3, 3, 3 }, y.shape);
        Assert.True(allclose(y[.., ..2], x, 0, 0));
        Assert.True(allclose(y[.., 2], full(2, 3, 3, 1.5f), 1e-5, 1e-5));
    }

    [Fact]
    public void GroupsTakeEveryMthExampleAsProGan()
    {
        using var scope = NewDisposeScope();
        using var layer = new MinibatchStdDev(groupSize: 2);
        // N = 4, G = 2, M = 2: examples {0, 2} → values 0, 2 → std 1; {1, 3} → 10, 20 → std 5.
        var x = tensor(new[] { 0f, 10f, 2f, 20f }).reshape(4, 1);
        var y = layer.forward(x);
        Assert.True(allclose(y[.., 1], tensor(new[] { 1f, 5f, 1f, 5f }), 1e-5, 1e-5), y.ToString(TorchSharp.TensorStringStyle.Julia));
    }

    [Fact]
    public void BatchNotAMultipleOfTheGroupIsRejected()
    {
        using var scope = NewDisposeScope();
        using var layer = new MinibatchStdDev(groupSize: 4);
        Assert.Throws<ArgumentException>(() => layer.forward(zeros(6, 3)));
    }
}
