using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// A fixed network that embeds images for sample-quality metrics: penultimate features feed FID, KID and
/// precision/recall; class logits (when there is a classifier head) feed the Inception Score and class histograms.
/// </summary>
public interface IFeatureNetwork : IDisposable
{
    /// <summary>Short name, e.g. "mnist-cnn", or the file name of a TorchScript network.</summary>
    string Name { get; }

    /// <summary>SHA-256 (lower-case hex) of the weights file or TorchScript file: record it beside every metric.</summary>
    string Hash { get; }

    /// <summary>Shape of one input image, e.g. [1, 28, 28].</summary>
    long[] InputShape { get; }

    int FeatureDim { get; }

    /// <summary>Number of classes of the classifier head; 0 when the network has none.</summary>
    int NumClasses { get; }

    /// <summary>
    /// images: N×C×H×W float in [-1, 1] (GanSharp's image convention). Returns the penultimate features
    /// (N×FeatureDim, float32, CPU) and the class logits (N×NumClasses) or null. Runs in eval mode under
    /// inference_mode, in batches; the caller owns (and disposes) the returned tensors.
    /// </summary>
    (Tensor Features, Tensor? Logits) Forward(Tensor images);

    /// <summary>
    /// Runs the network on <paramref name="device"/> from now on (--device): <see cref="Forward"/> moves each batch
    /// there and still returns CPU tensors. A network that cannot move stays on the CPU (the default).
    /// </summary>
    void To(Device device) { }
}

/// <summary>A feature network that cannot be loaded or run; the message names the file and what to do.</summary>
public sealed class FeatureNetworkException(string message) : Exception(message);
