using GanSharp.Models;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Families;

/// <summary>Builds a model family's networks from resolved options and the shape of one example.</summary>
public static class GanModels
{
    /// <summary>Every architecture of every family (<see cref="GanFamilies.Architectures"/>).</summary>
    public static IReadOnlyList<(string Name, string Description)> Architectures => GanFamilies.Architectures;

    public static readonly (string Name, string Description) MlpArchitecture =
        ("mlp", "fully connected G and D (ReLU / LeakyReLU 0.2) for 2-D points or flattened images");

    /// <summary>The convolutional image architectures (DCGAN family and the Stacked MNIST networks).</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> ImageArchitectures = new[]
    {
        ("dcgan28", "DCGAN for 28×28 images (MNIST): G z→128·7·7→ConvT→14×14→ConvT→28×28, D Conv→Conv→Linear"),
        ("dcgan32", "pytorch/examples DCGAN for 32×32 images (3 up/down-sampling blocks)"),
        ("dcgan64", "pytorch/examples DCGAN for 64×64 images (4 up/down-sampling blocks)"),
        ("dcgan128", "DCGAN for 128×128 images: dcgan64 with a fifth up/down-sampling block (16w channels at 4×4)"),
        ("dcgan28-deep", "VEEGAN Stacked MNIST networks (PacGAN Table 2): 5×5 ConvT G 2→4→7→14→28, 4-conv D 28→14→7→4→2 (64..512 channels)"),
        ("weakd28", "Unrolled-GAN Stacked MNIST networks: 3×3 deconvolution G, weak 3-conv D (--width-d 2: D = ¼ G, 4: ½ G)"),
    };

    /// <summary>The architecture the options name, or the one that fits the data when none is named (the family decides).</summary>
    public static string ResolveArch(GanOptions o, long[] exampleShape) => GanFamilies.Get(o.Model).ResolveArch(o, exampleShape);

    /// <summary>A DCGAN-style architecture for image data: the one named, else the one that fits the image size.</summary>
    public static string ResolveImageArch(GanOptions o, long[] exampleShape, string family)
    {
        bool image = exampleShape.Length == 3;
        if (!image)
            throw new ArgumentException($"the {family} model needs image data, but '{o.Data}' has examples of shape [{string.Join(",", exampleShape)}]: use 'train mlp' for 2-D data");
        string arch = o.Arch != "" ? o.Arch : exampleShape[1] switch
        {
            28 => "dcgan28",
            32 => "dcgan32",
            64 => "dcgan64",
            128 => "dcgan128",
            _ => throw new ArgumentException($"no DCGAN architecture for {exampleShape[1]}×{exampleShape[2]} images: use --size 32, 64 or 128"),
        };
        int expected = arch switch { "dcgan28" or "dcgan28-deep" or "weakd28" => 28, "dcgan32" => 32, "dcgan64" => 64, "dcgan128" => 128, _ => -1 };
        if (exampleShape[1] != expected || exampleShape[2] != expected)
            throw new ArgumentException($"architecture {arch} needs {expected}×{expected} images, the data has {exampleShape[1]}×{exampleShape[2]}");
        return arch;
    }

    /// <summary>
    /// Builds G and D. Seeds the global torch generator with the run's seed first, so the initial weights are
    /// a function of the options alone.
    /// </summary>
    public static (nn.Module<Tensor, Tensor> G, Discriminator D) Build(GanOptions o, long[] exampleShape)
    {
        string arch = ResolveArch(o, exampleShape);
        manual_seed(o.Seed);
        int channels = exampleShape.Length == 3 ? (int)exampleShape[0] : 0;
        var dOptions = DiscriminatorOptionsFor(o);
        return arch switch
        {
            "dcgan28" => (DcGan.Generator28(o.ZDim, channels, o.WidthG, o.VirtualBatchNorm, o.FcG), DcGan.Discriminator28(channels, o.WidthD, dOptions, o.FcD)),
            "dcgan28-deep" => (DcGan.Generator28Deep(o.ZDim, channels, o.WidthG, o.VirtualBatchNorm), DcGan.Discriminator28Deep(channels, o.WidthD, dOptions)),
            "weakd28" => (WeakDStackedMnist.Generator(o.ZDim, channels, o.WidthG), WeakDStackedMnist.Discriminator(channels, o.WidthD, dOptions)),
            "dcgan32" or "dcgan64" or "dcgan128" => (DcGan.Generator((int)exampleShape[1], o.ZDim, channels, o.WidthG, o.VirtualBatchNorm),
                DcGan.Discriminator((int)exampleShape[1], channels, o.WidthD, dOptions)),
            "mlp" => (Mlp.Generator(o.ZDim, Enumerable.Repeat(o.WidthG, o.Depth).ToArray(), exampleShape, tanhOutput: exampleShape.Length == 3, batchNorm: o.MlpBatchNorm),
                Mlp.Discriminator(exampleShape, Enumerable.Repeat(o.WidthD, o.DepthD > 0 ? o.DepthD : o.Depth).ToArray(), dOptions)),
            _ => throw new ArgumentException($"unknown architecture '{arch}'"),
        };
    }

    /// <summary>The stability fixes that change D's architecture, as the options ask for them.</summary>
    public static DiscriminatorOptions DiscriminatorOptionsFor(GanOptions o) => new()
    {
        Pack = o.Pack,
        SpectralNorm = o.SpectralNorm,
        // WGAN-GP penalizes per-example gradients: no BatchNorm in the critic (Gulrajani et al. use layer norm or none).
        BatchNorm = !o.SpectralNorm && o.Loss != Losses.LossKind.WganGp,
        MinibatchStd = o.MinibatchStd,
        MinibatchDiscKernels = o.MinibatchDisc,
        Maxout = o.Maxout,
    };

    /// <summary>Thread policy: tiny (MLP) models are per-op-overhead bound and run best on one thread.</summary>
    public static int DefaultThreads(GanOptions o) => GanFamilies.DefaultThreads(o);
}
