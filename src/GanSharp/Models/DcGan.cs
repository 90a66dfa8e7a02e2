using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Models;

/// <summary>
/// DCGAN after Radford, Metz &amp; Chintala 2015, "Unsupervised Representation Learning with Deep Convolutional
/// GANs": fractionally-strided convolutions in G, strided convolutions in D, BatchNorm in both (not on G's output
/// nor D's input layer), ReLU in G with tanh output, LeakyReLU(0.2) in D, no pooling, N(0, 0.02) init.
/// </summary>
public static class DcGan
{
    /// <summary>
    /// G for 28×28 images (MNIST): z → 128·7·7 → 14×14 → 28×28. With <paramref name="hidden"/> &gt; 0, a hidden FC
    /// layer of that width (BatchNorm, ReLU) comes first: InfoGAN's MNIST G (Chen et al. 2016) with 1024.
    /// </summary>
    public static Module<Tensor, Tensor> Generator28(int zDim = 100, int channels = 1, int width = 64, bool virtualBatchNorm = false, int hidden = 0)
    {
        int w2 = width * 2;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        if (hidden > 0)
        {
            layers.Add(("fc0", Linear(zDim, hidden, hasBias: false)));   // z → hidden
            layers.Add(("fc0_bn", Norm(hidden, virtualBatchNorm, 1)));
            layers.Add(("fc0_relu", ReLU()));
        }
        layers.AddRange(new (string, Module<Tensor, Tensor>)[]
        {
            ("fc", Linear(hidden > 0 ? hidden : zDim, w2 * 7 * 7, hasBias: false)), // → (2w·7·7)
            ("fc_bn", Norm(w2 * 7 * 7, virtualBatchNorm, 1)),
            ("fc_relu", ReLU()),
            ("unflatten", Unflatten(1, new long[] { w2, 7, 7 })), // (2w) × 7 × 7
            ("up1", ConvTranspose2d(w2, width, 4, stride: 2, padding: 1, bias: false)), // w × 14 × 14
            ("up1_bn", Norm(width, virtualBatchNorm, 2)),
            ("up1_relu", ReLU()),
            ("up2", ConvTranspose2d(width, channels, 4, stride: 2, padding: 1)), // c × 28 × 28
            ("tanh", Tanh()),
        });
        var g = Sequential(layers);
        Init.Dcgan(g);
        return g;
    }

