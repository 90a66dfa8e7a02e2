using GanSharp.Performance;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Data.Synthetic;
using GanSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using TensorDataset = GanSharp.Data.TensorDataset;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.Synthetic;

/// <summary>
/// The convolutional trunk shared by the face networks: four stride-2 blocks (3×3 conv, BatchNorm, LeakyReLU 0.2)
/// of w, 2w, 4w, 8w maps, S×S → 8w × S/16 × S/16, flattened.
/// </summary>
internal static class FaceTrunk
{
    public static Sequential Make(int channels, int width) => Sequential(
        Conv2d(channels, width, 3, stride: 2, padding: 1), BatchNorm2d(width), LeakyReLU(0.2),
        Conv2d(width, 2 * width, 3, stride: 2, padding: 1), BatchNorm2d(2 * width), LeakyReLU(0.2),
        Conv2d(2 * width, 4 * width, 3, stride: 2, padding: 1), BatchNorm2d(4 * width), LeakyReLU(0.2),
        Conv2d(4 * width, 8 * width, 3, stride: 2, padding: 1), BatchNorm2d(8 * width), LeakyReLU(0.2),
        Flatten());

    public static long Features(int size, int width) => 8L * width * (size / 16) * (size / 16);
}

/// <summary>
/// A small face-recognition CNN: the trunk, a linear embedding (<see cref="Embed"/> values) and a linear classifier
/// over the training identities. <see cref="Features"/> gives its last two layers (the embedding and the logits),
/// which TP-GAN's identity-preserving loss compares; <see cref="Embedding"/> is what rank-1 matching compares (cosine).
/// </summary>
public sealed class IdentityNet : Module<Tensor, Tensor>
{
    private readonly Sequential trunk;
    private readonly Linear embed, classify;

    public IdentityNet(int size, int channels, int width, int classes, int embedding = 128) : base(nameof(IdentityNet))
    {
        if (size % 16 != 0 || size < 16) throw new ArgumentException($"the identity network takes square images whose side is a multiple of 16, not {size}");
        Size = size; Channels = channels; Width = width; Classes = classes; Embed = embedding;
        trunk = FaceTrunk.Make(channels, width);
        this.embed = Linear(FaceTrunk.Features(size, width), embedding);
        classify = Linear(embedding, classes);
        RegisterComponents();
    }

    public int Size { get; }
    public int Channels { get; }
    public int Width { get; }
    public int Classes { get; }
    public int Embed { get; }

    /// <summary>Logits over the training identities.</summary>
    public override Tensor forward(Tensor x) => classify.forward(embed.forward(trunk.forward(x)));

    /// <summary>The last two layers: the embedding and the logits.</summary>
    public IReadOnlyList<Tensor> Features(Tensor x)
    {
        var e = embed.forward(trunk.forward(x));
        return new[] { e, classify.forward(e) };
    }

    /// <summary>The embedding (what faces are matched by).</summary>
    public Tensor Embedding(Tensor x) => embed.forward(trunk.forward(x));
}

/// <summary>A small landmark regressor: the trunk, then a linear layer to the 5 landmarks (x, y) as fractions of the side in [-1, 1].</summary>
public sealed class LandmarkRegressor : Module<Tensor, Tensor>
{
    private readonly Sequential trunk;
    private readonly Linear head;

    public LandmarkRegressor(int size, int channels, int width) : base(nameof(LandmarkRegressor))
    {
        if (size % 16 != 0 || size < 16) throw new ArgumentException($"the landmark regressor takes square images whose side is a multiple of 16, not {size}");
        Size = size; Channels = channels; Width = width;
        trunk = FaceTrunk.Make(channels, width);
        head = Linear(FaceTrunk.Features(size, width), 10);
        RegisterComponents();
    }

    public int Size { get; }
    public int Channels { get; }
    public int Width { get; }

    /// <summary>B×10 normalized landmark coordinates.</summary>
    public override Tensor forward(Tensor x) => head.forward(trunk.forward(x));

    /// <summary>Pixel landmarks (B×5×2) to the normalized targets (B×10): 2·p/S − 1.</summary>
    public static Tensor Normalize(Tensor landmarks, int size) => landmarks.flatten(1).mul(2.0 / size).sub(1);

    /// <summary>Landmarks in pixels (B×5×2) of images in [-1, 1], in eval mode, without gradients.</summary>
    public Tensor Predict(Tensor images)
    {
        using var _ = no_grad();
        bool was = training;
        eval();
        try { return forward(images).add(1).mul(Size / 2.0).reshape(-1, 5, 2); }
        finally { if (was) train(); }
    }
}

/// <summary>Training, saving and loading the face networks (identity networks and the landmark regressor).</summary>
public static class FaceNets
{
    public const string IdentityKind = "identity-net";
    public const string LandmarkKind = "landmark-net";

