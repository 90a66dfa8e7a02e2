using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Models;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.SemiSupervised;

/// <summary>
/// Semi-supervised GAN (Salimans et al. 2016, "Improved Techniques for Training GANs", §5): D is a K-class
/// classifier whose fake class has logit 0, trained on n labelled examples (L_supervised) and on unlabelled and
/// generated ones (L_unsupervised); G matches D's intermediate features. With semisup-mode dcgan-features the same
/// networks train as an unsupervised GAN (L_unsupervised, non-saturating G), for a linear probe on D's features
/// as in Radford et al. 2015.
/// </summary>
public sealed class SemiSupervisedFamily : IGanFamily
{
    public string Name => "semisup";
    public string Description => "semi-supervised GAN: D as a K+1-class classifier, feature matching (Salimans et al. 2016)";

    public bool RunsOnAnyDevice => true;

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["semisup-mlp"] = ("Semi-supervised GAN (Salimans et al. 2016) on permutation-invariant MNIST: weight-normed MLP D 784-1000-500-250-250-250-10, feature matching, 100 labels, batch 100, Adam 0.003, 300 epochs, 1 thread",
            """{"model":"semisup","arch":"semisup-mlp","data":"mnist","labels":100,"batch":100,"threads":1,"steps":180000,"z-dim":100,"prior":"uniform","lr-g":0.003,"lr-d":0.003,"log-every":50,"sample-every":3000,"checkpoint-every":600,"sample-count":100}"""),
        ["semisup-conv"] = ("Semi-supervised GAN on MNIST with a convolutional D (dcgan28-like, weight-normed, 10 outputs) and the dcgan28 G, 100 labels, batch 100, Adam 0.003",
            """{"model":"semisup","arch":"semisup-conv","data":"mnist","labels":100,"batch":100,"steps":180000,"z-dim":100,"prior":"uniform","lr-g":0.003,"lr-d":0.003,"log-every":50,"sample-every":3000,"checkpoint-every":600,"sample-count":100}"""),
    };

    public IReadOnlyList<string> RequiredFields => new[] { BatchFields.Image, BatchFields.Label };

    public IReadOnlyList<(string Name, string Description)> Architectures => SemiSupervisedNetworks.Architectures;

    public string ResolveArch(GanOptions options, long[] exampleShape) => SemiSupervisedNetworks.ResolveArch(options, exampleShape);

    public string? DefaultPreset(string? data, string? arch) => arch == "semisup-conv" ? "semisup-conv" : "semisup-mlp";

    /// <summary>
    /// The semi-supervised objective is its own (K+1 classes, feature matching): the stability options of the loss
    /// object and of D's architecture are refused, each in one line, rather than ignored.
    /// </summary>
    public static void RefuseUnsupported(GanOptions o)
    {
        var set = new (bool On, string Flag)[]
        {
            (o.Loss != Losses.LossKind.Gan, "--loss"), (o.R1 > 0, "--r1"), (o.RealLabel != 1.0, "--real-label"),
            (o.InstanceNoise > 0, "--instance-noise"), (o.FeatureMatching, "--feature-matching (kplus1 always matches features)"),
            (o.SpectralNorm, "--spectral-norm"), (o.Pack > 1, "--pack"), (o.MinibatchStd, "--minibatch-std"),
            (o.MinibatchDisc > 0, "--minibatch-disc"), (o.Unrolled > 0, "--unrolled"), (o.Clip > 0, "--clip"),
            (o.VirtualBatchNorm, "--virtual-batch-norm"), (!o.SeparateBatches, "--batches joint"), (o.Augment != "none", "--augment"),
        };
        foreach (var (on, flag) in set)
            if (on) throw new ArgumentException($"{flag.Split(' ')[0]} is not available for the semisup model{(flag.Contains(' ') ? " " + flag[(flag.IndexOf(' ') + 1)..] : "")}: its D is a K+1-class classifier with its own loss");
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        RefuseUnsupported(options);
        int k = numClasses > 0 ? numClasses : 10;
        var (g, d) = SemiSupervisedNetworks.Build(options, exampleShape, k);
        return new SemiSupervisedSystem(g, d, options, exampleShape);
    }
}

/// <summary>The semi-supervised GAN's losses; it draws its own labelled minibatch with the training generator.</summary>
public sealed class SemiSupervisedSystem : GanSystem
{
    /// <summary>Weight of L_unsupervised beside L_supervised, as in the authors' code (loss_lab + 0.5·(…)).</summary>
    public const double UnsupervisedWeight = 0.5;

    /// <summary>
    /// Adam's ε for G and D. The authors' Adam divides by √(v̂ + 1e-8), so no step is larger than lr·m̂/1e-4 where
    /// gradients are tiny; 1e-4 added to √v̂ is the closest PyTorch-style ε (within a factor √2 of theirs everywhere).
    /// </summary>
    public const double AdamEps = 1e-4;

    private Tensor? _labelledX, _labelledY;

    public SemiSupervisedSystem(nn.Module<Tensor, Tensor> generator, SemiSupervisedDiscriminator discriminator, GanOptions options, long[] exampleShape)
        : base(generator, discriminator, options, exampleShape)
    {
        Classifier = discriminator;
    }

