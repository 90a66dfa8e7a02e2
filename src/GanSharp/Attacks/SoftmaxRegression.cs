using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Attacks;

/// <summary>
/// The shallow softmax model of Goodfellow et al. 2015 (section 4): one linear layer from the flattened pixels to
/// class logits. Input N×1×28×28 in the [0, 1] pixel scale (not GanSharp's [-1, 1]).
/// </summary>
public sealed class SoftmaxRegression : Module<Tensor, Tensor>
{
    private readonly Linear linear;

    public SoftmaxRegression(int inputs = 28 * 28, int classes = 10) : base(nameof(SoftmaxRegression))
    {
        linear = Linear(inputs, classes);   // 784 -> 10 logits
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => linear.call(x.flatten(1));

    /// <summary>The weight (classes×inputs) and bias, e.g. to set by hand in tests.</summary>
    public Linear Layer => linear;

    protected override void Dispose(bool disposing)
    {
        if (disposing) linear.Dispose();
        base.Dispose(disposing);
    }
}
