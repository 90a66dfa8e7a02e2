using TorchSharp;
using TorchSharp.Modules;
using GanSharp.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.SemiSupervised;

/// <summary>
/// A linear layer with weight normalization (Salimans &amp; Kingma 2016): w = g·v/‖v‖ row by row, y = x wᵀ + b.
/// TorchSharp has no weight_norm; the parameters keep PyTorch's names (weight_g, weight_v).
/// </summary>
public sealed class WeightNormLinear : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // the field names are the checkpoint keys
    private readonly Parameter weight_v;
    private readonly Parameter weight_g;
    private readonly Parameter bias;
#pragma warning restore IDE1006

    /// <summary>
    /// v ~ N(0, <paramref name="initStd"/>), g = 1, b = 0 (draws from the global torch generator). With
    /// <paramref name="trainScale"/> false g stays 1 (the authors' hidden layers: unit-norm weights, so D's features
    /// cannot grow without bound).
    /// </summary>
    public WeightNormLinear(long inFeatures, long outFeatures, double initStd = 0.05, bool trainScale = true) : base(nameof(WeightNormLinear))
    {
        weight_v = Parameter(randn(outFeatures, inFeatures) * initStd); // cpu: made at construction, moved with its module
        weight_g = Parameter(ones(outFeatures), requires_grad: trainScale); // cpu: made at construction, moved with its module
        bias = Parameter(zeros(outFeatures)); // cpu: made at construction, moved with its module
        RegisterComponents();
    }

    public Tensor V => weight_v;
    public Tensor G => weight_g;
    public Tensor B => bias;

    /// <summary>The effective weight g·v/‖v‖ (out × in).</summary>
    public Tensor Weight() => weight_v * (weight_g / weight_v.pow(2).sum(1).sqrt()).unsqueeze(1);

    public override Tensor forward(Tensor x) => functional.linear(x, Weight(), bias);

    /// <summary>
    /// Data-dependent initialization (Salimans &amp; Kingma 2016, §3; the authors' DenseLayer init): with
    /// a = x·(v/‖v‖)ᵀ on the batch <paramref name="x"/>, per output unit mean m and std s (over the batch, population),
    /// sets g = 1/s and b = −m/s, so the layer's outputs on x have mean 0 and std 1. g is set even when it is not
    /// trained (the authors' hidden layers keep that scale for the whole run). Returns the normalized outputs (a − m)/s.
    /// </summary>
    public Tensor InitializeFromData(Tensor x)
    {
        using var _ = no_grad();
        var a = functional.linear(x, weight_v / weight_v.pow(2).sum(1, keepdim: true).sqrt());
        var m = a.mean(new long[] { 0 });
        var s = (a - m).pow(2).mean(new long[] { 0 }).sqrt().clamp_min(1e-8);
        weight_g.copy_(s.reciprocal());
        bias.copy_(-m / s);
        return (a - m) / s;
    }
}

/// <summary>A 2-D convolution with weight normalization: w = g·v/‖v‖ per output channel.</summary>
public sealed class WeightNormConv2d : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Parameter weight_v;
    private readonly Parameter weight_g;
    private readonly Parameter bias;
#pragma warning restore IDE1006
    private readonly long _stride, _padding;

    public WeightNormConv2d(long inChannels, long outChannels, long kernel, long stride, long padding, double initStd = 0.05, bool trainScale = true)
        : base(nameof(WeightNormConv2d))
    {
        weight_v = Parameter(randn(outChannels, inChannels, kernel, kernel) * initStd); // cpu: made at construction, moved with its module
        weight_g = Parameter(ones(outChannels), requires_grad: trainScale); // cpu: made at construction, moved with its module
        bias = Parameter(zeros(outChannels)); // cpu: made at construction, moved with its module
        _stride = stride;
        _padding = padding;
        RegisterComponents();
    }

    public Tensor Weight() => weight_v * (weight_g / weight_v.pow(2).sum(new long[] { 1, 2, 3 }).sqrt()).view(-1, 1, 1, 1);

    public override Tensor forward(Tensor x) =>
        functional.conv2d(x, Weight(), bias, strides: new[] { _stride, _stride }, padding: new[] { _padding, _padding });
}

/// <summary>Additive gaussian noise in training mode (identity in eval mode), drawn from <see cref="Source"/>.</summary>
public sealed class GaussianNoise : Module<Tensor, Tensor>
{
    public GaussianNoise(double std, Func<torch.Generator?> source) : base(nameof(GaussianNoise))
    {
        Std = std;
        Source = source;
    }

    public double Std { get; }

    /// <summary>Where the noise comes from: the training generator, so that a resumed run repeats it.</summary>
    public Func<torch.Generator?> Source { get; }

    public override Tensor forward(Tensor x) =>
        training && Std > 0 ? x + Devices.Randn(x.shape, Source(), x.device).mul_(Std) : x;
}
