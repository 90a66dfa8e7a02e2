using static TorchSharp.torch;

namespace GanSharp.Imaging;

/// <summary>Image files as uint8 C×H×W tensors (planar), the layout datasets and networks use.</summary>
public static class ImageTensor
{
    /// <summary>Reads an image file as uint8 C×H×W with <paramref name="channels"/> (1, 3 or 4) channels.</summary>
    /// <exception cref="ImageException">The file is missing, unreadable or not an image.</exception>
    public static Tensor Load(string path, int channels = 3)
    {
        var (pixels, w, h, c) = ImageFile.Load(path, channels);
        using var hwc = tensor(pixels, new long[] { h, w, c });
        // The permuted view is named and disposed after the copy. Written as hwc.permute(...).contiguous(), the
        // view's .NET object is unreachable while libtorch copies from it; in an optimised build a GC started by
        // another thread at that moment finalizes it and frees the view under the copy (a general-protection fault
        // in libtorch_cpu's copy kernels, seen in a background 'featnet train'). The same holds for TorchSharp's
        // implicit Scalars (1, 0.5, ...): where a long native call takes one, ToBytes keeps its own alive.
        using var chw = hwc.permute(2, 0, 1);
        return chw.contiguous();
    }

    /// <summary>Writes a uint8 C×H×W (or 1×C×H×W) tensor as a PNG.</summary>
    public static void SavePng(string path, Tensor chw)
    {
        using var scope = NewDisposeScope();
        var t = chw.dim() == 4 ? chw.squeeze(0) : chw;
        if (t.dim() != 3 || t.dtype != ScalarType.Byte)
            throw new ArgumentException($"expected a uint8 C×H×W tensor, got {t.dtype} [{string.Join(", ", t.shape)}]", nameof(chw));
        int c = (int)t.shape[0], h = (int)t.shape[1], w = (int)t.shape[2];
        var hwc = t.permute(1, 2, 0).contiguous();
        ImageFile.SavePng(path, hwc.data<byte>().ToArray(), w, h, c);
    }

    /// <summary>Float values (0–255 scale) to uint8, rounding half away from zero and saturating, as MATLAB's uint8() does.</summary>
    public static Tensor ToBytes(Tensor values)
    {
        using var scope = NewDisposeScope();
        using TorchSharp.Scalar half = 0.5, lo = 0, hi = 255;   // kept alive through the native calls (see Load)
        // round half away from zero: sign(x)·floor(|x| + 0.5); then clamp
        var r = values.abs().add(half).floor().mul(values.sign());
        return r.clamp(lo, hi).to_type(ScalarType.Byte).MoveToOuterDisposeScope();
    }
}
