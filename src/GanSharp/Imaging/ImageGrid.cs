using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Imaging;

/// <summary>Tiles a batch of images into one picture, like torchvision's <c>make_grid</c> / <c>save_image</c>.</summary>
public static class ImageGrid
{
    /// <summary>
    /// Lays out N×C×H×W images (C = 1, 3 or 4; values in [-1, 1]) row-major, <paramref name="nrow"/> images per row
    /// (default ceil(sqrt(N))), with <paramref name="padding"/> pixels of <paramref name="padValue"/> between and around
    /// them. Returns a new float32 C×H'×W' tensor on the input's device, H' = rows·(H+padding)+padding,
    /// W' = min(nrow, N)·(W+padding)+padding. A single C×H×W image is treated as a batch of one.
    /// The input is neither modified nor disposed.
    /// </summary>
    public static Tensor Make(Tensor images, int? nrow = null, int padding = 2, double padValue = 1.0)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() is not (3 or 4))
            throw new ArgumentException($"images must be N×C×H×W (or C×H×W), got shape [{string.Join(", ", images.shape)}]", nameof(images));
        if (padding < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), $"padding must be >= 0, got {padding}");
        if (nrow is <= 0)
            throw new ArgumentOutOfRangeException(nameof(nrow), $"nrow must be positive, got {nrow}");

        using var scope = torch.NewDisposeScope();
        var batch = images.dim() == 3 ? images.unsqueeze(0) : images;
        long n = batch.shape[0], c = batch.shape[1], h = batch.shape[2], w = batch.shape[3];
        if (c is not (1 or 3 or 4))
            throw new ArgumentException($"images must have 1, 3 or 4 channels, got {c}", nameof(images));
        if (n == 0)
            throw new ArgumentException("cannot make a grid of zero images", nameof(images));

        long cols = Math.Min(nrow ?? (long)Math.Ceiling(Math.Sqrt(n)), n);
        long rows = (n + cols - 1) / cols;
        long gridH = rows * (h + padding) + padding, gridW = cols * (w + padding) + padding;

        var grid = torch.full(new[] { c, gridH, gridW }, padValue, dtype: ScalarType.Float32, device: batch.device);
        var src = batch.to_type(ScalarType.Float32);
        for (long k = 0; k < n; k++)
        {
            long y = padding + (k / cols) * (h + padding), x = padding + (k % cols) * (w + padding);
            grid.narrow(1, y, h).narrow(2, x, w).copy_(src[k]);
        }
        return grid.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Makes a grid (white padding) of images in [-1, 1] and writes it as a PNG (8 bits per channel;
    /// see <see cref="ToBytesHwc"/> for the conversion). <paramref name="scale"/> &gt; 1 enlarges the whole grid
    /// by pixel repetition (for small images such as 28×28 digits).
    /// </summary>
    public static void Save(Tensor images, string path, int? nrow = null, int padding = 2, int scale = 1)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), $"scale must be >= 1, got {scale}");
        using var scope = torch.NewDisposeScope();
        var grid = Make(images, nrow, padding, padValue: 1.0);
        if (scale > 1) grid = grid.repeat_interleave(scale, 1).repeat_interleave(scale, 2);
        var bytes = ToBytesHwc(grid);
        ImageFile.SavePng(path, bytes, (int)grid.shape[2], (int)grid.shape[1], (int)grid.shape[0]);
    }

    /// <summary>
    /// Converts a C×H×W image in [-1, 1] to interleaved H×W×C bytes: clamp to [-1, 1], then (x + 1)·127.5 rounded
    /// half away from zero, so -1 → 0, 0 → 128, 1 → 255. The input is neither modified nor disposed.
    /// </summary>
    public static byte[] ToBytesHwc(Tensor chw)
    {
        ArgumentNullException.ThrowIfNull(chw);
        if (chw.dim() != 3)
            throw new ArgumentException($"image must be C×H×W, got shape [{string.Join(", ", chw.shape)}]", nameof(chw));
        using var scope = torch.NewDisposeScope();
        // Values are >= 0 after the shift, so floor(v + 0.5) is round-half-away-from-zero (torch.round is half-to-even).
        var v = chw.to_type(ScalarType.Float32).clamp(-1.0, 1.0).add(1.0).mul(127.5).add(0.5).floor();
        var hwc = v.permute(1, 2, 0).contiguous().to_type(ScalarType.Byte).cpu();
        return hwc.data<byte>().ToArray();
    }
}
