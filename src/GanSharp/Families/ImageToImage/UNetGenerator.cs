using TorchSharp;
using TorchSharp.Modules;
using GanSharp.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// Dropout that, by default, stays on in eval mode: pix2pix's only source of noise is dropout "at both training and
/// test time" (Isola et al. 2017), so its outputs are stochastic at test time too; evaluate them with a fixed seed.
/// Draws its mask from <see cref="Generator"/> when one is set (reproducible evaluation), otherwise from the global
/// torch generator, which training seeds.
/// </summary>
public sealed class TestTimeDropout : Module<Tensor, Tensor>
{
    private readonly double p;
    private readonly bool atTest;

    public TestTimeDropout(double p = 0.5, bool atTest = true) : base(nameof(TestTimeDropout))
    {
        if (p is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability must be in [0, 1), got {p}");
        this.p = p;
        this.atTest = atTest;
        RegisterComponents();
    }

    /// <summary>The generator of the dropout masks; null: the global torch generator.</summary>
    public Generator? Generator { get; set; }

    public override Tensor forward(Tensor x)
    {
        if (p == 0 || (!training && !atTest)) return x.alias();
        if (Generator is null) return functional.dropout(x, p, training: true);
        using var keep = Devices.Rand(x.shape, Generator, x.device, x.dtype).ge_(p);
        return x * keep / (1 - p);
    }
}

/// <summary>
/// The pix2pix U-Net generator (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial
/// Networks"): an encoder of 4×4 stride-2 convolutions C64-C128-C256-C512-C512… down to 1×1 (LeakyReLU 0.2, BatchNorm
/// except on the first and the innermost), a mirrored decoder of 4×4 stride-2 transposed convolutions (ReLU,
/// BatchNorm), each decoder layer fed the previous decoder output concatenated with the encoder output of the same
/// size (the skips), and tanh at the end. Depth follows the resolution: log2(size) levels (8 at 256, 7 at 128, 6 at 64),
/// so the innermost map is 1×1 as in the paper. Dropout 0.5 follows the first decoder layers (the paper's
/// CD512-CD512-CD512 at 256: levels − 5 of them, at least 1) and stays on at test time (<see cref="TestTimeDropout"/>).
/// Weights are N(0, 0.02) as in the paper; call <see cref="Models.Init.Dcgan"/> after seeding.
/// </summary>
public sealed class UNetGenerator : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> down;
    private readonly ModuleList<Module<Tensor, Tensor>> up;

    /// <param name="size">Square input side: a power of two from 16 to 512.</param>
    /// <param name="inChannels">Channels of the source image.</param>
    /// <param name="outChannels">Channels of the output image.</param>
    /// <param name="width">Channels of the first encoder layer (64 in the paper).</param>
    /// <param name="levels">Encoder depth; default log2(size) (1×1 bottleneck).</param>
    /// <param name="dropout">Dropout probability (0.5 in the paper).</param>
    /// <param name="dropoutLayers">Decoder layers with dropout; default max(1, levels − 5).</param>
    /// <param name="dropoutAtTest">Keep dropout on in eval mode (the paper's choice).</param>
    public UNetGenerator(int size, int inChannels = 3, int outChannels = 3, int width = 64, int? levels = null,
        double dropout = 0.5, int? dropoutLayers = null, bool dropoutAtTest = true) : base(nameof(UNetGenerator))
    {
        if (size is < 16 or > 512 || (size & (size - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(size), $"U-Net input size must be a power of two from 16 to 512, got {size}");
        int n = levels ?? (int)Math.Round(Math.Log2(size));
        if (n < 2 || (1 << n) > size)
            throw new ArgumentOutOfRangeException(nameof(levels), $"{n} levels do not fit a {size}×{size} input (at most log2(size) = {Math.Log2(size)})");
        Size = size;
        Levels = n;
        DropoutLayers = dropoutLayers ?? Math.Max(1, n - 5);
        int Ch(int i) => width * Math.Min(1 << i, 8);                          // encoder level i: w, 2w, 4w, 8w, 8w, …

        down = new ModuleList<Module<Tensor, Tensor>>();
        for (int i = 0; i < n; i++)
        {
            var layers = new List<(string, Module<Tensor, Tensor>)>();
            if (i > 0) layers.Add(("lrelu", LeakyReLU(0.2)));
            layers.Add(("conv", Conv2d(i == 0 ? inChannels : Ch(i - 1), Ch(i), 4, stride: 2, padding: 1, bias: false))); // Ch(i) × size/2^(i+1)
            if (i > 0 && i < n - 1) layers.Add(("bn", BatchNorm2d(Ch(i))));
            down.Add(Sequential(layers));
        }

        // up[k] undoes down[n-1-k]: input is the innermost map (k = 0) or [previous up, skip] concatenated.
        up = new ModuleList<Module<Tensor, Tensor>>();
        for (int k = 0; k < n; k++)
        {
            int i = n - 1 - k;
            int cin = k == 0 ? Ch(i) : 2 * Ch(i), cout = i == 0 ? outChannels : Ch(i - 1);
            var layers = new List<(string, Module<Tensor, Tensor>)>
            {
                ("relu", ReLU()),
                ("deconv", ConvTranspose2d(cin, cout, 4, stride: 2, padding: 1, bias: i == 0)),   // cout × size/2^i
            };
            if (i > 0) layers.Add(("bn", BatchNorm2d(cout)));
            if (i > 0 && k < DropoutLayers) layers.Add(("dropout", new TestTimeDropout(dropout, dropoutAtTest)));
            if (i == 0) layers.Add(("tanh", Tanh()));
            up.Add(Sequential(layers));
        }
        RegisterComponents();
    }

    public int Size { get; }
    public int Levels { get; }
    public int DropoutLayers { get; }

    /// <summary>Sets the generator every dropout layer draws its masks from (null: the global one).</summary>
    public void SetDropoutGenerator(Generator? generator)
    {
        foreach (var (_, m) in named_modules())
            if (m is TestTimeDropout d) d.Generator = generator;
    }

    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[2] != Size || x.shape[3] != Size)
            throw new ArgumentException($"U-Net was built for {Size}×{Size} inputs, got shape [{string.Join(", ", x.shape)}]", nameof(x));
        using var scope = NewDisposeScope();
        var skips = new List<Tensor>();
        var h = x;
        foreach (var d in down)
        {
            h = d.forward(h);
            skips.Add(h);
        }
        for (int k = 0; k < Levels; k++)
        {
            var input = k == 0 ? h : cat(new[] { h, skips[Levels - 1 - k] }, 1);
            h = up[k].forward(input);
        }
        return h.MoveToOuterDisposeScope();
    }
}
