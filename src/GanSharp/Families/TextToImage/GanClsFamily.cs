using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>The four text-to-image GANs of Reed et al. 2016 (Table / Figure 3), switched by --variant.</summary>
public enum GanClsVariant
{
    /// <summary>A text-conditional GAN: D sees (real, right text) and (fake, right text) only.</summary>
    Gan,

    /// <summary>GAN-CLS: D also learns that a real image with a wrong text is fake (matching-aware D).</summary>
    GanCls,

    /// <summary>GAN-INT: G also learns from interpolated text embeddings (β = 0.5), D as in <see cref="Gan"/>.</summary>
    GanInt,

    /// <summary>GAN-INT-CLS: both.</summary>
    GanIntCls,
}

/// <summary>
/// GAN-CLS / GAN-INT (Reed et al. 2016, "Generative Adversarial Text to Image Synthesis") as a family:
/// `gansharp train gan-cls --data shapes --size 32 --text-encoder RUN [--variant gan|gan-cls|gan-int|gan-int-cls]`.
/// G is <see cref="GanClsGenerator"/> (φ compressed to 128 by its own FC + LeakyReLU, concatenated with z), D the
/// <see cref="MatchingAwareDiscriminator"/> (its own FC of φ, replicated 4×4, depth-concatenated, 1×1 and 4×4 convs).
/// A step is D (k = --d-steps times) on three passes, {real, right text} → s_r, {real, wrong text} → s_w and
/// {fake, right text} → s_f, each logging its own loss and mean probability, then G (−log s_f, plus the GAN-INT
/// term on interpolated embeddings) on the same batch's captions with fresh z.
/// </summary>
public sealed class GanClsFamily : IGanFamily
{
    /// <summary>Runs on any --device (docs/scale.md).</summary>
    public bool RunsOnAnyDevice => true;

    public const string ModelName = "gan-cls";
    public const string ArchName = "gan-cls";

    public static readonly string[] Variants = ["gan", "gan-cls", "gan-int", "gan-int-cls"];

    public string Name => ModelName;
    public string Description => "text-to-image GAN-CLS / GAN-INT with a matching-aware D (Reed et al. 2016); needs a captioned dataset and --text-encoder";
    public IReadOnlyList<string> RequiredFields => TextToImageData.RequiredFields;
    public IReadOnlyList<(string Name, string Description)> Architectures => new[]
    {
        (ArchName, "GAN-CLS: DCGAN G on [z, FC128(φ)], matching-aware D (φ joined at 4×4); square power-of-two images 8-256"),
    };
    public bool NeedsHeldOut => true;
    public int DefaultThreads(GanOptions options) => 1;

    public IReadOnlyList<OptionSpec> Options => new[]
    {
        OptionSpec.Of("variant", "gan-int-cls", "gan-cls: gan (text-conditional GAN), gan-cls (matching-aware D), gan-int (interpolated texts for G), gan-int-cls (both; default)", Variants),
        OptionSpec.Of("text-encoder", "", "gan-cls/stackgan: the pretrained text encoder: a run of 'gansharp train text-encoder' (or its .ckpt), frozen during training"),
        OptionSpec.Of("tune-text-encoder", false, "gan-cls: train the text encoder with D instead of keeping it frozen"),
        OptionSpec.Of("embedding-dim", 128, "text-encoder/gan-cls/stackgan: width of the text embedding φ(t) (default 128)"),
        OptionSpec.Of("int-weight", 1.0, "gan-cls: weight of G's loss on interpolated embeddings (GAN-INT; default 1)"),
        TextToImageSystem.HardWrongTextSpec,
        TextToImageSystem.DNormSpec,
        TextToImageSystem.AuxAttributesSpec,
        TextToImageSystem.AuxFakeClassSpec,
        TextToImageSystem.AuxOnFakesSpec,
        OptionSpec.Of("int-beta", 0.5, "gan-cls: β of the GAN-INT interpolation β·t₁ + (1 − β)·t₂ (default 0.5, the paper's)"),
    };

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["gan-cls-shapes32"] = ("GAN-INT-CLS on captioned shapes at 32 px (pass --text-encoder RUN): 20,000 training images, batch 32, widths 32, Adam 2e-4 β1 0.5, 1500 steps (docs/text-to-image.md's budget; raise --steps)",
            """{"model":"gan-cls","data":"shapes","size":32,"data-count":20000,"batch":32,"width-g":32,"width-d":32,"lr-g":2e-4,"lr-d":2e-4,"betas-g":[0.5,0.999],"betas-d":[0.5,0.999],"steps":1500,"sample-every":250,"checkpoint-every":250,"sample-count":64,"log-every":10}"""),
    };

    public string? DefaultPreset(string? data, string? arch) => data is null or "shapes" ? "gan-cls-shapes32" : null;

    public string ResolveArch(GanOptions options, long[] exampleShape)
    {
        TextToImageSystem.RefuseUnsupported(options);
        CheckShape(options, exampleShape);
        VariantOf(options);
        return ArchName;
    }

    public static GanClsVariant VariantOf(GanOptions o) => o.Get<string>("variant") switch
    {
        "gan" => GanClsVariant.Gan,
        "gan-cls" => GanClsVariant.GanCls,
        "gan-int" => GanClsVariant.GanInt,
        "gan-int-cls" => GanClsVariant.GanIntCls,
        var v => throw new ArgumentException($"unknown --variant '{v}': use {string.Join(", ", Variants)}"),
    };

    internal static void CheckShape(GanOptions o, long[] shape)
    {
        if (shape.Length != 3 || shape[1] != shape[2] || shape[1] < 8 || shape[1] > 256 || (shape[1] & (shape[1] - 1)) != 0)
            throw new ArgumentException($"the {o.Model} model needs square images whose side is a power of two from 8 to 256, but '{o.Data}' has examples of shape [{string.Join("×", shape)}]: pass --data shapes --size 32");
    }

    public (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log)
    {
        TextToImageSystem.CheckEncoderExists(options);
        return (TextToImageData.PadToPowerOfTwo(data), TextToImageData.HeldOut(options, log));
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        TextToImageSystem.RefuseUnsupported(options);
        CheckShape(options, exampleShape);
        manual_seed(options.Seed);
        return new GanClsSystem(options, exampleShape);
    }
}

