using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// StackGAN (Zhang et al. 2017, "StackGAN: Text to Photo-realistic Image Synthesis with Stacked GANs") as a family:
/// `gansharp train stackgan --data shapes --size 64 --text-encoder RUN [--stage 1|2|both]`. Stage-I draws a
/// --size/4 image from z and ĉ (conditioning augmentation, KL weight λ = 1); Stage-II takes no z, has its own
/// conditioning augmentation and refines the Stage-I image to --size with residual blocks. Both discriminators are
/// matching-aware (the wrong-text loss of GAN-CLS), so StackGAN compares fairly with GAN-INT-CLS. The stages train
/// one after the other: --stage both trains Stage-I for --stage1-steps steps, then Stage-II (Stage-I frozen, in eval
/// mode) for the rest; --stage 1 trains Stage-I only; --stage 2 trains Stage-II on the Stage-I of --stage1-from RUN.
/// </summary>
public sealed class StackGanFamily : IGanFamily
{
    /// <summary>Runs on any --device (docs/scale.md).</summary>
    public bool RunsOnAnyDevice => true;

    public const string ModelName = "stackgan";
    public const string ArchName = "stackgan";
    public static readonly string[] Stages = ["both", "1", "2"];

    public string Name => ModelName;
    public string Description => "text-to-image StackGAN: Stage-I (size/4) then Stage-II (size), conditioning augmentation, matching-aware Ds (Zhang et al. 2017)";
    public IReadOnlyList<string> RequiredFields => TextToImageData.RequiredFields;
    public IReadOnlyList<(string Name, string Description)> Architectures => new[]
    {
        (ArchName, "StackGAN: Stage-I G (FC + up-blocks) at size/4, Stage-II G (encoder, residual blocks, 4× upsampling) at size, matching-aware D per stage; sizes 32-256"),
    };
    public bool NeedsHeldOut => true;
    public int DefaultThreads(GanOptions options) => 1;