    /// <summary>Lowercase hex SHA-256 of a file's bytes.</summary>
    public static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    /// <summary>
    /// Trains an <see cref="IdentityNet"/> to classify the identities (labels) of <paramref name="data"/> over every
    /// view it holds: Adam, cross-entropy, minibatches from its own generator, one dispose scope per step.
    /// Deterministic per seed.
    /// </summary>
    public static IdentityNet TrainIdentity(TensorDataset data, int steps, long seed, int width = 16, int batch = 64, double lr = 1e-3, Action<int, double>? progress = null)
    {
        if (data.Labels is null || data.NumClasses < 2) throw new DataException($"the identity network trains on identities; '{data.Name}' has no identity labels");
        if (data.ExampleShape.Length != 3) throw new DataException($"'{data.Name}' holds no images");
        batch = (int)Math.Min(batch, data.Count);
        manual_seed(seed);
        var model = new IdentityNet((int)data.ExampleShape[1], (int)data.ExampleShape[0], width, data.NumClasses);
        using var optimizer = optim.Adam(model.parameters(), lr);
        using var g = new Generator(unchecked((ulong)seed) ^ 0x1D_F4CEUL);
        model.train();
        for (int step = 0; step < steps; step++)
        {
            NativeGarbage.AfterStep(step);   // frees finalizer-held native memory (implicit Scalars)
            using var scope = NewDisposeScope();
            var idx = randint(0, data.Count, new long[] { batch }, generator: g); // cpu: the face networks are trained and scored on the CPU
            var loss = functional.cross_entropy(model.call(data.Gather(idx)), data.Labels.index_select(0, idx));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            progress?.Invoke(step + 1, loss.item<float>());
        }
        model.eval();
        return model;
    }

    /// <summary>Trains a <see cref="LandmarkRegressor"/> on the "landmarks" field of <paramref name="data"/>: Adam, smooth L1 on normalized coordinates.</summary>
    public static LandmarkRegressor TrainLandmarks(TensorDataset data, int steps, long seed, int width = 16, int batch = 64, double lr = 1e-3, Action<int, double>? progress = null)
    {
        if (!data.ExtraFields.TryGetValue(HeadFields.Landmarks, out var lm)) throw new DataException($"the landmark regressor trains on landmarks; '{data.Name}' has no '{HeadFields.Landmarks}' field");
        int size = (int)data.ExampleShape[1];
        batch = (int)Math.Min(batch, data.Count);
        manual_seed(seed);
        var model = new LandmarkRegressor(size, (int)data.ExampleShape[0], width);
        using var optimizer = optim.Adam(model.parameters(), lr);
        using var g = new Generator(unchecked((ulong)seed) ^ 0x1A_4D3AUL);
        model.train();
        for (int step = 0; step < steps; step++)
        {
            NativeGarbage.AfterStep(step);   // frees finalizer-held native memory (implicit Scalars)
            using var scope = NewDisposeScope();
            var idx = randint(0, data.Count, new long[] { batch }, generator: g); // cpu: the face networks are trained and scored on the CPU
            var target = LandmarkRegressor.Normalize(lm.index_select(0, idx), size);
            var loss = functional.smooth_l1_loss(model.call(data.Gather(idx)), target, beta: 0.05);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            progress?.Invoke(step + 1, loss.item<float>());
        }
        model.eval();
        return model;
    }

    /// <summary>Writes an identity network (its sizes in the header) and returns the file's SHA-256.</summary>
    public static string Save(IdentityNet net, string path, JsonObject? info = null) =>
        Write(path, new JsonObject { ["kind"] = IdentityKind, ["size"] = net.Size, ["channels"] = net.Channels, ["width"] = net.Width, ["classes"] = net.Classes, ["embedding"] = net.Embed, ["info"] = info }, net);

    /// <summary>Writes a landmark regressor and returns the file's SHA-256.</summary>
    public static string Save(LandmarkRegressor net, string path, JsonObject? info = null) =>
        Write(path, new JsonObject { ["kind"] = LandmarkKind, ["size"] = net.Size, ["channels"] = net.Channels, ["width"] = net.Width, ["info"] = info }, net);

