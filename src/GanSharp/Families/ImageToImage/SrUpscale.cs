using GanSharp.Imaging;
using static TorchSharp.torch;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// Upscaling whole images with a trained SR generator, tile by tile (<see cref="TiledInference"/>), and the bicubic
/// baseline. Pixels are uint8 throughout, as files hold them: the network sees x/127.5 − 1 and its output is
/// clamped, rounded and saved as uint8, so measured PSNR is that of the saved PNG.
/// </summary>
public static class SrUpscale
{
    /// <summary>Default tile side in LR pixels.</summary>
    public const int DefaultTile = 96;

    /// <summary>Default overlap of neighbouring tiles in LR pixels (the blend's zeroed margin is a quarter of it).</summary>
    public const int DefaultOverlap = 32;

    /// <summary>
    /// RGB LR images (uint8 1×3×h×w) → uint8 1×3×(s·h)×(s·w) through <paramref name="model"/> (a fully convolutional
    /// G in eval mode mapping [-1, 1] LR to [-1, 1] HR), in overlapping tiles of <paramref name="tile"/> LR pixels.
    /// </summary>
    public static Tensor Rgb(Func<Tensor, Tensor> model, Tensor lrBytes, int scale, int tile = DefaultTile, int overlap = DefaultOverlap,
        Action<int, int>? progress = null)
    {
        if (lrBytes.dtype != ScalarType.Byte || lrBytes.dim() != 4 || lrBytes.shape[0] != 1 || lrBytes.shape[1] != 3)
            throw new ArgumentException($"expected one uint8 RGB image 1×3×H×W, got {lrBytes.dtype} [{string.Join("×", lrBytes.shape)}]", nameof(lrBytes));
        using var scope = NewDisposeScope();
        var x = lrBytes.to_type(ScalarType.Float32).div(127.5).sub(1);
        int h = (int)x.shape[2], w = (int)x.shape[3];
        tile = Math.Min(tile, Math.Max(h, w));
        overlap = Math.Min(overlap, tile / 2);
        var y = TiledInference.Run(model, x, tile, overlap, scale, progress);
        return ImageTensor.ToBytes(y.add(1).mul(127.5)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Any image file's pixels (uint8 C×h×w with C = 1 gray, 3 RGB or 4 RGBA) → uint8 C×(s·h)×(s·w): RGB through the
    /// model; gray repeated to RGB, through the model, and averaged back to one channel; RGBA's colour through the
    /// model and its alpha by MATLAB bicubic (<see cref="MatlabImresize.ResizeBytes"/>).
    /// </summary>
    public static Tensor Image(Func<Tensor, Tensor> model, Tensor pixels, int scale, int tile = DefaultTile, int overlap = DefaultOverlap,
        Action<int, int>? progress = null)
    {
        if (pixels.dtype != ScalarType.Byte || pixels.dim() != 3 || pixels.shape[0] is not (1 or 3 or 4))
            throw new ArgumentException($"expected uint8 C×H×W pixels with 1, 3 or 4 channels, got {pixels.dtype} [{string.Join("×", pixels.shape)}]", nameof(pixels));
        using var scope = NewDisposeScope();
        var batch = pixels.unsqueeze(0);
        long c = pixels.shape[0];
        var rgb = c == 1 ? batch.expand(-1, 3, -1, -1).contiguous() : batch.narrow(1, 0, 3).contiguous();
        var up = Rgb(model, rgb, scale, tile, overlap, progress);
        Tensor result = c switch
        {
            1 => ImageTensor.ToBytes(up.to_type(ScalarType.Float32).mean(new long[] { 1 }, keepdim: true)),
            3 => up,
            _ => cat(new[] { up, MatlabImresize.ResizeBytes(batch.narrow(1, 3, 1).contiguous(), scale) }, 1),
        };
        return result.squeeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>The bicubic baseline: MATLAB's imresize(LR, scale) on uint8 images (N×C×h×w → N×C×s·h×s·w).</summary>
    public static Tensor Bicubic(Tensor lrBytes, int scale) => MatlabImresize.ResizeBytes(lrBytes, scale);
}