/// <summary>
/// G wrapped to take one input, [z, φ] (N×(z+E)), so the engine's sampling path (eval mode, EMA swap) applies to
/// it as to any generator.
/// </summary>
public sealed class TextConditionedGenerator : nn.Module<Tensor, Tensor>
{
    private readonly GanClsGenerator net;

    public TextConditionedGenerator(GanClsGenerator generator) : base(nameof(TextConditionedGenerator))
    {
        net = generator;
        RegisterComponents();
    }

    public GanClsGenerator Net => net;

    /// <summary><paramref name="zAndText"/> N×(zDim + E) → images.</summary>
    public override Tensor forward(Tensor zAndText) =>
        net.call(zAndText.narrow(1, 0, net.ZDim), zAndText.narrow(1, net.ZDim, zAndText.shape[1] - net.ZDim));

    public Tensor Generate(Tensor z, Tensor embedding) => net.call(z, embedding);
}

/// <summary>The GAN-CLS networks and phases (see <see cref="GanClsFamily"/>).</summary>
public sealed class GanClsSystem : TextToImageSystem
{
    private Tensor? _right;     // the D phase's right-text embeddings, reused by the G phase of the same step
    private Tensor? _wrong;     // and its wrong-text embeddings: G's fakes are scored in the same company as D's

    public GanClsSystem(GanOptions options, long[] shape)
        : base(options, shape, options.Get<string>("text-encoder"), options.Get<bool>("tune-text-encoder"))
    {
        Variant = GanClsFamily.VariantOf(options);
        IntWeight = options.Get<double>("int-weight");
        IntBeta = options.Get<double>("int-beta");
        if (IntWeight < 0) throw new ArgumentException($"--int-weight must not be negative (got {IntWeight})");
        if (IntBeta is < 0 or > 1) throw new ArgumentException($"--int-beta must be between 0 and 1 (got {IntBeta})");
        int channels = (int)shape[0], size = (int)shape[1];
        AddNetwork("G", new TextConditionedGenerator(new GanClsGenerator(size, EmbeddingDim, options.ZDim, channels: channels, width: options.WidthG)));
        AddNetwork("D", new MatchingAwareDiscriminator(size, EmbeddingDim, channels: channels, width: options.WidthD, norm: DNorm));
        if (AuxWeight > 0) AddAttributeHeads(AuxHeads, Disc.FeatureLength);   // D's auxiliary attribute classifier (TAC-GAN)
        Size = size;
    }

    public GanClsVariant Variant { get; }
    public double IntWeight { get; }
    public double IntBeta { get; }
    public int Size { get; }
    public bool UsesWrongText => Variant is GanClsVariant.GanCls or GanClsVariant.GanIntCls;
    public bool UsesInterpolation => Variant is GanClsVariant.GanInt or GanClsVariant.GanIntCls;
    public override int OutputSize => Size;

    /// <summary>The network of D's attribute heads (with --aux-attributes W &gt; 0), in D's optimizer group.</summary>
    public const string AuxHeads = "Da";

    private string[] DNetworks => AuxWeight > 0 ? new[] { "D", AuxHeads } : new[] { "D" };

    private TextConditionedGenerator Gen => (TextConditionedGenerator)Network("G");
    private MatchingAwareDiscriminator Disc => (MatchingAwareDiscriminator)Network("D");

