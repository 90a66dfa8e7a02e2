using GanSharp.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// The GAN-CLS / GAN-INT generator of Reed et al. 2016, "Generative Adversarial Text to Image Synthesis": the text
/// embedding φ(t) is compressed by a fully connected layer to 128 values with LeakyReLU(0.2), concatenated with z,
/// and decoded by DCGAN fractionally-strided convolutions (BatchNorm + ReLU, tanh output) from 4×4 to size×size.
/// </summary>
public sealed class GanClsGenerator : Module<Tensor, Tensor, Tensor>
{
    private readonly Sequential project;
    private readonly Sequential decode;

    public GanClsGenerator(int size, int embeddingDim, int zDim = 100, int projectedDim = 128, int channels = 3, int width = 64)
        : base(nameof(GanClsGenerator))
    {
        int ups = TextToImageNets.Doublings(size);       // 4 → size
        Size = size;
        ZDim = zDim;
        EmbeddingDim = embeddingDim;
        project = Sequential(
            ("fc", Linear(embeddingDim, projectedDim)),   // N×E → N×128
            ("lrelu", LeakyReLU(0.2)));
        int top = width << (ups - 1);                      // 32: 4w, 64: 8w
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("unflatten", Unflatten(1, new long[] { zDim + projectedDim, 1, 1 })),                   // (z+128) × 1 × 1
            ("up0", ConvTranspose2d(zDim + projectedDim, top, 4, stride: 1, padding: 0L, bias: false)), // top × 4 × 4
            ("up0_bn", BatchNorm2d(top)),
            ("up0_relu", ReLU()),
        };
        int c = top;
        for (int i = 1; i < ups; i++)
        {
            layers.Add(($"up{i}", ConvTranspose2d(c, c / 2, 4, stride: 2, padding: 1, bias: false)));  // c/2 × 2^(i+2)
            layers.Add(($"up{i}_bn", BatchNorm2d(c / 2)));
            layers.Add(($"up{i}_relu", ReLU()));
            c /= 2;
        }
        layers.Add(($"up{ups}", ConvTranspose2d(c, channels, 4, stride: 2, padding: 1, bias: false)));  // channels × size × size
        layers.Add(("tanh", Tanh()));
        decode = Sequential(layers);
        RegisterComponents();
        Init.Dcgan(this);
    }

    public int Size { get; }
    public int ZDim { get; }
    public int EmbeddingDim { get; }

    /// <summary><paramref name="z"/> N×zDim, <paramref name="embedding"/> N×E → images N×C×size×size in [-1, 1].</summary>
    public override Tensor forward(Tensor z, Tensor embedding) =>
        decode.call(cat([z, project.call(embedding)], 1));
}

/// <summary>
/// The matching-aware discriminator of Reed et al. 2016 (GAN-CLS), also StackGAN's D (Zhang et al. 2017): strided
/// 4×4 convolutions (LeakyReLU 0.2, BatchNorm after the first) down to 4×4; the embedding is compressed by D's OWN
/// fully connected layer to 128 values (LeakyReLU), replicated over the 4×4 grid and depth-concatenated; a 1×1
/// convolution (BatchNorm, LeakyReLU) and a 4×4 convolution then give one logit per (image, text) pair.
/// Channels double per stage up to 8× the width (so 256 px stays affordable).
/// </summary>
public sealed class MatchingAwareDiscriminator : Module<Tensor, Tensor, Tensor>
{
    /// <summary>The --d-norm values: BatchNorm (the paper's), per-image LayerNorm (GroupNorm of one group), none.</summary>
    public static readonly string[] Norms = ["batch", "layer", "none"];

    private readonly Sequential features;
    private readonly Sequential project;
    private readonly Sequential join;
    private readonly long projectedDim;

