using GanSharp.Training;

namespace GanSharp.Models;

/// <summary>
/// A model family: how its <see cref="GanSystem"/> (networks, latents, losses) is built from options. Found by
/// name in <see cref="GanFamilies"/>; adding a family is one file implementing this interface (with a public
/// parameterless constructor) plus a preset.
/// </summary>
public interface IGanFamily
{
    /// <summary>The model name on the command line (e.g. "dcgan").</summary>
    string Name { get; }
    string Description { get; }

    /// <summary>Builds the system for examples of <paramref name="exampleShape"/>; <paramref name="numClasses"/> is the dataset's label count (0: none).</summary>
    GanSystem Create(GanOptions options, long[] exampleShape, int numClasses);
}

/// <summary>Every <see cref="IGanFamily"/> in the GanSharp assembly, by name.</summary>
public static class GanFamilies
{
    private static readonly Lazy<IReadOnlyDictionary<string, IGanFamily>> _all = new(() =>
        typeof(IGanFamily).Assembly.GetTypes()
            .Where(t => typeof(IGanFamily).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IGanFamily)Activator.CreateInstance(t)!)
            .ToDictionary(f => f.Name, StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, IGanFamily> All => _all.Value;

    public static IGanFamily Get(string name) => All.TryGetValue(name, out var f) ? f
        : throw new ArgumentException($"unknown model '{name}': use one of {string.Join(", ", All.Keys.Order(StringComparer.Ordinal))}");

    /// <summary>Builds the system the options name (seeding the global torch generator with the run's seed first).</summary>
    public static GanSystem Create(GanOptions options, long[] exampleShape, int numClasses) =>
        Get(options.Model).Create(options, exampleShape, numClasses);
}

/// <summary>DCGAN (Radford et al. 2015): the unconditional GAN with convolutional networks.</summary>
public sealed class DcGanFamily : IGanFamily
{
    public string Name => "dcgan";
    public string Description => "deep convolutional GAN (Radford et al. 2015)";

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

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        var (g, d) = GanModels.Build(options, exampleShape);
        return new GanSystem(g, d, options, exampleShape);
    }
}