    /// <summary>A tuned text encoder learns with D (its gradients from G's phase are zeroed after it).</summary>
    public override IReadOnlyList<OptimizerGroup> OptimizerGroups() => new[]
    {
        new OptimizerGroup("G", new[] { "G" }, Options.Optimizer, Options.LrG, Options.BetasG),
        new OptimizerGroup("D", TuneTextEncoder ? [.. DNetworks, PretrainedTextEncoder.Network] : DNetworks, Options.Optimizer, Options.LrD, Options.BetasD),
    };

    /// <summary>G(z, φ): the condition is token ids (encoded by T) or embeddings.</summary>
    public override Tensor Generate(Tensor z, Tensor? condition = null) => CallG(cat([z, EmbeddingOf(condition)], 1));

    protected override IReadOnlyList<Phase> BuildPhases() => new[]
    {
        new Phase("D", "D", ctx => DiscriminatorLoss(ctx.Batch, ctx.Rng, ctx.Step)) { Repeat = Options.DSteps },
        new Phase("G", "G", ctx => GeneratorLoss(ctx.Batch, ctx.Rng))
            { NewBatch = false, Freeze = DNetworks, ZeroAfter = new[] { "D" } },
    };

    /// <summary>
    /// Algorithm 1's D step: right text t (one of each image's captions), wrong text t̂ (a caption of an image with
    /// other attributes), x̂ = G(z, φ(t)); D minimizes −log s_r − ½[log(1 − s_w) + log(1 − s_f)] (without a wrong
    /// pair: −log s_r − log(1 − s_f)).
    /// </summary>
    public override LossResult DiscriminatorLoss(Batch batch, Generator generator, int step = 1)
    {
        var right = Embed(RightText(batch, generator));
        var wrong = UsesWrongText ? Embed(WrongText(batch, generator)) : null;
        Tensor fake;
        using (no_grad()) fake = Gen.Generate(SampleLatent(batch.Size, generator), right);
        _right = right.detach();
        _wrong = wrong?.detach();
        var real = RealInput(batch.Real, step);
        if (AuxWeight > 0)
        {
            // TAC-GAN: D's attribute heads also learn to read every attribute of the real images
            var (ar, aw, af, realFeatures, fakeFeatures) = Disc.ScorePairsWithFeatures(real, right, wrong, fake, right);
            return WithR1(WithRealAttributeLoss(MatchingAware(ar, aw, af, "d"), AuxHeads, realFeatures, fakeFeatures, batch, "d", "aux_acc_real"), ar, real, "d");
        }
        var (sr, sw, sf) = Disc.ScorePairs(real, right, wrong, fake, right);   // one batch: BatchNorm cannot tell the pairs apart
        return WithR1(MatchingAware(sr, sw, sf, "d"), sr, real, "d");
    }

    /// <summary>
    /// G's −log s_f on fresh z with the D phase's right texts, plus (GAN-INT) −log D(G(z', φ_β), φ_β) weighted. Each
    /// fake batch is scored in one D batch with the real-right and real-wrong pairs, as in D's phase, so D's
    /// BatchNorm statistics are those D learned with.
    /// </summary>
    public override LossResult GeneratorLoss(Batch batch, Generator generator)
    {
        var right = _right ?? Embed(RightText(batch, generator));
        var wrong = _right is null ? (UsesWrongText ? Embed(WrongText(batch, generator)) : null) : _wrong;
        _right = _wrong = null;
        var fake = Gen.Generate(SampleLatent(batch.Size, generator), right);
        var terms = new LossTerms();
        Dictionary<string, Tensor>? more = null;
        Tensor sf;
        if (AuxWeight > 0)
        {
            // TAC-GAN: G is also asked for images whose attributes D's heads read as the caption's (the batch image's)
            var scored = Disc.ScorePairsWithFeatures(batch.Real, right, wrong, fake, right);
            sf = scored.Fake;
            var (aux, accuracy) = AttributeLoss(AuxHeads, scored.FakeFeatures, batch[CaptionFields.Attributes]);
            terms.Add("adv", TextToImageLosses.Generator(sf)).Add("aux_g", aux, AuxWeight);
            more = new Dictionary<string, Tensor> { ["aux_acc_fake"] = accuracy };
        }
        else
        {
            sf = Disc.ScorePairs(batch.Real, right, wrong, fake, right).Fake;               // scored among the pairs D saw
            terms.Add("adv", TextToImageLosses.Generator(sf));
        }
        if (UsesInterpolation && IntWeight > 0)
        {
            var mixed = TextToImageLosses.Interpolate(right, IntBeta);
            var fakeInt = Gen.Generate(SampleLatent(batch.Size, generator), mixed);
            terms.Add("int", TextToImageLosses.Generator(Disc.ScorePairs(batch.Real, right, wrong, fakeInt, mixed).Fake), IntWeight);
        }
        Tensor dFake;
        using (no_grad()) dFake = sf.sigmoid().mean();
        return terms.Result(dFake: dFake, more: more);
    }
}
