using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Data.Synthetic;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.Synthetic;

/// <summary>
/// SimGAN (Shrivastava et al. 2017, "Learning from Simulated and Unsupervised Images through Adversarial Training")
/// as a family: `gansharp train refiner --data mnist --source font-digits`. A <see cref="Refiner"/> R (network "G")
/// makes synthetic images look like the real ones of --data while a self-regularization term λ·‖R(x) − x‖₁ keeps
/// their content, so their labels still hold. D is a <see cref="LocalDiscriminator"/> (a logit per patch; the loss
/// sums over patches) trained on a history of refined images (<see cref="RefinedHistoryBuffer"/>). Unpaired: each
/// batch carries real images ("image") and synthetic ones ("source", with their labels in "source_label"), drawn
/// independently. The paper's schedule: R on self-regularization alone for --pretrain-r steps, D alone for
/// --pretrain-d steps, then per step R --r-steps (Kg) times and D --d-steps (Kd) times.
/// </summary>
public sealed class RefinerFamily : IGanFamily
{
    /// <summary>Runs on any --device (docs/scale.md).</summary>
    public bool RunsOnAnyDevice => true;

    public const string ModelName = "refiner";
    public const string ArchName = "simgan";

    /// <summary>The field holding the synthetic images' labels (kept through refinement).</summary>
    public const string SourceLabel = "source_label";

    /// <summary>Synthetic images rendered beyond --source-count and kept out of training, for the progress grids.</summary>
    public const int HeldOut = 32;

    public string Name => ModelName;
    public string Description => "SimGAN refiner: synthetic → realistic images, unpaired, with self-regularization, a local D and a history buffer (Shrivastava et al. 2017)";
    public IReadOnlyList<string> RequiredFields => new[] { BatchFields.Image, BatchFields.Source };
    public IReadOnlyList<(string Name, string Description)> Architectures => new[]
    {
        (ArchName, "SimGAN: ResNet refiner (3×3 conv, --refiner-blocks residual blocks of --width-g maps, 1×1 conv, tanh; no striding) and a local D (conv 3w,2w stride 2, max-pool, conv w, w, 1: a logit per patch, w = --width-d)"),
    };
    public bool NeedsHeldOut => true;

