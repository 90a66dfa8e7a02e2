using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Layers;

/// <summary>
/// Spectral normalization after Miyato, Kataoka, Koyama &amp; Yoshida 2018, "Spectral Normalization for Generative
/// Adversarial Networks": the layer uses W/σ(W), σ estimated by power iteration with a persistent u. Follows
/// torch.nn.utils.spectral_norm: in training mode each forward runs the power iteration under no_grad and updates
/// the buffers u, v; σ = uᵀ W v keeps the gradient through W with u, v as constants; eval mode reuses u, v.
/// TorchSharp has no spectral_norm, hence this helper and the modules <see cref="SNLinear"/> and <see cref="SNConv2d"/>.
/// </summary>
public static class SpectralNorm
{
    /// <summary>As PyTorch's spectral_norm: the floor of ‖·‖ when normalizing u and v.</summary>
    public const double Eps = 1e-12;

    /// <summary>
    /// W/σ for <paramref name="weight"/> (out × …), viewed as the matrix out × rest. When <paramref name="update"/>,
    /// first runs <paramref name="iterations"/> power iterations writing into <paramref name="u"/> (out) and
    /// <paramref name="v"/> (rest).
    /// </summary>
    public static Tensor Normalize(Tensor weight, Tensor u, Tensor v, bool update, int iterations = 1)
    {
        using var scope = NewDisposeScope();
        var mat = weight.reshape(weight.shape[0], -1);                    // out × rest
        if (update)
        {
            using var _ = no_grad();
            for (int i = 0; i < iterations; i++)
            {
                v.copy_(functional.normalize(mat.t().mv(u), dim: 0, eps: Eps)); // v ← Wᵀu/‖Wᵀu‖  (rest)
                u.copy_(functional.normalize(mat.mv(v), dim: 0, eps: Eps));     // u ← Wv/‖Wv‖    (out)
            }
        }
        // Clones, so a later forward's in-place update cannot touch what this graph saved for backward.
        var sigma = u.clone().dot(mat.mv(v.clone()));                       // scalar uᵀWv, gradient through W only
        return weight.div(sigma).MoveToOuterDisposeScope();
    }

    /// <summary>A unit vector of length <paramref name="n"/> from N(0, 1), as PyTorch initializes u and v.</summary>
    internal static Tensor RandomUnit(long n)
    {
        using var scope = NewDisposeScope();
        return functional.normalize(randn(n), dim: 0, eps: Eps).MoveToOuterDisposeScope(); // cpu: a buffer at construction, moved with its module
    }

    /// <summary>nn.Linear / nn.Conv2d default init: weight and bias ~ U(−1/√fan_in, 1/√fan_in).</summary>
    internal static void InitDefault(Tensor weight, Tensor? bias, long fanIn)
    {
        using var _ = no_grad();
        double bound = 1.0 / Math.Sqrt(fanIn);
        init.uniform_(weight, -bound, bound);
        if (bias is not null) init.uniform_(bias, -bound, bound);
    }

    /// <summary>DCGAN-style init: weight ~ N(0, std), bias 0.</summary>
    internal static void InitNormal(Tensor weight, Tensor? bias, double std)
    {
        using var _ = no_grad();
        init.normal_(weight, 0, std);
        if (bias is not null) init.zeros_(bias);
    }
}

/// <summary>
/// A spectrally normalized fully connected layer (Miyato et al. 2018, see <see cref="SpectralNorm"/>):
/// y = x (W/σ(W))ᵀ + b. Checkpoint keys as PyTorch's spectral_norm: weight_orig, weight_u, weight_v, bias.
/// </summary>
public sealed class SNLinear : Module<Tensor, Tensor>
{
    private readonly Parameter weight_orig;   // out × in
    private readonly Parameter? bias;         // out
    private readonly Tensor weight_u;         // out, buffer
    private readonly Tensor weight_v;         // in, buffer
    private readonly int powerIterations;

    public SNLinear(long inFeatures, long outFeatures, bool hasBias = true, int powerIterations = 1) : base(nameof(SNLinear))
    {
        using var scope = NewDisposeScope();
        weight_orig = Owned.Parameter(empty(outFeatures, inFeatures)); // cpu: made at construction, moved with its module
        bias = hasBias ? Owned.Parameter(empty(outFeatures)) : null; // cpu: made at construction, moved with its module
        SpectralNorm.InitDefault(weight_orig, bias, inFeatures);
        weight_u = Owned.Buffer(SpectralNorm.RandomUnit(outFeatures));
        weight_v = Owned.Buffer(SpectralNorm.RandomUnit(inFeatures));
        this.powerIterations = powerIterations;
        RegisterComponents();
    }

