using System.IO.Compression;
using GanSharp.Imaging;
using SkiaSharp;
using static TorchSharp.torch;

namespace GanSharp.Data.Synthetic;

/// <summary>A typeface the digit renderer may use, with the name it is listed by.</summary>
public sealed record DigitFont(string Name, byte[] Data);

/// <summary>How one digit is drawn: typeface, emboldening stroke, slant and width.</summary>
public readonly record struct DigitStyle(int Font, float Weight, float Slant, float Stretch);

/// <summary>
/// Digits 0–9 drawn from TrueType/OpenType fonts with SkiaSharp at a random weight (an outline stroke added to the
/// glyph), slant (horizontal skew) and width, as 28×28 grayscale images normalized the way MNIST was: the glyph is
/// scaled so its longer side fills a 20×20 box (aspect kept), then placed by a whole-pixel shift so its centre of
/// mass lies within half a pixel of the image centre. A refiner without striding (SimGAN) cannot move content, so
/// digits framed unlike MNIST would let its discriminator win on position alone.
/// </summary>
public static class FontDigits
{
    public const int Side = 28;
    public const int Box = 20;

    /// <summary>Bumped when the drawing changes, so cached data made by an older renderer is not reused.</summary>
    public const int RendererVersion = 1;

    /// <summary>Where fonts are looked for: $GANSHARP_FONTS (':'-separated), ~/.fonts, ~/.local/share/fonts, /usr/share/fonts, /usr/local/share/fonts.</summary>
    public static IReadOnlyList<string> FontDirectories()
    {
        var dirs = new List<string>();
        var own = Environment.GetEnvironmentVariable("GANSHARP_FONTS");
        if (!string.IsNullOrWhiteSpace(own)) dirs.AddRange(own.Split(':', StringSplitOptions.RemoveEmptyEntries));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        dirs.Add(Path.Combine(home, ".fonts"));
        dirs.Add(Path.Combine(home, ".local", "share", "fonts"));
        dirs.Add("/usr/share/fonts");
        dirs.Add("/usr/local/share/fonts");
        return dirs;
    }

    public const string InstallHint =
        "install fonts (Debian: apt-get install fonts-dejavu-core fonts-liberation2 fonts-freefont-ttf fonts-urw-base35 fonts-noto-core) or point $GANSHARP_FONTS at a folder of .ttf/.otf files";