    public IReadOnlyList<OptionSpec> Options => new[]
    {
        OptionSpec.Of("stage", "both", "stackgan: the stages this run trains: both (Stage-I, then Stage-II; default), 1, or 2 (on --stage1-from RUN)", Stages),
        OptionSpec.Of("stage1-steps", 0, "stackgan: with --stage both, the steps of Stage-I before Stage-II starts (default 0: half of --steps)"),
        OptionSpec.Of("stage1-from", "", "stackgan: with --stage 2, the stackgan run (or .ckpt) whose Stage-I and text encoder Stage-II refines"),
        OptionSpec.Of("text-encoder", "", "gan-cls/stackgan: the pretrained text encoder: a run of 'gansharp train text-encoder' (or its .ckpt), frozen during training"),
        OptionSpec.Of("embedding-dim", 128, "text-encoder/gan-cls/stackgan: width of the text embedding φ(t) (default 128)"),
        TextToImageSystem.HardWrongTextSpec,
        TextToImageSystem.DNormSpec,
        TextToImageSystem.AuxAttributesSpec,
        TextToImageSystem.AuxFakeClassSpec,
        TextToImageSystem.AuxOnFakesSpec,
        OptionSpec.Of("kl-weight", 1.0, "stackgan: weight λ of the conditioning augmentation's KL term (default 1, the paper's)"),
        OptionSpec.Of("cond-dim", 128, "stackgan: width of the augmented condition ĉ (default 128)"),
        OptionSpec.Of("residual-blocks", 2, "stackgan: residual blocks of Stage-II (default 2)"),
    };

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["stackgan-shapes64"] = ("StackGAN on captioned shapes, 16 → 64 px (pass --text-encoder RUN): 20,000 training images, batch 32, widths 32, 1000 Stage-I then 500 Stage-II steps (docs/text-to-image.md's budget)",
            """{"model":"stackgan","data":"shapes","size":64,"data-count":20000,"batch":32,"width-g":32,"width-d":32,"lr-g":2e-4,"lr-d":2e-4,"betas-g":[0.5,0.999],"betas-d":[0.5,0.999],"steps":1500,"stage1-steps":1000,"sample-every":250,"checkpoint-every":250,"sample-count":64,"log-every":10}"""),
    };

    public string? DefaultPreset(string? data, string? arch) => data is null or "shapes" ? "stackgan-shapes64" : null;

    public string ResolveArch(GanOptions options, long[] exampleShape)
    {
        string stage = options.Get<string>("stage");
        TextToImageSystem.RefuseUnsupported(options, needsEncoder: stage != "2");
        if (stage == "2" && options.Get<string>("stage1-from") == "")
            throw new ArgumentException("--stage 2 refines a trained Stage-I: pass --stage1-from RUN (a stackgan run trained with --stage 1 or both)");
        if (options.Ema > 0) throw new ArgumentException("--ema is not available for stackgan (its generators train in turn)");
        if (options.Get<int>("stage1-steps") < 0) throw new ArgumentException("--stage1-steps must not be negative");
        if (options.Get<double>("kl-weight") < 0) throw new ArgumentException("--kl-weight must not be negative");
        if (options.Get<int>("cond-dim") < 1 || options.Get<int>("residual-blocks") < 0)
            throw new ArgumentException("--cond-dim must be positive and --residual-blocks not negative");
        CheckShape(options, exampleShape);
        return ArchName;
    }

    internal static void CheckShape(GanOptions o, long[] shape)
    {
        if (shape.Length != 3 || shape[1] != shape[2] || shape[1] < 32 || shape[1] > 256 || (shape[1] & (shape[1] - 1)) != 0)
            throw new ArgumentException($"the stackgan model needs square images whose side (Stage-II's) is a power of two from 32 to 256, but '{o.Data}' has examples of shape [{string.Join("×", shape)}]: pass --data shapes --size 64 (Stage-I then draws 16×16)");
    }

    public (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log)
    {
        TextToImageSystem.CheckEncoderExists(options, options.Get<string>("stage") == "2" ? "stage1-from" : "text-encoder");
        return (TextToImageData.PadToPowerOfTwo(data), TextToImageData.HeldOut(options, log));
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        ResolveArch(options, exampleShape);
        manual_seed(options.Seed);
        return new StackGanSystem(options, exampleShape);
    }
}

/// <summary>
/// StackGAN's Stage-I G wrapped to take one input, [z, ε, φ] (N×(z + c + E)), so the engine's sampling path applies
/// to it as to any generator; <see cref="Run"/> also returns μ and log σ² for the KL term.
/// </summary>
public sealed class PackedStageI : nn.Module<Tensor, Tensor>
{
    private readonly StageIGenerator net;

    public PackedStageI(StageIGenerator generator) : base(nameof(PackedStageI))
    {
        net = generator;
        RegisterComponents();
    }

    public StageIGenerator Net => net;

    public override Tensor forward(Tensor input)
    {
        int z = net.ZDim, c = net.Augmentation.CondDim;
        return Run(input.narrow(1, 0, z), input.narrow(1, z, c), input.narrow(1, z + c, input.shape[1] - z - c)).Image;
    }

    /// <summary>z, the augmentation noise ε and φ → (image, μ, log σ²).</summary>
    public (Tensor Image, Tensor Mu, Tensor LogVar) Run(Tensor z, Tensor epsilon, Tensor embedding)
    {
        var (c, mu, logVar) = net.Augmentation.call(embedding, epsilon);
        return (net.call(z, c), mu, logVar);
    }
}

/// <summary>The StackGAN networks (T, G = Stage-I, D, G2 = Stage-II, D2), groups and staged phases (see <see cref="StackGanFamily"/>).</summary>
public sealed class StackGanSystem : TextToImageSystem
{
    private Tensor? _right;
    private Tensor? _wrong;     // the D phase's wrong texts: G's fakes are scored in one D batch with the real pairs
    private Tensor? _lastStageI, _lastStageII;
    private int _stage;
    private readonly string _stageMode;

