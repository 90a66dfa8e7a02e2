using GanSharp.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// Conditioning augmentation of Zhang et al. 2017, "StackGAN: Text to Photo-realistic Image Synthesis with Stacked
/// GANs": a fully connected layer (LeakyReLU 0.2) maps φ(t) to μ and log σ² (condDim each), and the condition is
/// ĉ = μ + σ ⊙ ε with ε ~ N(0, I) drawn by the caller (explicit generator), so the model sees a neighbourhood of each
/// embedding. Train it with <see cref="TextToImageLosses.KlToStandardNormal"/> (λ = 1).
/// </summary>
public sealed class ConditioningAugmentation : Module<Tensor, Tensor, (Tensor C, Tensor Mu, Tensor LogVar)>
{
    private readonly Sequential fc;

    public ConditioningAugmentation(int embeddingDim, int condDim = 128) : base(nameof(ConditioningAugmentation))
    {
        CondDim = condDim;
        fc = Sequential(("fc", Linear(embeddingDim, 2 * condDim)), ("lrelu", LeakyReLU(0.2)));   // N×E → N×2c
        RegisterComponents();
    }

    public int CondDim { get; }

    /// <summary><paramref name="embedding"/> N×E and the noise <paramref name="epsilon"/> N×condDim → (ĉ, μ, log σ²), each N×condDim.</summary>
    public override (Tensor C, Tensor Mu, Tensor LogVar) forward(Tensor embedding, Tensor epsilon)
    {
        var h = fc.call(embedding);
        var mu = h.narrow(1, 0, CondDim);
        var logVar = h.narrow(1, CondDim, CondDim);
        return (mu.add(logVar.mul(0.5).exp().mul(epsilon)), mu, logVar);
    }

    /// <summary><see cref="forward"/> with ε drawn from <paramref name="generator"/> (on the embedding's device).</summary>
    public (Tensor C, Tensor Mu, Tensor LogVar) Sample(Tensor embedding, Generator? generator) =>
        call(embedding, randn(new long[] { embedding.shape[0], CondDim }, generator: generator, device: embedding.device));
}

/// <summary>
/// StackGAN Stage-I generator: ĉ (from its own <see cref="ConditioningAugmentation"/>) concatenated with z → FC to
/// 8w×4×4 (BatchNorm, ReLU) → nearest-neighbour ×2 upsampling + 3×3 convolution (BatchNorm, ReLU) blocks → 3×3
/// convolution + tanh at size×size. Our measurement default is 16×16, the paper's 64×64.
/// </summary>
public sealed class StageIGenerator : Module<Tensor, Tensor, Tensor>
{
    private readonly ConditioningAugmentation augment;
    private readonly Sequential fc;
    private readonly Sequential decode;

    public StageIGenerator(int size, int embeddingDim, int zDim = 100, int condDim = 128, int channels = 3, int width = 64)
        : base(nameof(StageIGenerator))
    {
        int ups = TextToImageNets.Doublings(size);
        Size = size;
        ZDim = zDim;
        augment = new ConditioningAugmentation(embeddingDim, condDim);
        int c = 8 * width;
        fc = Sequential(
            ("fc", Linear(zDim + condDim, c * 16, hasBias: false)),      // N×(z+c) → N×(8w·4·4)
            ("fc_bn", BatchNorm1d(c * 16)),
            ("fc_relu", ReLU()),
            ("unflatten", Unflatten(1, new long[] { c, 4, 4 })));         // 8w × 4 × 4
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        for (int i = 0; i < ups; i++)
        {
            layers.AddRange(StackGanBlocks.Up($"up{i}", c, Math.Max(c / 2, 8)));    // c/2 × 2^(i+3)
            c = Math.Max(c / 2, 8);
        }
        layers.Add(("out", Conv2d(c, channels, 3, padding: 1)));          // channels × size × size
        layers.Add(("tanh", Tanh()));
        decode = Sequential(layers);
        RegisterComponents();
        Init.Dcgan(this);
    }

    public int Size { get; }
    public int ZDim { get; }

    /// <summary>The conditioning augmentation whose μ, log σ² enter the KL term.</summary>
    public ConditioningAugmentation Augmentation => augment;

    /// <summary><paramref name="z"/> N×zDim and the augmented condition <paramref name="c"/> N×condDim → N×C×size×size.</summary>
    public override Tensor forward(Tensor z, Tensor c) => decode.call(fc.call(cat([z, c], 1)));

    /// <summary>From the text embedding: draws ε with <paramref name="generator"/>; returns the image and μ, log σ² for the KL term.</summary>
    public (Tensor Image, Tensor Mu, Tensor LogVar) Generate(Tensor z, Tensor embedding, Generator? generator)
    {
        var (c, mu, logVar) = augment.Sample(embedding, generator);
        return (call(z, c), mu, logVar);
    }
}