    public IReadOnlyList<OptionSpec> Options => new[]
    {
        OptionSpec.Of("source", "font-digits", "refiner: the synthetic images to refine: a dataset name (font-digits) or a folder; --data is the real target"),
        OptionSpec.Of("source-count", 20_000, "refiner: synthetic images to train on (font-digits renders this many, plus 32 held out for the progress grids)"),
        OptionSpec.Of("source-seed", 0L, "refiner: seed of the synthetic images (font-digits' rendering), fixed apart from --seed so that runs refine the same set"),
        OptionSpec.Of("fonts", "", "refiner: fonts for --source font-digits: '' (the system's font folders), 'embedded' (DejaVu Sans in the library) or ':'-separated folders"),
        OptionSpec.Of("lambda-reg", 0.25, "refiner: weight λ of the self-regularization λ·‖R(x) − x‖₁ (summed over an image's pixels in [-1, 1], batch mean; default 0.25)"),
        OptionSpec.Of("history", 3200, "refiner: size of the history buffer of refined images (half of each fake batch D sees comes from it); 0: no buffer"),
        OptionSpec.Of("pretrain-r", 1000, "refiner: steps that train R on self-regularization alone before the adversarial game (the paper's 1,000)"),
        OptionSpec.Of("pretrain-d", 200, "refiner: steps that then train D alone against the pretrained R (the paper's 200)"),
        OptionSpec.Of("r-steps", 2, "refiner: R updates per step once both are pretrained (the paper's Kg; D takes --d-steps = Kd)"),
        OptionSpec.Of("refiner-blocks", 4, "refiner: residual blocks of R (the paper's 4)"),
        OptionSpec.Of("global-d", false, "refiner: D gives one score per image (the patch logits averaged) instead of one per patch: the ablation without the local loss"),
    };

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["refiner-fonts"] = ("SimGAN: font-drawn digits refined towards real MNIST at the paper's sizes: R of 4 blocks × 64 maps, local D (96, 64, 32, 32 maps), λ 0.25, history 3200, Adam 2e-4, batch 64; 1,000 R + 200 D pretraining steps, then 1,800 steps of Kg 2, Kd 1",
            """{"model":"refiner","data":"mnist","batch":64,"width-g":64,"width-d":32,"lr-g":2e-4,"lr-d":2e-4,"betas-g":[0.5,0.999],"betas-d":[0.5,0.999],"steps":3000,"sample-every":250,"checkpoint-every":500,"sample-count":32,"log-every":10}"""),
        ["refiner-fonts-small"] = ("SimGAN at the CPU budget of docs/synthetic.md: R of 4 blocks × 16 maps, local D (96, 64, 32, 32), λ 0.25, history 3200, Adam 2e-4, batch 32; 300 R + 100 D pretraining steps, then 600 steps of Kg 2, Kd 1",
            """{"model":"refiner","data":"mnist","batch":32,"width-g":16,"width-d":32,"lr-g":2e-4,"lr-d":2e-4,"betas-g":[0.5,0.999],"betas-d":[0.5,0.999],"steps":1000,"pretrain-r":300,"pretrain-d":100,"sample-every":100,"checkpoint-every":500,"sample-count":32,"log-every":10}"""),
    };

    public string? DefaultPreset(string? data, string? arch) => "refiner-fonts";

    public string ResolveArch(GanOptions options, long[] exampleShape)
    {
        RefuseUnsupported(options);
        CheckShape(options, exampleShape);
        return ArchName;
    }

    private static void CheckShape(GanOptions o, long[] shape)
    {
        if (shape.Length != 3 || shape[1] < 8 || shape[2] < 8)
            throw new ArgumentException($"the refiner model refines images, but '{o.Data}' has examples of shape [{string.Join("×", shape)}]: pass --data mnist or a folder of images");
    }

    /// <summary>The options the refiner cannot honour, each refused in one line; and its own options' ranges.</summary>
    public static void RefuseUnsupported(GanOptions o)
    {
        string? why =
            o.Loss != LossKind.Gan ? "the refiner's losses are SimGAN's local cross-entropy: drop --loss (only gan applies)" :
            o.RealLabel != 1.0 ? "--real-label (label smoothing) is not available for the refiner" :
            o.R1 > 0 ? "--r1 is not available for the refiner" :
            o.Clip > 0 ? "--clip is not available for the refiner (weight clipping is for --loss wgan)" :
            o.FeatureMatching ? "--feature-matching is not available for the refiner (R's loss is adversarial + λ·self-regularization)" :
            o.Unrolled > 0 ? "--unrolled is not available for the refiner (it has its own R and D phases)" :
            o.InstanceNoise > 0 ? "--instance-noise is not available for the refiner" :
            o.SpectralNorm ? "--spectral-norm is not available for the refiner" :
            o.MinibatchStd || o.MinibatchDisc > 0 ? "minibatch layers are not available for the refiner (its D judges patches)" :
            o.Pack > 1 ? "--pack is not available for the refiner" :
            o.ReuseDFake ? "--reuse-d-fake is not available for the refiner" :
            o.Augment != "none" ? "--augment is not available for the refiner" :
            o.EvalEvery > 0 ? "--eval-every is not available for the refiner (its metrics would sample without a synthetic input); score refined images with 'gansharp digits study'" :
            o.Get<double>("lambda-reg") < 0 ? $"--lambda-reg must not be negative (got {o.Get<double>("lambda-reg")})" :
            o.Get<int>("history") < 0 ? $"--history must be 0 (no buffer) or positive (got {o.Get<int>("history")})" :
            o.Get<int>("pretrain-r") < 0 || o.Get<int>("pretrain-d") < 0 ? "--pretrain-r and --pretrain-d must not be negative" :
            o.Get<int>("r-steps") < 1 ? $"--r-steps must be positive (got {o.Get<int>("r-steps")})" :
            o.Get<int>("refiner-blocks") < 1 ? $"--refiner-blocks must be positive (got {o.Get<int>("refiner-blocks")})" :
            o.Get<int>("source-count") < 1 ? $"--source-count must be positive (got {o.Get<int>("source-count")})" :
            null;
        if (why is not null) throw new ArgumentException(why);
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        RefuseUnsupported(options);
        CheckShape(options, exampleShape);
        manual_seed(options.Seed);
        return new RefinerSystem(options, exampleShape);
    }

    /// <summary>
    /// The unpaired training set: the real images of --data (their labels dropped: the refiner learns without them)
    /// beside the synthetic images of --source (with their labels), plus <see cref="HeldOut"/> synthetic images kept
    /// out for the progress grids.
    /// </summary>
    public (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log)
    {
        RefuseUnsupported(options);                // before any drawing: a refused run costs nothing
        if (!data.IsImage || data.ExampleShape.Length != 3)
            throw new DataException($"the refiner model needs real images as --data, but '{options.Data}' has examples of shape [{string.Join("×", data.ExampleShape)}]: pass --data mnist or a folder of images");
        using var source = OpenSource(options, data.ExampleShape, log);
        var (train, heldOut) = Unpaired(data, source, HeldOut);
        log?.Invoke($"refiner: {data.Count} real images of {options.Data}, {source.Count - HeldOut} synthetic images of {options.Get<string>("source")} ({HeldOut} more held out for progress grids), unpaired");
        return (train, heldOut);
    }

    /// <summary>The synthetic images --source names, --source-count + <see cref="HeldOut"/> of them, shaped as the real ones.</summary>
    public static TensorDataset OpenSource(GanOptions o, long[] shape, Action<string>? log)
    {
        string name = o.Get<string>("source");
        var open = new DatasetOpenOptions
        {
            Count = o.Get<int>("source-count") + HeldOut,
            Seed = o.Get<long>("source-seed"),
            Size = (int)shape[1],
            Channels = (int)shape[0],
            DataDir = o.DataDir,
        };
        if (name == "font-digits") return FontDigitsProvider.Open(Fonts(o.Get<string>("fonts")), open, log);
        return Datasets.Open(name, open, log);
    }

    /// <summary>The fonts --fonts names: the system's ('' ), the embedded DejaVu Sans ('embedded'), or those under ':'-separated folders.</summary>
    public static IReadOnlyList<DigitFont> Fonts(string spec) => spec switch
    {
        "" => FontDigits.Scan(FontDigits.FontDirectories()),
        "embedded" => FontDigits.EmbeddedFonts(),
        _ => FontDigits.Scan(spec.Split(':', StringSplitOptions.RemoveEmptyEntries)),
    };

    /// <summary>
    /// Real <paramref name="target"/> images beside synthetic <paramref name="source"/> images, unpaired: row i holds
    /// real image i mod N_real and synthetic image i mod N_synth (max(N_real, N_synth) rows; the batch order is
    /// shuffled, and no loss ever compares a row's two images). The last <paramref name="heldOut"/> synthetic
    /// images are kept out of training and returned as the held-out set (image and source both the synthetic image).
    /// </summary>
    public static (TensorDataset Train, TensorDataset HeldOut) Unpaired(TensorDataset target, TensorDataset source, int heldOut)
    {
        if (!source.IsImage || !source.ExampleShape.SequenceEqual(target.ExampleShape))
            throw new DataException($"the synthetic images of '{source.Name}' have shape [{string.Join("×", source.ExampleShape)}], but the real images of '{target.Name}' [{string.Join("×", target.ExampleShape)}]: the refiner keeps the size, so both must match");
        long nSynth = source.Count - heldOut;
        if (nSynth < 1)
            throw new DataException($"'{source.Name}' has {source.Count} images: the refiner holds out {heldOut} for progress grids and needs more to train on");
        using var scope = NewDisposeScope();
        long rows = Math.Max(target.Count, nSynth);
        var all = arange(rows); // cpu: indices into the CPU data set
        var realIdx = all.remainder(target.Count);
        var synthIdx = all.remainder(nSynth);
        var fields = new Dictionary<string, Tensor> { [BatchFields.Source] = source.Data.index_select(0, synthIdx).DetachFromDisposeScope() };
        if (source.Labels is not null) fields[SourceLabel] = source.Labels.index_select(0, synthIdx).DetachFromDisposeScope();
        var train = new TensorDataset($"{target.Name}+{source.Name}", target.Data.index_select(0, realIdx).DetachFromDisposeScope(), fields: fields);

        var heldIdx = arange(nSynth, source.Count); // cpu: indices into the CPU data set
        var heldImages = source.Data.index_select(0, heldIdx);
        var held = new TensorDataset($"{source.Name}-heldout", heldImages.clone().DetachFromDisposeScope(),
            source.Labels?.index_select(0, heldIdx).DetachFromDisposeScope(), source.NumClasses,
            fields: new Dictionary<string, Tensor> { [BatchFields.Source] = heldImages.DetachFromDisposeScope() });
        return (train, held);
    }
}

