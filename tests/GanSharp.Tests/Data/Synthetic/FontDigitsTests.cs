using GanSharp.Data;
using GanSharp.Data.Synthetic;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Data.Synthetic;

public class FontDigitsTests
{
    private static readonly IReadOnlyList<DigitFont> Embedded = FontDigits.EmbeddedFonts();

    [Fact]
    public void DigitsAreMnistNormalized()
    {
        // Extreme styles too: the widest, boldest, most slanted digits must still fit and be centred.
        var (images, labels) = FontDigits.Render(Embedded, 200, seed: 4);
        Assert.Equal(new long[] { 200, 1, 28, 28 }, images.shape);
        var px = images.to_type(ScalarType.Float32).reshape(200, 28, 28);
        var centres = arange(28, dtype: ScalarType.Float32) + 0.5f;
        for (int i = 0; i < 200; i++)
        {
            var img = px[i];
            double mass = img.sum().item<float>();
            Assert.True(mass > 255 * 15, $"digit {i} has almost no ink ({mass / 255:F1} px)");
            double cx = (img.sum(new long[] { 0 }) * centres).sum().item<float>() / mass;
            double cy = (img.sum(1) * centres).sum().item<float>() / mass;
            Assert.True(Math.Abs(cx - 14) <= 0.5 && Math.Abs(cy - 14) <= 0.5, $"digit {i} (label {labels[i].item<long>()}) centre of mass ({cx:F2}, {cy:F2})");
            var cols = img.sum(new long[] { 0 }).gt(0).nonzero().flatten();
            var rows = img.sum(1).gt(0).nonzero().flatten();
            long w = cols.max().item<long>() - cols.min().item<long>() + 1, h = rows.max().item<long>() - rows.min().item<long>() + 1;
            Assert.True(w <= 20 && h <= 20, $"digit {i} bounding box {w}×{h}");
            Assert.True(w >= 19 || h >= 19, $"digit {i} does not fill the 20-pixel box ({w}×{h})");
        }
        // Labels cover all ten digits.
        Assert.Equal(10, labels.unique().Item1.shape[0]);
    }

    [Fact]
    public void SameSeedSameBytesOtherSeedOtherDigits()
    {
        var (a, la) = FontDigits.Render(Embedded, 40, seed: 9);
        var (b, lb) = FontDigits.Render(Embedded, 40, seed: 9);
        var (c, _) = FontDigits.Render(Embedded, 40, seed: 10);
        Assert.True(a.equal(b).all().item<bool>() && la.equal(lb).all().item<bool>());
        Assert.False(a.equal(c).all().item<bool>());
    }

    [Fact]
    public void DigitsDifferFromEachOther()
    {
        // A drawn "1" and a drawn "8" in the same style differ a lot; the same digit in two styles differs too.
        using var glyph1 = FontDigits.GlyphPath(Embedded[0], 1);
        using var glyph8 = FontDigits.GlyphPath(Embedded[0], 8);
        var one = new byte[784];
        var eight = new byte[784];
        var eightSlanted = new byte[784];
        FontDigits.DrawDigit(glyph1, new DigitStyle(0, 0, 0, 1), one);
        FontDigits.DrawDigit(glyph8, new DigitStyle(0, 0, 0, 1), eight);
        FontDigits.DrawDigit(glyph8, new DigitStyle(0, 0.08f, 0.25f, 1), eightSlanted);
        Assert.True(one.Sum(x => (int)x) < eight.Sum(x => (int)x) * 0.7, "a 1 has less ink than an 8");
        Assert.True(eight.Zip(eightSlanted).Count(p => Math.Abs(p.First - p.Second) > 64) > 40);
    }

    [Fact]
    public void ProviderCachesAndListsFonts()
    {
        using var dir = new TestUtil.TempDir();
        var o = new DatasetOpenOptions { CacheDir = dir.Path, Count = 50, Seed = 3 };
        var logs = new List<string>();
        using var first = FontDigitsProvider.Open(Embedded, o, logs.Add);
        Assert.Equal(new long[] { 50, 1, 28, 28 }, first.Data.shape);
        Assert.Equal(10, first.NumClasses);
        Assert.Contains("DejaVuSans (embedded)", (string[])first.Attachments["fonts"]);
        var files = Directory.GetFiles(Path.Combine(dir.Path, "font-digits"));
        Assert.Single(files);
        var stamp = File.GetLastWriteTimeUtc(files[0]);
        using var second = FontDigitsProvider.Open(Embedded, o, logs.Add);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(files[0]));   // read from the cache, not written again
        Assert.True(first.Data.equal(second.Data).all().item<bool>() && first.Labels!.equal(second.Labels!).all().item<bool>());
        // A damaged cache file is noticed, deleted and made again with the same bytes.
        var bytes = File.ReadAllBytes(files[0]);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(files[0], bytes);
        logs.Clear();
        using var third = FontDigitsProvider.Open(Embedded, o, logs.Add);
        Assert.Contains(logs, l => l.Contains("checksum mismatch"));
        Assert.True(first.Data.equal(third.Data).all().item<bool>());
    }

    [Fact]
    public void NoFontsIsOneClearError()
    {
        using var dir = new TestUtil.TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "notes.txt"), "no fonts here");
        var e = Assert.Throws<DataException>(() => FontDigits.Scan([dir.Path]));
        Assert.Contains("fonts-dejavu-core", e.Message);
        Assert.Contains("fonts-noto-core", e.Message);
        Assert.Contains(dir.Path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ScanFindsFontFilesInAFolder()
    {
        using var dir = new TestUtil.TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "sub"));
        File.WriteAllBytes(Path.Combine(dir.Path, "sub", "Sans.ttf"), Embedded[0].Data);
        File.WriteAllBytes(Path.Combine(dir.Path, "Bold.TTF"), Embedded[1].Data);
        File.WriteAllBytes(Path.Combine(dir.Path, "broken.ttf"), [1, 2, 3]);
        var fonts = FontDigits.Scan([dir.Path]);
        Assert.Equal(["Bold.TTF", "Sans.ttf"], fonts.Select(f => f.Name).ToArray());
    }

    [Fact]
    public void RegisteredByName() => Assert.True(Datasets.Providers.ContainsKey("font-digits"));
}