    /// <summary>
    /// D for 28×28 images: 28×28 → 14×14 → 7×7 → logit. With <paramref name="hidden"/> &gt; 0, a hidden FC layer of
    /// that width (BatchNorm, LeakyReLU 0.2) comes before the logit: InfoGAN's MNIST D with 1024.
    /// </summary>
    public static Discriminator Discriminator28(int channels = 1, int width = 64, DiscriminatorOptions? options = null, int hidden = 0)
    {
        var o = options ?? new DiscriminatorOptions();
        int w2 = width * 2;
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv1", o.Conv(channels * o.Pack, width, 4, 2, 1, bias: true)), // w × 14 × 14 (no BN on D's input layer)
            ("conv1_lrelu", LeakyReLU(0.2)),
            ("conv2", o.Conv(width, w2, 4, 2, 1, bias: false)),               // 2w × 7 × 7
            ("conv2_bn", o.Norm2d(w2)),
            ("conv2_lrelu", LeakyReLU(0.2)),
            ("flatten", Flatten()),                                            // 2w·7·7
        };
        if (hidden > 0)
        {
            layers.Add(("fc", o.Linear(w2 * 7 * 7, hidden, bias: false)));    // hidden
            layers.Add(("fc_bn", o.Norm1d(hidden)));
            layers.Add(("fc_lrelu", LeakyReLU(0.2)));
        }
        var d = o.Assemble(Sequential(layers), hidden > 0 ? hidden : w2 * 7 * 7, headBias: true);   // logit
        Init.Dcgan(d);
        return d;
    }

    /// <summary>
    /// The pytorch/examples DCGAN generator for 32×32 or 64×64 images: z (N×zDim) → 4×4 → … → size×size. At 128×128
    /// it has one more up-sampling block (the common DCGAN-128 extension): 16w channels on the 4×4 map.
    /// </summary>
    public static Module<Tensor, Tensor> Generator(int size, int zDim = 100, int channels = 3, int width = 64, bool virtualBatchNorm = false)
    {
        int blocks = Blocks(size);                 // 128 → 5 upsamplings after the 4×4 seed, 64 → 4, 32 → 3
        int top = width << (blocks - 1);           // 128: 16w, 64: 8w, 32: 4w
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("unflatten", Unflatten(1, new long[] { zDim, 1, 1 })),                         // zDim × 1 × 1
            ("up0", ConvTranspose2d(zDim, top, 4, stride: 1, padding: 0L, bias: false)),    // top × 4 × 4
            ("up0_bn", Norm(top, virtualBatchNorm, 2)),
            ("up0_relu", ReLU()),
        };
        int c = top;
        for (int i = 1; i < blocks; i++)
        {
            layers.Add(($"up{i}", ConvTranspose2d(c, c / 2, 4, stride: 2, padding: 1, bias: false))); // c/2 × 2^(i+2)
            layers.Add(($"up{i}_bn", Norm(c / 2, virtualBatchNorm, 2)));
            layers.Add(($"up{i}_relu", ReLU()));
            c /= 2;
        }
        layers.Add(($"up{blocks}", ConvTranspose2d(c, channels, 4, stride: 2, padding: 1, bias: false))); // channels × size × size
        layers.Add(("tanh", Tanh()));
        var g = Sequential(layers);
        Init.Dcgan(g);
        return g;
    }

    /// <summary>The pytorch/examples DCGAN discriminator for 32×32 or 64×64 images (128×128: one more block, 16w on 4×4): size×size → 4×4 → logit.</summary>
    public static Discriminator Discriminator(int size, int channels = 3, int width = 64, DiscriminatorOptions? options = null)
    {
        var o = options ?? new DiscriminatorOptions();
        int blocks = Blocks(size);
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv0", o.Conv(channels * o.Pack, width, 4, 2, 1, bias: false)), // w × size/2 (no BN on input layer)
            ("conv0_lrelu", LeakyReLU(0.2)),
        };
        int c = width;
        for (int i = 1; i < blocks; i++)
        {
            layers.Add(($"conv{i}", o.Conv(c, c * 2, 4, 2, 1, bias: false))); // 2c × size/2^(i+1)
            layers.Add(($"conv{i}_bn", o.Norm2d(c * 2)));
            layers.Add(($"conv{i}_lrelu", LeakyReLU(0.2)));
            c *= 2;
        }
        layers.Add(("flatten", Flatten()));                                   // c·4·4
        // The reference's final Conv(c, 1, 4, 1, 0) on the 4×4 map is this linear head.
        var d = o.Assemble(Sequential(layers), c * 4 * 4, headBias: false);  // logit
        Init.Dcgan(d);
        return d;
    }

    /// <summary>
    /// G of the VEEGAN Stacked MNIST setting (Srivastava et al. 2017; PacGAN's Table 2 code, itself the common
    /// TensorFlow DCGAN at 28×28): z → 8w·2·2 → 4×4×4w → 7×7×2w → 14×14×w → 28×28×c, 5×5 fractionally-strided
    /// convolutions ("same" sizes), BatchNorm + ReLU, tanh output (w = 64 in that code).
    /// </summary>
    public static Module<Tensor, Tensor> Generator28Deep(int zDim = 100, int channels = 3, int width = 64, bool virtualBatchNorm = false)
    {
        int c0 = 8 * width, c1 = 4 * width, c2 = 2 * width, c3 = width;
        var g = Sequential(
            ("fc", Linear(zDim, c0 * 2 * 2)),                                                              // 8w·2·2
            ("fc_bn", Norm(c0 * 2 * 2, virtualBatchNorm, 1)), ("fc_relu", ReLU()),
            ("unflatten", Unflatten(1, new long[] { c0, 2, 2 })),
            ("up1", ConvTranspose2d(c0, c1, 5, stride: 2, padding: 2, output_padding: 1)),                 // 4w × 4 × 4
            ("up1_bn", Norm(c1, virtualBatchNorm, 2)), ("up1_relu", ReLU()),
            ("up2", ConvTranspose2d(c1, c2, 5, stride: 2, padding: 2)),                                    // 2w × 7 × 7
            ("up2_bn", Norm(c2, virtualBatchNorm, 2)), ("up2_relu", ReLU()),
            ("up3", ConvTranspose2d(c2, c3, 5, stride: 2, padding: 2, output_padding: 1)),                 // w × 14 × 14
            ("up3_bn", Norm(c3, virtualBatchNorm, 2)), ("up3_relu", ReLU()),
            ("up4", ConvTranspose2d(c3, channels, 5, stride: 2, padding: 2, output_padding: 1)),           // c × 28 × 28
            ("tanh", Tanh()));
        Init.Dcgan(g);
        return g;
    }

    /// <summary>
    /// D of the VEEGAN Stacked MNIST setting: four 5×5 stride-2 convolutions 28 → 14 → 7 → 4 → 2 with w, 2w, 4w, 8w
    /// channels, BatchNorm on all but the first, LeakyReLU 0.2, linear output.
    /// </summary>
    public static Discriminator Discriminator28Deep(int channels = 3, int width = 64, DiscriminatorOptions? options = null)
    {
        var o = options ?? new DiscriminatorOptions();
        var body = Sequential(
            ("conv1", o.Conv(channels * o.Pack, width, 5, 2, 2, bias: true)),   // w × 14 × 14 (no BN on D's input layer)
            ("conv1_lrelu", LeakyReLU(0.2)),
            ("conv2", o.Conv(width, 2 * width, 5, 2, 2, bias: false)),          // 2w × 7 × 7
            ("conv2_bn", o.Norm2d(2 * width)), ("conv2_lrelu", LeakyReLU(0.2)),
            ("conv3", o.Conv(2 * width, 4 * width, 5, 2, 2, bias: false)),      // 4w × 4 × 4
            ("conv3_bn", o.Norm2d(4 * width)), ("conv3_lrelu", LeakyReLU(0.2)),
            ("conv4", o.Conv(4 * width, 8 * width, 5, 2, 2, bias: false)),      // 8w × 2 × 2
            ("conv4_bn", o.Norm2d(8 * width)), ("conv4_lrelu", LeakyReLU(0.2)),
            ("flatten", Flatten()));                                            // 8w·2·2
        var d = o.Assemble(body, 8 * width * 2 * 2, headBias: true);
        Init.Dcgan(d);
        return d;
    }

    /// <summary>G's normalization: BatchNorm, or virtual batch norm (Salimans et al. 2016) with --virtual-batch-norm.</summary>
    internal static Module<Tensor, Tensor> Norm(long features, bool virtualBatchNorm, int dims) =>
        virtualBatchNorm ? new GanSharp.Layers.VirtualBatchNorm(features) : dims == 1 ? BatchNorm1d(features) : BatchNorm2d(features);

    private static int Blocks(int size) => size switch
    {
        128 => 5,
        64 => 4,
        32 => 3,
        _ => throw new ArgumentException($"DCGAN supports image sizes 32, 64 and 128 (28 via dcgan28), not {size}"),
    };
}
