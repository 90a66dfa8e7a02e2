using System.Diagnostics;
using GanSharp.Families.ImageToImage;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>One image's scores: PSNR and SSIM on the Y channel with the border cropped.</summary>
public sealed record SrImageScore(string Path, double PsnrY, double SsimY);

/// <summary>
/// A method's scores over a test set: the mean PSNR-Y and SSIM-Y over images (as SR papers report them), and the
/// feature FID and KID between its output patches and the HR patches (null without a feature network).
/// </summary>
public sealed record SrMethodScore(string Method, IReadOnlyList<SrImageScore> Images, double? Fid, double? KidMean, double? KidStd, int Patches, double Seconds)
{
    public double PsnrY => Images.Average(i => i.PsnrY);
    public double SsimY => Images.Average(i => i.SsimY);
}

/// <summary>
/// Super-resolution evaluation as the papers do it (Ledig et al. 2017, Table 2): each HR image mod-cropped to a
/// multiple of the scale, its LR the MATLAB bicubic downscale, the method's output saved as uint8, then PSNR and
/// SSIM on BT.601 luma (16–235, MATLAB's rgb2ycbcr) with <c>scale</c> pixels of border cropped
/// (<see cref="ImageQuality"/>). Beside them, a feature FID and KID on the project's photo feature network: every
/// image is cut into non-overlapping patches and the pooled features of output patches are compared with those of
/// the HR patches at the same places. KID (unbiased) is the one to trust with a few hundred patches; FID is biased
/// upwards at such counts (compare FIDs only at equal patch counts).
/// </summary>
public static class SrEvaluation
{
    /// <summary>Side of the patches the feature metrics cut (SRGAN's crop).</summary>
    public const int PatchSize = 96;

    /// <summary>
    /// Scores one method: <paramref name="upscale"/> turns each image's LR (uint8 1×3×h×w) into uint8 1×3×H×W.
    /// <paramref name="hrFeatures"/> are the HR patches' features (<see cref="PatchFeatures"/>; null: no FID/KID).
    /// <paramref name="onOutput"/> sees each output (e.g. to cut a picture from it) before it is disposed.
    /// </summary>
    public static SrMethodScore Score(string method, IReadOnlyList<SrEvalImage> images, Func<SrEvalImage, Tensor> upscale, int border,
        PhotoFeatureNet? features = null, Tensor? hrFeatures = null, Action<int, Tensor>? onOutput = null)
    {
        var scores = new List<SrImageScore>();
        var patchFeatures = new List<Tensor>();
        var clock = Stopwatch.StartNew();
        double upscaleSeconds = 0;
        try
        {
            for (int i = 0; i < images.Count; i++)
            {
                using var scope = NewDisposeScope();
                var img = images[i];
                var t0 = clock.Elapsed.TotalSeconds;
                var output = upscale(img);
                upscaleSeconds += clock.Elapsed.TotalSeconds - t0;
                if (!output.shape.SequenceEqual(img.Hr.shape) || output.dtype != ScalarType.Byte)
                    throw new InvalidOperationException($"{method} gave {output.dtype} [{string.Join("×", output.shape)}] for {img.Path}, not uint8 [{string.Join("×", img.Hr.shape)}]");
                scores.Add(new SrImageScore(img.Path, ImageQuality.PsnrY(output, img.Hr, border)[0], ImageQuality.SsimY(output, img.Hr, border)[0]));
                if (features is not null) patchFeatures.Add(PatchFeatures(features, output).DetachFromDisposeScope());
                onOutput?.Invoke(i, output);
            }
            double? fid = null, kid = null, kidStd = null;
            int patches = 0;
            if (features is not null && hrFeatures is not null)
            {
                using var all = cat(patchFeatures, 0);
                patches = (int)all.shape[0];
                if (patches >= 2) fid = Fid.Compute(all, hrFeatures);
                if (patches >= 2)
                {
                    var (m, s) = Kid.Compute(all, hrFeatures, subsets: 100, subsetSize: Math.Min(patches, 100), seed: 0);
                    (kid, kidStd) = (m, s);
                }
            }
            return new SrMethodScore(method, scores, fid, kid, kidStd, patches, upscaleSeconds);
        }
        finally
        {
            foreach (var t in patchFeatures) t.Dispose();
        }
    }

    /// <summary>
    /// The pooled photo features (N×128) of the non-overlapping <see cref="PatchSize"/>² patches of a uint8
    /// 1×3×H×W image (⌊H/96⌋·⌊W/96⌋ patches, from the top-left; none when it is smaller than a patch).
    /// </summary>
    public static Tensor PatchFeatures(PhotoFeatureNet net, Tensor imageBytes)
    {
        using var scope = NewDisposeScope();
        var patches = Patches(imageBytes, PatchSize);
        if (patches.shape[0] == 0) return zeros(0, PhotoFeatureNet.Channels).MoveToOuterDisposeScope();
        using var _ = inference_mode();
        net.eval();
        var list = new List<Tensor>();
        for (long i = 0; i < patches.shape[0]; i += 64)
            list.Add(net.Pooled(patches.narrow(0, i, Math.Min(64, patches.shape[0] - i)).to_type(ScalarType.Float32).div(127.5).sub(1)));
        return cat(list, 0).clone().MoveToOuterDisposeScope();
    }

    /// <summary>Non-overlapping p×p patches of a 1×C×H×W image, row by row from the top-left: K×C×p×p.</summary>
    public static Tensor Patches(Tensor image, int p)
    {
        if (image.dim() != 4 || image.shape[0] != 1)
            throw new ArgumentException($"expected one image 1×C×H×W, got [{string.Join("×", image.shape)}]", nameof(image));
        long rows = image.shape[2] / p, cols = image.shape[3] / p, c = image.shape[1];
        if (rows == 0 || cols == 0) return empty(new long[] { 0, c, p, p }, image.dtype);
        using var scope = NewDisposeScope();
        var x = image.narrow(2, 0, rows * p).narrow(3, 0, cols * p)
            .reshape(c, rows, p, cols, p).permute(1, 3, 0, 2, 4).reshape(rows * cols, c, p, p);
        return x.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The top-left corner of the <paramref name="size"/>² window of an HR image (uint8 1×3×H×W) with the most
    /// detail, the largest mean |Laplacian| of its luma, searched on a grid of stride size/4: where methods differ most.
    /// </summary>
    public static (int Top, int Left) DetailWindow(Tensor hrBytes, int size)
    {
        using var scope = NewDisposeScope();
        var y = ImageQuality.Luma(hrBytes).to_type(ScalarType.Float32);
        long h = y.shape[2], w = y.shape[3];
        if (h <= size || w <= size) return (0, 0);
        var kernel = tensor(new float[] { 0, 1, 0, 1, -4, 1, 0, 1, 0 }).reshape(1, 1, 3, 3);
        var lap = nn.functional.conv2d(y, kernel, padding: new long[] { 1, 1 }).abs();
        int stride = Math.Max(1, size / 4);
        var pooled = nn.functional.avg_pool2d(lap, new long[] { size, size }, new long[] { stride, stride });
        long best = pooled.flatten().argmax().item<long>();
        long cols = pooled.shape[3];
        return ((int)(best / cols * stride), (int)(best % cols * stride));
    }
}