/// <summary>The SimGAN networks, phases, history buffer and grids (see <see cref="RefinerFamily"/>).</summary>
public sealed class RefinerSystem : GanSystem
{
    private readonly Generator? _historyRng;
    private Tensor? _heldOutSources;

    public RefinerSystem(GanOptions options, long[] shape) : base(options, shape)
    {
        int channels = (int)shape[0];
        Lambda = options.Get<double>("lambda-reg");
        PretrainR = options.Get<int>("pretrain-r");
        PretrainD = options.Get<int>("pretrain-d");
        RSteps = options.Get<int>("r-steps");
        var r = new Refiner(channels, options.WidthG, options.Get<int>("refiner-blocks"));      // C×H×W → C×H×W
        var d = new LocalDiscriminator(channels, options.WidthD, options.Get<bool>("global-d")); // C×H×W → 1×H/4×W/4 logits
        AddNetwork("G", r);                                                                      // "G" is R: sampling, EMA and grids find it by that name
        AddNetwork("D", d);
        int capacity = options.Get<int>("history");
        if (capacity > 0)
        {
            _historyRng = new Generator((ulong)ShuffledBatches.MixSeed(options.Seed, -51));
            History = new RefinedHistoryBuffer(capacity, _historyRng);
        }
    }

    /// <summary>λ, the weight of the self-regularization in R's adversarial loss.</summary>
    public double Lambda { get; }
    public int PretrainR { get; }
    public int PretrainD { get; }

