using GanSharp.Augment;
using GanSharp.Data;
using GanSharp.Imaging;
using Xunit;
using static TorchSharp.torch;
using static GanSharp.Tests.Augment.DiffAugmentTests;

namespace GanSharp.Tests.Augment;

public class AlphaTests
{
    [Fact]
    public void PremultipliedPixelsRoundTripThroughAPngFile()
    {
        using var dir = new TestUtil.TempDir();
        // Every premultiplied value (colour ≤ alpha) for a spread of alphas, including 0 and 255.
        var pixels = new List<byte>();
        foreach (int a in new[] { 0, 1, 2, 3, 7, 64, 127, 128, 200, 254, 255 })
            for (int c = 0; c <= a; c++) pixels.AddRange(new[] { (byte)c, (byte)(a - c), (byte)(c / 2), (byte)a });
        while (pixels.Count % 16 != 0) pixels.AddRange(new byte[] { 0, 0, 0, 0 });
        var premultiplied = pixels.ToArray();
        int width = 4, height = premultiplied.Length / 16;
        var path = Path.Combine(dir.Path, "rgba.png");

        Alpha.SavePremultipliedPng(path, premultiplied, width, height);
        var (read, w, h) = Alpha.LoadPremultiplied(path);

        Assert.Equal((width, height), (w, h));
        Assert.Equal(premultiplied, read);
        // The file itself holds straight colour: a half-transparent mid grey is stored as full grey.
        var (straight, _, _, _) = ImageFile.Load(path, 4);
        int i = Array.FindIndex(Enumerable.Range(0, premultiplied.Length / 4).ToArray(), k => premultiplied[4 * k + 3] == 128 && premultiplied[4 * k] == 64);
        Assert.Equal(128, straight[4 * i]);
    }

    [Fact]
    public void HiddenColourUnderZeroAlphaReadsAsZeroAndTensorsMatchArrays()
    {
        using var dir = new TestUtil.TempDir();
        var path = Path.Combine(dir.Path, "hidden.png");
        byte[] straight = [255, 0, 128, 0, 255, 0, 128, 255, 200, 100, 50, 51];
        ImageFile.SavePng(path, straight, 3, 1, 4);
        var (read, _, _) = Alpha.LoadPremultiplied(path);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 255, 0, 128, 255, 40, 20, 10, 51 }, read);

        using var scope = NewDisposeScope();
        var planar = tensor(straight, new long[] { 1, 3, 4 }).permute(2, 0, 1).unsqueeze(0).contiguous();   // 1 × 4 × 1 × 3
        var pre = Alpha.Premultiply(planar);
        Assert.Equal(read, pre[0].permute(1, 2, 0).contiguous().data<byte>().ToArray());
        Assert.Equal(Alpha.Unpremultiply(read), Alpha.Unpremultiply(pre)[0].permute(1, 2, 0).contiguous().data<byte>().ToArray());
    }

    [Fact]
    public void TheCheckerboardShowsThroughWhereAlphaIsZero()
    {
        using var scope = NewDisposeScope();
        // 1 × 4 × 4 × 4 premultiplied in [−1, 1]: left half transparent (all −1), right half opaque red.
        var x = full(new long[] { 1, 4, 4, 4 }, -1f);
        x[0, 0, .., 2..] = tensor(1f);
        x[0, 3, .., 2..] = tensor(1f);
        var o = Alpha.OverCheckerboard(x, cell: 1, light: 0.8, dark: 0.6);
        Assert.Equal(new long[] { 1, 3, 4, 4 }, o.shape);
        var board = Alpha.Checkerboard(4, 4, 1, 0.8, 0.6) * 2 - 1;                            // the board in [−1, 1]
        for (int c = 0; c < 3; c++)
            Assert.True(allclose(o[0, c, .., ..2], board[0, 0, .., ..2], 0, 1e-6));
        Assert.True(Same(o[0, 0, .., 2..], ones(4, 2)));                                        // opaque red hides it
        Assert.True(Same(o[0, 1, .., 2..], -ones(4, 2)));
        Assert.NotEqual(o[0, 0, 0, 0].item<float>(), o[0, 0, 0, 1].item<float>());              // alternating cells
    }
}

public class ResizeModeTests
{
    static void Write(string path, int width, int height, Func<int, int, byte> value)
    {
        var hwc = new byte[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) hwc[y * width + x] = value(x, y);
        ImageFile.SavePng(path, hwc, width, height, 1);
    }

    [Fact]
    public void MixedSizeFolderIsCroppedPaddedOrStretchedAsAsked()
    {
        using var dir = new TestUtil.TempDir();
        Write(Path.Combine(dir.Path, "a-wide.png"), 4, 2, (x, _) => (byte)(50 * (x + 1)));     // columns 50 100 150 200
        Write(Path.Combine(dir.Path, "b-square.png"), 2, 2, (_, _) => 90);
        Write(Path.Combine(dir.Path, "c-tall.png"), 1, 2, (_, y) => (byte)(100 * (y + 1)));   // rows 100, 200

        using var crop = ImageFolder.Load(dir.Path, 2, 1, resize: ResizeMode.Crop);
        using var pad = ImageFolder.Load(dir.Path, 2, 1, resize: ResizeMode.Pad);
        using var stretch = ImageFolder.Load(dir.Path, 2, 1, resize: ResizeMode.Stretch);
        byte[] Image(TensorDataset d, int i) => d.Data[i].contiguous().data<byte>().ToArray();

        Assert.Equal(3, crop.Count);
        // Crop: the middle square of the wide image (columns 100, 150); the tall one's top pixel, enlarged.
        Assert.Equal(new byte[] { 100, 150, 100, 150 }, Image(crop, 0));
        Assert.Equal(new byte[] { 100, 100, 100, 100 }, Image(crop, 2));
        // Pad: the wide image in the middle rows of a 4×4 black square, shrunk by 2: each output row averages one image row and one black row.
        Assert.Equal(new byte[] { 38, 88, 38, 88 }, Image(pad, 0));
        // Stretch: the wide image's columns pair up (75, 175); the tall one's rows stay.
        Assert.Equal(new byte[] { 75, 175, 75, 175 }, Image(stretch, 0));
        Assert.Equal(new byte[] { 100, 100, 200, 200 }, Image(stretch, 2));
        Assert.Equal(Image(crop, 1), Image(stretch, 1));                                         // a square image is the same every way
        Assert.Equal(Image(crop, 1), Image(pad, 1));
    }

    [Fact]
    public void RgbaFoldersCanBePremultipliedBeforeResizing()
    {
        using var dir = new TestUtil.TempDir();
        // 2×1 RGBA: an invisible bright red pixel beside an opaque black one; shrunk to 1×1.
        ImageFile.SavePng(Path.Combine(dir.Path, "edge.png"), [255, 0, 0, 0, 0, 0, 0, 255], 2, 1, 4);
        using var straight = ImageFolder.Load(dir.Path, 1, 4, resize: ResizeMode.Stretch);
        using var pre = ImageFolder.Load(dir.Path, 1, 4, resize: ResizeMode.Stretch, premultiplyAlpha: true);
        Assert.Equal(new byte[] { 128, 0, 0, 128 }, straight.Data.data<byte>().ToArray());   // hidden red bleeds in
        Assert.Equal(new byte[] { 0, 0, 0, 128 }, pre.Data.data<byte>().ToArray());
    }
}
