using StbImageSharp;
using static TorchSharp.torch;

namespace GanSharp.Data;

/// <summary>How an image that is not square becomes size×size (<c>--resize</c>).</summary>
public enum ResizeMode
{
    /// <summary>The centred square of the shorter side, resized (the default: no borders, the edges are lost).</summary>
    Crop,
    /// <summary>Zero borders (black; transparent for RGBA) around the centred image to make a square, then resized.</summary>
    Pad,
    /// <summary>The whole image resized to size×size, ignoring its aspect ratio.</summary>
    Stretch,
}

/// <summary>
/// Every PNG, JPEG and BMP under a folder (recursively, in ordinal path order), made square (center-cropped by
/// default, see <see cref="ResizeMode"/>), resized to size×size (area average when shrinking, bilinear when
/// enlarging) and converted to 1, 3 or 4 channels: uint8 N×C×size×size, no labels. With premultiplyAlpha, RGBA
/// colours are multiplied by alpha before resizing (see GanSharp.Augment.Alpha), so hidden colours never bleed.
/// </summary>
public static class ImageFolder
{
    /// <summary>Largest width or height accepted from an image header.</summary>
    public const int MaxSide = 16384;

    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    public static TensorDataset Load(string dir, int size, int channels, Action<string>? warn = null,
        ResizeMode resize = ResizeMode.Crop, bool premultiplyAlpha = false)
    {
        if (size < 1 || size > 4096)
            throw new DataException($"image size {size} is out of range: use a size between 1 and 4096 (e.g. 64)");
        var components = channels switch
        {
            1 => ColorComponents.Grey,
            3 => ColorComponents.RedGreenBlue,
            4 => ColorComponents.RedGreenBlueAlpha,
            _ => throw new DataException($"{channels} channels are not supported for {dir}: use 1 (grayscale), 3 (RGB) or 4 (RGBA)"),
        };
        if (!Directory.Exists(dir))
            throw new DataException($"image folder {dir} does not exist: pass a directory of PNG, JPEG or BMP files");

        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            throw new DataException($"{dir} holds no PNG, JPEG or BMP images (searched recursively): pass a folder of images");

        long perImage = (long)channels * size * size;
        var images = new List<byte[]>(files.Count);
        foreach (var file in files)
        {
            var image = TryDecode(file, components, warn);
            if (image is null) continue;
            var hwc = premultiplyAlpha && channels == 4 ? Augment.Alpha.Premultiply(image.Data) : image.Data;
            images.Add(Fit(hwc, image.Width, image.Height, channels, size, resize));
        }
        if (images.Count == 0)
            throw new DataException($"none of the {files.Count} image files in {dir} could be decoded (see the warnings): pass a folder of valid PNG, JPEG or BMP files");
        if (perImage * images.Count > Array.MaxLength)
            throw new DataException($"{images.Count} images of {channels}x{size}x{size} from {dir} do not fit in memory as one tensor: use a smaller --size or fewer images");

        var all = new byte[perImage * images.Count];
        for (int i = 0; i < images.Count; i++)
            images[i].CopyTo(all, i * perImage);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
        return new TensorDataset(name, tensor(all, [images.Count, channels, size, size]));
    }