/// <summary>
/// StackGAN Stage-II generator: no z. It encodes the Stage-I image (3×3 conv + ReLU, two stride-2 4×4 convs with
/// BatchNorm + ReLU, to 4w × s/4 × s/4), joins its OWN conditioning augmentation's ĉ replicated spatially (3×3 conv,
/// BatchNorm, ReLU), refines with residual blocks, and upsamples four times to 4× the Stage-I side (16 → 64 here,
/// 64 → 256 in the paper).
/// </summary>
public sealed class StageIIGenerator : Module<Tensor, Tensor, Tensor>
{
    private readonly ConditioningAugmentation augment;
    private readonly Sequential encode;
    private readonly Sequential joint;
    private readonly Sequential residual;
    private readonly Sequential decode;
    private readonly int condDim;

    public StageIIGenerator(int stageISize, int embeddingDim, int condDim = 128, int channels = 3, int width = 64, int residualBlocks = 2)
        : base(nameof(StageIIGenerator))
    {
        if (stageISize < 8 || (stageISize & (stageISize - 1)) != 0)
            throw new ArgumentException($"Stage-II needs a power-of-two Stage-I side of at least 8 (16 or 64), got {stageISize}");
        StageISize = stageISize;
        this.condDim = condDim;
        augment = new ConditioningAugmentation(embeddingDim, condDim);
        int c = 4 * width;
        encode = Sequential(
            ("conv0", Conv2d(channels, width, 3, padding: 1)), ("conv0_relu", ReLU()),                         // w × s × s
            ("conv1", Conv2d(width, 2 * width, 4, stride: 2, padding: 1, bias: false)),                        // 2w × s/2
            ("conv1_bn", BatchNorm2d(2 * width)), ("conv1_relu", ReLU()),
            ("conv2", Conv2d(2 * width, c, 4, stride: 2, padding: 1, bias: false)),                            // 4w × s/4
            ("conv2_bn", BatchNorm2d(c)), ("conv2_relu", ReLU()));
        joint = Sequential(
            ("conv", Conv2d(c + condDim, c, 3, padding: 1, bias: false)),                                      // 4w × s/4
            ("bn", BatchNorm2d(c)), ("relu", ReLU()));
        residual = Sequential(Enumerable.Range(0, residualBlocks).Select(i => ($"res{i}", (Module<Tensor, Tensor>)new ResidualBlock(c))).ToList());
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        for (int i = 0; i < 4; i++)
        {
            layers.AddRange(StackGanBlocks.Up($"up{i}", c, Math.Max(c / 2, 8)));                                // c/2 × s/4·2^(i+1)
            c = Math.Max(c / 2, 8);
        }
        layers.Add(("out", Conv2d(c, channels, 3, padding: 1)));                                               // channels × 4s × 4s
        layers.Add(("tanh", Tanh()));
        decode = Sequential(layers);
        RegisterComponents();
        Init.Dcgan(this);
    }

    public int StageISize { get; }
    public int OutputSize => 4 * StageISize;

    /// <summary>Stage-II's own conditioning augmentation (not Stage-I's).</summary>
    public ConditioningAugmentation Augmentation => augment;

    /// <summary><paramref name="stageI"/> N×C×s×s in [-1, 1] and ĉ N×condDim → N×C×4s×4s.</summary>
    public override Tensor forward(Tensor stageI, Tensor c)
    {
        var x = encode.call(stageI);                                                        // N×4w×s/4×s/4
        var t = c.view(-1, condDim, 1, 1).expand(-1, -1, x.shape[2], x.shape[3]);           // N×c×s/4×s/4
        return decode.call(residual.call(joint.call(cat([x, t], 1))));
    }

    /// <summary>From the text embedding: draws ε with <paramref name="generator"/>; returns the image and μ, log σ² for the KL term.</summary>
    public (Tensor Image, Tensor Mu, Tensor LogVar) Generate(Tensor stageI, Tensor embedding, Generator? generator)
    {
        var (c, mu, logVar) = augment.Sample(embedding, generator);
        return (call(stageI, c), mu, logVar);
    }
}

/// <summary>Two 3×3 convolutions with BatchNorm (ReLU between) added to the input, then ReLU (StackGAN's residual block).</summary>
public sealed class ResidualBlock : Module<Tensor, Tensor>
{
    private readonly Sequential body;

    public ResidualBlock(int channels) : base(nameof(ResidualBlock))
    {
        body = Sequential(
            ("conv0", Conv2d(channels, channels, 3, padding: 1, bias: false)), ("bn0", BatchNorm2d(channels)), ("relu", ReLU()),
            ("conv1", Conv2d(channels, channels, 3, padding: 1, bias: false)), ("bn1", BatchNorm2d(channels)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.relu(body.call(x).add(x));
}

internal static class StackGanBlocks
{
    /// <summary>Nearest ×2 upsampling, 3×3 convolution, BatchNorm, ReLU.</summary>
    public static IEnumerable<(string, Module<Tensor, Tensor>)> Up(string name, int inChannels, int outChannels) =>
    [
        ($"{name}_upsample", Upsample(scale_factor: new double[] { 2, 2 }, mode: UpsampleMode.Nearest)),
        ($"{name}_conv", Conv2d(inChannels, outChannels, 3, padding: 1, bias: false)),
        ($"{name}_bn", BatchNorm2d(outChannels)),
        ($"{name}_relu", ReLU()),
    ];
}
