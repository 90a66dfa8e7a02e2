using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Layers;

/// <summary>
/// A maxout layer after Goodfellow, Warde-Farley, Mirza, Courville &amp; Bengio 2013, "Maxout Networks":
/// h_o(x) = max_k (xW + b)_(o, k), an affine map to out·pieces units followed by the max over each unit's pieces.
/// Unit o's pieces are the consecutive outputs o·pieces … o·pieces + pieces − 1 of <see cref="Affine"/>.
/// </summary>
public sealed class MaxoutLinear : Module<Tensor, Tensor>
{
    private readonly Linear linear;          // in → out·pieces
    private readonly long outFeatures;
    private readonly long pieces;

    public MaxoutLinear(long inFeatures, long outFeatures, long pieces, bool hasBias = true) : base(nameof(MaxoutLinear))
    {
        linear = Linear(inFeatures, outFeatures * pieces, hasBias);
        this.outFeatures = outFeatures;
        this.pieces = pieces;
        RegisterComponents();
    }

    /// <summary>The affine map in → out·pieces (its weight is (out·pieces) × in).</summary>
    public Linear Affine => linear;
    public long Pieces => pieces;

    public override Tensor forward(Tensor x)                                  // N × in
    {
        using var scope = NewDisposeScope();
        var z = linear.forward(x).reshape(x.shape[0], outFeatures, pieces);   // N × out × pieces
        return z.amax(2).MoveToOuterDisposeScope();                            // N × out
    }
}
