using GanSharp.Imaging;
using static TorchSharp.torch;

namespace GanSharp.Augment;

/// <summary>
/// Premultiplied alpha, the treatment chosen for RGBA folders: each colour is stored multiplied by its alpha, so a
/// fully transparent pixel is (0, 0, 0, 0) whatever colour the file hid under it, G never has to learn hidden
/// colours, and resizing or blending premultiplied values does not bleed hidden colours into visible edges.
/// Files on disk stay ordinary (straight-alpha) PNGs: read → <see cref="Premultiply(byte[], int)"/>, write →
/// <see cref="Unpremultiply(byte[], int)"/>. On premultiplied bytes (colour ≤ alpha) the write-then-read round trip
/// is exact; straight colours under small alpha lose precision when premultiplied (the price of the choice).
/// Grids show RGBA samples over a checkerboard (<see cref="OverCheckerboard"/>), so transparency is visible.
/// </summary>
public static class Alpha
{
    /// <summary>c·a/255 rounded, for interleaved RGBA bytes (H×W×4); returns a new array.</summary>
    public static byte[] Premultiply(byte[] rgba, int channels = 4)
    {
        CheckRgba(rgba, channels);
        var o = new byte[rgba.Length];
        for (int i = 0; i < rgba.Length; i += 4)
        {
            int a = rgba[i + 3];
            for (int k = 0; k < 3; k++) o[i + k] = (byte)((rgba[i + k] * a + 127) / 255);   // round half up, integers only
            o[i + 3] = (byte)a;
        }
        return o;
    }

    /// <summary>
    /// c·255/a rounded (clamped to 255) where a &gt; 0, and colour 0 where a = 0, for interleaved premultiplied RGBA
    /// bytes (H×W×4); returns a new array. The inverse of <see cref="Premultiply(byte[], int)"/> on premultiplied data.
    /// </summary>
    public static byte[] Unpremultiply(byte[] rgba, int channels = 4)
    {
        CheckRgba(rgba, channels);
        var o = new byte[rgba.Length];
        for (int i = 0; i < rgba.Length; i += 4)
        {
            int a = rgba[i + 3];
            for (int k = 0; k < 3; k++) o[i + k] = a == 0 ? (byte)0 : (byte)Math.Min(255, (rgba[i + k] * 255 + a / 2) / a);
            o[i + 3] = (byte)a;
        }
        return o;
    }

    /// <summary>Premultiplies planar uint8 images N×4×H×W (a new tensor, same layout).</summary>
    public static Tensor Premultiply(Tensor nchw)
    {
        CheckPlanar(nchw);
        using var scope = NewDisposeScope();
        var x = nchw.to_type(ScalarType.Int32);
        var a = x[.., 3..];
        var rgb = (x[.., ..3] * a + 127).div(255, rounding_mode: RoundingMode.floor);
        return cat(new[] { rgb, a }, 1).to_type(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>Unpremultiplies planar uint8 images N×4×H×W (a new tensor, same layout).</summary>
    public static Tensor Unpremultiply(Tensor nchw)
    {
        CheckPlanar(nchw);
        using var scope = NewDisposeScope();
        var x = nchw.to_type(ScalarType.Int32);
        var a = x[.., 3..];
        var rgb = (x[.., ..3] * 255 + a.div(2, rounding_mode: RoundingMode.floor))
            .div(a.clamp_min(1), rounding_mode: RoundingMode.floor).clamp_max(255);
        rgb = where(a.eq(0), zeros_like(rgb), rgb);
        return cat(new[] { rgb, a }, 1).to_type(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    /// <summary>Writes premultiplied interleaved RGBA bytes as an ordinary (straight-alpha) PNG.</summary>
    public static void SavePremultipliedPng(string path, byte[] premultipliedRgba, int width, int height) =>
        ImageFile.SavePng(path, Unpremultiply(premultipliedRgba), width, height, 4);

    /// <summary>Reads any image as RGBA and premultiplies it: (Pixels H×W×4, Width, Height).</summary>
    public static (byte[] Pixels, int Width, int Height) LoadPremultiplied(string path)
    {
        var (pixels, w, h, _) = ImageFile.Load(path, 4);
        return (Premultiply(pixels), w, h);
    }

    /// <summary>
    /// Composites premultiplied RGBA images in [−1, 1] (N×4×H×W float, as a dataset gathers them and G outputs
    /// them) over a light/dark grey checkerboard of <paramref name="cell"/>-pixel squares: rgb + (1 − a)·checker in
    /// [0, 1] terms, returned as N×3×H×W in [−1, 1] (clamped). Where alpha is 0 the checkerboard shows unchanged.
    /// </summary>
    public static Tensor OverCheckerboard(Tensor images, int cell = 4, double light = 0.8, double dark = 0.6)
    {
        if (images.dim() != 4 || images.shape[1] != 4)
            throw new ArgumentException($"checkerboard compositing expects N×4×H×W RGBA images, got shape [{string.Join(", ", images.shape)}]", nameof(images));
        if (cell < 1) throw new ArgumentOutOfRangeException(nameof(cell), cell, "checker cell must be ≥ 1 pixel");
        using var scope = NewDisposeScope();
        long h = images.shape[2], w = images.shape[3];
        var checker = Checkerboard(h, w, cell, light, dark, images.dtype, images.device);                         // 1 × 1 × H × W in [0, 1]
        var x = (images + 1) / 2;                                                                  // [0, 1]
        var rgb = x[.., ..3];
        var a = x[.., 3..];
        var o = rgb + (1 - a) * checker;
        return (o.clamp(0, 1) * 2 - 1).MoveToOuterDisposeScope();
    }

    /// <summary>A 1×1×H×W checkerboard in [0, 1]: <paramref name="light"/> where (row/cell + col/cell) is even.</summary>
    public static Tensor Checkerboard(long h, long w, int cell, double light, double dark, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var parity = (arange(h, device: device).div(cell, rounding_mode: RoundingMode.floor).view(h, 1)
            + arange(w, device: device).div(cell, rounding_mode: RoundingMode.floor).view(1, w)).remainder(2);   // H × W of 0/1
        var board = where(parity.eq(0), full(h, w, light, dtype: dtype, device: device), full(h, w, dark, dtype: dtype, device: device));
        return board.view(1, 1, h, w).MoveToOuterDisposeScope();
    }

    static void CheckRgba(byte[] rgba, int channels)
    {
        ArgumentNullException.ThrowIfNull(rgba);
        if (channels != 4)
            throw new ArgumentException($"premultiplied alpha needs RGBA (4 channels), got {channels}", nameof(channels));
        if (rgba.Length % 4 != 0)
            throw new ArgumentException($"RGBA buffer holds {rgba.Length} bytes, not a multiple of 4", nameof(rgba));
    }

    static void CheckPlanar(Tensor t)
    {
        if (t.dtype != ScalarType.Byte || t.dim() != 4 || t.shape[1] != 4)
            throw new ArgumentException($"expected uint8 N×4×H×W RGBA images, got {t.dtype} of shape [{string.Join(", ", t.shape)}]", nameof(t));
    }
}
