using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Imaging;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// What the two super-resolution families share (Ledig et al. 2017): SRResNet as G, data made from any folder of
/// large photos (random HR crops of --size, each LR the MATLAB bicubic ×1/scale downscale; train and test split by
/// photo), progress grids of held-out crops (bicubic | SR | HR), and the options below.
/// </summary>
public abstract class SrFamilyBase : IGanFamily
{
    /// <summary>Runs on any --device (docs/scale.md).</summary>
    public bool RunsOnAnyDevice => true;

    /// <summary>The train/test split of a photo folder is the same for every run on it (a fixed seed, not the run's).</summary>
    public const long SplitSeed = SrData.SplitSeed;

    /// <summary>Held-out crops for the progress grid.</summary>
    public const int HeldOutCrops = 8;

    public abstract string Name { get; }
    public abstract string Description { get; }
    public abstract string ArchName { get; }
    protected abstract bool Adversarial { get; }

    public IReadOnlyList<string> RequiredFields => new[] { BatchFields.Image, BatchFields.Source };
    public bool NeedsHeldOut => true;

    /// <summary>The photos are decoded once, for their crops (not first as a dataset at --size).</summary>
    public bool ReadsDataItself => true;
    public IReadOnlyList<(string Name, string Description)> Architectures => new[] { (ArchName, ArchDescription) };
    protected abstract string ArchDescription { get; }

    /// <summary>The options both families read (declared by each with the same defaults).</summary>
    public static IReadOnlyList<OptionSpec> CommonOptions => new[]
    {
        OptionSpec.Of("sr-blocks", 8, "srresnet/srgan: residual blocks B of SRResNet (default 8; the paper's 16)"),
        OptionSpec.Of("sr-scale", 4, "srresnet/srgan: upscaling factor, 2, 4 or 8 (default 4, the paper's)"),
        OptionSpec.Of("upsampling", "subpixel", "srresnet/srgan: ×2 stages by sub-pixel convolution (the paper's) or transposed convolution", "subpixel", "transposed"),
        OptionSpec.Of("crops", 8192, "srresnet/srgan: random HR crops of --size drawn once from the training photos (the pool batches are drawn from; default 8192)"),
        OptionSpec.Of("test-fraction", 0.2, "srresnet/srgan: fraction of the photos held out as the test set, split by photo with a fixed seed (default 0.2)"),
        OptionSpec.Of("photo-side", 0, "srresnet/srgan: shrink each photo (MATLAB bicubic, antialiased) so its shorter side is at most N pixels before cropping, training and test photos alike (0: as they are; 4K wallpapers are smooth at full size, 512 gives detail like ImageNet's)"),
        OptionSpec.Of("crop-cache", true, "srresnet/srgan: keep the drawn crops in CACHE/sr-crops (keyed by the photos, their sizes and dates, and the crop settings), so a resumed or repeated run does not decode the photos again"),
        OptionSpec.Of("lr-drop", 0, "srresnet/srgan: step after which the learning rates are divided by 10 (0: never; the paper's SRGAN: 100000)"),
    };

    public virtual IReadOnlyList<OptionSpec> Options => CommonOptions;