    /// <summary>The unnormalized weight W (out × in), the parameter the optimizer updates.</summary>
    public Parameter WeightOrig => weight_orig;
    public Parameter? Bias => bias;
    /// <summary>The power iteration's left singular vector estimate (out), a buffer saved in checkpoints.</summary>
    public Tensor U => weight_u;
    public Tensor V => weight_v;

    /// <summary>Re-initializes W ~ N(0, std) and b = 0 (the DCGAN init); the default is nn.Linear's.</summary>
    public void InitNormal(double std = 0.02) => SpectralNorm.InitNormal(weight_orig, bias, std);

    /// <summary>W/σ with the current u, v (no power iteration).</summary>
    public Tensor NormalizedWeight() => SpectralNorm.Normalize(weight_orig, weight_u, weight_v, update: false);

    public override Tensor forward(Tensor x)                               // N × in
    {
        using var scope = NewDisposeScope();
        var w = SpectralNorm.Normalize(weight_orig, weight_u, weight_v, training, powerIterations); // out × in
        return functional.linear(x, w, bias).MoveToOuterDisposeScope();     // N × out
    }
}

/// <summary>
/// A spectrally normalized 2-D convolution (Miyato et al. 2018, see <see cref="SpectralNorm"/>): the kernel
/// (out × in × k × k) is viewed as the matrix out × (in·k·k) for σ. Checkpoint keys as PyTorch's spectral_norm.
/// </summary>
public sealed class SNConv2d : Module<Tensor, Tensor>
{
    private readonly Parameter weight_orig;   // out × in × k × k
    private readonly Parameter? bias;         // out
    private readonly Tensor weight_u;         // out, buffer
    private readonly Tensor weight_v;         // in·k·k, buffer
    private readonly long[] stride;
    private readonly long[] padding;
    private readonly int powerIterations;

    public SNConv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0,
        bool bias = true, int powerIterations = 1) : base(nameof(SNConv2d))
    {
        using var scope = NewDisposeScope();
        long fanIn = inChannels * kernelSize * kernelSize;
        weight_orig = Owned.Parameter(empty(outChannels, inChannels, kernelSize, kernelSize)); // cpu: made at construction, moved with its module
        this.bias = bias ? Owned.Parameter(empty(outChannels)) : null; // cpu: made at construction, moved with its module
        SpectralNorm.InitDefault(weight_orig, this.bias, fanIn);
        weight_u = Owned.Buffer(SpectralNorm.RandomUnit(outChannels));
        weight_v = Owned.Buffer(SpectralNorm.RandomUnit(fanIn));
        this.stride = new[] { stride, stride };
        this.padding = new[] { padding, padding };
        this.powerIterations = powerIterations;
        RegisterComponents();
    }

    /// <summary>The unnormalized kernel W (out × in × k × k), the parameter the optimizer updates.</summary>
    public Parameter WeightOrig => weight_orig;
    public Parameter? Bias => bias;
    /// <summary>The power iteration's left singular vector estimate (out), a buffer saved in checkpoints.</summary>
    public Tensor U => weight_u;
    public Tensor V => weight_v;

    /// <summary>Re-initializes W ~ N(0, std) and b = 0 (the DCGAN init); the default is nn.Conv2d's.</summary>
    public void InitNormal(double std = 0.02) => SpectralNorm.InitNormal(weight_orig, bias, std);

    /// <summary>W/σ with the current u, v (no power iteration): out × in × k × k.</summary>
    public Tensor NormalizedWeight() => SpectralNorm.Normalize(weight_orig, weight_u, weight_v, update: false);

    public override Tensor forward(Tensor x)                               // N × in × H × W
    {
        using var scope = NewDisposeScope();
        var w = SpectralNorm.Normalize(weight_orig, weight_u, weight_v, training, powerIterations); // out × in × k × k
        return functional.conv2d(x, w, bias, strides: stride, padding: padding).MoveToOuterDisposeScope(); // N × out × H' × W'
    }
}
