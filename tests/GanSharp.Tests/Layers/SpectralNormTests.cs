using GanSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Layers;

public class SpectralNormTests
{
    private static double LargestSingularValue(Tensor w) =>
        linalg.svdvals(w.reshape(w.shape[0], -1)).max().item<float>();

    [Fact]
    public void LinearWeightHasUnitSpectralNormAfterPowerIterations()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var layer = new SNLinear(8, 6);
        var x = randn(4, 8);
        for (int i = 0; i < 30; i++) layer.forward(x);
        using (no_grad())
            Assert.Equal(1.0, LargestSingularValue(layer.NormalizedWeight()), 3);
    }

    [Fact]
    public void ConvWeightHasUnitSpectralNormAfterPowerIterations()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var layer = new SNConv2d(3, 4, 3, stride: 2, padding: 1);
        layer.InitNormal(0.02);
        var x = randn(2, 3, 8, 8);
        Tensor y = x;
        for (int i = 0; i < 30; i++) y = layer.forward(x);
        Assert.Equal(new long[] { 2, 4, 4, 4 }, y.shape);
        using (no_grad())
            Assert.Equal(1.0, LargestSingularValue(layer.NormalizedWeight()), 3);
        var expected = nn.functional.conv2d(x, layer.NormalizedWeight(), layer.Bias, strides: new long[] { 2, 2 }, padding: new long[] { 1, 1 });
        layer.eval();
        Assert.True(allclose(layer.forward(x), expected, 1e-5, 1e-6));
    }

    [Fact]
    public void EvalModeKeepsUAndTrainingModeUpdatesIt()
    {
        using var scope = NewDisposeScope();
        using var layer = new SNLinear(5, 3);
        var x = randn(2, 5);
        var u0 = layer.U.clone();
        layer.eval();
        layer.forward(x);
        Assert.True(allclose(layer.U, u0, 0, 0));
        layer.train();
        layer.forward(x);
        Assert.False(allclose(layer.U, u0, 0, 0));
        Assert.Equal(1.0, layer.U.norm().item<float>(), 5);
    }

    [Fact]
    public void GradientReachesTheWeightThroughSigmaAcrossTwoForwards()
    {
        using var scope = NewDisposeScope();
        using var layer = new SNLinear(4, 3);
        // Two forwards before one backward (as D(real) and D(fake)): the second power iteration must not
        // invalidate what the first graph saved.
        var loss = layer.forward(randn(2, 4)).sum() + layer.forward(randn(2, 4)).square().sum();
        loss.backward();
        var grad = layer.WeightOrig.grad;
        Assert.NotNull(grad);
        Assert.True(grad!.abs().sum().item<float>() > 0);
        Assert.Null(layer.U.grad);
    }

    [Fact]
    public void UIsInTheStateDictAndRoundTrips()
    {
        using var scope = NewDisposeScope();
        using var a = new SNConv2d(2, 3, 3, padding: 1);
        var x = randn(1, 2, 5, 5);
        for (int i = 0; i < 3; i++) a.forward(x);
        var state = a.state_dict();
        Assert.Equal(new[] { "bias", "weight_orig", "weight_u", "weight_v" }, state.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());

        using var b = new SNConv2d(2, 3, 3, padding: 1);
        b.load_state_dict(state);
        Assert.True(allclose(b.U, a.U, 0, 0));
        Assert.True(allclose(b.V, a.V, 0, 0));

        var path = Path.Combine(Path.GetTempPath(), $"gansharp-sn-{Guid.NewGuid():N}.bin");
        try
        {
            a.save(path);
            using var c = new SNConv2d(2, 3, 3, padding: 1);
            c.load(path);
            Assert.True(allclose(c.U, a.U, 0, 0));
            a.eval();
            c.eval();
            Assert.True(allclose(c.forward(x), a.forward(x), 0, 0));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LinearWithoutBiasHasNoBiasKey()
    {
        using var layer = new SNLinear(3, 2, hasBias: false);
        Assert.DoesNotContain("bias", layer.state_dict().Keys);
        Assert.Null(layer.Bias);
    }
}
