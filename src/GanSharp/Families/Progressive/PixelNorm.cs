using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.Progressive;

/// <summary>
/// Pixelwise feature vector normalization (Karras et al. 2018, section 4.2), used in G after each convolution:
/// each pixel's feature vector is divided by its root mean square over the channels, x / √(mean_c(x²) + ε).
/// </summary>
public sealed class PixelNorm : Module<Tensor, Tensor>
{
    public PixelNorm(double epsilon = 1e-8) : base(nameof(PixelNorm))
    {
        Epsilon = epsilon;
        RegisterComponents();
    }

    public double Epsilon { get; }

    public override Tensor forward(Tensor x)                                                 // N × C (× H × W)
    {
        using var scope = NewDisposeScope();
        return (x * (x.square().mean(new long[] { 1 }, keepdim: true) + Epsilon).rsqrt()).MoveToOuterDisposeScope();
    }
}
