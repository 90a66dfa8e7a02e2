using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Models;

/// <summary>
/// The Stacked MNIST networks of the Unrolled GAN paper (Metz et al. 2017, appendix), also PacGAN's Table 3:
/// a generator with 3×3 fractionally-strided convolutions and a deliberately weak discriminator (three 3×3
/// stride-2 convolutions with BatchNorm, also on the first layer as in that code, LeakyReLU 0.3, linear output)
/// whose width is ¼ (2/4/8 channels) or ½ (4/8/16) of the generator's.
/// </summary>
public static class WeakDStackedMnist
{
    /// <summary>G: z → 4·4·(8w) → 7×7×(4w) → 14×14×(2w) → 28×28×w → 3×28×28 (w = 8 in the paper).</summary>
    public static Module<Tensor, Tensor> Generator(int zDim = 256, int channels = 3, int width = 8)
    {
        int c0 = 8 * width, c1 = 4 * width, c2 = 2 * width, c3 = width;
        var g = Sequential(
            ("fc", Linear(zDim, c0 * 4 * 4, hasBias: false)),               // 8w·4·4
            ("fc_bn", BatchNorm1d(c0 * 4 * 4)),
            ("fc_relu", ReLU()),
            ("unflatten", Unflatten(1, new long[] { c0, 4, 4 })),           // 8w × 4 × 4
            ("up1", ConvTranspose2d(c0, c1, 3, stride: 2, padding: 1, bias: false)),                     // 4w × 7 × 7
            ("up1_bn", BatchNorm2d(c1)), ("up1_relu", ReLU()),
            ("up2", ConvTranspose2d(c1, c2, 3, stride: 2, padding: 1, output_padding: 1, bias: false)),  // 2w × 14 × 14
            ("up2_bn", BatchNorm2d(c2)), ("up2_relu", ReLU()),
            ("up3", ConvTranspose2d(c2, c3, 3, stride: 2, padding: 1, output_padding: 1, bias: false)),  // w × 28 × 28
            ("up3_bn", BatchNorm2d(c3)), ("up3_relu", ReLU()),
            ("out", Conv2d(c3, channels, 3, stride: 1, padding: 1)),        // 3 × 28 × 28
            ("tanh", Tanh()));
        Init.Dcgan(g);
        return g;
    }

    /// <summary>D: 3×28×28 → 14×14×w → 7×7×2w → 4×4×4w → linear output (w = 2 for D = ¼ G, 4 for ½).</summary>
    public static Discriminator Discriminator(int channels = 3, int width = 2, DiscriminatorOptions? options = null)
    {
        var o = options ?? new DiscriminatorOptions();
        var body = Sequential(
            ("conv1", o.Conv(channels * o.Pack, width, 3, 2, 1, bias: false)),   // w × 14 × 14
            ("conv1_bn", o.Norm2d(width)), ("conv1_lrelu", LeakyReLU(0.3)),
            ("conv2", o.Conv(width, 2 * width, 3, 2, 1, bias: false)),           // 2w × 7 × 7
            ("conv2_bn", o.Norm2d(2 * width)), ("conv2_lrelu", LeakyReLU(0.3)),
            ("conv3", o.Conv(2 * width, 4 * width, 3, 2, 1, bias: false)),       // 4w × 4 × 4
            ("conv3_bn", o.Norm2d(4 * width)), ("conv3_lrelu", LeakyReLU(0.3)),
            ("flatten", Flatten()));                                             // 4w·16
        var d = o.Assemble(body, 4 * width * 16, headBias: true);
        Init.Dcgan(d);
        return d;
    }
}
