using GanSharp.Imaging;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Imaging;

public class ResizeTests
{
    [Fact]
    public void ResizeBilinear_gives_the_requested_size_and_keeps_constants()
    {
        using var x = torch.full(2, 3, 8, 8, 0.25f);
        using var up = Resize.ResizeBilinear(x, 16, 12);
        using var down = Resize.ResizeBilinear(x, 3, 5);

        Assert.Equal(new long[] { 2, 3, 16, 12 }, up.shape);
        Assert.Equal(new long[] { 2, 3, 3, 5 }, down.shape);
        Assert.True(up.allclose(torch.full_like(up, 0.25f), 1e-6, 1e-6));
        Assert.True(down.allclose(torch.full_like(down, 0.25f), 1e-6, 1e-6));
    }

    [Fact]
    public void Shrinking_averages_fine_detail_instead_of_skipping_it()
    {
        // A 1-pixel checkerboard of ±1: halving without antialias picks up ±1 samples; with antialias it averages to ~0.
        using var board = torch.arange(8).reshape(1, 8).add(torch.arange(8).reshape(8, 1)).remainder(2).mul(2).sub(1)
            .to_type(ScalarType.Float32).reshape(1, 1, 8, 8);
        using var small = Resize.ResizeBilinear(board, 2, 2);
        Assert.True(small.abs().max().item<float>() < 0.2f);
    }
}
