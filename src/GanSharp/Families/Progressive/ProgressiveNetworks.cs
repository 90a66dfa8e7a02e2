using GanSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.Progressive;

/// <summary>
/// The sizes of a progressive G and D (Karras et al. 2018, table 2, at small scale): a block at resolution r has
/// nf(log2 r − 1) feature maps, nf(stage) = min(FmapBase / 2^stage, FmapMax), so the defaults (1024, 64) give 64
/// maps at 4…32 and 32 at 64 px. The latent has <see cref="LatentDim"/> values; D's last block appends the minibatch
/// standard deviation over groups of <see cref="MbstdGroup"/>.
/// </summary>
public sealed record ProgressiveConfig(int Channels = 1, int LatentDim = 64, int FmapBase = 1024, int FmapMax = 64, int MbstdGroup = 4)
{
    /// <summary>nf(stage) = min(FmapBase / 2^stage, FmapMax), at least 1.</summary>
    public int Nf(int stage) => Math.Max(1, Math.Min(FmapBase >> stage, FmapMax));

    /// <summary>The feature maps of G's block (and D's first conv) at <paramref name="resolution"/>.</summary>
    public int Features(int resolution) => Nf(Log2(resolution) - 1);

    /// <summary>log2 of a power-of-two resolution ≥ 4.</summary>
    public static int Log2(int resolution)
    {
        if (resolution < 4 || (resolution & (resolution - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "a progressive resolution is a power of two ≥ 4 (4, 8, 16, …)");
        return System.Numerics.BitOperations.Log2((uint)resolution);
    }
}

/// <summary>Shared pieces of the progressive networks.</summary>
public static class ProgressiveOps
{
    /// <summary>Leaky ReLU slope used throughout (the paper's 0.2).</summary>
    public const double Slope = 0.2;

    /// <summary>Nearest-neighbour upsampling by 2: every pixel becomes a 2×2 block (exact copies).</summary>
    public static Tensor Upsample2x(Tensor x) => x.repeat_interleave(2, 2).repeat_interleave(2, 3);

    /// <summary>2×2 average pooling (the box filter ProGAN downscales with).</summary>
    public static Tensor Downsample2x(Tensor x) => functional.avg_pool2d(x, 2);

    /// <summary>
    /// The fade-in: lerp(<paramref name="old"/>, <paramref name="next"/>, α), exactly <paramref name="old"/> at α = 0
    /// and exactly <paramref name="next"/> at α = 1 (torch's lerp computes from the nearer end).
    /// </summary>
    public static Tensor FadeIn(Tensor old, Tensor next, double alpha)
    {
        if (alpha is < 0 or > 1 || double.IsNaN(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "fade-in α must be in [0, 1]");
        return old.lerp(next, alpha);
    }

    /// <summary>
    /// Copies every parameter and buffer of <paramref name="from"/> into the one of the same name in
    /// <paramref name="to"/> (what growing keeps); returns the names in <paramref name="to"/> that <paramref name="from"/> lacks.
    /// </summary>
    public static IReadOnlyList<string> CopyMatching(Module from, Module to)
    {
        using var noGrad = no_grad();
        var source = from.state_dict();
        var fresh = new List<string>();
        foreach (var (name, t) in to.state_dict())
        {
            if (!source.TryGetValue(name, out var s)) { fresh.Add(name); continue; }
            if (!s.shape.SequenceEqual(t.shape))
                throw new InvalidOperationException($"growing changed the shape of '{name}' from [{string.Join(", ", s.shape)}] to [{string.Join(", ", t.shape)}]");
            t.copy_(s);
        }
        return fresh;
    }
}

/// <summary>G's 4×4 block: pixel-normalized latent → dense to nf×4×4 → conv 3×3, each followed by leaky ReLU and pixel norm.</summary>
internal sealed class GInitialBlock : Module<Tensor, Tensor>
{
    private readonly PixelNorm norm = new();
    private readonly EqualizedLinear dense;
    private readonly EqualizedConv2d conv;
    private readonly long features;

    public GInitialBlock(int latent, int features, Generator? g) : base(nameof(GInitialBlock))
    {
        this.features = features;
        dense = new EqualizedLinear(latent, features * 16, gain: Math.Sqrt(2) / 4, generator: g);  // the authors' gain for this layer
        conv = new EqualizedConv2d(features, features, 3, generator: g);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z)                                                   // N × latent
    {
        using var scope = NewDisposeScope();
        var x = dense.forward(norm.forward(z)).view(-1, features, 4, 4);                       // N × nf × 4 × 4
        x = norm.forward(functional.leaky_relu(x, ProgressiveOps.Slope));
        x = norm.forward(functional.leaky_relu(conv.forward(x), ProgressiveOps.Slope));         // N × nf × 4 × 4
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>G's block at 8×8 and up: nearest ×2, then two 3×3 convs, each with leaky ReLU and pixel norm.</summary>
internal sealed class GUpBlock : Module<Tensor, Tensor>
{
    private readonly PixelNorm norm = new();
    private readonly EqualizedConv2d conv0, conv1;

    public GUpBlock(int inFeatures, int outFeatures, Generator? g) : base(nameof(GUpBlock))
    {
        conv0 = new EqualizedConv2d(inFeatures, outFeatures, 3, generator: g);
        conv1 = new EqualizedConv2d(outFeatures, outFeatures, 3, generator: g);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                                                   // N × in × R/2 × R/2
    {
        using var scope = NewDisposeScope();
        x = ProgressiveOps.Upsample2x(x);                                                      // N × in × R × R
        x = norm.forward(functional.leaky_relu(conv0.forward(x), ProgressiveOps.Slope));        // N × out × R × R
        x = norm.forward(functional.leaky_relu(conv1.forward(x), ProgressiveOps.Slope));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The progressive generator (Karras et al. 2018): blocks 4×4 → … → <see cref="Resolution"/>, and a 1×1 toRGB per
/// resolution. While the newest block fades in, the image is lerp(nearest-upsampled toRGB of the previous
/// resolution's features, toRGB of the new block, <see cref="Alpha"/>). Parameter names stay fixed as it grows
/// (blocks.i, to_rgb.i for resolution 4·2^i), so a checkpoint or optimizer state carries over by name.
/// </summary>
public sealed class ProgressiveGenerator : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> blocks = new();
    private readonly ModuleList<Module<Tensor, Tensor>> to_rgb = new();
    private double alpha = 1;

    /// <summary>A generator at <paramref name="resolution"/>, weights N(0, 1) from <paramref name="generator"/>, α = 1.</summary>
    public ProgressiveGenerator(ProgressiveConfig config, int resolution, Generator? generator = null) : base(nameof(ProgressiveGenerator))
    {
        Config = config;
        Resolution = resolution;
        int levels = ProgressiveConfig.Log2(resolution) - 1;                                   // 4 → 1, 8 → 2, …
        for (int i = 0; i < levels; i++)
        {
            int r = 4 << i;
            blocks.Add(i == 0
                ? new GInitialBlock(config.LatentDim, config.Features(4), generator)
                : new GUpBlock(config.Features(r / 2), config.Features(r), generator));
            to_rgb.Add(new EqualizedConv2d(config.Features(r), config.Channels, 1, gain: 1, generator: generator));
        }
        RegisterComponents();
    }

    public ProgressiveConfig Config { get; }

    /// <summary>The output side, a power of two ≥ 4.</summary>
    public int Resolution { get; }

    /// <summary>The fade-in weight of the newest block: 0 = the previous resolution's output upsampled, 1 = the new block alone.</summary>
    public double Alpha
    {
        get => alpha;
        set => alpha = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Alpha), value, "fade-in α must be in [0, 1]");
    }

    public override Tensor forward(Tensor z)                                                   // N × latent
    {
        using var scope = NewDisposeScope();
        int last = blocks.Count - 1;
        var x = z;
        for (int i = 0; i < last; i++) x = blocks[i].forward(x);                              // N × nf × R/2 × R/2
        Tensor image;
        if (last == 0)
            image = to_rgb[0].forward(blocks[0].forward(x));
        else if (alpha >= 1)
            image = to_rgb[last].forward(blocks[last].forward(x));                             // N × C × R × R (stabilized)
        else
            image = ProgressiveOps.FadeIn(ProgressiveOps.Upsample2x(to_rgb[last - 1].forward(x)),
                to_rgb[last].forward(blocks[last].forward(x)), alpha);
        return image.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The generator at twice the resolution: every parameter of this one copied under the same name, the new block
    /// and toRGB initialized from <paramref name="generator"/>, α = 0 (the fade-in starts).
    /// </summary>
    public ProgressiveGenerator Grow(Generator? generator = null)
    {
        var grown = new ProgressiveGenerator(Config, Resolution * 2, generator);
        ProgressiveOps.CopyMatching(this, grown);
        grown.Alpha = 0;
        return grown;
    }
}

/// <summary>D's block at 8×8 and up: two 3×3 convs with leaky ReLU, then 2×2 average pooling.</summary>
internal sealed class DDownBlock : Module<Tensor, Tensor>
{
    private readonly EqualizedConv2d conv0, conv1;

    public DDownBlock(int inFeatures, int outFeatures, Generator? g) : base(nameof(DDownBlock))
    {
        conv0 = new EqualizedConv2d(inFeatures, inFeatures, 3, generator: g);
        conv1 = new EqualizedConv2d(inFeatures, outFeatures, 3, generator: g);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                                                   // N × in × R × R
    {
        using var scope = NewDisposeScope();
        x = functional.leaky_relu(conv0.forward(x), ProgressiveOps.Slope);
        x = functional.leaky_relu(conv1.forward(x), ProgressiveOps.Slope);                      // N × out × R × R
        return ProgressiveOps.Downsample2x(x).MoveToOuterDisposeScope();                       // N × out × R/2 × R/2
    }
}

/// <summary>D's 4×4 block: minibatch stddev (one extra map), 3×3 conv, dense, dense to one score.</summary>
internal sealed class DFinalBlock : Module<Tensor, Tensor>
{
    private readonly MinibatchStdDev mbstd;
    private readonly EqualizedConv2d conv;
    private readonly EqualizedLinear dense0, dense1;

    public DFinalBlock(int features, int hidden, int group, Generator? g) : base(nameof(DFinalBlock))
    {
        mbstd = new MinibatchStdDev(group);
        conv = new EqualizedConv2d(features + 1, features, 3, generator: g);
        dense0 = new EqualizedLinear(features * 16, hidden, generator: g);
        dense1 = new EqualizedLinear(hidden, 1, gain: 1, generator: g);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                                                   // N × nf × 4 × 4
    {
        using var scope = NewDisposeScope();
        x = functional.leaky_relu(conv.forward(mbstd.forward(x)), ProgressiveOps.Slope);      // N × nf × 4 × 4
        x = functional.leaky_relu(dense0.forward(x.flatten(1)), ProgressiveOps.Slope);         // N × hidden
        return dense1.forward(x).MoveToOuterDisposeScope();                                    // N × 1
    }
}

/// <summary>
/// The progressive discriminator (Karras et al. 2018): a 1×1 fromRGB per resolution, blocks from
/// <see cref="Resolution"/> down to 4×4, minibatch standard deviation (group <see cref="ProgressiveConfig.MbstdGroup"/>)
/// in the last block. While the newest block fades in, its output is lerp(fromRGB of the 2×2-average-pooled image,
/// the new block's output, <see cref="Alpha"/>). Names are fixed as it grows (blocks.i, from_rgb.i for 4·2^i).
/// </summary>
public sealed class ProgressiveDiscriminator : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> blocks = new();
    private readonly ModuleList<Module<Tensor, Tensor>> from_rgb = new();
    private double alpha = 1;

    public ProgressiveDiscriminator(ProgressiveConfig config, int resolution, Generator? generator = null) : base(nameof(ProgressiveDiscriminator))
    {
        Config = config;
        Resolution = resolution;
        int levels = ProgressiveConfig.Log2(resolution) - 1;
        for (int i = 0; i < levels; i++)
        {
            int r = 4 << i;
            blocks.Add(i == 0
                ? new DFinalBlock(config.Features(4), config.Nf(0), config.MbstdGroup, generator)
                : new DDownBlock(config.Features(r), config.Features(r / 2), generator));
            from_rgb.Add(new FromRgb(config.Channels, config.Features(r), generator));
        }
        RegisterComponents();
    }

    public ProgressiveConfig Config { get; }
    public int Resolution { get; }

    /// <summary>The fade-in weight of the newest block: 0 = the previous D on the pooled image, 1 = the new block alone.</summary>
    public double Alpha
    {
        get => alpha;
        set => alpha = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Alpha), value, "fade-in α must be in [0, 1]");
    }

    public override Tensor forward(Tensor image)                                               // N × C × R × R
    {
        using var scope = NewDisposeScope();
        int last = blocks.Count - 1;
        var x = from_rgb[last].forward(image);                                                 // N × nf × R × R
        if (last > 0)
        {
            x = blocks[last].forward(x);                                                       // N × nf' × R/2 × R/2
            if (alpha < 1)
                x = ProgressiveOps.FadeIn(from_rgb[last - 1].forward(ProgressiveOps.Downsample2x(image)), x, alpha);
        }
        for (int i = last - 1; i >= 0; i--) x = blocks[i].forward(x);
        if (last == 0) x = blocks[0].forward(x);
        return x.MoveToOuterDisposeScope();                                                    // N × 1
    }

    /// <summary>The discriminator at twice the resolution: this one's parameters kept by name, the new block and fromRGB fresh, α = 0.</summary>
    public ProgressiveDiscriminator Grow(Generator? generator = null)
    {
        var grown = new ProgressiveDiscriminator(Config, Resolution * 2, generator);
        ProgressiveOps.CopyMatching(this, grown);
        grown.Alpha = 0;
        return grown;
    }
}

/// <summary>D's fromRGB: a 1×1 conv to the block's feature maps and leaky ReLU.</summary>
internal sealed class FromRgb : Module<Tensor, Tensor>
{
    private readonly EqualizedConv2d conv;

    public FromRgb(int channels, int features, Generator? g) : base(nameof(FromRgb))
    {
        conv = new EqualizedConv2d(channels, features, 1, generator: g);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => functional.leaky_relu(conv.forward(x), ProgressiveOps.Slope);
}
