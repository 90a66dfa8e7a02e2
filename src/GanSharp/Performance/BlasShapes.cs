using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Performance;

/// <summary>One matrix-product shape of a linear layer: a batch of <see cref="Batch"/> rows, <see cref="In"/> → <see cref="Out"/>.</summary>
public sealed record LinearShape(long In, long Out, long Batch, string Where)
{
    public string Id => $"{In}x{Out}@{Batch}";
}

/// <summary>
/// The linear-layer shapes of the built-in MLP and DCGAN presets (issue 18: the BLAS switch is checked and timed on
/// every one): read from the networks the presets build, so the list follows the models.
/// </summary>
public static class BlasShapes
{
    /// <summary>The presets whose networks are walked, with the example shape and class count of their data.</summary>
    public static readonly (string Preset, long[] Example, int Classes)[] Presets =
    [
        ("mlp-ring", [2], 0), ("mlp-grid", [2], 0), ("pacgan-2d", [2], 0),
        ("dcgan-mnist", [1, 28, 28], 10), ("cgan-mnist", [1, 28, 28], 10),
        ("stacked-mnist-weak-d", [3, 28, 28], 0), ("stacked-mnist-dcgan", [3, 28, 28], 0),
        ("semisup-mlp", [1, 28, 28], 10),
    ];

    /// <summary>Every distinct (in, out, batch) of a 2-D weight in those presets' networks, in order of first use.</summary>
    public static IReadOnlyList<LinearShape> Used()
    {
        var shapes = new List<LinearShape>();
        var seen = new HashSet<string>();
        foreach (var (preset, example, classes) in Presets)
        {
            var o = OptionLayers.Resolve(preset, null, null);
            var system = GanFamilies.Create(o, example, classes);
            try
            {
                foreach (var net in system.Networks)
                    foreach (var (name, p) in net.Module.named_parameters())
                    {
                        if (p.dim() != 2) continue;
                        var s = new LinearShape(p.shape[1], p.shape[0], o.Batch, $"{preset} {net.Name}.{name}");
                        if (seen.Add(s.Id)) shapes.Add(s);
                    }
            }
            finally
            {
                foreach (var net in system.Networks) net.Module.Dispose();
            }
        }
        return shapes;
    }

    /// <summary>
    /// y = x Wᵀ + b and the gradients of sum(y · r) with respect to x and W, for one shape, from seeded inputs
    /// (the same values on every machine and BLAS path): the tensors the switch's agreement check compares.
    /// </summary>
    public static (Tensor Y, Tensor DX, Tensor DW) Run(LinearShape s, long seed)
    {
        using var scope = NewDisposeScope();
        using var g = new TorchSharp.torch.Generator((ulong)seed);     // cpu: a check of the CPU BLAS
        var x = randn([s.Batch, s.In], generator: g).requires_grad_(true);                 // cpu: the CPU BLAS check
        var w = (randn([s.Out, s.In], generator: g) / Math.Sqrt(s.In)).requires_grad_(true);  // cpu: as above
        var b = randn([s.Out], generator: g);                                                // cpu: as above
        var r = randn([s.Batch, s.Out], generator: g);                                       // cpu: as above
        var y = nn.functional.linear(x, w, b);
        (y * r).sum().backward();
        return (y.detach().MoveToOuterDisposeScope(), x.grad!.MoveToOuterDisposeScope(), w.grad!.MoveToOuterDisposeScope());
    }
}
