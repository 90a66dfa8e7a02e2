using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Metrics;

/// <summary>
/// The small CNN behind "mnist-cnn" and "fashion-cnn": four 3×3 convolutions (16, 32, 64, 64 channels) with
/// BatchNorm, each of the first three followed by a 2×2 max-pool (28 → 14 → 7 → 3), a 128-unit feature layer
/// (its ReLU output is the penultimate feature for FID/KID/PR) and a 10-way head (its softmax feeds IS and class
/// histograms). About 2.3 M multiply-adds per image so that training takes minutes on a shared 2-core CPU;
/// about 135k parameters; input 1×28×28 in [-1, 1].
/// </summary>
public sealed class DomainCnn : Module<Tensor, Tensor>
{
    public const int Features = 128;
    public const int Classes = 10;

    private readonly Sequential trunk;
    private readonly Dropout dropout;
    private readonly Linear head;

    public DomainCnn() : base(nameof(DomainCnn))
    {
        trunk = Sequential(
            Conv2d(1, 16, 3, padding: 1, bias: false), BatchNorm2d(16), ReLU(),   // 16 x 28 x 28
            MaxPool2d(2),                                                          // 16 x 14 x 14
            Conv2d(16, 32, 3, padding: 1, bias: false), BatchNorm2d(32), ReLU(),  // 32 x 14 x 14
            MaxPool2d(2),                                                          // 32 x 7 x 7
            Conv2d(32, 64, 3, padding: 1, bias: false), BatchNorm2d(64), ReLU(),  // 64 x 7 x 7
            MaxPool2d(2),                                                          // 64 x 3 x 3
            Conv2d(64, 64, 3, padding: 1, bias: false), BatchNorm2d(64), ReLU(),  // 64 x 3 x 3
            Flatten(),                                                             // 576
            Linear(64 * 3 * 3, Features), ReLU());                                 // 128: the feature layer
        dropout = Dropout(0.3);
        head = Linear(Features, Classes);                                          // 10 logits
        RegisterComponents();
    }

    /// <summary>Penultimate features, N×128.</summary>
    public Tensor Embed(Tensor x) => trunk.call(x);

    /// <summary>Class logits from features, N×10.</summary>
    public Tensor Classify(Tensor features) => head.call(dropout.call(features));

    public override Tensor forward(Tensor x) => Classify(Embed(x));

