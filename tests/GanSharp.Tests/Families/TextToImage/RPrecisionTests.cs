using GanSharp.Families.TextToImage;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.TextToImage;

public class RPrecisionTests
{
    [Fact]
    public void ShareOfImagesWhoseOwnCaptionIsMostSimilar()
    {
        // Image 0 points along x; its caption (2, 0.1) is nearer in angle than (1, 1) and (0, 3): hit.
        // Image 1 points along y; its caption (1, 1) loses to the mismatched (0.1, 5): miss.
        // Image 2 (1, 1); its caption (1, 1) ties with the mismatched (1, 1): a tie is a miss.
        var images = tensor(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } });
        var own = tensor(new float[,] { { 2, 0.1f }, { 1, 1 }, { 1, 1 } });
        var mismatched = tensor(new float[,,] { { { 1, 1 }, { 0, 3 } }, { { 0.1f, 5 }, { 1, 0 } }, { { 1, 1 }, { -1, 0 } } });
        Assert.Equal(1.0 / 3, RPrecision.Score(images, own, mismatched), 9);
        // Length does not matter, only direction (cosine): scaling everything changes nothing.
        Assert.Equal(0.5, RPrecision.Score(images.narrow(0, 0, 2).mul(7), own.narrow(0, 0, 2).mul(0.01), mismatched.narrow(0, 0, 2).mul(100)), 9);
    }

    [Fact]
    public void MismatchedImagesAllDiffer()
    {
        var labels = tensor(new long[] { 0, 0, 1, 1, 2 });
        var sampler = new WrongTextSampler(labels);
        using var g = new Generator(4);
        var m = RPrecision.MismatchedImages(sampler, tensor(new long[] { 0, 2, 4 }), 99, g);
        Assert.Equal(new long[] { 3, 99 }, m.shape);
        var own = labels.index_select(0, tensor(new long[] { 0, 2, 4 })).unsqueeze(1);
        Assert.True(labels.index_select(0, m.flatten()).view(3, 99).ne(own).all().item<bool>());
    }
}
