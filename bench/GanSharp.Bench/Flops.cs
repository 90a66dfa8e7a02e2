using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;
using GanSharp.Families;

namespace GanSharp.Bench;

/// <summary>One convolution or linear layer: its weight count and its multiply-accumulates (MACs) for one example.</summary>
public sealed record Layer(string Name, long Weights, long Macs);

/// <summary>
/// Analytical FLOP counts of the DCGAN training iteration, for the achieved GFLOP/s. Only convolutions,
/// transposed convolutions and linear layers count (BatchNorm, activations, losses and Adam are memory-bound
/// element-wise work of a few FLOPs per value, under 1 % of the total here); one MAC = 2 FLOPs.
/// </summary>
public static class Flops
{
    /// <summary>Convolution to a square hout×hout map: every output value is a cin·k² dot product.</summary>
    private static Layer Conv(string name, long cin, long cout, long k, long hout) =>
        new(name, cin * cout * k * k, cin * cout * k * k * hout * hout);

    /// <summary>Transposed convolution from a square hin×hin map: every input value scatters into a cout·k² patch.</summary>
    private static Layer ConvT(string name, long cin, long cout, long k, long hin) =>
        new(name, cin * cout * k * k, cin * cout * k * k * hin * hin);

    private static Layer Linear(string name, long inF, long outF) => new(name, inF * outF, inF * outF);

    /// <summary>
    /// G's and D's weight layers, as <see cref="Models.DcGan"/> builds them (biases are free: not counted).
    /// <see cref="CheckAgainst"/> compares the weight counts with the built networks.
    /// </summary>
    public static (Layer[] G, Layer[] D) Layers(string arch, long z, long wG, long wD, long channels) => arch switch
    {
        "dcgan28" => (
            new[]
            {
                Linear("fc", z, 2 * wG * 7 * 7),               // z → 2w·7·7
                ConvT("up1", 2 * wG, wG, 4, 7),                // 2w×7×7 → w×14×14
                ConvT("up2", wG, channels, 4, 14),             // w×14×14 → c×28×28
            },
            new[]
            {
                Conv("conv1", channels, wD, 4, 14),            // c×28×28 → w×14×14
                Conv("conv2", wD, 2 * wD, 4, 7),               // → 2w×7×7
                Linear("head", 2 * wD * 7 * 7, 1),             // → logit
            }),
        "dcgan64" => (
            new[]
            {
                ConvT("up0", z, 8 * wG, 4, 1),                 // z×1×1 → 8w×4×4 (stride 1, padding 0)
                ConvT("up1", 8 * wG, 4 * wG, 4, 4),            // → 4w×8×8
                ConvT("up2", 4 * wG, 2 * wG, 4, 8),            // → 2w×16×16
                ConvT("up3", 2 * wG, wG, 4, 16),               // → w×32×32
                ConvT("up4", wG, channels, 4, 32),             // → c×64×64
            },
            new[]
            {
                Conv("conv0", channels, wD, 4, 32),            // c×64×64 → w×32×32
                Conv("conv1", wD, 2 * wD, 4, 16),              // → 2w×16×16
                Conv("conv2", 2 * wD, 4 * wD, 4, 8),           // → 4w×8×8
                Conv("conv3", 4 * wD, 8 * wD, 4, 4),           // → 8w×4×4
                Linear("head", 8 * wD * 4 * 4, 1),             // → logit (the reference's 4×4 conv to 1×1)
            }),
        _ => throw new ArgumentException($"no FLOP count for {arch}"),
    };

    private static readonly HashSet<string> Checked = new();

    /// <summary>The layers of the options' networks; the first time per architecture, checked against the built networks.</summary>
    public static (Layer[] G, Layer[] D) Layers(GanOptions o, long[] exampleShape)
    {
        var layers = Layers(o.Arch, o.ZDim, o.WidthG, o.WidthD, exampleShape[0]);
        if (Checked.Add($"{o.Arch} z{o.ZDim} g{o.WidthG} d{o.WidthD} c{exampleShape[0]}")) CheckAgainst(o, exampleShape, layers);
        return layers;
    }

    /// <summary>
    /// Nominal FLOPs of one training iteration (the stock algorithm's work, whatever the knobs skip), at batch n.
    /// F_X = 2 · MACs_X · n is one forward pass of network X over n examples. Backward ≈ 2 × forward (gradients
    /// with respect to the inputs and to the weights; the input gradient of D's first layer is not needed but is
    /// counted, as is usual):
    /// <code>
    ///   D step: G forward under no_grad (the fake batch)           F_G
    ///           D forward on the real and on the fake batch        2 F_D
    ///           D backward for both batches                        2 · 2 F_D
    ///   G step: G forward on fresh noise, D forward on it          F_G + F_D
    ///           backward through D and G                           2 F_D + 2 F_G
    ///   total                                                      4 F_G + 9 F_D
    /// </code>
    /// freeze-d skips D's weight gradients in the G step (≈ F_D) and reuse-d-fake skips a G and a D forward, but
    /// GFLOP/s is always this nominal count over the measured time, so rows stay comparable ("model FLOP/s").
    /// </summary>
    public static double IterationGflop(GanOptions o, long[] exampleShape, long batch)
    {
        var (g, d) = Layers(o, exampleShape);
        double fG = 2.0 * g.Sum(l => l.Macs) * batch, fD = 2.0 * d.Sum(l => l.Macs) * batch;
        return (4 * fG + 9 * fD) / 1e9;
    }

    /// <summary>Nominal FLOPs of sampling a batch of n: one forward pass of G, F_G = 2 · MACs_G · n (BatchNorm not counted, folded or not).</summary>
    public static double SampleGflop(GanOptions o, long[] exampleShape, long batch) =>
        2.0 * Layers(o, exampleShape).G.Sum(l => l.Macs) * batch / 1e9;

    /// <summary>
    /// Builds the networks and throws when the layer table's weight counts differ from the networks' matrix and
    /// kernel parameters (every parameter with 2 or more dimensions): the table no longer mirrors
    /// <see cref="GanModels.Build"/>.
    /// </summary>
    private static void CheckAgainst(GanOptions o, long[] exampleShape, (Layer[] G, Layer[] D) table)
    {
        var (g, d) = GanModels.Build(o, exampleShape);
        using var _ = g;
        using var __ = d;
        foreach (var (name, layers, net) in new (string, Layer[], nn.Module)[] { ("G", table.G, g), ("D", table.D, d) })
        {
            long counted = layers.Sum(l => l.Weights);
            long actual = net.parameters().Where(p => p.dim() >= 2).Sum(p => p.numel());
            if (counted != actual)
                throw new InvalidOperationException($"FLOP table of {o.Arch} {name} counts {counted} weights, the network has {actual}: update Flops.Layers");
        }
    }
}

/// <summary>fp32 matrix product C = A·B of two N×N matrices into a preallocated C (no allocation while timed).</summary>
public sealed class Gemm : IIteration
{
    public const int N = 2048;

    /// <summary>2N³ FLOPs (N² dot products of length N), in GFLOP.</summary>
    public const double Gflop = 2.0 * N * N * N / 1e9;

    private readonly Tensor _a, _b, _c;

    public Gemm()
    {
        using var g = new Generator(12345);
        _a = randn(new long[] { N, N }, generator: g).DetachFromDisposeScope();
        _b = randn(new long[] { N, N }, generator: g).DetachFromDisposeScope();
        _c = zeros(N, N).DetachFromDisposeScope();
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        _c.addmm_(_a, _b, beta: 0, alpha: 1);     // C = 0·C + A·B: one sgemm into C
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
    }
}