    public abstract IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; }

    /// <summary>The preset `train srresnet|srgan --data FOLDER` applies when neither a preset nor a config is given.</summary>
    protected abstract string DefaultPresetName { get; }

    public string? DefaultPreset(string? data, string? arch) => DefaultPresetName;

    public string ResolveArch(GanOptions options, long[] exampleShape)
    {
        Refuse(options);
        CheckShape(options, exampleShape);
        return ArchName;
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        Refuse(options);
        CheckShape(options, exampleShape);
        manual_seed(options.Seed);
        return new SrSystem(options, exampleShape, Adversarial);
    }

    /// <summary>The upscaling factor the options give.</summary>
    public static int Scale(GanOptions o) => o.Get<int>("sr-scale");

    private void CheckShape(GanOptions o, long[] shape)
    {
        int scale = Scale(o);
        if (scale is not (2 or 4 or 8))
            throw new ArgumentException($"--sr-scale must be 2, 4 or 8 (got {scale})");
        if (shape.Length != 3 || shape[0] != 3 || shape[1] != shape[2] || shape[1] % scale != 0 || shape[1] < 4 * scale)
            throw new ArgumentException($"the {Name} model trains on square RGB crops whose side is a multiple of the scale {scale} (at least {4 * scale}), but '{o.Data}' gives examples of shape [{string.Join("×", shape)}]: pass --data FOLDER of photos with --size 96 (the paper's crop)");
    }

    /// <summary>The options the SR families cannot honour, each refused in one line.</summary>
    private void Refuse(GanOptions o)
    {
        string? why =
            o.Channels != 3 ? $"--channels {o.Channels} is not available for {Name}: it upscales RGB photos (gray and RGBA images are handled by 'gansharp upscale')" :
            o.Loss is LossKind.Wgan or LossKind.WganGp ? $"--loss {(o.Loss == LossKind.WganGp ? "wgan-gp" : "wgan")} is not available for {Name}: use --loss gan (the paper's), lsgan or hinge" :
            o.Clip > 0 ? $"--clip is not available for {Name}" :
            o.FeatureMatching ? $"--feature-matching is not available for {Name}" :
            o.Unrolled > 0 ? $"--unrolled is not available for {Name}" :
            o.InstanceNoise > 0 ? $"--instance-noise is not available for {Name}" :
            o.SpectralNorm ? $"--spectral-norm is not available for {Name}" :
            o.MinibatchStd || o.MinibatchDisc > 0 ? $"minibatch layers are not available for {Name}" :
            o.Pack > 1 ? $"--pack is not available for {Name}" :
            o.ReuseDFake ? $"--reuse-d-fake is not available for {Name} (its D and G phases already share one G(LR))" :
            o.Mirror ? $"--mirror is not available for {Name} (its crops are drawn at random positions already)" :
            o.Augment != "none" ? $"--augment is not available for {Name}" :
            o.EvalEvery > 0 ? $"--eval-every is not available for {Name}: use 'gansharp eval-sr --checkpoint RUN'" :
            !Adversarial && (o.DSteps != 1 || o.R1 > 0) ? $"the srresnet model has no discriminator: drop --d-steps and --r1 (or train srgan)" :
            o.Get<int>("lr-drop") < 0 ? $"--lr-drop must not be negative (got {o.Get<int>("lr-drop")})" :
            o.Get<int>("crops") < 1 ? $"--crops must be positive (got {o.Get<int>("crops")})" :
            null;
        if (why is not null) throw new ArgumentException(why);
    }

    /// <summary>
    /// Every photo of the folder the options name, split by photo (<see cref="SplitSeed"/>, --test-fraction): the
    /// training photos give --crops random crops, the test photos <see cref="HeldOutCrops"/> crops for the grids.
    /// </summary>
    public (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log)
    {
        var split = Split(options);
        int scale = Scale(options);
        if (options.Size % scale != 0)
            throw new ArgumentException($"--size {options.Size} is not a multiple of --sr-scale {scale}: use e.g. {Math.Max(scale, options.Size / scale * scale)}");
        int side = options.Get<int>("photo-side");
        if (side < 0 || (side > 0 && side < options.Size))
            throw new ArgumentException($"--photo-side {side} must be 0 (photos as they are) or at least --size {options.Size}");
        string? cache = options.Get<bool>("crop-cache") ? Path.Combine(DatasetCache.DefaultRoot(), "sr-crops") : null;
        var train = SrData.RandomCrops(split.Train, options.Get<int>("crops"), options.Size, scale, ShuffledBatches.MixSeed(options.Seed, -61), log, side, cache);
        try
        {
            var heldOut = SrData.RandomCrops(split.Test, HeldOutCrops, options.Size, scale, SplitSeed, log, side, cache);
            log?.Invoke($"{Name}: {split.Train.Count} training photos{(side > 0 ? $" (shorter side shrunk to {side} px)" : "")} → {train.Count} crops of {options.Size} px (LR {options.Size / scale} px); {split.Test.Count} test photos held out");
            return (train, heldOut);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>The photos of the folder the options name, split into train and test by photo as every SR run on it splits them.</summary>
    public static SrSplit Split(GanOptions options) =>
        SrData.SplitFolder(options.Data, options.Size, options.Get<double>("test-fraction"), $"the {options.Model} model");
}

/// <summary>SRResNet (`gansharp train srresnet`): the generator alone, trained on pixel MSE (Ledig et al. 2017).</summary>
public sealed class SrResNetFamily : SrFamilyBase
{
    public const string ModelName = "srresnet";
    public override string Name => ModelName;
    public override string Description => "SRResNet super-resolution: residual G trained on pixel MSE, ×4 by sub-pixel convolution (Ledig et al. 2017)";
    public override string ArchName => "srresnet";
    protected override string ArchDescription => "SRResNet: 9×9 conv, B residual blocks, long skip, log2(scale) sub-pixel ×2 stages, 9×9 conv; pixel MSE";
    protected override bool Adversarial => false;

    public override IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["srresnet-x4"] = ("SRResNet ×4 (pass --data FOLDER of photos): B = 8, 96 px HR crops, batch 16, Adam 1e-4 β1 0.9, 10000 steps",
            """{"model":"srresnet","size":96,"batch":16,"sr-blocks":8,"lr-g":1e-4,"betas-g":[0.9,0.999],"steps":10000,"sample-every":500,"checkpoint-every":250,"sample-count":8,"log-every":10}"""),
        ["srresnet-paper"] = ("SRResNet ×4 at the paper's size: B = 16, 96 px crops, batch 16, Adam 1e-4 β1 0.9, 10^6 steps",
            """{"model":"srresnet","size":96,"batch":16,"sr-blocks":16,"lr-g":1e-4,"betas-g":[0.9,0.999],"steps":1000000,"sample-every":5000,"checkpoint-every":5000,"sample-count":8,"log-every":100}"""),
    };

    protected override string DefaultPresetName => "srresnet-x4";
}

