using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Layers;

/// <summary>
/// Minibatch discrimination after Salimans et al. 2016, "Improved Techniques for Training GANs" (section 3.2):
/// M = x·T (N × B × C), c_b(x_i, x_j) = exp(−‖M_i,b − M_j,b‖_L1), o(x_i)_b = Σ_j c_b(x_i, x_j), output
/// concat(x, o(x)) (N × (A+B)). As the authors' code (improved-gan MinibatchLayer), the sum skips j = i by default
/// (there c_b(x_i, x_i) = 1 would be a constant); inputs of more than two dimensions are flattened first.
/// T starts with unit-norm columns (‖T[:, b, c]‖ = 1), as the authors' weight-normalized T at its initial scale.
/// </summary>
public sealed class MinibatchDiscrimination : Module<Tensor, Tensor>
{
    private readonly Parameter T;             // A × B × C
    private readonly bool excludeSelf;

    public MinibatchDiscrimination(long inFeatures, long kernels = 100, long kernelDim = 5, bool excludeSelf = true)
        : base(nameof(MinibatchDiscrimination))
    {
        using var scope = NewDisposeScope();
        var t = randn(inFeatures, kernels, kernelDim); // cpu: a parameter at construction, moved with its module
        T = Owned.Parameter(t / t.norm(0, keepdim: true));
        this.excludeSelf = excludeSelf;
        RegisterComponents();
    }

    /// <summary>The learned tensor T (A × B × C).</summary>
    public Parameter TensorT => T;
    public long InFeatures => T.shape[0];
    public long Kernels => T.shape[1];
    public long KernelDim => T.shape[2];
    /// <summary>Output width A + B.</summary>
    public long OutFeatures => T.shape[0] + T.shape[1];

    public override Tensor forward(Tensor x)                                     // N × A (or N × … flattened to A)
    {
        using var scope = NewDisposeScope();
        var flat = x.flatten(1);                                                  // N × A
        long n = flat.shape[0], b = T.shape[1], c = T.shape[2];
        var m = flat.mm(T.reshape(T.shape[0], b * c)).reshape(n, b, c);          // N × B × C
        var l1 = (m.unsqueeze(1) - m.unsqueeze(0)).abs().sum(3);                  // N × N × B: [i, j, b] = ‖M_i,b − M_j,b‖₁
        var o = (-l1).exp().sum(1);                                               // N × B: Σ_j c_b(x_i, x_j)
        if (excludeSelf) o = o - 1;                                               // drop j = i: exp(−0) = 1 exactly
        return cat(new[] { flat, o }, 1).MoveToOuterDisposeScope();               // N × (A + B)
    }
}
