using GanSharp.Imaging;
using static TorchSharp.torch;

namespace GanSharp.Families.ImageToImage;

/// <summary>Ranges the rain generator draws from, per image (lengths in pixels, angle in degrees from vertical).</summary>
public sealed record RainOptions
{
    /// <summary>Fraction of pixels that start a streak.</summary>
    public (double Min, double Max) Density { get; init; } = (0.004, 0.02);
    /// <summary>Streak length in pixels.</summary>
    public (double Min, double Max) Length { get; init; } = (6, 20);
    /// <summary>Angle from vertical in degrees (one angle per image: rain falls in one direction).</summary>
    public (double Min, double Max) Angle { get; init; } = (-25, 25);
    /// <summary>How strongly a streak whitens the pixels it covers (0 = invisible, 1 = opaque white).</summary>
    public (double Min, double Max) Opacity { get; init; } = (0.3, 0.7);
}

/// <summary>
/// Synthetic rain streaks, made the way de-raining papers make their training data: sparse random drops, motion-blurred
/// along one angle into streaks (a line kernel of the drawn length), blended towards white with the drawn opacity:
/// rainy = I + α·S·(255 − I), S ∈ [0, 1] the streak layer. Density, length, angle and opacity are drawn per image from
/// <see cref="RainOptions"/>; every draw comes from generators seeded by the seed, so the same seed gives the same rain.
/// </summary>
public static class RainStreaks
{
    /// <summary>Adds rain to uint8 N×C×H×W photos; returns uint8 N×C×H×W.</summary>
    public static Tensor Add(Tensor photos, long seed, RainOptions? options = null) => Add(photos, seed, options, out _);

    /// <summary><see cref="Add(Tensor, long, RainOptions?)"/>, also returning each image's streak layer S (float32 N×1×H×W, 0–1).</summary>
    public static Tensor Add(Tensor photos, long seed, RainOptions? options, out Tensor streaks)
    {
        PairedTasks.CheckPhotos(photos);
        var o = options ?? new RainOptions();
        int n = (int)photos.shape[0], h = (int)photos.shape[2], w = (int)photos.shape[3];
        var rng = new Random(unchecked((int)seed) ^ 0x7A1E);
        using var g = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var layers = new List<Tensor>();
        var alphas = new double[n];
        for (int i = 0; i < n; i++)
        {
            double density = Draw(rng, o.Density), length = Draw(rng, o.Length), angle = Draw(rng, o.Angle);
            alphas[i] = Draw(rng, o.Opacity);
            var drops = rand(new long[] { 1, 1, h, w }, generator: g).lt(density).to_type(ScalarType.Float32) // cpu: rain is drawn into the CPU data set
                        * rand(new long[] { 1, 1, h, w }, generator: g).mul(0.5).add(0.5);     // drop brightness 0.5–1 // cpu: rain is drawn into the CPU data set
            var kernel = LineKernel(length, angle);
            int k = (int)kernel.shape[2];
            var blurred = nn.functional.conv2d(drops, kernel, padding: new long[] { k / 2, k / 2 });
            layers.Add(blurred.clamp(0, 1));
        }
        var s = cat(layers.ToArray(), 0);                                                    // N×1×H×W
        var alpha = tensor(alphas.Select(a => (float)a).ToArray()).reshape(n, 1, 1, 1); // cpu: rain is drawn into the CPU data set
        var x = photos.to_type(ScalarType.Float32);
        var rainy = x + alpha * s * (255 - x);
        streaks = s.MoveToOuterDisposeScope();
        return ImageTensor.ToBytes(rainy).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A 1×1×k×k kernel (k odd, ≥ length) of a line through the centre, <paramref name="length"/> pixels long at
    /// <paramref name="angleDegrees"/> from vertical: points every 1/4 pixel, bilinearly splatted; the peak is scaled to
    /// 1 so a lone drop becomes a streak of about its own brightness.
    /// </summary>
    public static Tensor LineKernel(double length, double angleDegrees)
    {
        if (!(length >= 1)) throw new ArgumentOutOfRangeException(nameof(length), $"streak length must be ≥ 1 pixel, got {length}");
        int k = (int)Math.Ceiling(length) | 1;
        k += 2;                                            // room for the splat at both ends
        var kernel = new float[k * k];
        double c = (k - 1) / 2.0, rad = angleDegrees * Math.PI / 180;
        double dx = Math.Sin(rad), dy = Math.Cos(rad);     // 0° = vertical
        int steps = (int)Math.Ceiling(length * 4);
        for (int s = 0; s <= steps; s++)
        {
            double t = -length / 2 + length * s / steps;
            double x = c + t * dx, y = c + t * dy;
            int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
            double fx = x - x0, fy = y - y0;
            void Splat(int yy, int xx, double wgt) { if (yy >= 0 && yy < k && xx >= 0 && xx < k) kernel[yy * k + xx] += (float)wgt; }
            Splat(y0, x0, (1 - fx) * (1 - fy));
            Splat(y0, x0 + 1, fx * (1 - fy));
            Splat(y0 + 1, x0, (1 - fx) * fy);
            Splat(y0 + 1, x0 + 1, fx * fy);
        }
        float peak = kernel.Max();
        for (int i = 0; i < kernel.Length; i++) kernel[i] /= peak;
        return tensor(kernel, new long[] { 1, 1, k, k }); // cpu: rain is drawn into the CPU data set
    }

    static double Draw(Random rng, (double Min, double Max) range)
    {
        if (range.Max < range.Min) throw new ArgumentOutOfRangeException(nameof(range), $"range {range.Min}..{range.Max} is empty");
        return range.Min + rng.NextDouble() * (range.Max - range.Min);
    }
}