/// <summary>
/// SRGAN (`gansharp train srgan --init-from SRRESNET_RUN`): SRResNet G and the SRGAN D, G trained on the perceptual
/// loss: content loss on a frozen feature network + 10⁻³ × adversarial loss (+ optional total variation).
/// </summary>
public sealed class SrganFamily : SrFamilyBase
{
    public const string ModelName = "srgan";
    public override string Name => ModelName;
    public override string Description => "SRGAN super-resolution: SRResNet G, VGG-style D, content loss on a feature network + 1e-3 adversarial (Ledig et al. 2017)";
    public override string ArchName => "srgan";
    protected override string ArchDescription => "SRGAN: SRResNet G; D of eight 3×3 convs (64→512), dense 1024, dense 1; perceptual loss";
    protected override bool Adversarial => true;

    public override IReadOnlyList<OptionSpec> Options => CommonOptions.Concat(new[]
    {
        OptionSpec.Of("content", "features", "srgan: the content loss: features (MSE of feature maps of --feature-net, the paper's VGG54) or mse (pixel MSE, the paper's SRGAN-MSE)", "features", "mse"),
        ContentTerm.FeatureNetOption,
        ContentTerm.ContentScaleOption,
        OptionSpec.Of("adv-weight", ImageToImageLosses.SrganAdversarialWeight, "srgan: weight of the adversarial term of G's loss (default 1e-3, the paper's)"),
        OptionSpec.Of("tv-weight", 0.0, "srgan: weight of a total-variation term of G's loss (default 0: none)"),
    }).ToList();

    public override IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["srgan-x4"] = ("SRGAN ×4 (pass --data FOLDER and --init-from an SRResNet run): B = 8, 96 px crops, batch 16, Adam 1e-4 β1 0.9 for G and D, content on photo-featnet + 1e-3 adversarial, 3000 steps",
            """{"model":"srgan","size":96,"batch":16,"sr-blocks":8,"lr-g":1e-4,"lr-d":1e-4,"betas-g":[0.9,0.999],"betas-d":[0.9,0.999],"steps":3000,"sample-every":250,"checkpoint-every":250,"sample-count":8,"log-every":10}"""),
        ["srgan-paper"] = ("SRGAN ×4 at the paper's size: B = 16, batch 16, 10^5 steps at 1e-4 then 10^5 at 1e-5",
            """{"model":"srgan","size":96,"batch":16,"sr-blocks":16,"lr-g":1e-4,"lr-d":1e-4,"betas-g":[0.9,0.999],"betas-d":[0.9,0.999],"steps":200000,"lr-drop":100000,"sample-every":5000,"checkpoint-every":5000,"sample-count":8,"log-every":100}"""),
    };

    protected override string DefaultPresetName => "srgan-x4";
}

/// <summary>The networks, phases and grids of <see cref="SrResNetFamily"/> and <see cref="SrganFamily"/>.</summary>
public sealed class SrSystem : GanSystem
{
    private Tensor? _heldOutLr, _heldOutHr;
    private Tensor? _fake;                 // G(LR) of the D phase, reused by the G phase of the same step
    private readonly ContentTerm? _content; // family state: its scale (option, the paper's, or calibrated at step 1) and hash

