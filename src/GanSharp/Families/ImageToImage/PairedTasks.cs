using GanSharp.Data;
using GanSharp.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.ImageToImage;

/// <summary>The built-in paired tasks, each made from any folder of photos.</summary>
public enum PairedTask
{
    /// <summary>Sobel edge map (1 channel, dark lines on white) → photo.</summary>
    Edges,
    /// <summary>Luma (1 channel) → colour photo.</summary>
    Colorize,
    /// <summary>Photo with a gray rectangle cut out → photo.</summary>
    Inpaint,
    /// <summary>Photo with synthetic rain streaks → clean photo.</summary>
    Derain,
    /// <summary>Photo with Gaussian noise → clean photo.</summary>
    DenoiseGaussian,
    /// <summary>Photo with Poisson (shot) noise → clean photo.</summary>
    DenoisePoisson,
}

/// <summary>
/// Sources made from clean uint8 N×C×H×W photos for the built-in paired tasks (translation: edges → photo,
/// grayscale → colour, masked → inpainted; enhancement: de-raining, denoising). Every random choice is drawn from
/// a generator seeded by <c>seed</c>, so a task's data is the same on every run.
/// </summary>
public static class PairedTasks
{
    /// <summary>A paired dataset: the photos as target, the task's corrupted/derived image as "source".</summary>
    public static TensorDataset Make(PairedTask task, Tensor photos, long seed = 0, double noiseSigma = 25, double poissonPeak = 30,
        RainOptions? rain = null)
    {
        var source = task switch
        {
            PairedTask.Edges => SobelEdges(photos),
            PairedTask.Colorize => Grayscale(photos),
            PairedTask.Inpaint => Masked(photos, seed),
            PairedTask.Derain => RainStreaks.Add(photos, seed, rain),
            PairedTask.DenoiseGaussian => GaussianNoise(photos, noiseSigma, seed),
            PairedTask.DenoisePoisson => PoissonNoise(photos, poissonPeak, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task, null),
        };
        return PairedImages.FromTensors(task.ToString().ToLowerInvariant(), source, photos.clone());
    }

    /// <summary>MATLAB rgb2ycbcr luma of uint8 RGB as float64 N×1×H×W (0–255 scale); 1-channel input as it is.</summary>
    static Tensor LumaOf(Tensor photos)
    {
        CheckPhotos(photos);
        using var scope = NewDisposeScope();
        var x = photos.to_type(ScalarType.Float64);
        if (x.shape[1] == 1) return x.MoveToOuterDisposeScope();
        // rgb2ycbcr's Y, mapped from 16–235 back to 0–255 so black and white stay black and white
        var y = Metrics.ImageQuality.Luma(x.narrow(1, 0, 3)).sub(16).mul(255.0 / 219);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Gray version (uint8 N×1×H×W): BT.601 luma stretched to 0–255.</summary>
    public static Tensor Grayscale(Tensor photos)
    {
        using var y = LumaOf(photos);
        return ImageTensor.ToBytes(y);
    }

    /// <summary>
    /// Sobel gradient magnitude of the luma (edge replicate padding), inverted and saturated: 255 − min(|∇|, 255), uint8
    /// N×1×H×W, dark edges on white (the look of pix2pix's edges→photo data). A fixed scale, not one per image, so a
    /// nearly flat image stays white instead of having its faint gradients stretched into texture (a step of 64 gray
    /// levels, |∇| = 4·64, is already black).
    /// </summary>
    public static Tensor SobelEdges(Tensor photos)
    {
        using var scope = NewDisposeScope();
        var y = LumaOf(photos);
        var kx = tensor(new double[] { -1, 0, 1, -2, 0, 2, -1, 0, 1 }, new long[] { 1, 1, 3, 3 }); // cpu: paired data is made on the CPU
        var ky = kx.transpose(2, 3).contiguous();
        var padded = nn.functional.pad(y, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        var gx = nn.functional.conv2d(padded, kx);
        var gy = nn.functional.conv2d(padded, ky);
        var mag = (gx.square() + gy.square()).sqrt();
        return ImageTensor.ToBytes(mag.clamp_max(255).neg().add(255)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One rectangle per image (each side 1/4 to 1/2 of the image's, placed uniformly) filled with mid gray (128):
    /// the inpainting input. Returns uint8 N×C×H×W.
    /// </summary>
    public static Tensor Masked(Tensor photos, long seed) => Masked(photos, seed, out _);

    /// <summary><see cref="Masked(Tensor, long)"/>, also returning each image's hole as (top, left, height, width).</summary>
    public static Tensor Masked(Tensor photos, long seed, out (int Top, int Left, int Height, int Width)[] holes)
    {
        CheckPhotos(photos);
        var rng = new Random(unchecked((int)seed) ^ 0x5A17);
        int n = (int)photos.shape[0], h = (int)photos.shape[2], w = (int)photos.shape[3];
        var result = photos.clone();
        holes = new (int, int, int, int)[n];
        for (int i = 0; i < n; i++)
        {
            int hh = rng.Next(Math.Max(1, h / 4), Math.Max(2, h / 2 + 1)), ww = rng.Next(Math.Max(1, w / 4), Math.Max(2, w / 2 + 1));
            int top = rng.Next(0, h - hh + 1), left = rng.Next(0, w - ww + 1);
            holes[i] = (top, left, hh, ww);
            using var hole = result[i].narrow(1, top, hh).narrow(2, left, ww);
            hole.fill_(128);
        }
        return result;
    }

    /// <summary>Additive Gaussian noise of standard deviation <paramref name="sigma"/> (0–255 scale), rounded and clipped.</summary>
    public static Tensor GaussianNoise(Tensor photos, double sigma, long seed)
    {
        CheckPhotos(photos);
        if (sigma < 0) throw new ArgumentOutOfRangeException(nameof(sigma), $"noise sigma must be ≥ 0, got {sigma}");
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed);
        var noise = randn(photos.shape, dtype: ScalarType.Float64, generator: g).mul(sigma); // cpu: paired data is made on the CPU
        return ImageTensor.ToBytes(photos.to_type(ScalarType.Float64) + noise).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Poisson (shot) noise: a pixel of value v becomes Poisson(v/255·peak)/peak·255, so its variance is v·255/peak
    /// (lower <paramref name="peak"/> = noisier, like fewer photons). Rounded and clipped.
    /// </summary>
    public static Tensor PoissonNoise(Tensor photos, double peak, long seed)
    {
        CheckPhotos(photos);
        if (!(peak > 0)) throw new ArgumentOutOfRangeException(nameof(peak), $"Poisson peak must be > 0, got {peak}");
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed);
        var rate = photos.to_type(ScalarType.Float64).div(255).mul(peak);
        var counts = poisson(rate, g);
        return ImageTensor.ToBytes(counts.div(peak).mul(255)).MoveToOuterDisposeScope();
    }

    internal static void CheckPhotos(Tensor photos)
    {
        ArgumentNullException.ThrowIfNull(photos);
        if (photos.dtype != ScalarType.Byte || photos.dim() != 4)
            throw new ArgumentException($"expected uint8 N×C×H×W photos, got {photos.dtype} [{string.Join(", ", photos.shape)}]", nameof(photos));
    }
}
