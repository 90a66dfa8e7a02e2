using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// The PatchGAN discriminator of pix2pix (Isola et al. 2017): it classifies each overlapping N×N patch of the
/// concatenated (source, image) pair, returning an N_out×1×h×w map of logits. 4×4 convolutions: <c>layers</c> of
/// stride 2 (w, 2w, 4w, 8w… channels, BatchNorm on all but the first, LeakyReLU 0.2), one of stride 1, then a stride-1
/// conv to one channel. The receptive field grows with <c>layers</c>: 1 → 16, 2 → 34, 3 → 70 (the paper's at 256²),
/// 4 → 142. At 64–128 px use 16 or 34, or one patch covers the whole image.
/// </summary>
public sealed class PatchGan : Module<Tensor, Tensor>
{
    private readonly Sequential net;

    public PatchGan(int inChannels = 6, int width = 64, int layers = 3) : base(nameof(PatchGan))
    {
        if (layers is < 1 or > 6) throw new ArgumentOutOfRangeException(nameof(layers), $"PatchGAN needs 1 to 6 stride-2 layers, got {layers}");
        Layers = layers;
        var list = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv0", Conv2d(inChannels, width, 4, stride: 2, padding: 1)),  // w × H/2
            ("lrelu0", LeakyReLU(0.2)),
        };
        int c = width;
        for (int i = 1; i <= layers; i++)
        {
            int stride = i < layers ? 2 : 1, cout = width * Math.Min(1 << i, 8);
            list.Add(($"conv{i}", Conv2d(c, cout, 4, stride: stride, padding: 1, bias: false)));  // stride 2: H/2^(i+1); last: −1
            list.Add(($"bn{i}", BatchNorm2d(cout)));
            list.Add(($"lrelu{i}", LeakyReLU(0.2)));
            c = cout;
        }
        list.Add(("out", Conv2d(c, 1, 4, stride: 1, padding: 1)));              // 1 × (H/2^layers − 2): one logit per patch
        net = Sequential(list);
        RegisterComponents();
    }

    /// <summary>Stride-2 layers.</summary>
    public int Layers { get; }

    /// <summary>Receptive field in pixels of one output logit: 4×4 kernels, <paramref name="layers"/> of stride 2, then two of stride 1.</summary>
    public static int ReceptiveField(int layers)
    {
        int r = 1;
        for (int i = 0; i < 2; i++) r = r - 1 + 4;            // the two stride-1 layers, from the output back
        for (int i = 0; i < layers; i++) r = (r - 1) * 2 + 4; // the stride-2 layers
        return r;
    }

    /// <summary>Stride-2 layers whose receptive field is exactly <paramref name="receptiveField"/> (16, 34, 70, 142, …).</summary>
    public static int LayersFor(int receptiveField)
    {
        for (int n = 1; n <= 6; n++)
            if (ReceptiveField(n) == receptiveField) return n;
        throw new ArgumentOutOfRangeException(nameof(receptiveField),
            $"no PatchGAN has a {receptiveField}-pixel receptive field: use one of {string.Join(", ", Enumerable.Range(1, 6).Select(ReceptiveField))}");
    }

    /// <summary>Side of the logit map for a <paramref name="size"/>-pixel input, or ≤ 0 when the input is too small.</summary>
    public static int OutputSize(int size, int layers)
    {
        int s = size;
        for (int i = 0; i < layers; i++) s = (s + 2 - 4) / 2 + 1;
        return s - 2;
    }

    /// <summary>What D sees: source and image concatenated along channels.</summary>
    public static Tensor Pair(Tensor source, Tensor image) => cat(new[] { source, image }, 1);

    public override Tensor forward(Tensor pair)
    {
        if (pair.dim() != 4 || OutputSize((int)Math.Min(pair.shape[2], pair.shape[3]), Layers) < 1)
            throw new ArgumentException(
                $"PatchGAN with {Layers} stride-2 layers needs inputs of at least {MinSize(Layers)} px, got shape [{string.Join(", ", pair.shape)}]", nameof(pair));
        return net.forward(pair);
    }

    internal static int MinSize(int layers)
    {
        int s = 1;
        while (OutputSize(s, layers) < 1) s++;
        return s;
    }
}

/// <summary>
/// A discriminator applied at several scales, for ID-CGAN's "multi-scale" D (Zhang, Sindagi &amp; Patel 2017): the
/// pair is judged at full size, then average-pooled ×2 (3×3, stride 2) for the next scale, each scale by its own
/// <see cref="PatchGan"/> (as pix2pixHD arranges it): fine scales see texture, coarse ones the whole layout.
/// <see cref="Scales"/> returns one logit map per scale (average their losses); forward returns them flattened and
/// concatenated (N×total patches).
/// </summary>
public sealed class MultiScaleDiscriminator : Module<Tensor, Tensor>
{
    private readonly ModuleList<PatchGan> discriminators;

    public MultiScaleDiscriminator(int inChannels = 6, int scales = 3, int width = 64, int layers = 2) : base(nameof(MultiScaleDiscriminator))
    {
        if (scales is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(scales), $"scales must be 1 to 4, got {scales}");
        discriminators = new ModuleList<PatchGan>(Enumerable.Range(0, scales).Select(_ => new PatchGan(inChannels, width, layers)).ToArray());
        RegisterComponents();
    }

    /// <summary>One logit map per scale, finest first: scale s sees the pair pooled 2^s times.</summary>
    public IReadOnlyList<Tensor> Scales(Tensor pair)
    {
        var outputs = new List<Tensor>();
        Tensor x = pair;
        for (int s = 0; s < discriminators.Count; s++)
        {
            if (s > 0)
            {
                var pooled = functional.avg_pool2d(x, 3, stride: 2, padding: 1, count_include_pad: false);   // ⌈H/2⌉
                if (s > 1) x.Dispose();
                x = pooled;
            }
            outputs.Add(discriminators[s].forward(x));
        }
        if (discriminators.Count > 1) x.Dispose();
        return outputs;
    }

    public override Tensor forward(Tensor pair)
    {
        var maps = Scales(pair);
        try { return cat(maps.Select(m => m.flatten(1)).ToArray(), 1); }
        finally { foreach (var m in maps) m.Dispose(); }
    }
}