    /// <summary>Kg: R updates per adversarial step.</summary>
    public int RSteps { get; }

    /// <summary>The buffer of past refinements D sees half its fake batch from, or null (--history 0).</summary>
    public RefinedHistoryBuffer? History { get; }

    public Refiner Refiner => (Refiner)Network("G");

    /// <summary>The first step of the adversarial game (after both pretraining stages).</summary>
    public int AdversarialFrom => PretrainR + PretrainD + 1;

    protected override IReadOnlyList<Phase> BuildPhases()
    {
        int pr = PretrainR, adversarial = AdversarialFrom;
        return new[]
        {
            // R learns the identity first, so the game starts from refinements that keep the content.
            new Phase("R-pretrain", "G", ctx => PretrainLoss(ctx.Batch[BatchFields.Source]))
                { LossName = "loss_g", ActiveAt = s => s <= pr },
            new Phase("D-pretrain", "D", ctx => DiscriminatorLoss(ctx.Batch[BatchFields.Source], ctx.Batch.Real))
                { LossName = "loss_d", ActiveAt = s => s > pr && s < adversarial },
            // Algorithm 1: Kg updates of R, each on fresh synthetic images, then Kd updates of D on fresh real and synthetic ones.
            new Phase("R", "G", ctx => RefinerLoss(ctx.Batch[BatchFields.Source]))
                { LossName = "loss_g", Repeat = RSteps, ActiveAt = s => s >= adversarial, Freeze = new[] { "D" }, ZeroAfter = new[] { "D" } },
            new Phase("D", "D", ctx => DiscriminatorLoss(ctx.Batch[BatchFields.Source], ctx.Batch.Real))
                { LossName = "loss_d", Repeat = Options.DSteps, ActiveAt = s => s >= adversarial },
        };
    }

    /// <summary>R's pretraining loss: the self-regularization ‖R(x) − x‖₁ alone (unweighted, so --lambda-reg 0 still pretrains R to the identity).</summary>
    public LossResult PretrainLoss(Tensor synthetic)
    {
        var refined = G.call(synthetic);
        return new LossTerms().Add("reg", SimGanLosses.SelfRegularization(refined, synthetic, 1.0)).Result();
    }

    /// <summary>
    /// R's loss: the local adversarial loss of its refinements (cross-entropy of every patch against "real", summed
    /// over patches; logged as loss_adv) + λ·‖R(x) − x‖₁ (logged unweighted as loss_reg). d_fake: D's mean patch
    /// probability of "real" on them.
    /// </summary>
    public LossResult RefinerLoss(Tensor synthetic)
    {
        var refined = G.call(synthetic);
        var logits = D.call(refined);
        return new LossTerms()
            .Add("adv", SimGanLosses.LocalAdversarial(logits, real: true))
            .Add("reg", SimGanLosses.SelfRegularization(refined, synthetic, 1.0), Lambda)
            .Result(dFake: nn.functional.sigmoid(logits).mean());
    }

    /// <summary>
    /// D's loss: real images as real and refined ones as refined, each summed over patches; the refined batch is R's
    /// current output with its second half replaced by past refinements from the history buffer (when there is one).
    /// </summary>
    public LossResult DiscriminatorLoss(Tensor synthetic, Tensor real)
    {
        var fake = FakeBatch(synthetic);
        var realLogits = D.call(real);
        var fakeLogits = D.call(fake);
        var loss = SimGanLosses.LocalAdversarial(realLogits, real: true) + SimGanLosses.LocalAdversarial(fakeLogits, real: false);
        return new LossResult(loss, nn.functional.sigmoid(realLogits).mean(), nn.functional.sigmoid(fakeLogits).mean());
    }

