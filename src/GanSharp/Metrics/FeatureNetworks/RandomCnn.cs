using System.Security.Cryptography;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// "random-cnn": the fallback feature network for image folders, until the project has a trained photo network.
/// A convolutional network with fixed random weights, as proposed for data far from ImageNet by Naeem et al. 2020
/// ("Reliable Fidelity and Diversity Metrics for Generative Models", random embeddings) and studied by Lee, Kim &amp;
/// Lee 2022 ("Demystifying Randomly Initialized Networks for Evaluating Generative Models").
/// <para>
/// Input: N×C×H×W in [-1, 1], C = 1 (repeated to 3), 3, or 4 (premultiplied RGBA: its colour channels are the
/// image composited over black), resized to 64×64 (bilinear; antialiased when shrinking). Network: four 3×3
/// convolutions without bias, 32 → 64 → 128 → 256 channels, each followed by ReLU, with a 2×2 average pool between
/// them (64 → 32 → 16 → 8). Features: the spatial mean of each stage's ReLU output, concatenated: 32 + 64 + 128 +
/// 256 = <see cref="FeatureDim"/> = 480. So the features describe colour and texture statistics at four scales, not
/// layout or meaning. No classifier head (IS, modes and 'confident' do not apply).
/// </para>
/// <para>
/// Weights: He-uniform, U(−√(6/fan_in), √(6/fan_in)), drawn with torch.rand from a generator seeded with
/// <see cref="Seed"/>, stage by stage. Nothing is downloaded or committed; the SHA-256 of the weights is checked
/// against <see cref="Sha256"/>, so every machine measures with the same network or refuses.
/// </para>
/// </summary>
public sealed class RandomCnn : IFeatureNetwork
{
    public const string NetworkName = "random-cnn";
    public const ulong Seed = 20_220_819;
    public const int Side = 64;
    public static readonly int[] Channels = [32, 64, 128, 256];

    /// <summary>SHA-256 of "random-cnn-v1" followed by the float32 weights, stage by stage (little-endian).</summary>
    public const string Sha256 = "fc301bbb378182612f5761c4e3e5d8ecacdc5aefae2d9359262f316c8b1d45a7";

    /// <summary>Images per forward pass.</summary>
    public const int BatchSize = 250;

    private readonly Tensor[] _weights;
    private Device _device = CPU;

    public void To(Device device)
    {
        for (int i = 0; i < _weights.Length; i++)
        {
            var moved = _weights[i].to(device);
            if (!ReferenceEquals(moved, _weights[i])) { _weights[i].Dispose(); _weights[i] = moved; }
        }
        _device = device;
    }

    private RandomCnn(Tensor[] weights, string hash)
    {
        _weights = weights;
        Hash = hash;
    }

    /// <summary>Builds the network; <paramref name="verify"/> checks the weights against <see cref="Sha256"/>.</summary>
    public static RandomCnn Create(bool verify = true)
    {
        using var g = new Generator(Seed);
        var weights = new Tensor[Channels.Length];
        int input = 3;
        for (int i = 0; i < Channels.Length; i++)
        {
            double bound = Math.Sqrt(6.0 / (input * 9));
            using var u = rand(new long[] { Channels[i], input, 3, 3 }, generator: g);
            weights[i] = u.mul(2 * bound).sub_(bound);
            input = Channels[i];
        }
        string hash = WeightsHash(weights);
        if (verify && hash != Sha256)
        {
            foreach (var w in weights) w.Dispose();
            throw new FeatureNetworkException(
                $"feature network {NetworkName} drew weights with SHA-256 {hash}, expected {Sha256}: this machine's random generator differs, so its numbers would not compare; pass --feature-net with a weights file instead");
        }
        return new RandomCnn(weights, hash);
    }

    /// <summary>SHA-256 of the version tag and the weights' bytes.</summary>
    public static string WeightsHash(IEnumerable<Tensor> weights)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData("random-cnn-v1"u8);
        foreach (var w in weights)
            using (var c = w.contiguous()) sha.AppendData(c.bytes);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public string Name => NetworkName;
    public string Hash { get; }
    public long[] InputShape => [3, Side, Side];
    public int FeatureDim => Channels.Sum();
    public int NumClasses => 0;

    /// <summary>[-1, 1] images with 1, 3 or 4 channels to 3×64×64.</summary>
    public static Tensor Prepare(Tensor images, Device? device = null)
    {
        if (images.dim() != 4 || images.shape[1] is not (1 or 3 or 4))
            throw new ArgumentException($"feature network {NetworkName} takes N x C x H x W images with 1, 3 or 4 channels, got [{string.Join(", ", images.shape)}]");
        var x = images.to(ScalarType.Float32, device ?? CPU);
        x = x.shape[1] switch
        {
            1 => x.expand(-1, 3, -1, -1),
            4 => x.narrow(1, 0, 3),
            _ => x,
        };
        if (x.shape[2] != Side || x.shape[3] != Side) x = Imaging.Resize.ResizeBilinear(x, Side, Side);
        return x.contiguous();
    }

    /// <summary>The 480 features of prepared 3×64×64 images.</summary>
    private Tensor Embed(Tensor x)
    {
        var parts = new List<Tensor>(_weights.Length);
        for (int i = 0; i < _weights.Length; i++)
        {
            if (i > 0) x = nn.functional.avg_pool2d(x, 2);
            x = nn.functional.relu(nn.functional.conv2d(x, _weights[i], padding: new long[] { 1, 1 }));
            parts.Add(x.mean(new long[] { 2, 3 }));
        }
        return cat(parts, 1);
    }

    public (Tensor Features, Tensor? Logits) Forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var feats = new List<Tensor>();
        using (inference_mode())
        {
            long n = images.shape[0];
            for (long i = 0; i < n; i += BatchSize)
            {
                using var inner = NewDisposeScope();
                feats.Add(Embed(Prepare(images.narrow(0, i, Math.Min(BatchSize, n - i)), _device)).OnCpu().MoveToOuterDisposeScope());
            }
        }
        // cat outside inference mode: the result is an ordinary tensor the caller may modify in place.
        var features = feats.Count == 0 ? zeros(0, FeatureDim) : cat(feats, 0);
        return (features.MoveToOuterDisposeScope(), null);
    }

    public void Dispose()
    {
        foreach (var w in _weights) w.Dispose();
    }
}