    public SrSystem(GanOptions options, long[] shape, bool adversarial) : base(options, shape)
    {
        Adversarial = adversarial;
        Scale = SrFamilyBase.Scale(options);
        var upsampling = options.Get<string>("upsampling") == "transposed" ? SrUpsampling.Transposed : SrUpsampling.SubPixel;
        AddNetwork("G", new SrResNet(options.Get<int>("sr-blocks"), options.WidthG, Scale, (int)shape[0], upsampling));
        if (adversarial)
        {
            AddNetwork("D", new SrganDiscriminator((int)shape[1], (int)shape[2], (int)shape[0], options.WidthD));
            ContentKind = options.Get<string>("content");
            AdversarialWeight = options.Get<double>("adv-weight");
            TvWeight = options.Get<double>("tv-weight");
            if (AdversarialWeight < 0 || TvWeight < 0)
                throw new ArgumentException($"--adv-weight and --tv-weight must not be negative (got {AdversarialWeight}, {TvWeight})");
            _content = new ContentTerm(options.Get<string>("feature-net"), options.Get<double>("content-scale"), Device);
        }
    }

    public bool Adversarial { get; }
    public int Scale { get; }
    public string ContentKind { get; } = "mse";
    public double AdversarialWeight { get; }
    public double TvWeight { get; }
    public SrResNet SrG => (SrResNet)Network("G");

    /// <summary>The scale of the content network's feature maps once known (option, paper's, or calibrated at step 1).</summary>
    public double? ContentScale => _content?.Scale;

    public override IReadOnlyList<OptimizerGroup> OptimizerGroups()
    {
        int drop = Options.Get<int>("lr-drop");
        Func<int, double>? schedule = drop > 0 ? step => step > drop ? 0.1 : 1.0 : null;
        var g = new OptimizerGroup("G", new[] { "G" }, Options.Optimizer, Options.LrG, Options.BetasG) { LrSchedule = schedule };
        return Adversarial
            ? new[] { g, new OptimizerGroup("D", new[] { "D" }, Options.Optimizer, Options.LrD, Options.BetasD) { LrSchedule = schedule } }
            : new[] { g };
    }

    /// <summary>SR has no z: a "latent" is a zero per example (grids and samples are a function of the LR input alone).</summary>
    public override Tensor SampleLatent(long n, Generator? generator) => zeros(n, 1, device: Device);

    /// <summary>G(LR): the condition is the LR image in [-1, 1].</summary>
    public override Tensor Generate(Tensor z, Tensor? source = null) =>
        source is null
            ? throw new ArgumentException($"the {Options.Model} model upscales an image: use 'gansharp upscale in.png --checkpoint RUN --out out.png'")
            : G.call(source);

    /// <summary>The content network, loaded on first use (upscaling a checkpoint never needs it).</summary>
    public ContentNetwork Content => (_content ?? throw new InvalidOperationException("the srresnet model has no content network")).Network;

    protected override IReadOnlyList<Phase> BuildPhases()
    {
        if (!Adversarial)
            return new[] { new Phase("G", "G", ctx => PixelLoss(ctx.Batch[BatchFields.Source], ctx.Batch.Real)) };
        return new[]
        {
            new Phase("D", "D", ctx =>
            {
                var lr = ctx.Batch[BatchFields.Source];
                _fake = null;                                                   // the step's dispose scope owns it
                Tensor fake;
                if (ctx.Repeat == Options.DSteps - 1) fake = _fake = G.call(lr); // kept (with its graph) for the G phase
                else using (no_grad()) fake = G.call(lr);
                return DiscriminatorLoss(ctx.Batch.Real, fake, ctx.Rng, ctx.Step);
            }) { Repeat = Options.DSteps },
            new Phase("G", "G", ctx =>
            {
                var fake = _fake ?? G.call(ctx.Batch[BatchFields.Source]);
                _fake = null;
                return PerceptualLoss(fake, ctx.Batch.Real);
            }) { NewBatch = false, Freeze = new[] { "D" }, ZeroAfter = new[] { "D" } },
        };
    }

    /// <summary>SRResNet's loss: the pixel MSE of G(LR) against HR (loss_mse), with the batch's PSNR (on the [-1, 1] scale) as a statistic.</summary>
    public LossResult PixelLoss(Tensor lr, Tensor hr)
    {
        var sr = G.call(lr);
        var mse = ImageToImageLosses.PixelMse(sr, hr);
        var psnr = (4.0 / mse.detach()).log10() * 10;
        return new LossTerms().Add("mse", mse).Result(more: new Dictionary<string, Tensor> { ["psnr"] = psnr });
    }

    /// <summary>D's loss on HR crops and G(LR) through the run's adversarial loss (the paper's: BCE on D's sigmoid).</summary>
    public LossResult DiscriminatorLoss(Tensor hr, Tensor fake, Generator? rng, int step)
    {
        var fakeIn = fake.detach();
        var realOut = D.call(hr);
        var fakeOut = D.call(fakeIn);
        return Loss.Discriminator(x => D.call(x), hr, fakeIn, realOut, fakeOut, rng, step);
    }

