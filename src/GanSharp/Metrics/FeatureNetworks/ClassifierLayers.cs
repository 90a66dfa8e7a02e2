using System.Runtime.CompilerServices;
using GanSharp.Families.Progressive;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>
/// A committed domain classifier (mnist-cnn, fashion-cnn) as the frozen feature layers of the cascade family's
/// CRN loss. The Families layer cannot name Metrics types, so this layer hands them over through
/// <see cref="ClassifierFeatures.Resolver"/>, set once when the assembly loads.
/// </summary>
public sealed class ClassifierLayers : FeatureLayers
{
    private readonly DomainCnn net;

    private ClassifierLayers(DomainCnn net, string name) : base(nameof(ClassifierLayers))
    {
        this.net = net;
        ClassifierName = name;
        RegisterComponents();
    }

    public override string ClassifierName { get; }
    public override long[] InputShape => [1, 28, 28];

    public override IReadOnlyList<Tensor> Layers(Tensor images) => net.Activations(images);

    /// <summary>The classifier of a dataset (the one its FID uses), or null when it has none.</summary>
    public static ClassifierLayers? ForData(string data)
    {
        if (Evaluator.DefaultFeatureNet(data) is not { } name || FeatureNetworks.Load(name) is not DomainClassifier classifier) return null;
        return new ClassifierLayers(classifier.Module, name);
    }

#pragma warning disable CA2255 // a library module initializer: it only installs a resolver, no side effects beyond that
    [ModuleInitializer]
    internal static void Install() => ClassifierFeatures.Resolver ??= ForData;
#pragma warning restore CA2255
}