    /// <summary>
    /// Every .ttf/.otf under <paramref name="dirs"/> that has a glyph for each digit, sorted by path so the list (and
    /// so the data) is the same on every run. Throws one <see cref="DataException"/> naming the packages to install
    /// when there are none.
    /// </summary>
    public static IReadOnlyList<DigitFont> Scan(IEnumerable<string> dirs)
    {
        var dirList = dirs.ToList();
        var files = dirList.Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".ttf", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".otf", StringComparison.OrdinalIgnoreCase))
            .Select(Path.GetFullPath).Distinct().OrderBy(f => f, StringComparer.Ordinal);
        var fonts = new List<DigitFont>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            byte[] data;
            try { data = File.ReadAllBytes(f); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (!HasDigits(data) || !seen.Add(Path.GetFileName(f))) continue;  // symbol fonts; the same file linked twice
            fonts.Add(new DigitFont(Path.GetFileName(f), data));
        }
        if (fonts.Count == 0)
            throw new DataException($"no TrueType/OpenType fonts with digits found under {string.Join(", ", dirList)}: {InstallHint}");
        return fonts;
    }

    /// <summary>DejaVu Sans and DejaVu Sans Bold embedded in the library (a digit subset), for machines without fonts and for tests.</summary>
    public static IReadOnlyList<DigitFont> EmbeddedFonts() =>
    [
        new("DejaVuSans (embedded)", GanSharp.Imaging.EmbeddedFonts.RegularTtf()),
        new("DejaVuSans-Bold (embedded)", GanSharp.Imaging.EmbeddedFonts.BoldTtf()),
    ];

    private static bool HasDigits(byte[] data)
    {
        using var skData = SKData.CreateCopy(data);
        using var face = SKTypeface.FromData(skData);
        if (face is null) return false;
        using var font = new SKFont(face, 64);
        if (!font.ContainsGlyphs("0123456789")) return false;
        // A glyph present but empty (or a symbol font mapping digits to dingbats of odd shape) is caught by size.
        using var path = font.GetTextPath("8", new SKPoint(0, 0));
        var b = path.TightBounds;
        return b.Height > 20 && b.Width > 5 && b.Height > b.Width;
    }

    /// <summary>A random style: weight 0–0.07 em extra stroke (none in 30 %), slant ±0.25, width ×0.8–1.2.</summary>
    public static DigitStyle RandomStyle(int fontCount, Random rng) => new(
        rng.Next(fontCount),
        (float)(rng.NextDouble() < 0.3 ? 0 : rng.NextDouble() * 0.07),
        (float)((rng.NextDouble() * 2 - 1) * 0.25),
        (float)(0.8 + rng.NextDouble() * 0.4));

    /// <summary>
    /// Draws <paramref name="count"/> digits (labels uniform over 0–9, styles random) from <paramref name="fonts"/>,
    /// seeded: the same fonts, count and seed give the same bytes. Returns uint8 N×1×28×28 and int64 N labels.
    /// </summary>
    public static (Tensor Images, Tensor Labels) Render(IReadOnlyList<DigitFont> fonts, int count, long seed)
    {
        if (fonts.Count == 0) throw new DataException($"font-digits needs at least one font: {InstallHint}");
        if (count < 1) throw new DataException($"font-digits needs a positive count, got {count}");
        var rng = new Random(unchecked((int)(seed ^ (seed >> 32)) * 7919 + 17));
        var pixels = new byte[(long)count * Side * Side];
        var labels = new long[count];
        // Each font's ten glyph outlines, made once (making them per digit costs more than drawing).
        var glyphs = fonts.Select(f => Enumerable.Range(0, 10).Select(d => GlyphPath(f, d)).ToArray()).ToArray();
        try
        {
            for (int i = 0; i < count; i++)
            {
                int digit = rng.Next(10);
                labels[i] = digit;
                var style = RandomStyle(fonts.Count, rng);
                DrawDigit(glyphs[style.Font][digit], style, pixels.AsSpan(i * Side * Side, Side * Side), $"{fonts[style.Font].Name} digit {digit}");
            }
        }
        finally
        {
            foreach (var p in glyphs.SelectMany(g => g)) p.Dispose();
        }
        var images = tensor(pixels, ScalarType.Byte).reshape(count, 1, Side, Side);
        return (images, tensor(labels));
    }

    private const float Em = 100;

    /// <summary>The outline of <paramref name="digit"/> in <paramref name="font"/> at a 100-unit em.</summary>
    public static SKPath GlyphPath(DigitFont font, int digit)
    {
        using var data = SKData.CreateCopy(font.Data);
        using var face = SKTypeface.FromData(data) ?? throw new DataException($"font {font.Name} could not be loaded by SkiaSharp: the file is damaged or not a font");
        using var f = new SKFont(face, Em);
        return f.GetTextPath(((char)('0' + digit)).ToString(), new SKPoint(0, 0));
    }

    /// <summary>Draws one digit outline into a 28×28 grayscale buffer (0 background, 255 ink), MNIST-normalized.</summary>
    public static void DrawDigit(SKPath glyph, DigitStyle style, Span<byte> dst28, string what = "glyph")
    {
        const float em = Em;
        using var path = new SKPath(glyph);
        // Slant and width: x' = stretch·x − slant·y (y grows downward, so a positive slant leans right).
        path.Transform(new SKMatrix(style.Stretch, -style.Slant, 0, 0, 1, 0, 0, 0, 1));
        float stroke = style.Weight * em;
        // With round joins and caps the stroked outline is the glyph grown by a disc of radius stroke/2, so its
        // bounds are the tight bounds grown by stroke/2.
        var b = path.TightBounds;
        b.Inflate(stroke / 2, stroke / 2);
        if (b.Width <= 0 || b.Height <= 0) throw new DataException($"{what} is an empty glyph");
        float scale = Box / Math.Max(b.Width, b.Height);
        // Longer side exactly on the 20-pixel box; the shorter one centred in it.
        float ox = (Box - b.Width * scale) / 2 - b.Left * scale, oy = (Box - b.Height * scale) / 2 - b.Top * scale;

        var info = new SKImageInfo(Box, Box, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.White, IsAntialias = true, StrokeWidth = stroke, StrokeJoin = SKStrokeJoin.Round, StrokeCap = SKStrokeCap.Round, Style = stroke > 0 ? SKPaintStyle.StrokeAndFill : SKPaintStyle.Fill })
        {
            canvas.Clear(SKColors.Black);
            canvas.Translate(ox, oy);
            canvas.Scale(scale);
            canvas.DrawPath(path, paint);
            canvas.Flush();
        }
        ReadOnlySpan<byte> box = bitmap.GetPixelSpan();
        int stride = bitmap.RowBytes;
        // Centre of mass of the 20×20 box (pixel centres at i + 0.5), then the whole-pixel shift that brings it to 14.
        double sum = 0, sx = 0, sy = 0;
        for (int y = 0; y < Box; y++)
            for (int x = 0; x < Box; x++)
            {
                double v = box[y * stride + x];
                sum += v; sx += v * (x + 0.5); sy += v * (y + 0.5);
            }
        if (sum == 0) throw new DataException($"{what} drew nothing: the SkiaSharp native library cannot draw here");
        int dx = Math.Clamp((int)Math.Round(Side / 2.0 - sx / sum), 0, Side - Box);
        int dy = Math.Clamp((int)Math.Round(Side / 2.0 - sy / sum), 0, Side - Box);
        dst28.Clear();
        for (int y = 0; y < Box; y++)
            box.Slice(y * stride, Box).CopyTo(dst28.Slice((y + dy) * Side + dx, Box));
    }
}

