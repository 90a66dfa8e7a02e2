using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Imaging;

/// <summary>Image resizing on tensors.</summary>
public static class Resize
{
    /// <summary>
    /// Bilinear resize of an N×C×H×W float tensor to N×C×<paramref name="h"/>×<paramref name="w"/>
    /// (align_corners = false, as PIL and torchvision do). When shrinking, an antialias filter is applied so that
    /// thin lines and noise are averaged rather than skipped. Returns a new tensor; the input is untouched.
    /// </summary>
    public static Tensor ResizeBilinear(Tensor nchw, int h, int w)
    {
        ArgumentNullException.ThrowIfNull(nchw);
        if (nchw.dim() != 4)
            throw new ArgumentException($"expected N×C×H×W, got shape [{string.Join(", ", nchw.shape)}]", nameof(nchw));
        if (h <= 0 || w <= 0)
            throw new ArgumentOutOfRangeException(nameof(h), $"target size must be positive, got {h}x{w}");
        if (!nchw.is_floating_point())
            throw new ArgumentException($"expected a floating-point tensor, got {nchw.dtype}", nameof(nchw));

        bool shrinking = h < nchw.shape[2] || w < nchw.shape[3];
        return nn.functional.interpolate(nchw, size: new long[] { h, w }, mode: InterpolationMode.Bilinear,
            align_corners: false, antialias: shrinking);
    }
}