    /// <summary>
    /// SRGAN's perceptual loss: content (loss_content: the feature-map MSE at the content scale, or the pixel MSE)
    /// + adv-weight × adversarial (loss_adv: −log D(G(x)) for the paper's loss) + tv-weight × TV (loss_tv). The pixel
    /// MSE is logged as loss_mse either way. At the first step without a known content scale, the scale is
    /// calibrated on this batch: s² = pixel MSE / mean((φ(G(x)) − φ(y))²), so the content loss starts equal to
    /// the pixel MSE of the (SRResNet-initialised) G, as the paper's 1/12.75 made VGG54 "comparable to the MSE loss".
    /// </summary>
    public LossResult PerceptualLoss(Tensor fake, Tensor hr)
    {
        var mse = ImageToImageLosses.PixelMse(fake, hr);
        Tensor content;
        var more = new Dictionary<string, Tensor>();
        if (ContentKind == "mse") content = mse;
        else
        {
            double scale = _content!.Calibrate(fake.detach(), hr, mse.item<float>());
            content = _content.Loss(fake, hr);
            more["content_scale"] = tensor((float)scale); // cpu: a logged value, read with item
        }
        var fakeOut = D.call(fake);
        var terms = new LossTerms()
            .Add("content", content)
            .Add("adv", Loss.Generator(fakeOut), AdversarialWeight);
        if (TvWeight > 0) terms.Add("tv", ImageToImageLosses.TotalVariation(fake), TvWeight);
        if (ContentKind != "mse") terms.Add("mse", mse, 0);
        return terms.Result(dFake: Loss.MeanOutput(fakeOut), more: more);
    }

    public override string? JointLossesUnsupported() => $"the {Options.Model} family has its own losses";

    public override JsonObject? CaptureFamilyState()
    {
        if (_content is null) return null;
        var state = new JsonObject();
        _content.Capture(state);
        return state.Count == 0 ? null : state;
    }

    public override void RestoreFamilyState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors) => _content?.Restore(state);

    public override void Attach(TensorDataset data) => CheckPairs(data, "training");

    public override void AttachHeldOut(TensorDataset heldOut)
    {
        CheckPairs(heldOut, "held-out");
        using var idx = arange(Math.Min(heldOut.Count, SrFamilyBase.HeldOutCrops)); // cpu: indices into the CPU held-out set
        using var scope = NewDisposeScope();
        _heldOutLr?.Dispose();
        _heldOutHr?.Dispose();
        _heldOutLr = heldOut.GatherExtra(idx)[BatchFields.Source].On(Device).MoveToOuterDisposeScope();   // grids run where G does
        _heldOutHr = heldOut.Gather(idx).On(Device).MoveToOuterDisposeScope();
    }

    private void CheckPairs(TensorDataset data, string what)
    {
        if (!data.ExtraFields.TryGetValue(BatchFields.Source, out var lr)) return;   // the engine's field check names it
        long h = ExampleShape[1] / Scale, w = ExampleShape[2] / Scale;
        if (lr.dim() != 4 || lr.shape[1] != ExampleShape[0] || lr.shape[2] != h || lr.shape[3] != w)
            throw new DataException($"the {what} LR images of '{data.Name}' have shape [{string.Join("×", lr.shape.Skip(1))}], but this {Options.Model} model takes {ExampleShape[0]}×{h}×{w} (HR {ExampleShape[1]} / scale {Scale})");
    }

    /// <summary>The held-out LR crops (n of them, cycled); null when none is attached (a checkpoint loaded alone).</summary>
    public override Tensor? GridCondition(long n) => _heldOutLr?.index_select(0, arange(n, device: _heldOutLr.device) % _heldOutLr.shape[0]);

    public override int? GridColumns(long n) => 3;

    /// <summary>Each held-out crop as bicubic ×scale of its LR, G's output and the HR crop, in a row.</summary>
    public override Tensor GridImages(Tensor samples, Tensor? condition)
    {
        if (condition is null || _heldOutHr is null) return samples;
        long n = samples.shape[0];
        var bicubic = MatlabImresize.Resize(condition.to_type(ScalarType.Float64), Scale).to_type(samples.dtype).clamp(-1, 1);
        var hr = _heldOutHr.index_select(0, arange(n, device: _heldOutHr.device) % _heldOutHr.shape[0]);
        return stack(new[] { bicubic, samples.clamp(-1, 1), hr }, 1).flatten(0, 1);
    }

    public override void Dispose()
    {
        _heldOutLr?.Dispose();
        _heldOutHr?.Dispose();
        _content?.Dispose();
        base.Dispose();
    }
}
