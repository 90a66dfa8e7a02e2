using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// Feature networks by name: the committed domain classifiers ("mnist-cnn", "fashion-cnn", embedded in the
/// GanSharp assembly and verified by SHA-256 so every machine measures with the same network), a GanSharp
/// weights file (.ckpt, from 'gansharp classifier train'), or a TorchScript file (.pt / .ts).
/// </summary>
public static class FeatureNetworks
{
    /// <summary>The committed weights: name, embedded resource, SHA-256, description. See Metrics/Weights/README.md.</summary>
    private static readonly (string Name, string Resource, string Sha256, string Description)[] Committed =
    [
        ("mnist-cnn", "GanSharp.Metrics.Weights.mnist-cnn.ckpt", "9068c8d0ff7cc42c405991fef81398e78112725c858ae69e4cc7fae7ae947f4c",
            "domain CNN trained on MNIST (1x28x28, 128-D features, 10 classes); also classifies Stacked MNIST per channel"),
        ("fashion-cnn", "GanSharp.Metrics.Weights.fashion-cnn.ckpt", "e1e325c20f47faac14dd3d45b88ac0ab0fde1a0662ce3bbf2ecd2b644ad0f682",
            "domain CNN trained on Fashion-MNIST (1x28x28, 128-D features, 10 classes)"),
    ];

    public static IReadOnlyList<(string Name, string Description)> Known { get; } =
    [
        .. Committed.Select(c => (c.Name, c.Description)),
        (RandomCnn.NetworkName, "fixed random CNN (seeded, hash-checked; 1/3/4 channels at any size → 3x64x64, 480-D colour/texture features, no classes): the default for image folders"),
        ("<file>.ckpt", "weights written by 'gansharp classifier train' (domain CNN, 1x28x28)"),
        ("<file>.pt | <file>.ts", "a TorchScript network made in PyTorch (default contract: see TorchScriptInputContract)"),
    ];

    /// <summary>The SHA-256 recorded for a committed network, or null for an unknown name.</summary>
    public static string? CommittedHash(string name) => Committed.FirstOrDefault(c => c.Name == name).Sha256;

    /// <summary>Loads a network by name or path (see <see cref="Known"/>).</summary>
    public static IFeatureNetwork Load(string nameOrPath, TorchScriptInputContract? contract = null)
    {
        foreach (var c in Committed)
            if (c.Name == nameOrPath)
                return DomainClassifier.FromBytes(ReadResource(c.Resource), $"embedded {c.Resource}", c.Name, c.Sha256);
        if (nameOrPath == RandomCnn.NetworkName) return RandomCnn.Create();
        string ext = Path.GetExtension(nameOrPath).ToLowerInvariant();
        return ext switch
        {
            ".pt" or ".ts" => TorchScriptFeatureNetwork.Load(nameOrPath, contract ?? TorchScriptInputContract.ForFile(nameOrPath)),
            ".ckpt" => DomainClassifier.Load(nameOrPath),
            _ => throw new FeatureNetworkException(
                $"unknown feature network '{nameOrPath}': use {string.Join(", ", Committed.Select(c => c.Name).Append(RandomCnn.NetworkName))}, a .ckpt weights file or a TorchScript .pt/.ts file"),
        };
    }

    internal static byte[] ReadResource(string resource)
    {
        using var s = typeof(FeatureNetworks).Assembly.GetManifestResourceStream(resource)
            ?? throw new FeatureNetworkException($"embedded weights {resource} are missing from the GanSharp assembly: rebuild from a checkout with src/GanSharp/Metrics/Weights");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    /// <summary>
    /// Stacked MNIST: classifies each of the 3 channels of N×3×28×28 images (in [-1, 1]) with a 1-channel digit
    /// classifier; returns N×3 int64 digits (channel order), e.g. for counting the 1000 modes.
    /// </summary>
    public static Tensor PredictDigitsPerChannel(IFeatureNetwork net, Tensor images)
    {
        if (net.NumClasses == 0 || !net.InputShape.SequenceEqual(new long[] { 1, 28, 28 }))
            throw new ArgumentException($"feature network '{net.Name}' is not a 1x28x28 classifier");
        if (images.dim() != 4 || images.shape[1] != 3 || images.shape[2] != 28 || images.shape[3] != 28)
            throw new ArgumentException($"Stacked MNIST images must be N x 3 x 28 x 28, got [{string.Join(", ", images.shape)}]");
        using var scope = NewDisposeScope();
        long n = images.shape[0];
        var (features, logits) = net.Forward(images.reshape(n * 3, 1, 28, 28));
        return logits!.argmax(1).reshape(n, 3).MoveToOuterDisposeScope();
    }

    /// <summary>Checks that images are N×C×H×W with the network's C×H×W.</summary>
    internal static void CheckImages(Tensor images, long[] inputShape, string name)
    {
        if (images.dim() != 4 || !images.shape[1..].SequenceEqual(inputShape))
            throw new ArgumentException(
                $"feature network '{name}' takes N x {string.Join(" x ", inputShape)} images, got [{string.Join(", ", images.shape)}]");
    }
}
