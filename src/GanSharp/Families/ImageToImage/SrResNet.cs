using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.ImageToImage;

/// <summary>How SRResNet doubles the resolution at each upsampling stage.</summary>
public enum SrUpsampling
{
    /// <summary>3×3 conv to 4c channels, pixel shuffle, PReLU (the paper's).</summary>
    SubPixel,
    /// <summary>4×4 stride-2 transposed convolution, PReLU.</summary>
    Transposed,
}

/// <summary>
/// The SRResNet generator of Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a Generative
/// Adversarial Network" (also SRGAN's G): 9×9 conv + PReLU; B residual blocks (3×3 conv–BN–PReLU–3×3 conv–BN plus
/// skip); 3×3 conv–BN plus a long skip from the first conv; log2(scale) ×2 upsampling stages; 9×9 conv to the image
/// channels. Fully convolutional: any input size, output scale× larger. Convolutions followed by BatchNorm carry no
/// bias (BN's shift makes it redundant); PReLU has one slope per channel. The output is linear (no tanh) unless
/// <c>tanh</c> is set: the pixel MSE then sees the [-1, 1] targets directly.
/// </summary>
public sealed class SrResNet : Module<Tensor, Tensor>
{
    private readonly Sequential head;
    private readonly Sequential body;
    private readonly Sequential bodyEnd;
    private readonly Sequential upsample;
    private readonly Conv2d tail;
    private readonly bool tanh;

    /// <param name="blocks">Residual blocks B (16 in the paper; 8 is our default budget).</param>
    /// <param name="channels">Feature channels (64 in the paper).</param>
    /// <param name="scale">Upscaling factor: 2, 4 or 8 (one ×2 stage each).</param>
    /// <param name="imageChannels">Channels of the LR input and the SR output.</param>
    /// <param name="upsampling">Sub-pixel convolution (the paper's) or transposed convolution.</param>
    /// <param name="tanh">Squash the output with tanh (default: linear).</param>
    public SrResNet(int blocks = 8, int channels = 64, int scale = 4, int imageChannels = 3,
        SrUpsampling upsampling = SrUpsampling.SubPixel, bool tanh = false) : base(nameof(SrResNet))
    {
        if (blocks < 1) throw new ArgumentOutOfRangeException(nameof(blocks), $"need at least one residual block, got {blocks}");
        if (scale is not (2 or 4 or 8)) throw new ArgumentOutOfRangeException(nameof(scale), $"scale must be 2, 4 or 8, got {scale}");
        Scale = scale;
        head = Sequential(
            ("conv", Conv2d(imageChannels, channels, 9, padding: 4)),         // c × H × W
            ("prelu", PReLU(channels)));
        body = Sequential(Enumerable.Range(0, blocks)
            .Select(i => ($"block{i}", (Module<Tensor, Tensor>)new ResidualBlock(channels))).ToArray()); // c × H × W
        bodyEnd = Sequential(
            ("conv", Conv2d(channels, channels, 3, padding: 1, bias: false)),  // c × H × W, + long skip
            ("bn", BatchNorm2d(channels)));
        int stages = (int)Math.Round(Math.Log2(scale));
        upsample = Sequential(Enumerable.Range(0, stages).Select(i => ($"up{i}", upsampling == SrUpsampling.SubPixel
            ? (Module<Tensor, Tensor>)new SubPixelUpsample(channels, 2)
            : new TransposedUpsample(channels))).ToArray());                // c × (2^i·H) × (2^i·W)
        tail = Conv2d(channels, imageChannels, 9, padding: 4);                 // imageChannels × scale·H × scale·W
        this.tanh = tanh;
        RegisterComponents();
    }

    /// <summary>The upscaling factor.</summary>
    public int Scale { get; }

    public override Tensor forward(Tensor lr)
    {
        using var scope = NewDisposeScope();
        var h = head.forward(lr);
        var y = bodyEnd.forward(body.forward(h)) + h;
        var o = tail.forward(upsample.forward(y));
        return (tanh ? o.tanh() : o).MoveToOuterDisposeScope();
    }

    /// <summary>3×3 conv–BN–PReLU–3×3 conv–BN, plus the input.</summary>
    public sealed class ResidualBlock : Module<Tensor, Tensor>
    {
        private readonly Sequential net;

        public ResidualBlock(int channels) : base(nameof(ResidualBlock))
        {
            net = Sequential(
                ("conv1", Conv2d(channels, channels, 3, padding: 1, bias: false)),
                ("bn1", BatchNorm2d(channels)),
                ("prelu", PReLU(channels)),
                ("conv2", Conv2d(channels, channels, 3, padding: 1, bias: false)),
                ("bn2", BatchNorm2d(channels)));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var r = net.forward(x);
            return r + x;
        }
    }
}
