using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;

namespace GanSharp.Families;

/// <summary>DCGAN (Radford et al. 2015): the unconditional GAN with convolutional networks.</summary>
public sealed class DcGanFamily : IGanFamily
{
    public string Name => "dcgan";
    public string Description => "deep convolutional GAN (Radford et al. 2015)";

    public IReadOnlyList<(string Name, string Description)> Architectures => GanModels.ImageArchitectures;

    public string ResolveArch(GanOptions options, long[] exampleShape) => GanModels.ResolveImageArch(options, exampleShape, Name);

    public string? DefaultPreset(string? data, string? arch) => data is null or "mnist" ? "dcgan-mnist" : null;

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        var (g, d) = GanModels.Build(options, exampleShape);
        return new GanSystem(g, d, options, exampleShape);
    }
}

/// <summary>The fully connected GAN of Goodfellow et al. 2014.</summary>
public sealed class MlpGanFamily : IGanFamily
{
    public string Name => "mlp";
    public string Description => "fully connected GAN (Goodfellow et al. 2014)";

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
