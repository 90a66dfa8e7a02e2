using GanSharp.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Attacks;

/// <summary>
/// The permutation-invariant MNIST maxout network of Goodfellow et al. 2013, which Goodfellow, Shlens &amp; Szegedy
/// 2015 attack and adversarially train (section 6): two maxout layers of <c>units</c> units with <c>pieces</c>
/// pieces each, then a linear softmax layer; dropout on the input (<c>inputDrop</c>) and on each hidden layer
/// (<c>hiddenDrop</c>) in training. The 2013 network has 240 units × 5 pieces; the 2015 paper's adversarially trained
/// one 1,600 units. Input N×1×28×28 in the [0, 1] pixel scale. (The papers' max-norm constraint on the weights is
/// not applied.)
/// </summary>
public sealed class MaxoutNetwork : Module<Tensor, Tensor>
{
    private readonly Dropout dropIn;
    private readonly MaxoutLinear hidden1;
    private readonly Dropout drop1;
    private readonly MaxoutLinear hidden2;
    private readonly Dropout drop2;
    private readonly Linear output;

    public MaxoutNetwork(int units = 240, int pieces = 5, double inputDrop = 0.2, double hiddenDrop = 0.5, int inputs = 28 * 28, int classes = 10)
        : base(nameof(MaxoutNetwork))
    {
        if (units < 1 || pieces < 1) throw new ArgumentException($"maxout units and pieces must be positive (got {units} and {pieces})");
        dropIn = Dropout(inputDrop);
        hidden1 = new MaxoutLinear(inputs, units, pieces);   // 784 -> units
        drop1 = Dropout(hiddenDrop);
        hidden2 = new MaxoutLinear(units, units, pieces);    // units -> units
        drop2 = Dropout(hiddenDrop);
        output = Linear(units, classes);                     // units -> 10 logits
        Units = units;
        Pieces = pieces;
        RegisterComponents();
    }

    public int Units { get; }
    public int Pieces { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = hidden1.call(dropIn.call(x.flatten(1)));
        h = hidden2.call(drop1.call(h));
        return output.call(drop2.call(h)).MoveToOuterDisposeScope();
    }
}
