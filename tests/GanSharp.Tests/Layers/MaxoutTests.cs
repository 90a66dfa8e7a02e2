using GanSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Layers;

public class MaxoutTests
{
    [Fact]
    public void PicksTheLargestPieceOfEachUnit()
    {
        using var scope = NewDisposeScope();
        using var layer = new MaxoutLinear(2, 2, pieces: 3);
        using (no_grad())
        {
            // Unit 0's pieces: x₀, x₁, −x₀; unit 1's: −x₁, x₀ + x₁, 2x₀.
            layer.Affine.weight!.copy_(tensor(new[] { 1f, 0f, 0f, 1f, -1f, 0f, 0f, -1f, 1f, 1f, 2f, 0f }).reshape(6, 2));
            layer.Affine.bias!.zero_();
        }
        var x = tensor(new[] { 1f, 2f, -1f, 0f }).reshape(2, 2);
        var y = layer.forward(x);
        // (1, 2): pieces (1, 2, −1) → 2, (−2, 3, 2) → 3. (−1, 0): (−1, 0, 1) → 1, (0, −1, −2) → 0.
        Assert.Equal(new long[] { 2, 2 }, y.shape);
        Assert.True(allclose(y, tensor(new[] { 2f, 3f, 1f, 0f }).reshape(2, 2), 0, 0), y.ToString(TorchSharp.TensorStringStyle.Julia));
    }

    [Fact]
    public void PacGanSizedLayerShape()
    {
        using var scope = NewDisposeScope();
        using var layer = new MaxoutLinear(2, 200, pieces: 5);
        Assert.Equal(new long[] { 7, 200 }, layer.forward(randn(7, 2)).shape);
    }
}