    private static string Write(string path, JsonObject header, Module net)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        CheckpointFile.Save(path, header, net.state_dict().Select(kv => (kv.Key, kv.Value)));
        return Sha256(path);
    }

    /// <summary>Reads an identity network written by <see cref="Save(IdentityNet, string, JsonObject?)"/>, in eval mode.</summary>
    /// <exception cref="CheckpointException">The file is missing, unreadable or holds another kind of network.</exception>
    public static IdentityNet LoadIdentity(string path)
    {
        var (h, t) = Read(path, IdentityKind);
        var net = new IdentityNet(Int(h, "size", path), Int(h, "channels", path), Int(h, "width", path), Int(h, "classes", path), Int(h, "embedding", path));
        return Fill(net, t, path);
    }

    /// <summary>Reads a landmark regressor written by <see cref="Save(LandmarkRegressor, string, JsonObject?)"/>, in eval mode.</summary>
    public static LandmarkRegressor LoadLandmarks(string path)
    {
        var (h, t) = Read(path, LandmarkKind);
        var net = new LandmarkRegressor(Int(h, "size", path), Int(h, "channels", path), Int(h, "width", path));
        return Fill(net, t, path);
    }

    /// <summary>Copies the file's tensors into an identity network of the same shape (TP-GAN's frozen copy).</summary>
    public static void LoadInto(IdentityNet net, string path)
    {
        using var loaded = LoadIdentity(path);
        if (loaded.Size != net.Size || loaded.Channels != net.Channels || loaded.Width != net.Width || loaded.Classes != net.Classes || loaded.Embed != net.Embed)
            throw new CheckpointException($"identity network '{path}' is {loaded.Channels}×{loaded.Size}² width {loaded.Width}, {loaded.Classes} identities; expected {net.Channels}×{net.Size}² width {net.Width}, {net.Classes} identities");
        using var _ = no_grad();
        var src = loaded.state_dict();
        foreach (var (k, v) in net.state_dict()) v.copy_(src[k]);
    }

    /// <summary>The header of an identity network file (its sizes), without building it.</summary>
    public static JsonObject IdentityHeader(string path) => Read(path, IdentityKind, headerOnly: true).Header;

    private static (JsonObject Header, Dictionary<string, Tensor> Tensors) Read(string path, string kind, bool headerOnly = false)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{kind} file '{path}' does not exist: train one with 'gansharp heads {kind} --out {path}'");
        var (h, t) = CheckpointFile.Load(path);
        if (h["kind"]?.GetValue<string>() != kind)
        {
            foreach (var x in t.Values) x.Dispose();
            throw new CheckpointException($"'{path}' is not a {kind} file (kind '{h["kind"]}'): train one with 'gansharp heads {kind}'");
        }
        if (headerOnly) foreach (var x in t.Values) x.Dispose();
        return (h, t);
    }

    private static int Int(JsonObject h, string key, string path) =>
        h[key]?.GetValue<int>() ?? throw new CheckpointException($"'{path}' lacks '{key}' in its header");

    private static T Fill<T>(T net, Dictionary<string, Tensor> tensors, string path) where T : Module
    {
        try
        {
            using var _ = no_grad();
            foreach (var (k, v) in net.state_dict())
            {
                if (!tensors.TryGetValue(k, out var src) || !src.shape.SequenceEqual(v.shape))
                    throw new CheckpointException($"'{path}' lacks tensor '{k}' of shape [{string.Join("×", v.shape)}]");
                v.copy_(src);
            }
        }
        finally
        {
            foreach (var x in tensors.Values) x.Dispose();
        }
        net.eval();
        return net;
    }

    /// <summary>Rank-1 accuracy: the fraction of probes whose most cosine-similar gallery embedding has their label.</summary>
    public static double Rank1(Tensor probes, Tensor probeLabels, Tensor gallery, Tensor galleryLabels)
    {
        using var scope = NewDisposeScope();
        var sim = functional.normalize(probes, dim: 1).matmul(functional.normalize(gallery, dim: 1).t());
        var best = galleryLabels.index_select(0, sim.argmax(1));
        return best.eq(probeLabels).to_type(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>Embeddings of uint8 or [-1, 1] images in chunks, in eval mode, without gradients.</summary>
    public static Tensor Embed(IdentityNet net, Tensor images)
    {
        using var _ = no_grad();
        net.eval();
        var rows = new List<Tensor>();
        for (long i = 0; i < images.shape[0]; i += 256)
        {
            using var scope = NewDisposeScope();
            var x = images.narrow(0, i, Math.Min(256, images.shape[0] - i));
            if (x.dtype == ScalarType.Byte) x = x.to_type(ScalarType.Float32).div(127.5).sub(1);
            rows.Add(net.Embedding(x).MoveToOuterDisposeScope());
        }
        return cat(rows, 0);
    }

    /// <summary>The fraction of <paramref name="data"/>'s images the network classifies as their own identity (eval mode, chunks).</summary>
    public static double Rank1Logits(IdentityNet net, TensorDataset data)
    {
        using var _ = no_grad();
        net.eval();
        long right = 0;
        for (long i = 0; i < data.Count; i += 256)
        {
            using var scope = NewDisposeScope();
            var idx = arange(i, Math.Min(i + 256, data.Count)); // cpu: the face networks are trained and scored on the CPU
            right += net.call(data.Gather(idx)).argmax(1).eq(data.Labels!.index_select(0, idx)).sum().item<long>();
        }
        return (double)right / data.Count;
    }

    /// <summary>Mean Euclidean landmark error in pixels over <paramref name="data"/> (all five landmarks, seen or hidden).</summary>
    public static double LandmarkError(LandmarkRegressor net, TensorDataset data)
    {
        var lm = data.ExtraFields[HeadFields.Landmarks];
        double sum = 0;
        for (long i = 0; i < data.Count; i += 256)
        {
            using var scope = NewDisposeScope();
            var idx = arange(i, Math.Min(i + 256, data.Count)); // cpu: the face networks are trained and scored on the CPU
            var d = net.Predict(data.Gather(idx)) - lm.index_select(0, idx);
            sum += d.pow(2).sum(2).sqrt().sum().item<float>();
        }
        return sum / (data.Count * 5);
    }
}