    static ImageResult? TryDecode(string file, ColorComponents components, Action<string>? warn)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(file);
            ImageInfo? info;
            using (var ms = new MemoryStream(bytes, writable: false))
                info = ImageInfo.FromStream(ms);
            if (info is not { } i)
            {
                warn?.Invoke($"skipping {file}: not a readable PNG, JPEG or BMP image");
                return null;
            }
            if (i.Width < 1 || i.Height < 1 || i.Width > MaxSide || i.Height > MaxSide)
            {
                warn?.Invoke($"skipping {file}: header says {i.Width}x{i.Height} pixels (at most {MaxSide} per side)");
                return null;
            }
            return ImageResult.FromMemory(bytes, components);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            warn?.Invoke($"skipping {file}: cannot decode it ({e.Message})");
            return null;
        }
    }

    /// <summary>Center square crop, then resize to size×size; returns C×size×size bytes.</summary>
    internal static byte[] CropResize(ImageResult image, int size, int channels)
        => CropResize(image.Data, image.Width, image.Height, channels, size);

    /// <summary><paramref name="hwc"/> is height×width×channels; returns channels×size×size.</summary>
    internal static byte[] CropResize(byte[] hwc, int width, int height, int channels, int size)
        => Fit(hwc, width, height, channels, size, ResizeMode.Crop);

    /// <summary><paramref name="hwc"/> (height×width×channels) made square as <paramref name="mode"/> says and resized: channels×size×size.</summary>
    internal static byte[] Fit(byte[] hwc, int width, int height, int channels, int size, ResizeMode mode)
    {
        switch (mode)
        {
            case ResizeMode.Crop:
                int side = Math.Min(width, height);
                return ResizeRegion(hwc, width, (width - side) / 2, (height - side) / 2, side, side, channels, size);
            case ResizeMode.Stretch:
                return ResizeRegion(hwc, width, 0, 0, width, height, channels, size);
            case ResizeMode.Pad:
                int big = Math.Max(width, height);
                int px = (big - width) / 2, py = (big - height) / 2;
                var square = new byte[big * big * channels];
                for (int y = 0; y < height; y++)
                    Array.Copy(hwc, y * width * channels, square, ((py + y) * big + px) * channels, width * channels);
                return ResizeRegion(square, big, 0, 0, big, big, channels, size);
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "resize mode must be crop, pad or stretch");
        }
    }

    /// <summary>The region (ox, oy, rw × rh) of an image <paramref name="width"/> pixels wide, resized to size×size: channels×size×size.</summary>
    internal static byte[] ResizeRegion(byte[] hwc, int width, int ox, int oy, int rw, int rh, int channels, int size)
    {
        var tapsX = Taps(rw, size);
        var tapsY = Taps(rh, size);

        // Horizontal pass over the region's rows: rh × size × C floats.
        var rows = new float[rh * size * channels];
        for (int y = 0; y < rh; y++)
        {
            int srcRow = ((oy + y) * width + ox) * channels;
            for (int x = 0; x < size; x++)
            {
                foreach (var (j, w) in tapsX[x])
                    for (int c = 0; c < channels; c++)
                        rows[(y * size + x) * channels + c] += w * hwc[srcRow + j * channels + c];
            }
        }

        // Vertical pass, writing planar C×size×size.
        var output = new byte[channels * size * size];
        var acc = new float[channels];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                Array.Clear(acc);
                foreach (var (j, w) in tapsY[y])
                    for (int c = 0; c < channels; c++)
                        acc[c] += w * rows[(j * size + x) * channels + c];
                for (int c = 0; c < channels; c++)
                    output[(c * size + y) * size + x] = (byte)Math.Clamp(MathF.Round(acc[c], MidpointRounding.AwayFromZero), 0, 255);
            }
        return output;
    }

    /// <summary>
    /// 1-D resampling taps from n inputs to m outputs: the exact area each output pixel covers when shrinking
    /// (a box filter, no aliasing), bilinear between pixel centers when enlarging.
    /// </summary>
    static (int Index, float Weight)[][] Taps(int n, int m)
    {
        var taps = new (int, float)[m][];
        double scale = (double)n / m;
        for (int i = 0; i < m; i++)
        {
            var list = new List<(int, float)>();
            if (n >= m)
            {
                double lo = i * scale, hi = (i + 1) * scale;
                for (int j = (int)Math.Floor(lo); j < Math.Min(n, (int)Math.Ceiling(hi)); j++)
                {
                    double overlap = Math.Min(hi, j + 1) - Math.Max(lo, j);
                    if (overlap > 1e-9) list.Add((j, (float)(overlap / scale)));
                }
            }
            else
            {
                double x = Math.Clamp((i + 0.5) * scale - 0.5, 0, n - 1);
                int j0 = (int)Math.Floor(x);
                int j1 = Math.Min(j0 + 1, n - 1);
                float f = (float)(x - j0);
                list.Add((j0, 1 - f));
                if (f > 0) list.Add((j1, f));
            }
            taps[i] = [.. list];
        }
        return taps;
    }
}
