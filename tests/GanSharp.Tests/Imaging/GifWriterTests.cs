using GanSharp.Imaging;
using StbImageSharp;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Imaging;

public class GifWriterTests
{
    [Fact]
    public void GrayFramesDecodeBackExactly()
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "a.gif");
        // Three 40×37 frames with every gray level and long runs, enough codes to force a table reset.
        using var g = new Generator(1);
        var pixels = randint(0, 256, new long[] { 3, 1, 37, 40 }, generator: g).to_type(ScalarType.Byte);
        pixels[1] = pixels[1].fill_(200);
        using var frames = pixels.to_type(ScalarType.Float32).div(127.5).sub(1);
        GifWriter.Save(frames, path, delayCs: 7);
        using var stream = File.OpenRead(path);
        var decoded = Decode(stream, ColorComponents.RedGreenBlueAlpha);
        Assert.Equal(3, decoded.Count);
        for (int f = 0; f < 3; f++)
        {
            Assert.Equal((40, 37), (decoded[f].Width, decoded[f].Height));
            Assert.Equal(70, decoded[f].DelayInMs);
            const int stride = 4;   // RGBA
            var gray = Enumerable.Range(0, 40 * 37).Select(i => decoded[f].Data[i * stride]).ToArray();
            Assert.Equal(pixels[f].flatten().data<byte>().ToArray(), gray);
        }
    }

    /// <summary>The decoder reuses one buffer for every frame: copy each frame as it comes.</summary>
    private static List<(int Width, int Height, int DelayInMs, byte[] Data)> Decode(Stream stream, ColorComponents c) =>
        ImageResult.AnimatedGifFramesFromStream(stream, c).Select(f => (f.Width, f.Height, f.DelayInMs, f.Data.ToArray())).ToList();

    [Fact]
    public void LzwOfARunEmitsGrowingCodes()
    {
        // 300 zeros: clear, then codes 0, 258, 259, ... ; the stream starts with the clear code 256 in 9 bits.
        var bytes = GifWriter.Lzw(new byte[300]);
        Assert.Equal(0x00, bytes[0]);                 // low 8 bits of 256
        Assert.Equal(1, bytes[1] & 1);                // its 9th bit
        Assert.True(bytes.Length < 40, $"a run should compress, got {bytes.Length} bytes");
    }

    [Fact]
    public void ColourFramesAreQuantizedToTheCube()
    {
        using var tmp = new TestUtil.TempDir();
        string path = Path.Combine(tmp.Path, "c.gif");
        using var frames = tensor(new float[] { 1, -1, -1, -1, 1, -1 }).reshape(2, 3, 1, 1) // red, then green
            .expand(2, 3, 4, 4).contiguous();
        GifWriter.Save(frames, path);
        using var stream = File.OpenRead(path);
        var decoded = Decode(stream, ColorComponents.RedGreenBlueAlpha);
        Assert.Equal(new byte[] { 255, 0, 0 }, decoded[0].Data[..3]);
        Assert.Equal(2, decoded.Count);
        Assert.Equal(new byte[] { 0, 255, 0 }, decoded[1].Data[..3]);
    }
}