/// <summary>
/// `font-digits`: <see cref="FontDigits"/> from the system's fonts, 28×28 grey, 10 classes. The train split holds
/// <see cref="DatasetOpenOptions.Count"/> images, the test split 10,000 (another seed); cached on disk per seed,
/// count and font list. Attachment "fonts": the font file names used.
/// </summary>
public sealed class FontDigitsProvider : IDatasetProvider
{
    public string Name => "font-digits";
    public string Description => "digits 0-9 drawn from the system's fonts (random weight, slant, width), MNIST-normalized 1x28x28, 10 classes";

    public TensorDataset Open(DatasetOpenOptions o, Action<string>? log) =>
        Open(FontDigits.Scan(FontDigits.FontDirectories()), o, log);

    /// <summary>The dataset drawn from <paramref name="fonts"/> (tests pass the embedded font).</summary>
    public static TensorDataset Open(IReadOnlyList<DigitFont> fonts, DatasetOpenOptions o, Action<string>? log)
    {
        if (o.Split is not ("train" or "test")) throw new DataException($"font-digits has splits 'train' and 'test', not '{o.Split}'");
        int count = o.Split == "train" ? o.Count : 10_000;
        long seed = o.Split == "train" ? o.Seed : o.Seed + 1_000_003;
        log?.Invoke($"font-digits: {fonts.Count} fonts: {string.Join(", ", fonts.Select(f => f.Name))}");
        string fontKey = string.Join(";", fonts.Select(f => $"{f.Name}:{f.Data.Length}:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f.Data))[..12]}"));
        string key = $"font-digits v{FontDigits.RendererVersion} split={o.Split} count={count} seed={seed} fonts={fontKey}";
        var cache = new DatasetCache(o.CacheDir ?? DatasetCache.DefaultRoot(), "font-digits");
        var t = TensorBundleCache.GetOrMake(cache, key, () =>
        {
            var (images, labels) = FontDigits.Render(fonts, count, seed);
            return new Dictionary<string, Tensor> { ["images"] = images, ["labels"] = labels };
        }, log);
        return new TensorDataset("font-digits", t["images"], t["labels"], 10,
            attachments: new Dictionary<string, object> { ["fonts"] = fonts.Select(f => f.Name).ToArray() });
    }
}
