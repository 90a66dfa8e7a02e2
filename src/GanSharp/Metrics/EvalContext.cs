using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>Settings of one evaluation.</summary>
public sealed class EvalSettings
{
    /// <summary>Generated samples for the sample-based metrics (FID, KID, precision/recall, IS).</summary>
    public int Samples { get; init; } = 10_000;

    /// <summary>Seed of the evaluation's own generator (never the training generator).</summary>
    public long Seed { get; init; } = 12345;

    /// <summary>Where real-data features are cached; null disables the cache.</summary>
    public string? CacheDir { get; init; } = Path.Combine(DatasetCache.DefaultRoot(), "stats");

    /// <summary>A TorchScript feature network file to use instead of the dataset's classifier.</summary>
    public string? FeatureNet { get; init; }

    /// <summary>
    /// The real reference set instead of the run's own (<c>eval --checkpoint RUN --real FOLDER</c>): a dataset name
    /// or a folder of images, opened at the run's size, channels and resize mode; null: the run's data.
    /// </summary>
    public string? Reference { get; init; }
}

/// <summary>
/// What metrics see: the generator (sampled in eval mode from the evaluation's own generator), the real
/// reference set, and the feature network. Generated samples and features are computed once per evaluation
/// and shared by every metric; real features are cached on disk per (dataset content, feature network hash).
/// </summary>
public sealed class EvalContext : IDisposable
{
    private readonly Func<IFeatureNetwork>? _featureFactory;
    private IFeatureNetwork? _featureNet;
    private readonly Dictionary<int, Tensor> _generated = new();
    private readonly Dictionary<int, Tensor> _conditions = new();
    private readonly Dictionary<int, (Tensor F, Tensor? L)> _genFeatures = new();
    private (Tensor F, Tensor? L)? _realFeatures;

    public EvalContext(GanSystem system, string datasetName, TensorDataset? reference, Func<IFeatureNetwork>? featureNetwork, EvalSettings settings)
    {
        System = system;
        DatasetName = datasetName;
        Reference = reference;
        _featureFactory = featureNetwork;
        Settings = settings;
    }

    public GanSystem System { get; }
    public string DatasetName { get; }

    /// <summary>The real reference set (e.g. the MNIST test split), or null for 2-D mixtures.</summary>
    public TensorDataset? Reference { get; }
    public EvalSettings Settings { get; }

    /// <summary>Log lines (cache use etc.).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Dispose <see cref="Reference"/> with the context.</summary>
    public bool OwnsReference { get; init; }

    public bool HasFeatureNetwork => _featureFactory is not null;

    public IFeatureNetwork FeatureNetwork => _featureNet ??= OnSystemDevice(_featureFactory?.Invoke()
        ?? throw new ArgumentException($"no feature network for dataset '{DatasetName}': pass --feature-net FILE (a TorchScript network)"));

    /// <summary>The feature network runs where the generator does (--device); features come back on the CPU.</summary>
    private IFeatureNetwork OnSystemDevice(IFeatureNetwork net)
    {
        if (!Devices.IsCpu(System.Device)) net.To(System.Device);
        return net;
    }

