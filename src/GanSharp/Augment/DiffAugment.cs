using TorchSharp;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Augment;

/// <summary>
/// Differentiable augmentation after Zhao, Liu, Lin, Zhu &amp; Han 2020, "Differentiable Augmentation for
/// Data-Efficient GAN Training" (the authors' DiffAugment_pytorch.py, op for op): the policies <c>color</c>
/// (brightness, saturation, contrast), <c>translation</c> (integer shift by up to 1/8 of the side, zero fill) and
/// <c>cutout</c> (a zeroed square of half the side). Every op is a differentiable function of the images for a
/// fixed random draw, so it goes on D's inputs, real and fake alike, in the D step and in the G step.
/// All randomness comes from the <see cref="Generator"/> passed in, drawn in the reference code's order.
/// </summary>
public sealed class DiffAugment
{
    /// <summary>The policies the reference code has, in its order.</summary>
    public static readonly IReadOnlyList<string> KnownPolicies = ["color", "translation", "cutout"];

    /// <summary>The paper's default: all three.</summary>
    public const string DefaultPolicy = "color,translation,cutout";

    /// <summary>Parses a comma-separated policy list such as "color,translation,cutout" (applied in the given order).</summary>
    /// <exception cref="ArgumentException">An empty list, an unknown or a repeated policy.</exception>
    public DiffAugment(string policy = DefaultPolicy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var names = policy.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
            throw new ArgumentException($"DiffAugment policy '{policy}' names no policy: use a comma-separated list of {string.Join(", ", KnownPolicies)}", nameof(policy));
        foreach (var n in names)
        {
            if (!KnownPolicies.Contains(n))
                throw new ArgumentException($"unknown DiffAugment policy '{n}' in '{policy}': use a comma-separated list of {string.Join(", ", KnownPolicies)}", nameof(policy));
        }
        var repeated = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            throw new ArgumentException($"DiffAugment policy '{repeated.Key}' is listed twice in '{policy}'", nameof(policy));
        Policies = names;
    }

    /// <summary>The parsed policies, in the order they are applied.</summary>
    public IReadOnlyList<string> Policies { get; }

    /// <summary>Augments a batch N×C×H×W (any float dtype): every policy in turn, each sample with its own draw.</summary>
    public Tensor Apply(Tensor x, Generator generator)
    {
        using var scope = NewDisposeScope();
        foreach (var p in Policies)
        {
            x = p switch
            {
                "color" => Contrast(Saturation(Brightness(x, generator), generator), generator),
                "translation" => Translation(x, generator),
                "cutout" => Cutout(x, generator),
                _ => throw new InvalidOperationException(p),
            };
        }
        return x.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>x + U(−0.5, 0.5), one value per sample.</summary>
    public static Tensor Brightness(Tensor x, Generator generator) =>
        x + (Devices.Rand(new[] { x.shape[0], 1L, 1, 1 }, generator, x.device, x.dtype) - 0.5);

    /// <summary>(x − channel mean)·U(0, 2) + channel mean, one factor per sample (the reference's rand_color).</summary>
    public static Tensor Saturation(Tensor x, Generator generator)
    {
        var mean = x.mean(new long[] { 1 }, keepdim: true);                                     // N × 1 × H × W
        return (x - mean) * (Devices.Rand(new[] { x.shape[0], 1L, 1, 1 }, generator, x.device, x.dtype) * 2) + mean;
    }

    /// <summary>(x − image mean)·U(0.5, 1.5) + image mean, one factor per sample.</summary>
    public static Tensor Contrast(Tensor x, Generator generator)
    {
        var mean = x.mean(new long[] { 1, 2, 3 }, keepdim: true);                               // N × 1 × 1 × 1
        return (x - mean) * (Devices.Rand(new[] { x.shape[0], 1L, 1, 1 }, generator, x.device, x.dtype) + 0.5) + mean;
    }

    /// <summary>Shifts each sample by integers drawn uniformly from [−H/8, H/8] rows and [−W/8, W/8] columns.</summary>
    public static Tensor Translation(Tensor x, Generator generator)
    {
        long n = x.shape[0], sh = x.shape[2] / 8, sw = x.shape[3] / 8;
        using var ty = Devices.Randint(-sh, sh + 1, new[] { n }, generator, x.device);
        using var tx = Devices.Randint(-sw, sw + 1, new[] { n }, generator, x.device);
        return Translate(x, ty, tx);
    }

    /// <summary>
    /// The translation for given shifts (int64, N each): output[i, j] = input[i + dy, j + dx], zero outside the
    /// image. A fixed linear map of x (a gather from the zero-padded image), so the gradient flows to x.
    /// </summary>
    public static Tensor Translate(Tensor x, Tensor dy, Tensor dx)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var rows = (arange(h, device: x.device).view(1, h, 1) + dy.view(n, 1, 1) + 1).clamp(0, h + 1);          // N × H × 1, in the padded image
        var cols = (arange(w, device: x.device).view(1, 1, w) + dx.view(n, 1, 1) + 1).clamp(0, w + 1);          // N × 1 × W
        var flat = (arange(n, device: x.device).view(n, 1, 1) * ((h + 2) * (w + 2)) + rows * (w + 2) + cols).reshape(-1); // N·H·W
        var padded = nn.functional.pad(x, new long[] { 1, 1, 1, 1 });                          // N × C × (H+2) × (W+2)
        var pixels = padded.permute(0, 2, 3, 1).reshape(-1, c);                                // N·(H+2)·(W+2) × C
        return pixels.index_select(0, flat).view(n, h, w, c).permute(0, 3, 1, 2).MoveToOuterDisposeScope(); // N × C × H × W
    }

    /// <summary>Zeroes a square of half the side per sample, its centre drawn uniformly (it may hang over the edge).</summary>
    public static Tensor Cutout(Tensor x, Generator generator)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        long ch = h / 2, cw = w / 2;
        using var oy = Devices.Randint(0, h + (1 - ch % 2), new[] { n }, generator, x.device);
        using var ox = Devices.Randint(0, w + (1 - cw % 2), new[] { n }, generator, x.device);
        return CutoutAt(x, oy, ox);
    }

    /// <summary>
    /// The cutout for given centres (int64, N each): rows oy − H/4 … and columns ox − W/4 … (a square of H/2 × W/2,
    /// clipped to the image) become zero. x times a constant mask, so the gradient flows to x.
    /// </summary>
    public static Tensor CutoutAt(Tensor x, Tensor oy, Tensor ox)
    {
        using var scope = NewDisposeScope();
        return (x * CutoutMask(x, oy, ox)).MoveToOuterDisposeScope();
    }

    /// <summary>The 0/1 mask of <see cref="CutoutAt"/>: N × 1 × H × W in x's dtype.</summary>
    public static Tensor CutoutMask(Tensor x, Tensor oy, Tensor ox)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        long ch = h / 2, cw = w / 2;
        var rows = (arange(ch, device: x.device).view(1, ch, 1) + oy.view(n, 1, 1) - ch / 2).clamp(0, h - 1);    // N × ch × 1
        var cols = (arange(cw, device: x.device).view(1, 1, cw) + ox.view(n, 1, 1) - cw / 2).clamp(0, w - 1);    // N × 1 × cw
        var flat = (arange(n, device: x.device).view(n, 1, 1) * (h * w) + rows * w + cols).reshape(-1);
        var mask = ones(n * h * w, dtype: x.dtype, device: x.device).index_fill_(0, flat, 0);
        return mask.view(n, 1, h, w).MoveToOuterDisposeScope();
    }
}
