using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using TensorDataset = GanSharp.Data.TensorDataset;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.Progressive;

/// <summary>Frozen feature layers of a classifier (for a feature-matching loss), N×C×H×W in [−1, 1] → its activations.</summary>
public abstract class FeatureLayers : Module<Tensor, Tensor>
{
    protected FeatureLayers(string name) : base(name) { }

    /// <summary>The classifier's name (e.g. fashion-cnn).</summary>
    public abstract string ClassifierName { get; }

    /// <summary>C×H×W of the images it reads.</summary>
    public abstract long[] InputShape { get; }

    /// <summary>The activations Φ_1 … Φ_L, input side first.</summary>
    public abstract IReadOnlyList<Tensor> Layers(Tensor images);

    public override Tensor forward(Tensor images) => Layers(images)[^1];
}

/// <summary>
/// Where the cascade family finds a dataset's classifier: the Metrics layer (which owns the classifiers) installs
/// the resolver when the assembly loads, so this layer needs no reference to it.
/// </summary>
public static class ClassifierFeatures
{
    public static Func<string, FeatureLayers?>? Resolver { get; set; }

    /// <summary>The classifier layers of <paramref name="data"/>, or one error line naming the datasets that have one.</summary>
    public static FeatureLayers For(string data) => Resolver?.Invoke(data)
        ?? throw new ArgumentException($"the cascade model matches the features of the dataset's own classifier, and '{data}' has none: use --data mnist or --data fashion-mnist");
}

/// <summary>
/// A cascaded refinement network in the style of Chen &amp; Koltun 2017 ("Photographic Image Synthesis with Cascaded
/// Refinement Networks"), conditioned on a class label instead of a semantic layout: `gansharp train cascade`. A
/// chain of refinement modules, each at twice the resolution of the one before (4×4 → the image's size); module i
/// takes the bilinearly upsampled features of module i−1 and the label as K one-hot maps at its resolution, then
/// two 3×3 convs, each followed by layer normalization and leaky ReLU. A 1×1 conv makes k images at once (CRN's
/// "diverse collection"), with tanh for our [−1, 1] range. It is not a GAN: it is trained with CRN's feature-matching
/// loss, min over the k images of Σ_l ‖Φ_l(x) − Φ_l(g_u)‖₁ (mean per layer; l = 0 the pixels), Φ the dataset's own
/// classifier (fashion-cnn, mnist-cnn) read on the 28×28 centre. Its only randomness is which of the k images a sample
/// shows. <c>--adversarial</c> (our variant) adds a conditional D on the last stage's images and its loss, weighted by
/// <c>--cascade-adv-weight</c>, to G's.
/// </summary>
public sealed class CascadeFamily : IGanFamily
{
    /// <summary>Runs on any --device (docs/scale.md).</summary>
    public bool RunsOnAnyDevice => true;

    public const string ModelName = "cascade";
    public const string ArchName = "crn";
    public const int StartSide = 4;

    public string Name => ModelName;
    public string Description => "cascaded refinement network on class labels, trained by CRN's feature-matching loss on the dataset's classifier, no adversary (Chen & Koltun 2017); --adversarial adds a D (our variant)";
    public IReadOnlyList<string> RequiredFields => new[] { BatchFields.Image, BatchFields.Label };

    public IReadOnlyList<(string Name, string Description)> Architectures => new[]
    {
        (ArchName, "CRN: refinement modules 4×4 → image size, each 2 × (3×3 conv, layer norm, leaky ReLU) on (upsampled features, label maps), --width-g maps; 1×1 conv to k images"),
    };