    /// <summary>
    /// The refined batch D is trained on: R(x) without gradients; with a history buffer, its last ⌊B/2⌋ images are
    /// replaced by past refinements and its first ⌊B/2⌋ go into the buffer (<see cref="RefinedHistoryBuffer.Mix"/>).
    /// </summary>
    public Tensor FakeBatch(Tensor synthetic)
    {
        Tensor refined;
        using (no_grad()) refined = G.call(synthetic);
        return History?.Mix(refined) ?? refined;
    }

    /// <summary>R(x) in eval mode without gradients: <paramref name="synthetic"/> N×C×H×W in [-1, 1].</summary>
    public Tensor Refine(Tensor synthetic)
    {
        bool wasTraining = G.training;
        G.eval();
        try
        {
            using var _ = inference_mode();
            return G.call(synthetic);
        }
        finally
        {
            if (wasTraining) G.train();
        }
    }

    /// <summary>R has no noise: a "latent" is a placeholder column of zeros.</summary>
    public override Tensor SampleLatent(long n, Generator? generator) => zeros(n, 1, device: Device);

    public override Tensor Generate(Tensor z, Tensor? condition = null)
    {
        if (condition is null)
            throw new ArgumentException("the refiner refines synthetic images and draws none of its own: use 'gansharp refine --checkpoint RUN --in DIR --out DIR'");
        return G.call(condition);
    }

    public override string? JointLossesUnsupported() => "the refiner has its own losses";

    public override void Attach(TensorDataset data) => CheckSource(data, "training");

    public override void AttachHeldOut(TensorDataset heldOut)
    {
        CheckSource(heldOut, "held-out");
        using var scope = NewDisposeScope();
        _heldOutSources?.Dispose();
        _heldOutSources = heldOut.GatherExtra(arange(heldOut.Count))[BatchFields.Source].On(Device).MoveToOuterDisposeScope(); // cpu: indices into the CPU held-out set; grids run where G does
    }

    private void CheckSource(TensorDataset data, string what)
    {
        if (!data.ExtraFields.TryGetValue(BatchFields.Source, out var s)) return;   // the engine's field check names it
        if (!s.shape.Skip(1).SequenceEqual(ExampleShape))
            throw new DataException($"the {what} synthetic images of '{data.Name}' have shape [{string.Join("×", s.shape.Skip(1))}], but this refiner takes {string.Join("×", ExampleShape)}");
    }

    /// <summary>The held-out synthetic images (n of them, cycled); null when none is attached (a checkpoint loaded alone).</summary>
    public override Tensor? GridCondition(long n) =>
        _heldOutSources?.index_select(0, arange(n, device: _heldOutSources.device) % _heldOutSources.shape[0]);

    /// <summary>Eight (synthetic, refined) pairs per row.</summary>
    public override int? GridColumns(long n) => 16;

    /// <summary>Each synthetic image followed by its refinement.</summary>
    public override Tensor GridImages(Tensor samples, Tensor? condition) =>
        condition is null ? samples : stack(new[] { condition, samples }, 1).flatten(0, 1);

    // ---- the history buffer in checkpoints: its images and its generator's state --------------------------------

    public override IEnumerable<(string Name, Tensor Value)> FamilyTensors()
    {
        if (History is null) yield break;
        yield return ("history.images", History.State());
        yield return ("history.rng", _historyRng!.get_state());
    }

    public override JsonObject? CaptureFamilyState() =>
        History is null ? null : new JsonObject { ["history"] = History.Count };

    public override void RestoreFamilyState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (History is null) return;
        if (!tensors.TryGetValue("state.history.images", out var images) || !tensors.TryGetValue("state.history.rng", out var rng))
            throw new CheckpointException($"checkpoint lacks the refiner's history buffer ('state.history.images'): it was written with --history 0, not {History.Capacity}");
        if (images.shape[0] > History.Capacity)
            throw new CheckpointException($"checkpoint's history buffer holds {images.shape[0]} images, more than --history {History.Capacity}");
        History.Load(images);
        _historyRng!.set_state(rng);
    }

    public override void Dispose()
    {
        _heldOutSources?.Dispose();
        History?.Dispose();
        _historyRng?.Dispose();
        base.Dispose();
    }
}
