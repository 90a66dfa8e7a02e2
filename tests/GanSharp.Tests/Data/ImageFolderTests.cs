using Xunit;
using GanSharp.Data;
using StbImageWriteSharp;

namespace GanSharp.Tests.Data;

public class ImageFolderTests
{
    static void WritePng(string path, byte[] hwc, int width, int height, ColorComponents components)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var f = File.Create(path);
        new ImageWriter().WritePng(hwc, width, height, components, f);
    }

    static byte[] Pixels(GanSharp.Data.TensorDataset ds) => ds.Data.data<byte>().ToArray();

    [Fact]
    public void WideImageIsCenterCroppedToASquare()
    {
        using var dir = new TempDir();
        // 4×2 RGB: column x has red = 10*x, green = 100 + row, blue = 7.
        var hwc = new byte[2 * 4 * 3];
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 4; x++)
                hwc[(y * 4 + x) * 3 + 0] = (byte)(10 * x);
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 4; x++)
            {
                hwc[(y * 4 + x) * 3 + 1] = (byte)(100 + y);
                hwc[(y * 4 + x) * 3 + 2] = 7;
            }
        WritePng(dir["wide.png"], hwc, 4, 2, ColorComponents.RedGreenBlue);

        using var ds = ImageFolder.Load(dir.Path, 2, 3);

        Assert.Equal(new long[] { 1, 3, 2, 2 }, ds.Data.shape);
        Assert.Null(ds.Labels);
        // Planar C×H×W: the middle two columns (x = 1, 2) survive the crop.
        Assert.Equal(new byte[] { 10, 20, 10, 20, 100, 100, 101, 101, 7, 7, 7, 7 }, Pixels(ds));
    }

    [Fact]
    public void ShrinkingAveragesEachCoveredArea()
    {
        using var dir = new TempDir();
        // 4×4 gray; each 2×2 block averages to 10, 50, 100, 201 (rounded from 200.5).
        byte[] gray =
        [
            0, 20, 40, 60,
            10, 10, 50, 50,
            100, 100, 200, 201,
            100, 100, 200, 201,
        ];
        WritePng(dir["g.png"], gray, 4, 4, ColorComponents.Grey);

        using var ds = ImageFolder.Load(dir.Path, 2, 1);

        Assert.Equal(new long[] { 1, 1, 2, 2 }, ds.Data.shape);
        Assert.Equal(new byte[] { 10, 50, 100, 201 }, Pixels(ds));
    }

    [Fact]
    public void OddRatioShrinkUsesFractionalCoverage()
    {
        // 3 → 2: output 0 covers pixel 0 fully and half of pixel 1.
        var row = ImageFolder.CropResize([0, 90, 180, 0, 90, 180, 0, 90, 180], 3, 3, 1, 2);
        Assert.Equal(new byte[] { 30, 150, 30, 150 }, row);
    }

    [Fact]
    public void EnlargingInterpolatesBilinearly()
    {
        // 2×2 → 4×4, align-corners-false bilinear: the edges clamp, the inside blends 3:1.
        var up = ImageFolder.CropResize([0, 100, 0, 100], 2, 2, 1, 4);
        Assert.Equal(new byte[] { 0, 25, 75, 100 }, up[..4]);
        Assert.Equal(up[..4], up[12..]);
    }

    [Fact]
    public void GrayscaleBecomesThreeEqualChannels()
    {
        using var dir = new TempDir();
        WritePng(dir["g.png"], [10, 20, 30, 40], 2, 2, ColorComponents.Grey);

        using var ds = ImageFolder.Load(dir.Path, 2, 3);

        Assert.Equal(new byte[] { 10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 40 }, Pixels(ds));
    }

    [Fact]
    public void RgbaDropsAlphaForRgbAndKeepsItForFourChannels()
    {
        using var dir = new TempDir();
        WritePng(dir["a.png"], [1, 2, 3, 200, 5, 6, 7, 0, 9, 10, 11, 128, 13, 14, 15, 255], 2, 2, ColorComponents.RedGreenBlueAlpha);

        using var rgb = ImageFolder.Load(dir.Path, 2, 3);
        using var rgba = ImageFolder.Load(dir.Path, 2, 4);

        Assert.Equal(new byte[] { 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15 }, Pixels(rgb));
        Assert.Equal(new byte[] { 200, 0, 128, 255 }, Pixels(rgba)[12..]);
    }

    [Fact]
    public void CorruptFileIsSkippedWithAWarningNamingIt()
    {
        using var dir = new TempDir();
        WritePng(dir["good.png"], [1, 2, 3, 4], 2, 2, ColorComponents.Grey);
        File.WriteAllBytes(dir["bad.png"], [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        var warnings = new List<string>();

        using var ds = ImageFolder.Load(dir.Path, 2, 1, warnings.Add);

        Assert.Equal(1, ds.Count);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Pixels(ds));
        var warning = Assert.Single(warnings);
        Assert.Contains(dir["bad.png"], warning);
    }

    [Theory]
    [InlineData(100000, "huge.png")] // stb's own header check already refuses this one
    [InlineData(20000, "20000x20000 pixels (at most 16384 per side)")] // stb would try to decode 400 MB
    public void AbsurdHeaderDimensionsAreRejectedBeforeDecoding(int side, string expected)
    {
        using var dir = new TempDir();
        WritePng(dir["ok.png"], [9, 9, 9, 9], 2, 2, ColorComponents.Grey);
        WritePng(dir["huge.png"], [1, 2, 3, 4], 2, 2, ColorComponents.Grey);
        // Patch the IHDR width and height (big-endian at bytes 16..23).
        var bytes = File.ReadAllBytes(dir["huge.png"]);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), side);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), side);
        File.WriteAllBytes(dir["huge.png"], bytes);
        var warnings = new List<string>();

        using var ds = ImageFolder.Load(dir.Path, 2, 1, warnings.Add);

        Assert.Equal(1, ds.Count);
        var warning = Assert.Single(warnings);
        Assert.Contains(dir["huge.png"], warning);
        Assert.True(warning.Contains(expected, StringComparison.Ordinal), warning);
    }

    [Fact]
    public void FilesAreReadRecursivelyInOrdinalPathOrder()
    {
        using var dir = new TempDir();
        WritePng(dir["b.png"], [2], 1, 1, ColorComponents.Grey);
        WritePng(Path.Combine(dir.Path, "a", "z.png"), [1], 1, 1, ColorComponents.Grey);
        WritePng(dir["C.png"], [3], 1, 1, ColorComponents.Grey);
        File.WriteAllText(dir["notes.txt"], "not an image");

        using var ds = ImageFolder.Load(dir.Path, 1, 1);

        // Ordinal: "C.png" < "a/z.png" < "b.png".
        Assert.Equal(new byte[] { 3, 1, 2 }, Pixels(ds));
    }

    [Fact]
    public void EmptyFolderIsAnError()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["readme.txt"], "no images here");

        var e = Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path, 64, 3));

        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("no PNG, JPEG or BMP images", e.Message);
    }

    [Fact]
    public void MissingFolderIsAnError()
    {
        var e = Assert.Throws<DataException>(() => ImageFolder.Load("/nonexistent/gansharp-images", 64, 3));
        Assert.Contains("/nonexistent/gansharp-images does not exist", e.Message);
    }

    [Fact]
    public void UnsupportedChannelCountIsAnError()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DataException>(() => ImageFolder.Load(dir.Path, 64, 2));
        Assert.Contains("use 1 (grayscale), 3 (RGB) or 4 (RGBA)", e.Message);
    }
}
