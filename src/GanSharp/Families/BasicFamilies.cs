using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;

namespace GanSharp.Families;

/// <summary>DCGAN (Radford et al. 2015): the unconditional GAN with convolutional networks.</summary>
public sealed class DcGanFamily : IGanFamily
{
    public string Name => "dcgan";
    public string Description => "deep convolutional GAN (Radford et al. 2015)";

    public bool RunsOnAnyDevice => true;

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["dcgan-mnist"] = ("DCGAN (dcgan28 with InfoGAN's 1024-wide FC layers in G and D) on MNIST, 2000 steps of batch 64: readable digits in about 6-7 minutes on 2 cores",
            """{"model":"dcgan","arch":"dcgan28","data":"mnist","steps":2000,"batch":64,"fc-g":1024,"fc-d":1024}"""),
        ["dcgan-fashion"] = ("DCGAN (dcgan28) on Fashion-MNIST, 3000 steps of batch 64",
            """{"model":"dcgan","arch":"dcgan28","data":"fashion-mnist","steps":3000,"batch":64}"""),
        ["stacked-mnist-weak-d"] = ("Unrolled-GAN Stacked MNIST setting (Metz et al. 2017; PacGAN Table 3): weakd28 with D = ¼ G (--width-d 4 for ½), z 256, batch 128, Adam D 2e-4 G 1e-4 β (0.5, 0.99); published schedule 500k steps, here 25k",
            """{"model":"dcgan","arch":"weakd28","data":"stacked-mnist","z-dim":256,"width-g":8,"width-d":2,"batch":128,"lr-d":2e-4,"lr-g":1e-4,"betas-g":[0.5,0.99],"betas-d":[0.5,0.99],"steps":25000,"sample-every":2500,"checkpoint-every":2500,"log-every":50}"""),
        ["stacked-mnist-dcgan"] = ("VEEGAN Stacked MNIST setting (PacGAN Table 2), shortened: dcgan28-deep (4-conv D 64..512, 5×5 ConvT G), 128,000 stacked images, batch 64, Adam 2e-4 β1 0.5, z 100 uniform, 5k steps",
            """{"model":"dcgan","arch":"dcgan28-deep","prior":"uniform","data":"stacked-mnist","z-dim":100,"batch":64,"lr-d":2e-4,"lr-g":2e-4,"steps":5000,"sample-every":1000,"checkpoint-every":1000,"log-every":50}"""),
    };

    public IReadOnlyList<(string Name, string Description)> Architectures => GanModels.ImageArchitectures;

    public string ResolveArch(GanOptions options, long[] exampleShape) => GanModels.ResolveImageArch(options, exampleShape, Name);

    public string? DefaultPreset(string? data, string? arch) => data is null or "mnist" ? "dcgan-mnist" : null;

    /// <summary>InfoGAN's categorical latent code (Chen et al. 2016; <see cref="InfoGanSystem"/>).</summary>
    public IReadOnlyList<OptionSpec> Options => new[]
    {
        OptionSpec.Of("info-classes", 0, "dcgan: InfoGAN categorical latent code with K values, read back from G's images by a head Q on D (Chen et al. 2016; no labels used; default 0: off)"),
        OptionSpec.Of("info-weight", 1.0, "dcgan: weight λ of the InfoGAN information term in the D and G losses (default 1; with --info-classes)"),
    };

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        int infoClasses = options.Get<int>("info-classes");
        if (infoClasses != 0)
            return InfoGanSystem.Create(options, exampleShape, GanModels.ResolveArch(options, exampleShape), infoClasses, options.Get<double>("info-weight"));
        var (g, d) = GanModels.Build(options, exampleShape);
        return new GanSystem(g, d, options, exampleShape);
    }
}

/// <summary>The fully connected GAN of Goodfellow et al. 2014.</summary>
public sealed class MlpGanFamily : IGanFamily
{
    public string Name => "mlp";
    public string Description => "fully connected GAN (Goodfellow et al. 2014)";

    public bool RunsOnAnyDevice => true;

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["mlp-ring"] = ("MLP GAN on the 8-gaussian ring, z 64, 2×128 hidden, batch 256, 1 thread",
            """{"model":"mlp","arch":"mlp","data":"ring","z-dim":64,"width-g":128,"width-d":128,"depth":2,"batch":256,"steps":5000,"lr-g":1e-4,"lr-d":1e-4,"sample-every":1000,"checkpoint-every":1000,"sample-count":2500}"""),
        ["mlp-grid"] = ("MLP GAN on the 25-gaussian grid, z 64, 2×128 hidden, batch 256, 1 thread",
            """{"model":"mlp","arch":"mlp","data":"grid","z-dim":64,"width-g":128,"width-d":128,"depth":2,"batch":256,"steps":5000,"lr-g":1e-4,"lr-d":1e-4,"sample-every":1000,"checkpoint-every":1000,"sample-count":2500}"""),
        ["pacgan-2d"] = ("PacGAN 2-D setting (Lin et al. 2018): G 4×400 ReLU+BN, D 3 maxout×200 (5 pieces), z 2-D, batch 100, Adam 1e-4 β1 0.8; ring (use --data grid) at 20k steps; add --pack 4 for PacGAN4",
            """{"model":"mlp","arch":"mlp","data":"ring","z-dim":2,"width-g":400,"depth":4,"mlp-batch-norm":true,"width-d":200,"depth-d":3,"maxout":5,"batch":100,"lr-g":1e-4,"lr-d":1e-4,"betas-g":[0.8,0.999],"betas-d":[0.8,0.999],"steps":20000,"sample-every":2000,"checkpoint-every":2000,"sample-count":2500,"log-every":50}"""),
    };

    public IReadOnlyList<string> RequiredFields => new[] { BatchFields.Image + "|" + BatchFields.Points };

    public IReadOnlyList<(string Name, string Description)> Architectures => new[] { GanModels.MlpArchitecture };

    public string ResolveArch(GanOptions options, long[] exampleShape) => "mlp";

    /// <summary>MLPs are per-op-overhead bound: one thread (docs/performance.md).</summary>
    public int DefaultThreads(GanOptions options) => 1;


    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        var (g, d) = GanModels.Build(options, exampleShape);
        return new GanSystem(g, d, options, exampleShape);
    }
}