    /// <summary>n generated samples (images in [-1, 1] or points), drawn once per evaluation and count.</summary>
    public Tensor Generated(int n)
    {
        if (_generated.TryGetValue(n, out var t)) return t;
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(Settings.Seed, -4 - n));
        var chunks = new List<Tensor>();
        var conditions = new List<Tensor>();
        using (var scope = NewDisposeScope())
        {
            for (int done = 0; done < n; done += 500)
            {
                int m = Math.Min(500, n - done);
                var z = System.SampleLatent(m, g);
                var c = System.SampleCondition(m, g);
                if (c is not null) conditions.Add(c.OnCpu());
                chunks.Add(System.MetricImages(SampleGrids.Sample(System, z, c)).OnCpu()); // metrics read the CPU tensors
            }
            t = cat(chunks, 0).DetachFromDisposeScope(); // owned by the context: metrics run in their own scopes
            if (conditions.Count > 0) _conditions[n] = cat(conditions, 0).DetachFromDisposeScope(); // owned by the context
        }
        _generated[n] = t;
        return t;
    }

    /// <summary>The conditions (e.g. requested class labels) <see cref="Generated"/>(n) used; null when unconditional.</summary>
    public Tensor? GeneratedConditions(int n)
    {
        Generated(n);
        return _conditions.GetValueOrDefault(n);
    }

    /// <summary>Forgets generated samples so the next metric call draws them from the current G.</summary>
    public void ResetGenerated()
    {
        foreach (var t in _generated.Values) t.Dispose();
        foreach (var t in _conditions.Values) t.Dispose();
        foreach (var (f, l) in _genFeatures.Values) { f.Dispose(); l?.Dispose(); }
        _generated.Clear();
        _conditions.Clear();
        _genFeatures.Clear();
    }

    /// <summary>Features and logits of <see cref="Generated"/>(n).</summary>
    public (Tensor Features, Tensor? Logits) GeneratedFeatures(int n)
    {
        if (_genFeatures.TryGetValue(n, out var f)) return f;
        f = Features(Generated(n));
        _genFeatures[n] = f;
        return f;
    }

    /// <summary>Why a metric that reads the domain classifier's classes does not apply here, or null.</summary>
    public string? ClassifierNotApplicable() =>
        Reference is null ? "it needs image data" :
        !HasFeatureNetwork ? "it needs a classifier (no feature network for this dataset)" :
        FeatureNetwork.NumClasses == 0 ? $"it needs a classifier, and feature network '{FeatureNetwork.Name}' has no classifier head" : null;

    /// <summary>The classifier logits of <see cref="Generated"/>(n); <paramref name="metric"/> names who needs them in the error.</summary>
    public Tensor GeneratedLogits(int n, string metric) => GeneratedFeatures(n).Logits
        ?? throw new ArgumentException($"feature network '{FeatureNetwork.Name}' has no classifier head: {metric} needs class probabilities");

    /// <summary>Features and logits of the whole reference set, from the disk cache when valid.</summary>
    public (Tensor Features, Tensor? Logits) RealFeatures()
    {
        if (_realFeatures is { } r) return r;
        if (Reference is null) throw new ArgumentException($"dataset '{DatasetName}' has no real reference images for feature metrics");
        var net = FeatureNetwork;
        string? cachePath = null;
        if (Settings.CacheDir is not null)
        {
            string key = $"{Sanitize(DatasetName)}-{Reference.Count}-{DatasetHash(Reference)[..16]}-{Sanitize(net.Name)}-{net.Hash[..16]}.ckpt";
            cachePath = Path.Combine(Settings.CacheDir, key);
            if (File.Exists(cachePath))
            {
                try
                {
                    var (_, tensors) = CheckpointFile.Load(cachePath);
                    Log?.Invoke($"using cached real features {cachePath}");
                    _realFeatures = (tensors["features"], tensors.GetValueOrDefault("logits"));
                    return _realFeatures.Value;
                }
                catch (CheckpointException e)
                {
                    Log?.Invoke($"ignoring damaged feature cache ({e.Message})");
                }
            }
        }
        var all = Reference.Gather(arange(Reference.Count)); // cpu: indices into the CPU reference set
        var feats = Features(all);
        all.Dispose();
        if (cachePath is not null)
        {
            var list = new List<(string, Tensor)> { ("features", feats.F) };
            if (feats.L is not null) list.Add(("logits", feats.L));
            CheckpointFile.Save(cachePath, new JsonObject { ["dataset"] = DatasetName, ["feature-net"] = net.Name, ["feature-net-hash"] = net.Hash }, list);
            Log?.Invoke($"cached real features in {cachePath}");
        }
        _realFeatures = feats;
        return feats;
    }

    private (Tensor F, Tensor? L) Features(Tensor images)
    {
        var net = FeatureNetwork;
        if (images.dim() != 4)
            throw new ArgumentException($"feature metrics need images; '{DatasetName}' samples have shape [{string.Join(",", images.shape)}]");
        var (f, l) = net.Forward(images);
        return (f.DetachFromDisposeScope(), l?.DetachFromDisposeScope());
    }

    /// <summary>SHA-256 of a dataset's tensor bytes: the feature cache is invalidated when the data changes.</summary>
    public static string DatasetHash(TensorDataset data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var c = data.Data.contiguous()) sha.AppendData(c.bytes); // cpu: the CPU reference set
        if (data.Labels is not null)
            using (var c = data.Labels.contiguous()) sha.AppendData(c.bytes); // cpu: the CPU reference set
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    private static string Sanitize(string s) => string.Concat(Path.GetFileName(s.TrimEnd('/')).Select(c => char.IsLetterOrDigit(c) || c == '-' ? c : '_'));

    public void Dispose()
    {
        foreach (var t in _generated.Values) t.Dispose();
        foreach (var t in _conditions.Values) t.Dispose();
        foreach (var (f, l) in _genFeatures.Values) { f.Dispose(); l?.Dispose(); }
        if (_realFeatures is { } r) { r.F.Dispose(); r.L?.Dispose(); }
        _featureNet?.Dispose();
        if (OwnsReference) Reference?.Dispose();
    }
}