    public IReadOnlyList<OptionSpec> Options => new[]
    {
        OptionSpec.Of("outputs", 9, "cascade: images k made at once, the CRN loss taking the best one per example (default 9; 1: a single image per label)"),
        OptionSpec.Of("adversarial", false, "cascade: add a conditional D on the last stage and its loss to G's (our variant; default false: CRN's feature matching alone)"),
        OptionSpec.Of("cascade-adv-weight", 1.0, "cascade: weight of the adversarial term in G's loss with --adversarial (default 1)"),
    };

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["cascade"] = ("cascaded refinement (CRN) on class labels: Adam 1e-4 β (0.9, 0.999) as Chen & Koltun, batch 32, 64 maps per module, 9 images per label; the D of --adversarial uses the gan loss, Adam 2e-4 β (0.5, 0.999)",
            """{"model":"cascade","loss":"gan","lr-g":1e-4,"betas-g":[0.9,0.999],"lr-d":2e-4,"betas-d":[0.5,0.999],"batch":32,"width-g":64,"width-d":64,"steps":2000,"sample-every":250,"checkpoint-every":250,"log-every":10,"sample-count":90}"""),
    };

    public string? DefaultPreset(string? data, string? arch) => "cascade";

    public (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log) =>
        DigitPadding.Adapt(data, Name, log);

    public string ResolveArch(GanOptions options, long[] exampleShape)
    {
        RefuseUnsupported(options);
        ProgressiveFamily.CheckShape(options, exampleShape, Name);
        return ArchName;
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        RefuseUnsupported(options);
        ProgressiveFamily.CheckShape(options, exampleShape, Name);
        if (numClasses < 2)
            throw new ArgumentException($"the cascade model is conditioned on class labels, and '{options.Data}' has none: use --data mnist or --data fashion-mnist");
        manual_seed(options.Seed);
        return new CascadeSystem(options, exampleShape, numClasses, ClassifierFeatures.For(options.Data));
    }

    /// <summary>The options the cascade cannot honour, each refused in one line.</summary>
    public static void RefuseUnsupported(GanOptions o)
    {
        bool adversarial = o.Get<bool>("adversarial");
        string? why =
            o.Get<int>("outputs") < 1 ? $"--outputs must be at least 1 (got {o.Get<int>("outputs")})" :
            o.Get<double>("cascade-adv-weight") < 0 ? $"--cascade-adv-weight must not be negative (got {o.Get<double>("cascade-adv-weight")})" :
            o.FeatureMatching ? "--feature-matching is not available for cascade (its loss is CRN's feature matching already)" :
            o.Unrolled > 0 ? "--unrolled is not available for cascade" :
            o.InstanceNoise > 0 ? "--instance-noise is not available for cascade" :
            o.SpectralNorm ? "--spectral-norm is not available for cascade" :
            o.MinibatchStd || o.MinibatchDisc > 0 ? "minibatch layers are not available for cascade" :
            o.Pack > 1 ? "--pack is not available for cascade" :
            o.ReuseDFake ? "--reuse-d-fake is not available for cascade" :
            !adversarial && o.DSteps != 1 ? "--d-steps needs --adversarial: the cascade has no D without it" :
            null;
        if (why is not null) throw new ArgumentException(why);
    }
}

/// <summary>One refinement module: (upsampled features, label maps) → 2 × (3×3 conv, layer norm, leaky ReLU).</summary>
internal sealed class RefinementModule : Module<Tensor, Tensor>
{
    private readonly Conv2d conv0, conv1;

    public RefinementModule(int inChannels, int width) : base(nameof(RefinementModule))
    {
        conv0 = Conv2d(inChannels, width, 3, padding: 1);
        conv1 = Conv2d(width, width, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)                                                   // N × in × s × s
    {
        using var scope = NewDisposeScope();
        x = functional.leaky_relu(LayerNorm(conv0.forward(x)), 0.2);
        x = functional.leaky_relu(LayerNorm(conv1.forward(x)), 0.2);                            // N × width × s × s
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Layer normalization over each example's C×H×W (CRN's normalization; no learned gain).</summary>
    private static Tensor LayerNorm(Tensor x) => functional.layer_norm(x, x.shape[1..]);
}

/// <summary>The CRN generator: labels (N, int64) → N × k × C × S × S.</summary>
public sealed class CascadeGenerator : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> stages = new();
    private readonly Conv2d to_images;

    public CascadeGenerator(int classes, int channels, int side, int width, int outputs) : base(nameof(CascadeGenerator))
    {
        Classes = classes;
        Channels = channels;
        Side = side;
        Outputs = outputs;
        for (int s = CascadeFamily.StartSide; s <= side; s *= 2)
            stages.Add(new RefinementModule((s == CascadeFamily.StartSide ? 0 : width) + classes, width));
        to_images = Conv2d(width, (long)outputs * channels, 1);
        RegisterComponents();
    }

    public int Classes { get; }
    public int Channels { get; }
    public int Side { get; }
    public int Outputs { get; }

    /// <summary>The k images for each label: N × k × C × S × S in [−1, 1].</summary>
    public override Tensor forward(Tensor labels)
    {
        using var scope = NewDisposeScope();
        var onehot = functional.one_hot(labels.to_type(ScalarType.Int64), Classes).to_type(ScalarType.Float32); // N × K
        long n = labels.shape[0];
        Tensor? features = null;
        int s = CascadeFamily.StartSide;
        foreach (var m in stages)
        {
            var maps = onehot.view(n, Classes, 1, 1).expand(-1, -1, s, s);                     // N × K × s × s
            var input = features is null ? maps
                : cat(new[] { functional.interpolate(features, new long[] { s, s }, mode: InterpolationMode.Bilinear, align_corners: false), maps }, 1);
            features = m.call(input);                                                           // N × width × s × s
            s *= 2;
        }
        var images = tanh(to_images.forward(features!));                                        // N × k·C × S × S
        return images.view(n, Outputs, Channels, Side, Side).MoveToOuterDisposeScope();
    }
}

