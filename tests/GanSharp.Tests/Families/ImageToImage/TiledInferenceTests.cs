using GanSharp.Families.ImageToImage;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Tests.Families.ImageToImage;

public class TiledInferenceTests
{
    public TiledInferenceTests() => set_num_threads(1);

    [Fact]
    public void TiledEqualsWholeImageForAFullyConvolutionalNet()
    {
        manual_seed(1);
        // receptive radius 2 (two 3×3 convs): an overlap of 8 zeroes the 2 padded pixels at each shared edge
        using var net = Sequential(Conv2d(3, 8, 3, padding: 1), ReLU(), Conv2d(8, 3, 3, padding: 1));
        net.eval();
        using var x = randn(1, 3, 50, 37);
        using var whole = net.forward(x);
        var calls = new List<(int, int)>();
        using var tiled = TiledInference.Run(net.forward, x, tile: 16, overlap: 8, progress: (d, t) => calls.Add((d, t)));
        Assert.Equal(whole.shape, tiled.shape);
        double err = (whole - tiled).abs().max().item<float>();
        Assert.True(err < 1e-5, $"max |tiled − whole| = {err}");
        int total = TiledInference.Starts(50, 16, 8).Count * TiledInference.Starts(37, 16, 8).Count;
        Assert.Equal(Enumerable.Range(1, total).Select(i => (i, total)), calls);

        // without the overlap the zero padding at each tile edge shows as seams
        using var seams = TiledInference.Run(net.forward, x, tile: 16, overlap: 0);
        Assert.True((whole - seams).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void TiledUpscaleEqualsWholeImageWhenTheOverlapCoversTheReceptiveField()
    {
        manual_seed(2);
        // one-block SRResNet ×2: receptive radius 4 (9×9) + 2 (block) + 1 + 1 (upsampling conv) + 2 (9×9 at HR) = 10 LR px,
        // so an overlap of 40 (zeroed margin 10) leaves every kept output pixel computed away from tile padding
        using var g = new SrResNet(blocks: 1, channels: 4, scale: 2);
        g.eval();
        using var lr = randn(1, 3, 72, 52);
        using var whole = g.forward(lr);
        using var tiled = TiledInference.Run(g.forward, lr, tile: 48, overlap: 40, scale: 2);
        Assert.Equal(new long[] { 1, 3, 144, 104 }, tiled.shape);
        double err = (whole - tiled).abs().max().item<float>();
        Assert.True(err < 1e-4, $"max |tiled − whole| = {err}");
        Assert.True(TiledInference.Starts(72, 48, 40).Count > 1 && TiledInference.Starts(52, 48, 40).Count > 1);

    }

    [Fact]
    public void SmallImagesAreOneTileAndWrongOutputsAreRejected()
    {
        using var x = randn(1, 3, 10, 12);
        using var same = TiledInference.Run(t => t * 2, x, tile: 32, overlap: 8);
        Assert.True(allclose(same, x * 2, 1e-6, 1e-6));
        var e = Assert.Throws<InvalidOperationException>(() => TiledInference.Run(t => t, x, tile: 8, overlap: 2, scale: 2));
        Assert.Contains("×2", e.Message);
    }
}
