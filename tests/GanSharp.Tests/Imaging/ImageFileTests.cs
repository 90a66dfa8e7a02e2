using GanSharp.Imaging;
using Xunit;

namespace GanSharp.Tests.Imaging;

public class ImageFileTests
{
    private static byte[] Pattern(int width, int height, int channels)
    {
        var rng = new Random(1234 + channels);
        var pixels = new byte[width * height * channels];
        rng.NextBytes(pixels);
        pixels[0] = 0;
        pixels[^1] = 255;
        return pixels;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void SavePng_then_Load_is_bit_exact(int channels)
    {
        using var dir = new TempDir();
        var path = dir.File($"c{channels}.png");
        var pixels = Pattern(7, 5, channels);

        ImageFile.SavePng(path, pixels, 7, 5, channels);
        var (loaded, w, h, c) = ImageFile.Load(path);

        Assert.Equal((7, 5, channels), (w, h, c));
        Assert.Equal(pixels, loaded);
    }

    [Fact]
    public void SavePng_creates_the_directory_and_leaves_no_temp_file()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "a", "b", "img.png");

        ImageFile.SavePng(path, Pattern(3, 2, 3), 3, 2, 3);
        ImageFile.SavePng(path, Pattern(3, 2, 1), 3, 2, 1); // overwrite

        Assert.Equal(new[] { "img.png" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        Assert.Equal(1, ImageFile.Load(path).Channels);
    }

    [Fact]
    public void Load_converts_to_desired_channels()
    {
        using var dir = new TempDir();
        var path = dir.File("grey.png");
        ImageFile.SavePng(path, [10, 200], 2, 1, 1);

        var (pixels, _, _, channels) = ImageFile.Load(path, desiredChannels: 3);

        Assert.Equal(3, channels);
        Assert.Equal(new byte[] { 10, 10, 10, 200, 200, 200 }, pixels);
    }

    [Fact]
    public void SavePng_rejects_a_buffer_of_the_wrong_size_and_bad_channel_counts()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => ImageFile.SavePng(dir.File("x.png"), new byte[5], 2, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFile.SavePng(dir.File("x.png"), new byte[8], 2, 2, 2));
        Assert.False(File.Exists(dir.File("x.png")));
    }

    [Fact]
    public void Load_of_a_missing_file_names_the_file()
    {
        using var dir = new TempDir();
        var path = dir.File("nope.png");

        var e = Assert.Throws<ImageException>(() => ImageFile.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Load_of_a_truncated_png_names_the_file(double keep)
    {
        using var dir = new TempDir();
        var good = dir.File("good.png");
        ImageFile.SavePng(good, Pattern(32, 32, 3), 32, 32, 3);
        var bytes = File.ReadAllBytes(good);
        var path = dir.File("cut.png");
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);

        var e = Assert.Throws<ImageException>(() => ImageFile.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Load_of_a_png_cut_just_before_IEND_is_rejected()
    {
        using var dir = new TempDir();
        var good = dir.File("good.png");
        ImageFile.SavePng(good, Pattern(16, 16, 1), 16, 16, 1);
        var bytes = File.ReadAllBytes(good);
        var path = dir.File("noend.png");
        File.WriteAllBytes(path, bytes[..^12]); // the IEND chunk is the last 12 bytes

        var e = Assert.Throws<ImageException>(() => ImageFile.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Load_of_a_png_with_a_flipped_data_byte_is_rejected()
    {
        using var dir = new TempDir();
        var good = dir.File("good.png");
        ImageFile.SavePng(good, Pattern(16, 16, 3), 16, 16, 3);
        var bytes = File.ReadAllBytes(good);
        bytes[bytes.Length / 2] ^= 0x5A;
        var path = dir.File("flipped.png");
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<ImageException>(() => ImageFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("CRC", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_of_random_bytes_names_the_file(bool withPngSignature)
    {
        using var dir = new TempDir();
        var bytes = new byte[300];
        new Random(7).NextBytes(bytes);
        if (withPngSignature)
            new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        var path = dir.File("noise.png");
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<ImageException>(() => ImageFile.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Load_of_an_empty_file_names_the_file()
    {
        using var dir = new TempDir();
        var path = dir.File("empty.png");
        File.WriteAllBytes(path, []);

        var e = Assert.Throws<ImageException>(() => ImageFile.Load(path));
        Assert.Contains(path, e.Message);
    }
}