/// <summary>The D of --adversarial: image + K label maps → 3 stride-2 4×4 convs with leaky ReLU → one logit.</summary>
public sealed class CascadeDiscriminator : Module<Tensor, Tensor>
{
    private readonly Sequential body;

    public CascadeDiscriminator(int classes, int channels, int side, int width) : base(nameof(CascadeDiscriminator))
    {
        Classes = classes;
        body = Sequential(
            Conv2d(channels + classes, width, 4, stride: 2, padding: 1), LeakyReLU(0.2),        // S/2
            Conv2d(width, 2 * width, 4, stride: 2, padding: 1), LeakyReLU(0.2),                 // S/4
            Conv2d(2 * width, 4 * width, 4, stride: 2, padding: 1), LeakyReLU(0.2),             // S/8
            Flatten(), Linear(4L * width * (side / 8) * (side / 8), 1));
        RegisterComponents();
    }

    public int Classes { get; }

    /// <summary>D's logits for images with labels.</summary>
    public Tensor Logits(Tensor images, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var maps = functional.one_hot(labels.to_type(ScalarType.Int64), Classes).to_type(ScalarType.Float32)
            .view(labels.shape[0], Classes, 1, 1).expand(-1, -1, images.shape[2], images.shape[3]);
        return body.call(cat(new[] { images, maps }, 1)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x) => throw new InvalidOperationException("the cascade D reads labels: call Logits(images, labels)");
}

/// <summary>The cascade's networks, CRN loss and sampling (see <see cref="CascadeFamily"/>).</summary>
public sealed class CascadeSystem : GanSystem, IClassConditional
{
    public CascadeSystem(GanOptions options, long[] shape, int classes, FeatureLayers classifier) : base(options, shape)
    {
        int channels = (int)shape[0], side = (int)shape[1];
        NumClasses = classes;
        Adversarial = options.Get<bool>("adversarial");
        AdvWeight = options.Get<double>("cascade-adv-weight");
        Padded = DigitPadding.WasPadded(options, shape);
        if (classifier.InputShape[0] != channels)
            throw new ArgumentException($"the classifier {classifier.ClassifierName} reads {classifier.InputShape[0]}-channel images, '{options.Data}' has {channels}");
        AddNetwork("G", new CascadeGenerator(classes, channels, side, options.WidthG, options.Get<int>("outputs")));
        if (Adversarial) AddNetwork("D", new CascadeDiscriminator(classes, channels, side, options.WidthD));
        AddNetwork("Phi", classifier, trainable: false);
    }

    public int NumClasses { get; }
    public bool Adversarial { get; }
    public double AdvWeight { get; }
    public bool Padded { get; }
    public CascadeGenerator Cascade => (CascadeGenerator)G;
    public FeatureLayers Classifier => (FeatureLayers)Network("Phi");

    public override IReadOnlyList<OptimizerGroup> OptimizerGroups() => Adversarial ? base.OptimizerGroups()
        : new[] { new OptimizerGroup("G", new[] { "G" }, Options.Optimizer, Options.LrG, Options.BetasG) };

    /// <summary>The "latent" of a sample: which of the k images it shows (N × 1, int64).</summary>
    public override Tensor SampleLatent(long n, Generator? generator) =>
        Devices.Randint(0, Cascade.Outputs, new[] { n, 1L }, generator, Device);

    public override Tensor? SampleCondition(long n, Generator? generator) =>
        Devices.Randint(0, NumClasses, new[] { n }, generator, Device);

    /// <summary>Row i of the grid is class i.</summary>
    public override Tensor? GridCondition(long n) =>
        arange(NumClasses, dtype: ScalarType.Int64, device: Device).repeat_interleave(GridColumns(n)!.Value);

    public override int? GridColumns(long n) => (int)Math.Max(1, (n + NumClasses - 1) / NumClasses);

