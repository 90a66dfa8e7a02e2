using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// Sub-pixel convolution upsampling (Shi et al. 2016, as SRGAN uses it): a 3×3 convolution to c·r² channels, then a
/// pixel shuffle that moves each group of r² channels into an r×r block of pixels, then PReLU.
/// Output pixel (h·r + i, w·r + j) of channel k is input channel k·r² + i·r + j at (h, w).
/// </summary>
public sealed class SubPixelUpsample : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly PixelShuffle shuffle;
    private readonly PReLU prelu;

    public SubPixelUpsample(int channels, int factor = 2) : base(nameof(SubPixelUpsample))
    {
        if (channels < 1 || factor < 2)
            throw new ArgumentOutOfRangeException(nameof(factor), $"need channels ≥ 1 and factor ≥ 2, got {channels}, {factor}");
        conv = Conv2d(channels, channels * factor * factor, 3, padding: 1);   // c·r² × H × W
        shuffle = PixelShuffle(factor);                                      // c × rH × rW
        prelu = PReLU(channels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var c = conv.forward(x);
        using var s = shuffle.forward(c);
        return prelu.forward(s);
    }
}

/// <summary>×2 upsampling by a 4×4 stride-2 transposed convolution and PReLU: the option to sub-pixel convolution.</summary>
public sealed class TransposedUpsample : Module<Tensor, Tensor>
{
    private readonly ConvTranspose2d deconv;
    private readonly PReLU prelu;

    public TransposedUpsample(int channels) : base(nameof(TransposedUpsample))
    {
        deconv = ConvTranspose2d(channels, channels, 4, stride: 2, padding: 1);   // c × 2H × 2W
        prelu = PReLU(channels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var d = deconv.forward(x);
        return prelu.forward(d);
    }
}
