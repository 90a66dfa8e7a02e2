using GanSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.Progressive;

/// <summary>
/// A 2-D convolution with equalized learning rate, after Karras, Aila, Laine &amp; Lehtinen 2018, "Progressive
/// Growing of GANs" (section 4.1): the stored weight is N(0, 1) and the forward multiplies it by the He constant
/// c = gain/√fan_in (fan_in = in·k·k) at run time, so Adam's scale-invariant steps move every layer at the same
/// relative speed. The bias starts at 0 and is not scaled. Stride 1, "same" padding (k odd).
/// </summary>
public sealed class EqualizedConv2d : Module<Tensor, Tensor>
{
    private readonly Parameter weight;   // out × in × k × k, N(0, 1)
    private readonly Parameter bias;     // out
    private readonly long padding;

    public EqualizedConv2d(long inChannels, long outChannels, long kernelSize, double gain = 1.4142135623730951, Generator? generator = null)
        : base(nameof(EqualizedConv2d))
    {
        if (kernelSize < 1 || kernelSize % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "kernel size must be odd (same padding)");
        using var scope = NewDisposeScope();
        weight = Owned.Parameter(randn(new[] { outChannels, inChannels, kernelSize, kernelSize }, generator: generator)); // cpu: made at construction, moved with its module
        bias = Owned.Parameter(zeros(outChannels)); // cpu: made at construction, moved with its module
        padding = kernelSize / 2;
        Scale = gain / Math.Sqrt(inChannels * kernelSize * kernelSize);
        RegisterComponents();
    }

    /// <summary>The He constant gain/√fan_in applied to the weight in every forward.</summary>
    public double Scale { get; }
    public Parameter Weight => weight;
    public Parameter Bias => bias;

    public override Tensor forward(Tensor x) =>                                              // N × in × H × W → N × out × H × W
        functional.conv2d(x, weight * Scale, bias, padding: new[] { padding, padding });
}

/// <summary>A fully connected layer with equalized learning rate (see <see cref="EqualizedConv2d"/>): y = x (c·W)ᵀ + b, c = gain/√in.</summary>
public sealed class EqualizedLinear : Module<Tensor, Tensor>
{
    private readonly Parameter weight;   // out × in, N(0, 1)
    private readonly Parameter bias;     // out

    public EqualizedLinear(long inFeatures, long outFeatures, double gain = 1.4142135623730951, Generator? generator = null)
        : base(nameof(EqualizedLinear))
    {
        using var scope = NewDisposeScope();
        weight = Owned.Parameter(randn(new[] { outFeatures, inFeatures }, generator: generator)); // cpu: made at construction, moved with its module
        bias = Owned.Parameter(zeros(outFeatures)); // cpu: made at construction, moved with its module
        Scale = gain / Math.Sqrt(inFeatures);
        RegisterComponents();
    }

    public double Scale { get; }
    public Parameter Weight => weight;
    public Parameter Bias => bias;

    public override Tensor forward(Tensor x) => functional.linear(x, weight * Scale, bias);  // N × in → N × out
}