    /// <summary>
    /// Image u (the latent) of the label's k images. G is a function of the label alone, so it runs once per distinct
    /// label of the batch.
    /// </summary>
    public override Tensor Generate(Tensor z, Tensor? condition = null)
    {
        if (condition is null) throw new ArgumentException("the cascade model makes images of a class label: give labels");
        using var scope = NewDisposeScope();
        var labels = condition.to_type(ScalarType.Int64);
        var (unique, inverse, _) = torch.unique(labels, sorted: true, return_inverse: true);
        var all = CallG(unique);                                                               // U × k × C × S × S
        var picked = all[inverse!, z.view(-1).to_type(ScalarType.Int64)];                       // N × C × S × S
        return picked.MoveToOuterDisposeScope();
    }

    public override Tensor MetricImages(Tensor samples) => Padded ? DigitPadding.Crop(samples) : samples;

    /// <summary>Images as the classifier reads them: the 28×28 centre of padded digits.</summary>
    private Tensor ForClassifier(Tensor images) => Padded ? DigitPadding.Crop(images) : images;

    /// <summary>
    /// CRN's loss per example and image u: Σ_l mean |Φ_l(x) − Φ_l(g_u)| over the pixels (l = 0) and the classifier's
    /// layers; N × k.
    /// </summary>
    public Tensor FeatureLoss(Tensor real, Tensor outputs)
    {
        long n = outputs.shape[0], k = outputs.shape[1];
        var flat = outputs.flatten(0, 1);                                                       // N·k × C × S × S
        var realK = real.unsqueeze(1).expand(-1, k, -1, -1, -1).flatten(0, 1);
        var loss = (flat - realK).abs().flatten(1).mean(new long[] { 1 });                     // pixels
        IReadOnlyList<Tensor> realLayers;
        using (no_grad()) realLayers = Classifier.Layers(ForClassifier(real)).Select(t => t.detach()).ToList();
        var fakeLayers = Classifier.Layers(ForClassifier(flat));
        for (int l = 0; l < realLayers.Count; l++)
        {
            var r = realLayers[l].unsqueeze(1).expand(new[] { -1L, k }.Concat(realLayers[l].shape.Skip(1)).ToArray()).flatten(0, 1);
            loss = loss + (fakeLayers[l] - r).abs().flatten(1).mean(new long[] { 1 });
        }
        return loss.view(n, k);
    }

    protected override IReadOnlyList<Phase> BuildPhases()
    {
        var g = new Phase("G", "G", ctx => GeneratorLoss(ctx.Batch, ctx.Rng));
        if (!Adversarial) return new[] { g };
        var d = new Phase("D", "D", ctx => DiscriminatorLoss(ctx.Batch, ctx.Rng, ctx.Step)) { Repeat = Options.DSteps };
        return new[] { d, g with { NewBatch = false, Freeze = new[] { "D" }, ZeroAfter = new[] { "D" } } };
    }

    /// <summary>
    /// G's loss: the CRN loss min over the k images, averaged over the batch (loss_crn); with --adversarial plus the
    /// weighted adversarial loss of all k images against D (loss_adv).
    /// </summary>
    public override LossResult GeneratorLoss(Batch batch, Generator generator)
    {
        var labels = batch.Labels ?? throw new ArgumentException("the cascade model needs labelled batches");
        var outputs = G.call(labels);                                                           // N × k × C × S × S
        var crn = FeatureLoss(batch.Real, outputs).min(1).values.mean();
        var terms = new LossTerms().Add("crn", crn);
        if (!Adversarial) return terms.Result();
        long k = outputs.shape[1];
        var fakeOut = ((CascadeDiscriminator)D).Logits(outputs.flatten(0, 1), labels.repeat_interleave(k));
        terms.Add("adv", Loss.Generator(fakeOut), AdvWeight);
        return terms.Result(dFake: Loss.MeanOutput(fakeOut));
    }

    /// <summary>D's loss (--adversarial): real (x, y) against one of G(y)'s k images per example, drawn from the training generator.</summary>
    public override LossResult DiscriminatorLoss(Batch batch, Generator generator, int step = 1)
    {
        var labels = batch.Labels ?? throw new ArgumentException("the cascade model needs labelled batches");
        var d = (CascadeDiscriminator)D;
        Tensor fake;
        using (no_grad())
        {
            var outputs = G.call(labels);
            var u = Devices.Randint(0, outputs.shape[1], new[] { labels.shape[0] }, generator, outputs.device);
            fake = outputs[arange(labels.shape[0], device: outputs.device), u];
        }
        var realOut = d.Logits(batch.Real, labels);
        var fakeOut = d.Logits(fake, labels);
        return Loss.Discriminator(x => d.Logits(x, labels), batch.Real, fake, realOut, fakeOut, generator, step);
    }

    public override string? JointLossesUnsupported() => "the cascade family has its own losses";
}