    public SemiSupervisedDiscriminator Classifier { get; }

    public bool FeaturesMode => Options.SemisupMode == "dcgan-features";

    /// <summary>Indices (into the training set) of the labelled examples, once attached.</summary>
    public long[]? LabelledIndices { get; private set; }

    /// <summary>
    /// Chooses the n labelled examples (balanced, by seed) and keeps them (and only their labels); then gives D its
    /// data-dependent initialization (<see cref="SemiSupervisedNetworks.InitializeFromData"/>). On a resumed run the
    /// checkpoint then overwrites that initialization.
    /// </summary>
    public override void Attach(TensorDataset data)
    {
        if (data.Labels is null || data.NumClasses != Classifier.NumClasses)
            throw new ArgumentException($"the semisup model needs a dataset with {Classifier.NumClasses} labelled classes; '{data.Name}' has {data.NumClasses}");
        LabelledIndices = LabelledSplit.Balanced(data.Labels, Options.Labels, data.NumClasses, Options.Seed);
        using var idx = tensor(LabelledIndices); // cpu: indices into the CPU data set
        _labelledX?.Dispose();
        _labelledY?.Dispose();
        using var scope = NewDisposeScope();
        _labelledX = data.Gather(idx).On(Device).DetachFromDisposeScope();       // the labelled set lives where D does
        _labelledY = data.GatherLabels(idx)!.On(Device).DetachFromDisposeScope();
        SemiSupervisedNetworks.InitializeFromData(Classifier, data, Options.Seed);
    }

    /// <summary>
    /// A labelled minibatch of <paramref name="n"/> examples: the labelled set permuted and tiled
    /// (<see cref="LabelledSplit.BatchPositions"/>), as in the authors' code.
    /// </summary>
    public (Tensor X, Tensor Y) LabelledBatch(long n, Generator generator)
    {
        if (_labelledX is null) throw new InvalidOperationException("no labelled set: the system was not attached to training data");
        var idx = LabelledSplit.BatchPositions(_labelledX.shape[0], n, generator, _labelledX.device);
        return (_labelledX.index_select(0, idx), _labelledY!.index_select(0, idx));
    }

    /// <summary>L_supervised + ½ L_unsupervised (kplus1), or L_unsupervised alone (dcgan-features).</summary>
    public override LossResult DiscriminatorLoss(Batch batch, Generator generator, int step = 1)
    {
        long n = batch.Real.shape[0];
        Classifier.Noise = generator;
        Tensor fake;
        using (no_grad())
            fake = Generate(SampleLatent(n, generator));
        var realLogits = Classifier.call(batch.Real); // batch.Labels are never read
        var fakeLogits = Classifier.call(fake);
        var loss = SemiSupervisedLoss.Unsupervised(realLogits, fakeLogits);
        if (!FeaturesMode)
        {
            var (x, y) = LabelledBatch(n, generator);
            loss = SemiSupervisedLoss.Supervised(Classifier.call(x), y) + UnsupervisedWeight * loss;
        }
        return new LossResult(loss,
            sigmoid(SemiSupervisedLoss.RealLogit(realLogits.detach())).mean(),
            sigmoid(SemiSupervisedLoss.RealLogit(fakeLogits.detach())).mean());
    }

    /// <summary>Feature matching on D's last hidden layer, mean over features as in the authors' MNIST code (kplus1), or the non-saturating loss on log Z (dcgan-features).</summary>
    public override LossResult GeneratorLoss(Batch batch, Generator generator)
    {
        long n = batch.Real.shape[0];
        Classifier.Noise = generator;
        var (fakeFeatures, fakeLogits) = Classifier.Forward(Generate(SampleLatent(n, generator)));
        var dFake = sigmoid(SemiSupervisedLoss.RealLogit(fakeLogits.detach())).mean();
        if (FeaturesMode)
            return new LossResult(AdversarialLoss.Generator(SemiSupervisedLoss.RealLogit(fakeLogits), Options.GLoss), DFake: dFake);
        Tensor realFeatures;
        using (no_grad())
            realFeatures = Classifier.Forward(batch.Real).Features;
        return new LossResult(SemiSupervisedLoss.FeatureMatching(realFeatures, fakeFeatures), DFake: dFake);
    }

    /// <summary>G's and D's optimizer groups with the authors' effective Adam ε (<see cref="AdamEps"/>).</summary>
    public override IReadOnlyList<OptimizerGroup> OptimizerGroups() =>
        base.OptimizerGroups().Select(g => g with { Eps = AdamEps }).ToArray();

    /// <summary>
    /// With --ema in kplus1 mode the running average is of D, the classifier: the authors evaluate test error with an
    /// average of D's weights (Polyak averaging); the checkpoint keeps it under "Dema." and
    /// <see cref="Sampler.Load"/> loads it as D. In dcgan-features mode it is G's, as elsewhere.
    /// </summary>
    public override string? EmaNetwork => FeaturesMode ? "G" : "D";

    public override string? JointLossesUnsupported() => "the semisup family has its own losses";

    public override void Dispose()
    {
        _labelledX?.Dispose();
        _labelledY?.Dispose();
        base.Dispose();
    }
}