    public StackGanSystem(GanOptions options, long[] shape)
        : base(options, shape, options.Get<string>("stage") == "2" ? options.Get<string>("stage1-from") : options.Get<string>("text-encoder"), tuneEncoder: false)
    {
        int channels = (int)shape[0];
        Size = (int)shape[1];
        StageISize = Size / 4;
        CondDim = options.Get<int>("cond-dim");
        KlWeight = options.Get<double>("kl-weight");
        _stageMode = options.Get<string>("stage");
        Stage1Steps = _stageMode switch
        {
            "1" => int.MaxValue,
            "2" => 0,
            _ => options.Get<int>("stage1-steps") > 0 ? options.Get<int>("stage1-steps") : Math.Max(1, options.Steps / 2),
        };
        AddNetwork("G", new PackedStageI(new StageIGenerator(StageISize, EmbeddingDim, options.ZDim, CondDim, channels, options.WidthG)));
        AddNetwork("D", new MatchingAwareDiscriminator(StageISize, EmbeddingDim, channels: channels, width: options.WidthD, norm: DNorm));
        AddNetwork("G2", new StageIIGenerator(StageISize, EmbeddingDim, CondDim, channels, options.WidthG, options.Get<int>("residual-blocks")));
        AddNetwork("D2", new MatchingAwareDiscriminator(Size, EmbeddingDim, channels: channels, width: options.WidthD, norm: DNorm));
        if (AuxWeight > 0)
        {
            AddAttributeHeads(AuxHeads, D1.FeatureLength);     // each D's auxiliary attribute classifier (TAC-GAN)
            AddAttributeHeads(AuxHeads2, D2.FeatureLength);
        }
        if (_stageMode == "2") LoadStageI(options.Get<string>("stage1-from"));
        _stage = StageOf(1);
    }

    public int Size { get; }
    public int StageISize { get; }
    public int CondDim { get; }
    public double KlWeight { get; }

    /// <summary>Steps of Stage-I before Stage-II starts (fixed when the run starts, kept in checkpoints).</summary>
    public int Stage1Steps { get; private set; }

    /// <summary>The stage of the last step (or of the first, before training): what <see cref="GanSystem.Generate"/> draws.</summary>
    public int Stage => _stage;

    public int StageOf(int step) => step <= Stage1Steps ? 1 : 2;

    public override int OutputSize => _stage == 1 ? StageISize : Size;

    private PackedStageI StageI => (PackedStageI)Network("G");
    private StageIIGenerator StageII => (StageIIGenerator)Network("G2");
    private MatchingAwareDiscriminator D1 => (MatchingAwareDiscriminator)Network("D");
    private MatchingAwareDiscriminator D2 => (MatchingAwareDiscriminator)Network("D2");

    /// <summary>The networks of D's and D2's attribute heads (with --aux-attributes W &gt; 0), in their D's optimizer group.</summary>
    public const string AuxHeads = "Da", AuxHeads2 = "D2a";

    private string[] D1Networks => AuxWeight > 0 ? new[] { "D", AuxHeads } : new[] { "D" };
    private string[] D2Networks => AuxWeight > 0 ? new[] { "D2", AuxHeads2 } : new[] { "D2" };

