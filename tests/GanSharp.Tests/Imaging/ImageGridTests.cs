using GanSharp.Imaging;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Imaging;

public class ImageGridTests
{
    // Four 1×2×2 images; image k holds the values k/10 + {0, .01, .02, .03} in row-major order.
    private static Tensor FourImages() =>
        torch.tensor(Enumerable.Range(0, 16).Select(i => (float)(i / 4 / 10.0 + i % 4 / 100.0)).ToArray()).reshape(4, 1, 2, 2);

    [Fact]
    public void Make_lays_out_images_row_major_with_padding_between_and_around()
    {
        using var images = FourImages();
        using var grid = ImageGrid.Make(images, nrow: 2, padding: 1, padValue: -0.5);

        // 2 rows × (2 + 1) + 1 = 7 in each direction.
        Assert.Equal(new long[] { 1, 7, 7 }, grid.shape);
        var g = grid.data<float>().ToArray();
        float At(int y, int x) => g[y * 7 + x];

        // Top-left pixel of image k sits at (1 + 3·row, 1 + 3·col).
        Assert.Equal(0.00f, At(1, 1), 5);
        Assert.Equal(0.10f, At(1, 4), 5);
        Assert.Equal(0.20f, At(4, 1), 5);
        Assert.Equal(0.30f, At(4, 4), 5);
        // Inside image 3: (row 1, col 0) of the image is value .32, (1, 1) is .33.
        Assert.Equal(0.32f, At(5, 4), 5);
        Assert.Equal(0.33f, At(5, 5), 5);
        Assert.Equal(0.11f, At(1, 5), 5);
        // Border, separators and corners are the pad value.
        foreach (var (y, x) in new[] { (0, 0), (0, 3), (3, 3), (6, 6), (3, 1), (1, 3), (6, 2), (2, 6) })
            Assert.Equal(-0.5f, At(y, x));
        Assert.Equal(4 * 4, g.Count(v => v != -0.5f));
    }

    [Fact]
    public void Make_leaves_the_input_untouched_and_alive()
    {
        using var images = FourImages();
        using var before = images.clone();

        using (var grid = ImageGrid.Make(images, nrow: 2, padding: 1)) { }

        Assert.False(images.IsInvalid);
        Assert.True(images.allclose(before, 0, 0));
    }

    [Fact]
    public void Make_of_five_images_uses_three_per_row_by_default()
    {
        using var images = torch.zeros(5, 3, 4, 6);
        using var grid = ImageGrid.Make(images);

        // cols = ceil(sqrt(5)) = 3, rows = 2; H' = 2·(4+2)+2 = 14, W' = 3·(6+2)+2 = 26.
        Assert.Equal(new long[] { 3, 14, 26 }, grid.shape);
        // The sixth slot (row 1, col 2) is empty: pad value 1.
        Assert.True(grid.narrow(1, 8, 4).narrow(2, 18, 6).eq(1.0f).all().item<bool>());
    }

    [Fact]
    public void Make_with_nrow_larger_than_N_uses_N_columns()
    {
        using var images = torch.zeros(2, 1, 3, 3);
        using var grid = ImageGrid.Make(images, nrow: 8, padding: 0);
        Assert.Equal(new long[] { 1, 3, 6 }, grid.shape);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void Make_rejects_unsupported_channel_counts(int channels)
    {
        using var images = torch.zeros(2, channels, 3, 3);
        Assert.Throws<ArgumentException>(() => ImageGrid.Make(images));
    }

    [Fact]
    public void ToBytesHwc_maps_minus_one_zero_one_to_0_128_255_and_clamps()
    {
        // 0 → 127.5 rounds half away from zero to 128.
        using var chw = torch.tensor(new float[] { -1f, 0f, 1f, -3f, 7f, 0.5f }).reshape(1, 1, 6);
        Assert.Equal(new byte[] { 0, 128, 255, 0, 255, 191 }, ImageGrid.ToBytesHwc(chw));
    }

    [Fact]
    public void ToBytesHwc_interleaves_channels()
    {
        // 3×1×2: R = (-1, 1), G = (1, -1), B = (0, 0).
        using var chw = torch.tensor(new float[] { -1, 1, 1, -1, 0, 0 }).reshape(3, 1, 2);
        Assert.Equal(new byte[] { 0, 255, 128, 255, 0, 128 }, ImageGrid.ToBytesHwc(chw));
    }

    [Fact]
    public void Save_then_Load_reproduces_the_grid_bytes()
    {
        using var dir = new TempDir();
        var path = dir.File("grid.png");
        // Two 3×1×1 images, red then black; nrow 2, padding 1 → a 5×3 white picture with them at (1, 1) and (3, 1).
        using var images = torch.tensor(new float[] { 1, -1, -1, -1, -1, -1 }).reshape(2, 3, 1, 1);

        ImageGrid.Save(images, path, nrow: 2, padding: 1);
        var (pixels, w, h, c) = ImageFile.Load(path);

        Assert.Equal((5, 3, 3), (w, h, c));
        var white = new byte[] { 255, 255, 255 };
        var expected = new List<byte>();
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 5; x++)
                expected.AddRange(y == 1 && x == 1 ? [255, 0, 0] : y == 1 && x == 3 ? [0, 0, 0] : white);
        Assert.Equal(expected.ToArray(), pixels);
        Assert.False(images.IsInvalid);
    }
}
