using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Layers;

/// <summary>
/// Minibatch standard deviation after Karras, Aila, Laine &amp; Lehtinen 2018, "Progressive Growing of GANs"
/// (section 3): the standard deviation of each feature over a group of examples (biased variance + 1e-8, sqrt),
/// averaged over all features, appended as one constant feature map (N×C×H×W → N×(C+1)×H×W) or one extra feature
/// (N×F → N×(F+1)). Groups as in the ProGAN code: example n belongs to group-slot n mod (N/G), so with G = 4 and
/// N = 8 examples 0, 2, 4, 6 share a statistic. Group size 0 means the whole batch; it is capped at N and must
/// divide N.
/// </summary>
public sealed class MinibatchStdDev : Module<Tensor, Tensor>
{
    private readonly int groupSize;

    public MinibatchStdDev(int groupSize = 0) : base(nameof(MinibatchStdDev))
    {
        if (groupSize < 0) throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, "group size must be ≥ 0 (0 = whole batch)");
        this.groupSize = groupSize;
        RegisterComponents();
    }

    public int GroupSize => groupSize;

    public override Tensor forward(Tensor x)                                  // N × rest (rest = C×H×W or F)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        long g = groupSize == 0 ? n : Math.Min(groupSize, n);
        if (n % g != 0)
            throw new ArgumentException($"MinibatchStdDev: batch size {n} is not a multiple of the group size {g}; use a batch size divisible by it");
        long m = n / g;
        var shape = x.shape;
        var grouped = x.reshape(new[] { g, m }.Concat(shape.Skip(1)).ToArray());  // G × M × rest
        var centered = grouped - grouped.mean(new long[] { 0 }, keepdim: true); // G × M × rest
        var std = (centered.square().mean(new long[] { 0 }) + 1e-8).sqrt();    // M × rest: biased variance over the group
        var stat = std.reshape(m, -1).mean(new long[] { 1 });                   // M: mean over features
        var perExample = stat.repeat(g);                                        // N: example n gets stat[n mod M]
        var extraShape = shape.ToArray();
        extraShape[1] = 1;                                                      // N × 1 × H × W  or  N × 1
        var viewShape = new long[shape.Length];
        Array.Fill(viewShape, 1L);
        viewShape[0] = n;
        var extra = perExample.reshape(viewShape).expand(extraShape);
        return cat(new[] { x, extra }, 1).MoveToOuterDisposeScope();           // N × (C+1) × H × W  or  N × (F+1)
    }
}
