using GanSharp.Families.ImageToImage;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// A method's scores on held-out pairs: mean absolute error on the 0–1 scale, PSNR (RGB, peak 255) and SSIM
/// (averaged over channels) per image then averaged, and the feature FID/KID of the outputs against the targets on
/// the photo feature network (whole images, pooled features). <see cref="Count"/> is the number of pairs: FID
/// with a handful of samples is heavily biased; KID is unbiased but noisy.
/// </summary>
public sealed record PairedScore(string Method, double L1, double Psnr, double Ssim, double? Fid, double? KidMean, double? KidStd, int Count);

/// <summary>Scores image-to-image outputs against their targets (pix2pix translation, de-raining, denoising).</summary>
public static class PairedEvaluation
{
    /// <summary>
    /// Scores uint8 N×C×H×W outputs against uint8 targets of the same shape (C = 3 for the feature metrics, which
    /// are skipped when <paramref name="features"/> is null or C ≠ 3).
    /// </summary>
    public static PairedScore Score(string method, Tensor outputs, Tensor targets, PhotoFeatureNet? features = null)
    {
        if (outputs.dtype != ScalarType.Byte || targets.dtype != ScalarType.Byte || !outputs.shape.SequenceEqual(targets.shape) || outputs.dim() != 4)
            throw new ArgumentException($"{method}: expected uint8 N×C×H×W outputs and targets of one shape, got {outputs.dtype} [{string.Join("×", outputs.shape)}] and {targets.dtype} [{string.Join("×", targets.shape)}]");
        using var scope = NewDisposeScope();
        var o = outputs.to_type(ScalarType.Float64);
        var t = targets.to_type(ScalarType.Float64);
        double l1 = (o - t).abs().mean().item<double>() / 255;
        double psnr = ImageQuality.Psnr(o, t).Average();
        double ssim = ImageQuality.Ssim(o, t).Average();
        double? fid = null, kid = null, kidStd = null;
        int n = (int)outputs.shape[0];
        if (features is not null && outputs.shape[1] == 3 && n >= 2)
        {
            var fo = Pooled(features, outputs);
            var ft = Pooled(features, targets);
            fid = Fid.Compute(fo, ft);
            var (m, s) = Kid.Compute(fo, ft, subsets: 100, subsetSize: Math.Min(n, 100), seed: 0);
            (kid, kidStd) = (m, s);
        }
        return new PairedScore(method, l1, psnr, ssim, fid, kid, kidStd, n);
    }

    static Tensor Pooled(PhotoFeatureNet net, Tensor bytes)
    {
        using var _ = inference_mode();
        net.eval();
        return net.Pooled(bytes.to_type(ScalarType.Float32).div(127.5).sub(1)).clone();
    }
}
