namespace GanSharp.Data;

/// <summary>How <see cref="Datasets.Open"/> loads what a spec names.</summary>
public sealed class DatasetOpenOptions
{
    /// <summary>"train" or "test" (MNIST-style datasets).</summary>
    public string Split { get; init; } = "train";

    /// <summary>Local directory with the IDX files (MNIST-style datasets).</summary>
    public string? DataDir { get; init; }

    /// <summary>Cache root; null means <see cref="DatasetCache.DefaultRoot"/>.</summary>
    public string? CacheDir { get; init; }

    public bool Offline { get; init; }

    /// <summary>Image side for a folder of images.</summary>
    public int Size { get; init; } = 64;

    /// <summary>Channels for a folder of images: 1, 3 or 4 (RGBA, loaded with premultiplied alpha).</summary>
    public int Channels { get; init; } = 3;

    /// <summary>How a folder image that is not square becomes Size×Size.</summary>
    public ResizeMode Resize { get; init; } = ResizeMode.Crop;

    /// <summary>Number of samples drawn for ring and grid.</summary>
    public int Count { get; init; } = 100_000;

    /// <summary>Seed for ring and grid.</summary>
    public long Seed { get; init; }
}

/// <summary>
/// A dataset known by name (`--data NAME`). One file per dataset; found by reflection over the GanSharp assembly
/// (and any assembly registered with <see cref="Datasets.Register"/>), so adding one edits no other file.
/// </summary>
public interface IDatasetProvider
{
    string Name { get; }
    string Description { get; }
    TensorDataset Open(DatasetOpenOptions options, Action<string>? log);
}

/// <summary>Resolves a dataset spec: a known name or a folder of images.</summary>
public static class Datasets
{
    private static readonly Dictionary<string, IDatasetProvider> _providers = Discover(typeof(IDatasetProvider).Assembly);

    private static Dictionary<string, IDatasetProvider> Discover(System.Reflection.Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => typeof(IDatasetProvider).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IDatasetProvider)Activator.CreateInstance(t)!)
            .ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>Adds a provider (e.g. one defined outside the library); a name already taken is refused.</summary>
    public static void Register(IDatasetProvider provider)
    {
        lock (_providers)
            if (!_providers.TryAdd(provider.Name, provider) && _providers[provider.Name].GetType() != provider.GetType())
                throw new ArgumentException($"a dataset named '{provider.Name}' is already registered");
    }

    /// <summary>The datasets registered by providers, by name.</summary>
    public static IReadOnlyDictionary<string, IDatasetProvider> Providers { get { lock (_providers) return new Dictionary<string, IDatasetProvider>(_providers); } }

    public static IReadOnlyList<(string Name, string Description)> Known { get; } =
    [
        ("mnist", "MNIST handwritten digits, 1x28x28, 10 classes (60000 train / 10000 test)"),
        ("fashion-mnist", "Fashion-MNIST clothing, 1x28x28, 10 classes (60000 train / 10000 test)"),
        ("stacked-mnist", "three random MNIST digits in the 3 channels of a 3x28x28 image: 1000 modes (128000 images)"),
        ("ring", "8 Gaussians on the unit circle, std 0.01, 2-D points"),
        ("grid", "25 Gaussians on {-4,-2,0,2,4}^2, std 0.05, 2-D points"),
        ("<folder path>", "every PNG/JPEG/BMP under the folder, made square (--resize crop|pad|stretch) and resized to --size, --channels"),
    ];

    public static TensorDataset Open(string spec, DatasetOpenOptions o, Action<string>? log = null) => spec switch
    {
        "mnist" or "fashion-mnist" => Mnist.Load(new MnistOptions
        {
            Name = spec,
            Split = o.Split,
            DataDir = o.DataDir,
            CacheDir = o.CacheDir,
            Offline = o.Offline,
        }, log),
        "stacked-mnist" => StackedFrom(o, log),
        "ring" => GaussianMixture2D.Ring(o.Count, o.Seed),
        "grid" => GaussianMixture2D.Grid(o.Count, o.Seed),
        _ when Providers.TryGetValue(spec, out var provider) => provider.Open(o, log),
        // RGBA folders are premultiplied (GanSharp.Augment.Alpha): G never has to learn colours under alpha 0.
        _ when Directory.Exists(spec) => ImageFolder.Load(spec, o.Size, o.Channels, log, o.Resize, premultiplyAlpha: o.Channels == 4),
        _ => throw new DataException($"unknown dataset '{spec}': use one of {string.Join(", ", Known.Select(k => k.Name).Where(n => !n.StartsWith('<')).Concat(Providers.Keys))} or a folder of images"),
    };

    private static TensorDataset StackedFrom(DatasetOpenOptions o, Action<string>? log)
    {
        using var mnist = Mnist.Load(new MnistOptions { Name = "mnist", Split = o.Split, DataDir = o.DataDir, CacheDir = o.CacheDir, Offline = o.Offline }, log);
        return StackedMnist.Build(mnist, o.Split == "train" ? StackedMnist.DefaultCount : (int)mnist.Count, o.Seed);
    }
}