    /// <summary>Stage-I's weights from a stackgan run (--stage 2), when that checkpoint exists (sampling restores them from the run's own).</summary>
    private void LoadStageI(string source)
    {
        if (!File.Exists(source) && !Directory.Exists(source)) return;
        string path = RunDirectory.ResolveCheckpoint(source);
        var (header, tensors) = CheckpointFile.Load(path);
        try
        {
            var typed = CheckpointHeader.Parse(header, path);
            if (typed.Family != StackGanFamily.ModelName)
                throw new ArgumentException($"--stage1-from {source} is a {typed.Family} run: pass a stackgan run trained with --stage 1 or both");
            Trainer.LoadModule(StageI, "G.", tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    public override IReadOnlyList<OptimizerGroup> OptimizerGroups() => new[]
    {
        new OptimizerGroup("G", new[] { "G" }, Options.Optimizer, Options.LrG, Options.BetasG),
        new OptimizerGroup("D", D1Networks, Options.Optimizer, Options.LrD, Options.BetasD),
        new OptimizerGroup("G2", new[] { "G2" }, Options.Optimizer, Options.LrG, Options.BetasG),
        new OptimizerGroup("D2", D2Networks, Options.Optimizer, Options.LrD, Options.BetasD),
    };

    public override string? EmaNetwork => null;

    /// <summary>[z, ε₁, ε₂]: the prior's z and the two conditioning augmentations' noise, so a latent fixes a sample.</summary>
    public override Tensor SampleLatent(long n, Generator? generator)
    {
        var z = base.SampleLatent(n, generator);
        var eps = Devices.Randn(new[] { n, 2L * CondDim }, generator, Device);
        return cat([z, eps], 1);
    }

    private (Tensor Z, Tensor E1, Tensor E2) Split(Tensor latent)
    {
        int z = Options.ZDim;
        return (latent.narrow(1, 0, z), latent.narrow(1, z, CondDim), latent.narrow(1, z + CondDim, CondDim));
    }

    /// <summary>Real images at Stage-I's side (area averaging).</summary>
    public Tensor Downsample(Tensor images) =>
        images.shape[2] == StageISize ? images : nn.functional.avg_pool2d(images, new long[] { images.shape[2] / StageISize });

    /// <summary>Stage-I then (from stage 2 on) Stage-II, both in eval mode: the image of the run's current stage.</summary>
    public override Tensor Generate(Tensor z, Tensor? condition = null)
    {
        var (stageI, stageII) = GenerateStages(z, condition, _stage >= 2 || _stageMode != "1");
        _lastStageI = stageI;
        _lastStageII = stageII;
        return _stage == 1 ? stageI : stageII!;
    }

    /// <summary>Both stages' images of the latents and condition (Stage-II only when <paramref name="withStageII"/>).</summary>
    public (Tensor StageI, Tensor? StageII) GenerateStages(Tensor latent, Tensor? condition, bool withStageII = true)
    {
        var phi = EmbeddingOf(condition);
        var (z, e1, e2) = Split(latent);
        bool g2Training = StageII.training;
        StageII.eval();
        try
        {
            var s1 = StageI.Run(z, e1, phi).Image;
            if (!withStageII) return (s1, null);
            var (c, _, _) = StageII.Augmentation.call(phi, e2);
            return (s1, StageII.call(s1, c));
        }
        finally
        {
            if (g2Training) StageII.train();
        }
    }

    /// <summary>With Stage-II in the run, each grid sample is a pair: Stage-I (nearest-upsampled) and Stage-II.</summary>
    protected override int ColumnsPerCaption(long n) => _stageMode == "1" ? base.ColumnsPerCaption(n) : Math.Max(1, base.ColumnsPerCaption(n) / 2);

    public override int? GridColumns(long n) => base.GridColumns(n) is { } c && _stageMode != "1" ? 2 * c : base.GridColumns(n);

    public override Tensor GridImages(Tensor samples, Tensor? condition)
    {
        if (_stageMode == "1" || _lastStageI is null || _lastStageII is null || _lastStageI.shape[0] != samples.shape[0]) return samples;
        var up = nn.functional.interpolate(_lastStageI, new long[] { Size, Size }, mode: InterpolationMode.Nearest);
        return stack([up, _lastStageII], 1).flatten(0, 1);
    }

    public override void BeforeStep(int step)
    {
        base.BeforeStep(step);
        _stage = StageOf(step);
    }

    public override JsonObject? CaptureFamilyState()
    {
        var state = base.CaptureFamilyState()!;
        state["stage"] = _stage;
        state["stage1-steps"] = Stage1Steps;
        return state;
    }

    public override void RestoreFamilyState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors)
    {
        base.RestoreFamilyState(state, tensors);
        try
        {
            _stage = (int)state!["stage"]!;
            Stage1Steps = (int)state["stage1-steps"]!;
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException($"checkpoint has no StackGAN stage in its family state ({e.Message})");
        }
    }

    protected override IReadOnlyList<Phase> BuildPhases() => new[]
    {
        new Phase("D", "D", ctx => StageIDiscriminatorLoss(ctx.Batch, ctx.Rng, ctx.Step)) { Repeat = Options.DSteps, ActiveAt = s => StageOf(s) == 1 },
        new Phase("G", "G", ctx => StageIGeneratorLoss(ctx.Batch, ctx.Rng))
            { NewBatch = false, Freeze = D1Networks, ZeroAfter = new[] { "D" }, ActiveAt = s => StageOf(s) == 1 },
        new Phase("D2", "D2", ctx => StageIIDiscriminatorLoss(ctx.Batch, ctx.Rng, ctx.Step)) { Repeat = Options.DSteps, ActiveAt = s => StageOf(s) == 2 },
        new Phase("G2", "G2", ctx => StageIIGeneratorLoss(ctx.Batch, ctx.Rng))
            { NewBatch = false, Freeze = D2Networks, ZeroAfter = new[] { "D2" }, ActiveAt = s => StageOf(s) == 2 },
    };

    /// <summary>Stage-I's D: the matching-aware loss at Stage-I's side (real images area-downsampled).</summary>
    public LossResult StageIDiscriminatorLoss(Batch batch, Generator rng, int step = 1)
    {
        var real = RealInput(Downsample(batch.Real), step);
        var right = Embed(RightText(batch, rng));
        var wrong = Embed(WrongText(batch, rng));
        var (z, e1, _) = Split(SampleLatent(batch.Size, rng));
        Tensor fake;
        using (no_grad()) fake = StageI.Run(z, e1, right).Image;
        _right = right;
        _wrong = wrong;
        if (AuxWeight > 0)
        {
            var (ar, aw, af, realFeatures, fakeFeatures) = D1.ScorePairsWithFeatures(real, right, wrong, fake, right);
            return WithR1(WithRealAttributeLoss(MatchingAware(ar, aw!, af, "d"), AuxHeads, realFeatures, fakeFeatures, batch, "d", "aux_acc_real"), ar, real, "d");
        }
        var (sr, sw, sf) = D1.ScorePairs(real, right, wrong, fake, right);     // one batch: BatchNorm cannot tell the pairs apart
        return WithR1(MatchingAware(sr, sw!, sf, "d"), sr, real, "d");
    }

    /// <summary>Stage-I's G: −log s_f + λ·KL(N(μ, σ²) ‖ N(0, I)).</summary>
    public LossResult StageIGeneratorLoss(Batch batch, Generator rng)
    {
        var wrong = _right is null ? null : _wrong;
        var right = _right ?? Embed(RightText(batch, rng));
        wrong ??= Embed(WrongText(batch, rng));
        _right = _wrong = null;
        var (z, e1, _) = Split(SampleLatent(batch.Size, rng));
        var (fake, mu, logVar) = StageI.Run(z, e1, right);
        return StagedGeneratorLoss(D1, AuxHeads, Downsample(batch.Real), right, wrong, fake, mu, logVar, batch, "", "aux_acc_fake");
    }

    /// <summary>Stage-I's image of a latent, frozen: eval mode (BatchNorm's running statistics), no gradients.</summary>
    private Tensor FrozenStageI(Tensor z, Tensor e1, Tensor right)
    {
        StageI.eval();
        using var _ = no_grad();
        return StageI.Run(z, e1, right).Image;
    }

    /// <summary>Stage-II's D: the matching-aware loss at full size on G2(Stage-I(z, ĉ₁), ĉ₂).</summary>
    public LossResult StageIIDiscriminatorLoss(Batch batch, Generator rng, int step = 1)
    {
        var real = RealInput(batch.Real, step);
        var right = Embed(RightText(batch, rng));
        var wrong = Embed(WrongText(batch, rng));
        var (z, e1, e2) = Split(SampleLatent(batch.Size, rng));
        var s1 = FrozenStageI(z, e1, right);
        Tensor fake;
        using (no_grad())
        {
            var (c, _, _) = StageII.Augmentation.call(right, e2);
            fake = StageII.call(s1, c);
        }
        _right = right;
        _wrong = wrong;
        if (AuxWeight > 0)
        {
            var (ar, aw, af, realFeatures, fakeFeatures) = D2.ScorePairsWithFeatures(real, right, wrong, fake, right);
            return WithR1(WithRealAttributeLoss(MatchingAware(ar, aw!, af, "d2"), AuxHeads2, realFeatures, fakeFeatures, batch, "d2", "aux2_acc_real"), ar, real, "d2");
        }
        var (sr, sw, sf) = D2.ScorePairs(real, right, wrong, fake, right);
        return WithR1(MatchingAware(sr, sw!, sf, "d2"), sr, real, "d2");
    }

    /// <summary>Stage-II's G: −log s_f + λ·KL of its own conditioning augmentation; Stage-I stays frozen.</summary>
    public LossResult StageIIGeneratorLoss(Batch batch, Generator rng)
    {
        var wrong = _right is null ? null : _wrong;
        var right = _right ?? Embed(RightText(batch, rng));
        wrong ??= Embed(WrongText(batch, rng));
        _right = _wrong = null;
        var (z, e1, e2) = Split(SampleLatent(batch.Size, rng));
        var s1 = FrozenStageI(z, e1, right);
        var (c, mu, logVar) = StageII.Augmentation.call(right, e2);
        return StagedGeneratorLoss(D2, AuxHeads2, batch.Real, right, wrong, StageII.call(s1, c), mu, logVar, batch, "2", "aux2_acc_fake");
    }

    /// <summary>
    /// A stage's G loss: −log s_f (loss_adv / loss_adv2) + λ·KL of its conditioning augmentation (loss_kl / loss_kl2),
    /// and with --aux-attributes W, + W × its D's attribute heads' cross-entropy on the fakes against the caption's
    /// attributes (loss_aux_g / loss_aux_g2, with the heads' accuracy on the fakes).
    /// </summary>
    private LossResult StagedGeneratorLoss(MatchingAwareDiscriminator d, string heads, Tensor real, Tensor right, Tensor wrong,
        Tensor fake, Tensor mu, Tensor logVar, Batch batch, string suffix, string accuracyName)
    {
        Tensor sf;
        (Tensor Loss, Tensor Accuracy)? aux = null;
        if (AuxWeight > 0)
        {
            var scored = d.ScorePairsWithFeatures(real, right, wrong, fake, right);
            sf = scored.Fake;
            aux = AttributeLoss(heads, scored.FakeFeatures, batch[CaptionFields.Attributes]);
        }
        else sf = d.ScorePairs(real, right, wrong, fake, right).Fake;
        var terms = new LossTerms().Add("adv" + suffix, TextToImageLosses.Generator(sf))
            .Add("kl" + suffix, TextToImageLosses.KlToStandardNormal(mu, logVar), KlWeight);
        Dictionary<string, Tensor>? more = null;
        if (aux is { } a)
        {
            terms.Add("aux_g" + suffix, a.Loss, AuxWeight);
            more = new Dictionary<string, Tensor> { [accuracyName] = a.Accuracy };
        }
        Tensor dFake;
        using (no_grad()) dFake = sf.sigmoid().mean();
        return terms.Result(dFake: dFake, more: more);
    }
}