    /// <summary>
    /// The trunk's ReLU outputs in order (16×28×28, 32×14×14, 64×7×7, 64×3×3 and the 128 features), for losses
    /// that match features layer by layer (the cascade family's CRN loss).
    /// </summary>
    public IReadOnlyList<Tensor> Activations(Tensor x)
    {
        var outputs = new List<Tensor>();
        foreach (var m in trunk.children())
        {
            x = ((Module<Tensor, Tensor>)m).call(x);
            if (m is ReLU) outputs.Add(x);
        }
        return outputs;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            trunk.Dispose();
            dropout.Dispose();
            head.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// A trained <see cref="DomainCnn"/> as an <see cref="IFeatureNetwork"/>. Weights live in a GanSharp checkpoint
/// file (<see cref="CheckpointFile"/>) whose header says what it is ("arch": "domain-cnn-v1", dataset, training).
/// </summary>
public sealed class DomainClassifier : IFeatureNetwork
{
    public const string Arch = "domain-cnn-v1";

    /// <summary>Images per forward pass: bounds memory for large sample sets.</summary>
    public const int BatchSize = 500;

    private readonly DomainCnn _net;
    private Device _device = CPU;

    public void To(Device device)
    {
        _net.to(device);
        _device = device;
    }

    internal DomainClassifier(DomainCnn net, string name, string hash, JsonObject header)
    {
        _net = net;
        _net.eval();
        Name = name;
        Hash = hash;
        Header = header;
    }

    public string Name { get; }
    public string Hash { get; }
    public long[] InputShape => [1, 28, 28];
    public int FeatureDim => DomainCnn.Features;
    public int NumClasses => DomainCnn.Classes;

    /// <summary>The weights file's header: dataset, epochs, seed, test accuracy.</summary>
    public JsonObject Header { get; }

    /// <summary>The underlying module (eval mode).</summary>
    public DomainCnn Module => _net;

    public (Tensor Features, Tensor? Logits) Forward(Tensor images)
    {
        FeatureNetworks.CheckImages(images, InputShape, Name);
        _net.eval();
        var feats = new List<Tensor>();
        var logits = new List<Tensor>();
        using var scope = NewDisposeScope();
        using (inference_mode())
        {
            long n = images.shape[0];
            for (long i = 0; i < n; i += BatchSize)
            {
                var x = images.narrow(0, i, Math.Min(BatchSize, n - i)).to(ScalarType.Float32, _device);
                var f = _net.Embed(x);
                feats.Add(f);
                logits.Add(_net.Classify(f));
            }
        }
        // cat outside inference mode: the results are ordinary tensors the caller may modify in place.
        var features = feats.Count == 0 ? zeros(0, FeatureDim) : cat(feats, 0).OnCpu();
        var logit = logits.Count == 0 ? zeros(0, NumClasses) : cat(logits, 0).OnCpu();
        return (features.MoveToOuterDisposeScope(), logit.MoveToOuterDisposeScope());
    }

    /// <summary>Writes <paramref name="net"/> and <paramref name="header"/> (plus "arch") to a checkpoint file.</summary>
    public static void Save(string path, DomainCnn net, JsonObject header)
    {
        header["arch"] = Arch;
        CheckpointFile.Save(path, header, net.state_dict().Select(kv => (kv.Key, kv.Value)));
    }

    /// <summary>Loads a weights file written by <see cref="Save"/>; <paramref name="expectedSha256"/> (when given) must match.</summary>
    public static DomainClassifier Load(string path, string? name = null, string? expectedSha256 = null)
    {
        if (!File.Exists(path))
            throw new FeatureNetworkException($"weights file '{path}' does not exist: train one with 'gansharp classifier train --data mnist --out {path}'");
        return FromBytes(File.ReadAllBytes(path), path, name ?? Path.GetFileNameWithoutExtension(path), expectedSha256);
    }

    /// <summary>Loads weights from bytes (a file or an embedded resource called <paramref name="source"/>).</summary>
    internal static DomainClassifier FromBytes(byte[] bytes, string source, string name, string? expectedSha256)
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (expectedSha256 is not null && !hash.Equals(expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new FeatureNetworkException(
                $"weights '{source}' have SHA-256 {hash}, expected {expectedSha256}: the file is damaged or not the committed one; restore it from git (src/GanSharp/Metrics/Weights) and rebuild");
        // CheckpointFile reads from a path: go through a private temp file.
        string tmp = Path.Combine(Path.GetTempPath(), $"gansharp-weights-{Environment.ProcessId}-{Guid.NewGuid():N}.ckpt");
        JsonObject header;
        Dictionary<string, Tensor> tensors;
        try
        {
            File.WriteAllBytes(tmp, bytes);
            (header, tensors) = CheckpointFile.Load(tmp);
        }
        catch (CheckpointException e)
        {
            // Keep CheckpointFile's reason (checksum mismatch, bad magic, ...) but not its temp path or its advice about runs.
            string why = e.Message.Replace($"checkpoint '{tmp}' ", "").Replace($"'{tmp}' ", "").Replace(tmp, "file");
            int cut = why.IndexOf(": use an earlier", StringComparison.Ordinal);
            if (cut > 0) why = why[..cut];
            throw new FeatureNetworkException($"weights '{source}' are damaged or not a GanSharp weights file ({why}): restore them from git or retrain with 'gansharp classifier train'");
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
        try
        {
            if ((string?)header["arch"] != Arch)
                throw new FeatureNetworkException($"weights '{source}' are for '{(string?)header["arch"] ?? "?"}', not {Arch}: pass weights written by 'gansharp classifier train'");
            var net = new DomainCnn();
            try
            {
                var (missing, unexpected) = net.load_state_dict(tensors, strict: false);
                if (missing.Count > 0 || unexpected.Count > 0)
                    throw new FeatureNetworkException($"weights '{source}' do not fit {Arch} (missing: {string.Join(",", missing)}; unexpected: {string.Join(",", unexpected)})");
            }
            catch
            {
                net.Dispose();
                throw;
            }
            return new DomainClassifier(net, name, hash, header);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    public void Dispose() => _net.Dispose();
}