    public MatchingAwareDiscriminator(int size, int embeddingDim, int projectedDim = 128, int channels = 3, int width = 64, string norm = "batch")
        : base(nameof(MatchingAwareDiscriminator))
    {
        if (!Norms.Contains(norm)) throw new ArgumentException($"unknown --d-norm '{norm}': use {string.Join(", ", Norms)}");
        Norm = norm;
        int downs = TextToImageNets.Doublings(size);     // size → 4
        Size = size;
        this.projectedDim = projectedDim;
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv0", Conv2d(channels, width, 4, stride: 2, padding: 1, bias: false)),   // w × size/2 (no BN on the input layer)
            ("conv0_lrelu", LeakyReLU(0.2)),
        };
        int c = width;
        for (int i = 1; i < downs; i++)
        {
            int next = Math.Min(2 * c, 8 * width);
            layers.Add(($"conv{i}", Conv2d(c, next, 4, stride: 2, padding: 1, bias: false))); // next × size/2^(i+1)
            if (Normalization(next) is { } bn) layers.Add(($"conv{i}_bn", bn));
            layers.Add(($"conv{i}_lrelu", LeakyReLU(0.2)));
            c = next;
        }
        features = Sequential(layers);                                                      // c × 4 × 4
        FeatureChannels = c;
        project = Sequential(
            ("fc", Linear(embeddingDim, projectedDim)),                                     // N×E → N×128
            ("lrelu", LeakyReLU(0.2)));
        var joinLayers = new List<(string, Module<Tensor, Tensor>)> { ("conv1x1", Conv2d(c + projectedDim, c, 1, bias: false)) };  // c × 4 × 4
        if (Normalization(c) is { } jn) joinLayers.Add(("conv1x1_bn", jn));
        joinLayers.Add(("conv1x1_lrelu", LeakyReLU(0.2)));
        joinLayers.Add(("conv4x4", Conv2d(c, 1, 4, stride: 1, padding: 0L)));            // 1 × 1 × 1
        join = Sequential(joinLayers);
        RegisterComponents();
        Init.Dcgan(this);
    }

    public int Size { get; }

    /// <summary>
    /// D's normalization (--d-norm). "batch" is the paper's BatchNorm: a pair's score then depends on the rest of its
    /// batch, which is why <see cref="ScorePairs"/> scores all pairs in one batch. "layer" normalizes each image's
    /// features on their own (GroupNorm with one group, learned per-channel scale and shift) and "none" has no
    /// normalization (as R1-regularized discriminators): with either, a pair's score depends on that pair alone.
    /// </summary>
    public string Norm { get; }

    /// <summary>The normalization layer after a convolution of <paramref name="channels"/> outputs (null: none).</summary>
    private Module<Tensor, Tensor>? Normalization(int channels) => Norm switch
    {
        "batch" => BatchNorm2d(channels),
        "layer" => GroupNorm(1, channels),
        _ => null,
    };

    /// <summary>Channels of the 4×4 image features before the text joins them.</summary>
    public int FeatureChannels { get; }

    /// <summary><paramref name="images"/> N×C×size×size, <paramref name="embedding"/> N×E → logits N.</summary>
    public override Tensor forward(Tensor images, Tensor embedding) => ScoreWithFeatures(images, embedding).Scores;

    /// <summary>The logits (N) and the 4×4 image features before the text joins them (N×c×4×4).</summary>
    private (Tensor Scores, Tensor Features) ScoreWithFeatures(Tensor images, Tensor embedding)
    {
        var x = features.call(images);                                                      // N×c×4×4
        var t = project.call(embedding).view(-1, projectedDim, 1, 1).expand(-1, -1, 4, 4);  // N×128×4×4
        return (join.call(cat([x, t], 1)).view(-1), x);                                     // N
    }

    /// <summary>
    /// The three pairs of Algorithm 1 scored in ONE forward pass: {real, right} → s_r, {real, wrong} → s_w (none when
    /// <paramref name="wrong"/> is null) and {fake, fakeText} → s_f, each N logits. One batch, so D's BatchNorm
    /// normalizes all pairs with the same statistics and a pair's score depends on the pair, not on which pass it
    /// came in. Three separate batches (all right, all wrong, all fake) let D tell the passes apart by their batch
    /// statistics: it then rejected a wrong-text batch without reading each caption, and followed only the
    /// background (docs/text-to-image.md, "Diagnosis: why only the background follows the caption").
    /// </summary>
    public (Tensor Real, Tensor? Wrong, Tensor Fake) ScorePairs(Tensor real, Tensor right, Tensor? wrong, Tensor fake, Tensor fakeText)
    {
        var (images, texts) = Pairs(real, right, wrong, fake, fakeText);
        var scores = call(images, texts);                                                   // (2 or 3)·N
        return SplitPairs(scores, real.shape[0], fake.shape[0], wrong is not null);
    }

    /// <summary>
    /// <see cref="ScorePairs"/> that also returns the image features of the real and the fake images (N×c·16 and
    /// M×c·16, the 4×4 features before the text joins them, flattened), for an auxiliary attribute classifier on
    /// the image (TAC-GAN). The same operations as <see cref="ScorePairs"/>, so the scores are the same.
    /// </summary>
    public (Tensor Real, Tensor? Wrong, Tensor Fake, Tensor RealFeatures, Tensor FakeFeatures) ScorePairsWithFeatures(
        Tensor real, Tensor right, Tensor? wrong, Tensor fake, Tensor fakeText)
    {
        long n = real.shape[0], m = fake.shape[0];
        var (images, texts) = Pairs(real, right, wrong, fake, fakeText);
        var (scores, x) = ScoreWithFeatures(images, texts);                                 // x: (2 or 3)·N × c × 4 × 4
        var (sr, sw, sf) = SplitPairs(scores, n, m, wrong is not null);
        var flat = x.flatten(1);
        return (sr, sw, sf, flat.narrow(0, 0, n), flat.narrow(0, flat.shape[0] - m, m));
    }

    /// <summary>Length of the flattened image features of <see cref="ScorePairsWithFeatures"/> (c·4·4).</summary>
    public int FeatureLength => FeatureChannels * 16;

    /// <summary>The images and texts of the pairs in one batch: [real; real; fake] with [right; wrong; fakeText] (no wrong pair when it is null).</summary>
    private static (Tensor Images, Tensor Texts) Pairs(Tensor real, Tensor right, Tensor? wrong, Tensor fake, Tensor fakeText) => wrong is null
        ? (cat([real, fake], 0), cat([right, fakeText], 0))
        : (cat([real, real, fake], 0), cat([right, wrong, fakeText], 0));

    private static (Tensor Real, Tensor? Wrong, Tensor Fake) SplitPairs(Tensor scores, long n, long m, bool hasWrong) => hasWrong
        ? (scores.narrow(0, 0, n), scores.narrow(0, n, n), scores.narrow(0, 2 * n, m))
        : (scores.narrow(0, 0, n), null, scores.narrow(0, n, m));
}

internal static class TextToImageNets
{
    /// <summary>How many factor-2 steps lie between 4×4 and <paramref name="size"/> (a power of two ≥ 8).</summary>
    public static int Doublings(int size)
    {
        if (size < 8 || (size & (size - 1)) != 0)
            throw new ArgumentException($"text-to-image networks need a power-of-two image side of at least 8 (e.g. 16, 32, 64, 256), got {size}");
        return System.Numerics.BitOperations.Log2((uint)size) - 2;
    }
}
