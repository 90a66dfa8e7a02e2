using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Models;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// pix2pix (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial Networks") as a family:
/// `gansharp train pix2pix --data FOLDER --task edges|colorize|inpaint|derain|denoise|paired`. G is a
/// <see cref="UNetGenerator"/> (depth log2(size), dropout kept on at test time, its only noise), D a
/// <see cref="PatchGan"/> on concat(source, image). A step is D (its loss halved) then G (cGAN + λ·L1, λ = 100) on
/// the same batch and the same G(source), as the authors' code does it. The data adapter makes the paired task from
/// a folder of photos (or reads side-by-side A|B pairs) and holds out images, split by image, for the progress grid:
/// each held-out source, its output and its target.
/// </summary>
public sealed class Pix2PixFamily : IGanFamily
{
    /// <summary>Runs on any --device (docs/scale.md).</summary>
    public bool RunsOnAnyDevice => true;

    public const string ModelName = "pix2pix";
    public const string ArchName = "unet-patchgan";

    /// <summary>The tasks of --task: the built-in ones made from any photo folder, and "paired" (A|B files).</summary>
    public static readonly string[] Tasks = { "edges", "colorize", "inpaint", "derain", "denoise", "denoise-poisson", "paired" };

    /// <summary>
    /// The objectives of --objective: "cgan-l1" (pix2pix: cGAN + λ·L1; --lambda-l1 0 is cGAN alone), "l1" (L1
    /// alone, no D: the ablation's baseline) and "idcgan" (ID-CGAN's: MSE + perceptual + 6.6·10⁻³ × adversarial
    /// with a multi-scale D; Zhang, Sindagi &amp; Patel 2017).
    /// </summary>
    public static readonly string[] Objectives = { "cgan-l1", "l1", "idcgan" };

    /// <summary>The PatchGAN receptive fields --patch accepts (1 to 4 stride-2 layers).</summary>
    public static readonly int[] PatchSizes = { 16, 34, 70, 142 };

    /// <summary>Images held out for progress grids: 10 % of the folder, at least this many.</summary>
    public const int MinHeldOut = 8;

    /// <summary>The split is the same for every run on a folder (a fixed seed, not the run's), so runs compare on the same held-out images.</summary>
    public const long SplitSeed = 20170101;

    public string Name => ModelName;
    public string Description => "pix2pix image-to-image translation: U-Net G, PatchGAN D, cGAN + λ·L1 (Isola et al. 2017)";
    public IReadOnlyList<string> RequiredFields => new[] { BatchFields.Image, BatchFields.Source };
    public IReadOnlyList<(string Name, string Description)> Architectures => new[]
    {
        (ArchName, "pix2pix: U-Net G (log2(size) levels, dropout at test time) and PatchGAN D on (source, image); square power-of-two images 16-512"),
    };
    public bool NeedsHeldOut => true;

    public IReadOnlyList<OptionSpec> Options => new[]
    {
        OptionSpec.Of("task", "edges", "pix2pix: the paired task: edges (Sobel edges → photo), colorize (gray → colour), inpaint (gray hole → photo), derain (rain streaks → clean), denoise (Gaussian noise σ 25 → clean), denoise-poisson (Poisson noise, peak 30 → clean), paired (side-by-side A|B files, A → B)", Tasks),
        OptionSpec.Of("objective", "cgan-l1", "pix2pix: G's objective: cgan-l1 (cGAN + λ·L1, the paper's; --lambda-l1 0: cGAN alone), l1 (L1 alone, no D), idcgan (ID-CGAN: MSE + perceptual on --feature-net + 6.6e-3 adversarial, multi-scale D)", Objectives),
        OptionSpec.Of("d-scales", 3, "pix2pix --objective idcgan: scales of the multi-scale D (each a PatchGAN on the pair pooled ×2 more; default 3)"),
        ContentTerm.FeatureNetOption,
        ContentTerm.ContentScaleOption,
        OptionSpec.Of("lambda-l1", ImageToImageLosses.Pix2PixL1Weight, "pix2pix: weight λ of the L1 term of G's loss (default 100, the paper's; 0: cGAN only)"),
        OptionSpec.Of("patch", 0, "pix2pix: PatchGAN receptive field in pixels: 16, 34, 70 or 142 (default 0: scaled to --size as the paper's 70 at 256: 16 at 64, 34 at 128)"),
    };

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["pix2pix-edges64"] = ("pix2pix edges → photo at 64 px (pass --data FOLDER of photos): batch 8, PatchGAN 16, λ 100, Adam 2e-4 β1 0.5 for both networks, 2000 steps",
            """{"model":"pix2pix","task":"edges","size":64,"batch":8,"patch":16,"lambda-l1":100,"lr-g":2e-4,"lr-d":2e-4,"betas-g":[0.5,0.999],"betas-d":[0.5,0.999],"steps":2000,"sample-every":250,"checkpoint-every":500,"sample-count":8,"log-every":10}"""),
        ["pix2pix-derain64"] = ("pix2pix de-raining at 64 px (pass --data FOLDER of photos): synthetic rain streaks → clean photo, batch 8, PatchGAN 16, λ 100, 2000 steps",
            """{"model":"pix2pix","task":"derain","size":64,"batch":8,"patch":16,"lambda-l1":100,"lr-g":2e-4,"lr-d":2e-4,"betas-g":[0.5,0.999],"betas-d":[0.5,0.999],"steps":2000,"sample-every":250,"checkpoint-every":500,"sample-count":8,"log-every":10}"""),
        ["pix2pix-edges128"] = ("pix2pix edges → photo at 128 px (pass --data FOLDER of photos): batch 4, PatchGAN 34, λ 100, 2000 steps",
            """{"model":"pix2pix","task":"edges","size":128,"batch":4,"patch":34,"lambda-l1":100,"lr-g":2e-4,"lr-d":2e-4,"betas-g":[0.5,0.999],"betas-d":[0.5,0.999],"steps":2000,"sample-every":250,"checkpoint-every":500,"sample-count":8,"log-every":10}"""),
    };

    public string ResolveArch(GanOptions options, long[] exampleShape)
    {
        // Called before the run directory is created: every option check happens here too, so a refused run leaves nothing.
        RefuseUnsupported(options);
        CheckShape(options, exampleShape);
        CheckScales(options, (int)exampleShape[1], PatchLayers(options, (int)exampleShape[1]));
        return ArchName;
    }

    /// <summary>Source channels: the edge map and the gray image have one, the other tasks the image's.</summary>
    public static int SourceChannels(GanOptions o, int imageChannels) => o.Get<string>("task") is "edges" or "colorize" ? 1 : imageChannels;

    /// <summary>Stride-2 layers of the PatchGAN: --patch, or the receptive field nearest to the paper's 70/256 of the image side.</summary>
    public static int PatchLayers(GanOptions o, int size)
    {
        int patch = o.Get<int>("patch");
        if (patch == 0)
        {
            double target = size * 70.0 / 256;
            int nearest = Enumerable.Range(1, PatchSizes.Length).MinBy(n => Math.Abs(Math.Log(PatchGan.ReceptiveField(n) / target)));
            while (nearest > 1 && PatchGan.OutputSize(size, nearest) < 1) nearest--;
            return nearest;
        }
        if (!PatchSizes.Contains(patch))
            throw new ArgumentException($"--patch {patch} is not a PatchGAN receptive field: use {string.Join(", ", PatchSizes)} (or 0 for the size's default)");
        int layers = PatchGan.LayersFor(patch);
        if (PatchGan.OutputSize(size, layers) < 1)
            throw new ArgumentException($"--patch {patch} does not fit {size}×{size} images (its PatchGAN needs larger inputs): use a smaller --patch or a larger --size");
        return layers;
    }

    /// <summary>With --objective idcgan, the coarsest scale of the multi-scale D must still fit its PatchGAN.</summary>
    public static void CheckScales(GanOptions o, int size, int patchLayers)
    {
        int scales = o.Get<int>("d-scales");
        if (o.Get<string>("objective") == "idcgan" && PatchGan.OutputSize(size >> (scales - 1), patchLayers) < 1)
            throw new ArgumentException($"--d-scales {scales} shrinks {size}×{size} pairs to {size >> (scales - 1)} px, too small for the PatchGAN: use fewer scales or a smaller --patch");
    }

    private static void CheckShape(GanOptions o, long[] shape)
    {
        if (shape.Length != 3 || shape[1] != shape[2] || shape[1] < 16 || shape[1] > 512 || (shape[1] & (shape[1] - 1)) != 0)
            throw new ArgumentException($"the pix2pix model needs square images whose side is a power of two from 16 to 512, but '{o.Data}' has examples of shape [{string.Join("×", shape)}]: pass --data FOLDER of photos with --size 64 (or 128, 256)");
    }

    /// <summary>The options pix2pix cannot honour, each refused in one line.</summary>
    public static void RefuseUnsupported(GanOptions o)
    {
        string? why =
            o.Loss is LossKind.Wgan or LossKind.WganGp ? $"--loss {(o.Loss == LossKind.WganGp ? "wgan-gp" : "wgan")} is not available for pix2pix (its PatchGAN has BatchNorm and no clipping): use --loss gan (the paper's), lsgan or hinge" :
            o.Clip > 0 ? "--clip is not available for pix2pix (weight clipping is for --loss wgan)" :
            o.FeatureMatching ? "--feature-matching is not available for pix2pix (G's loss is cGAN + λ·L1)" :
            o.Unrolled > 0 ? "--unrolled is not available for pix2pix (it has its own D and G phases)" :
            o.InstanceNoise > 0 ? "--instance-noise is not available for pix2pix" :
            o.SpectralNorm ? "--spectral-norm is not available for pix2pix (the PatchGAN has no spectral-norm variant)" :
            o.MinibatchStd || o.MinibatchDisc > 0 ? "minibatch layers are not available for pix2pix (the PatchGAN judges patches, not whole images)" :
            o.Pack > 1 ? "--pack is not available for pix2pix" :
            o.ReuseDFake ? "--reuse-d-fake is not available for pix2pix (its D and G phases already share one G(source))" :
            o.EvalEvery > 0 ? "--eval-every is not available for pix2pix (its metrics sample without a source image); use 'gansharp eval-pix2pix --checkpoint RUN'" :
            o.Get<string>("objective") == "l1" && (o.DSteps != 1 || o.R1 > 0) ? "--objective l1 trains no discriminator: drop --d-steps and --r1" :
            o.Get<string>("objective") == "idcgan" && o.Loss != LossKind.Gan ? "--objective idcgan has its paper's loss (BCE on each scale of its multi-scale D): drop --loss" :
            o.Get<string>("objective") == "idcgan" && o.R1 > 0 ? "--r1 is not available with --objective idcgan" :
            o.Get<string>("objective") == "idcgan" && SourceChannels(o, 3) == 1 ? $"--objective idcgan calibrates its perceptual term on the corrupted source, but --task {o.Get<string>("task")} has 1-channel sources: use it with derain, denoise, denoise-poisson, inpaint or paired" :
            o.Get<int>("d-scales") is < 1 or > 4 ? $"--d-scales must be 1 to 4 (got {o.Get<int>("d-scales")})" :
            null;
        if (why is not null) throw new ArgumentException(why);
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        RefuseUnsupported(options);
        CheckShape(options, exampleShape);
        int layers = PatchLayers(options, (int)exampleShape[1]);
        manual_seed(options.Seed);
        return new Pix2PixSystem(options, exampleShape, layers);
    }

    /// <summary>
    /// The paired dataset the options name, split by image into training and held-out parts: data that already has a
    /// "source" field is used as it is (--task paired); --task paired on a folder reads side-by-side A|B files; the
    /// other tasks make their sources from the images.
    /// </summary>
    public (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log)
    {
        string task = options.Get<string>("task");
        TensorDataset paired;
        if (data.Fields.Contains(BatchFields.Source))
        {
            if (task != "paired")
                throw new DataException($"'{options.Data}' already holds paired images (a 'source' field): use --task paired, not --task {task}");
            paired = data;
        }
        else if (task == "paired")
        {
            if (!Directory.Exists(options.Data))
                throw new DataException($"--task paired reads side-by-side A|B images from a folder, but '{options.Data}' is not a folder: pass --data FOLDER");
            paired = PairedImages.SideBySide(options.Data, options.Size, channels: options.Channels);
        }
        else
        {
            if (!data.IsImage || data.ExampleShape.Length != 3)
                throw new DataException($"the pix2pix model makes its --task {task} pairs from images, but '{options.Data}' has examples of shape [{string.Join("×", data.ExampleShape)}]: pass --data FOLDER of photos");
            var kind = task switch
            {
                "edges" => PairedTask.Edges,
                "colorize" => PairedTask.Colorize,
                "inpaint" => PairedTask.Inpaint,
                "derain" => PairedTask.Derain,
                "denoise" => PairedTask.DenoiseGaussian,
                "denoise-poisson" => PairedTask.DenoisePoisson,
                _ => throw new ArgumentException($"unknown --task '{task}': use {string.Join(", ", Tasks)}"),
            };
            paired = PairedTasks.Make(kind, data.Data, ShuffledBatches.MixSeed(options.Seed, -41));
        }
        try
        {
            var (train, heldOut) = SplitByImage(paired, options.Data);
            log?.Invoke($"pix2pix {task}: {train.Count} training pairs, {heldOut.Count} held out for progress grids");
            return (train, heldOut);
        }
        finally
        {
            if (!ReferenceEquals(paired, data)) paired.Dispose();
        }
    }

    /// <summary>
    /// Splits a paired dataset (one example per image) into training and held-out parts by a fixed permutation:
    /// 10 % held out, at least <see cref="MinHeldOut"/>, and at least as many left to train on.
    /// </summary>
    public static (TensorDataset Train, TensorDataset HeldOut) SplitByImage(TensorDataset paired, string name)
    {
        using var scope = NewDisposeScope();
        long n = paired.Count;
        long held = Math.Max(MinHeldOut, n / 10);
        if (n < held + MinHeldOut)
            throw new DataException($"'{name}' has {n} images: pix2pix holds out {held} for progress grids and needs at least {held + MinHeldOut} images in all");
        using var g = new Generator((ulong)SplitSeed);
        var perm = randperm(n, generator: g); // cpu: indices into the CPU data set
        var heldIdx = perm.narrow(0, 0, held).sort().Values;
        var trainIdx = perm.narrow(0, held, n - held).sort().Values;
        var train = Subset(paired, trainIdx, paired.Name);
        var heldOut = Subset(paired, heldIdx, paired.Name + "-heldout");
        train.Data.DetachFromDisposeScope();
        train.ExtraFields[BatchFields.Source].DetachFromDisposeScope();
        heldOut.Data.DetachFromDisposeScope();
        heldOut.ExtraFields[BatchFields.Source].DetachFromDisposeScope();
        return (train, heldOut);
    }

    private static TensorDataset Subset(TensorDataset d, Tensor idx, string name) =>
        PairedImages.FromTensors(name, d.ExtraFields[BatchFields.Source].index_select(0, idx), d.Data.index_select(0, idx));
}

/// <summary>The pix2pix networks, phases and grids (see <see cref="Pix2PixFamily"/>).</summary>
public sealed class Pix2PixSystem : GanSystem
{
    private Tensor? _heldOutSources, _heldOutTargets;
    private Tensor? _fake;                     // G(source) of the D phase, reused by the G phase of the same step
    private readonly ContentTerm? _content;    // idcgan's perceptual term (family state: its scale and hash)

    public Pix2PixSystem(GanOptions options, long[] shape, int patchLayers) : base(options, shape)
    {
        int channels = (int)shape[0], size = (int)shape[1];
        SourceChannels = Pix2PixFamily.SourceChannels(options, channels);
        L1Weight = options.Get<double>("lambda-l1");
        if (L1Weight < 0) throw new ArgumentException($"--lambda-l1 must not be negative (got {L1Weight})");
        Objective = options.Get<string>("objective");
        var g = new UNetGenerator(size, SourceChannels, channels, options.WidthG);          // C_src×S×S → C×S×S
        Init.Dcgan(g);                                                                     // N(0, 0.02), as the paper
        AddNetwork("G", g);
        if (Objective == "l1") return;                                                     // the ablation's L1-only G: no D
        nn.Module<Tensor, Tensor> d;
        if (Objective == "idcgan")
        {
            Pix2PixFamily.CheckScales(options, size, patchLayers);
            d = new MultiScaleDiscriminator(SourceChannels + channels, options.Get<int>("d-scales"), options.WidthD, patchLayers);   // one logit map per scale
            _content = new ContentTerm(options.Get<string>("feature-net"), options.Get<double>("content-scale"), Device);
        }
        else d = new PatchGan(SourceChannels + channels, options.WidthD, patchLayers);     // (C_src+C)×S×S → 1×h×w logits
        Init.Dcgan(d);
        AddNetwork("D", d);
    }

    /// <summary>--objective: cgan-l1, l1 or idcgan.</summary>
    public string Objective { get; }

    /// <summary>idcgan's perceptual scale once known (option, or calibrated on the first batch).</summary>
    public double? ContentScale => _content?.Scale;

    public override IReadOnlyList<OptimizerGroup> OptimizerGroups() => Objective == "l1"
        ? new[] { new OptimizerGroup("G", new[] { "G" }, Options.Optimizer, Options.LrG, Options.BetasG) }
        : base.OptimizerGroups();

    public int SourceChannels { get; }
    public double L1Weight { get; }
    public UNetGenerator UNet => (UNetGenerator)Network("G");

    /// <summary>D's logits for (source, image) pairs.</summary>
    public Tensor DOf(Tensor source, Tensor image) => D.call(PatchGan.Pair(source, image));

    /// <summary>
    /// pix2pix has no z (the paper found G ignores it): its noise is dropout. A "latent" here is one int64 seed per
    /// example, drawn from <paramref name="generator"/>; <see cref="Generate"/> in eval mode seeds the dropout masks with it.
    /// </summary>
    public override Tensor SampleLatent(long n, Generator? generator) =>
        Devices.Randint(0, int.MaxValue, new[] { n, 1L }, generator, Device);

    /// <summary>
    /// G(source). In training mode the dropout masks come from the generator the phase set (the training one, whose
    /// state the checkpoint keeps); in eval mode from a generator seeded by the first seed of <paramref name="z"/>
    /// (see <see cref="SampleLatent"/>), so grids and translations are reproducible and draw nothing from training.
    /// </summary>
    public override Tensor Generate(Tensor z, Tensor? source = null)
    {
        if (source is null)
            throw new ArgumentException("the pix2pix model translates a source image: use 'gansharp translate --checkpoint RUN in.png --out out.png'");
        if (G.training) return G.call(source);
        using var g = new Generator((ulong)z.flatten()[0].item<long>());
        return Translate(source, g);
    }

    /// <summary>G(source) in its current mode with dropout masks from <paramref name="dropout"/>.</summary>
    public Tensor Translate(Tensor source, Generator dropout)
    {
        UNet.SetDropoutGenerator(dropout);
        try { return G.call(source); }
        finally { UNet.SetDropoutGenerator(null); }
    }

    protected override IReadOnlyList<Phase> BuildPhases() => Objective switch
    {
        "l1" => new[]
        {
            new Phase("G", "G", ctx =>
            {
                UNet.SetDropoutGenerator(ctx.Rng);
                var fake = G.call(ctx.Batch[BatchFields.Source]);
                return new LossTerms().Add("l1", ImageToImageLosses.PixelL1(fake, ctx.Batch.Real)).Result();
            }),
        },
        "idcgan" => new[]
        {
            new Phase("D", "D", ctx =>
            {
                var source = ctx.Batch[BatchFields.Source];
                UNet.SetDropoutGenerator(ctx.Rng);
                _fake = null;
                Tensor fake;
                if (ctx.Repeat == Options.DSteps - 1) fake = _fake = G.call(source);
                else using (no_grad()) fake = G.call(source);
                return IdCganDiscriminatorLoss(source, ctx.Batch.Real, fake);
            }) { Repeat = Options.DSteps },
            new Phase("G", "G", ctx =>
            {
                var source = ctx.Batch[BatchFields.Source];
                var fake = _fake ?? G.call(source);
                _fake = null;
                return IdCganGeneratorLoss(source, ctx.Batch.Real, fake);
            }) { NewBatch = false, Freeze = new[] { "D" }, ZeroAfter = new[] { "D" } },
        },
        _ => Pix2PixPhases(),
    };

    private Phase[] Pix2PixPhases() => new[]
    {
        new Phase("D", "D", ctx =>
        {
            var source = ctx.Batch[BatchFields.Source];
            UNet.SetDropoutGenerator(ctx.Rng);
            _fake = null;                                                      // the step's dispose scope owns it
            Tensor fake;
            if (ctx.Repeat == Options.DSteps - 1) fake = _fake = G.call(source);   // kept (with its graph) for the G phase
            else using (no_grad()) fake = G.call(source);
            return PairDiscriminatorLoss(source, ctx.Batch.Real, fake, ctx.Rng, ctx.Step);
        }) { Repeat = Options.DSteps },
        new Phase("G", "G", ctx =>
        {
            var source = ctx.Batch[BatchFields.Source];
            var fake = _fake ?? G.call(source);
            _fake = null;
            return PairGeneratorLoss(source, ctx.Batch.Real, fake);
        }) { NewBatch = false, Freeze = new[] { "D" }, ZeroAfter = new[] { "D" } },
    };

    /// <summary>
    /// D's loss on (source, real) and (source, fake) pairs through the run's adversarial loss (penalties included),
    /// halved: "we divide the objective by 2 while optimizing D, which slows down the rate at which D learns relative to G".
    /// </summary>
    public LossResult PairDiscriminatorLoss(Tensor source, Tensor real, Tensor fake, Generator? rng, int step)
    {
        var fakeIn = fake.detach();
        Tensor realOut, fakeOut;
        if (Options.SeparateBatches)
        {
            realOut = DOf(source, real);
            fakeOut = DOf(source, fakeIn);
        }
        else
        {
            var outputs = DOf(cat(new[] { source, source }, 0), cat(new[] { real, fakeIn }, 0));
            long m = outputs.shape[0] / 2;
            realOut = outputs.narrow(0, 0, m);
            fakeOut = outputs.narrow(0, m, m);
        }
        var r = Loss.Discriminator(x => DOf(source, x), real, fakeIn, realOut, fakeOut, rng, step);
        return r with { Loss = r.Loss * 0.5 };
    }

    /// <summary>G's loss: the adversarial term on D(source, fake) (logged as loss_adv) + λ·mean |fake − real| (loss_l1).</summary>
    public LossResult PairGeneratorLoss(Tensor source, Tensor real, Tensor fake)
    {
        var fakeOut = DOf(source, fake);
        return new LossTerms()
            .Add("adv", Loss.Generator(fakeOut))
            .Add("l1", ImageToImageLosses.PixelL1(fake, real), L1Weight)
            .Result(dFake: Loss.MeanOutput(fakeOut));
    }

    private MultiScaleDiscriminator MultiD => (MultiScaleDiscriminator)Network("D");

    /// <summary>ID-CGAN's D loss: the mean over scales of BCE(D(source, real) → 1) + BCE(D(source, fake) → 0).</summary>
    public LossResult IdCganDiscriminatorLoss(Tensor source, Tensor real, Tensor fake)
    {
        var realScales = MultiD.Scales(PatchGan.Pair(source, real));
        var fakeScales = MultiD.Scales(PatchGan.Pair(source, fake.detach()));
        var terms = ImageToImageLosses.MultiScaleDiscriminator(realScales, fakeScales);
        Tensor Mean(IReadOnlyList<Tensor> maps) => stack(maps.Select(m => sigmoid(m.detach()).mean()).ToArray()).mean();
        return new LossResult(terms.Total, Mean(realScales), Mean(fakeScales));
    }

    /// <summary>
    /// ID-CGAN's G loss: MSE(G(x), y) (loss_mse) + perceptual (loss_perceptual: the feature-map MSE of --feature-net
    /// at the content scale) + 6.6·10⁻³ × the mean over D's scales of BCE(D(x, G(x)) → 1) (loss_adv). On the first
    /// batch without a known scale, the scale is calibrated so that the perceptual term of (source, target) equals
    /// their pixel MSE: the corruption weighs the same in both terms.
    /// </summary>
    public LossResult IdCganGeneratorLoss(Tensor source, Tensor real, Tensor fake)
    {
        double scale = _content!.Calibrate(source, real, ImageToImageLosses.PixelMse(source, real).item<float>());
        var perceptual = _content.Loss(fake, real);
        var fakeScales = MultiD.Scales(PatchGan.Pair(source, fake));
        var terms = ImageToImageLosses.IdCganGenerator(fake, real, perceptual, fakeScales);
        Tensor dFake = stack(fakeScales.Select(m => sigmoid(m.detach()).mean()).ToArray()).mean();
        return new LossTerms()
            .Add("mse", terms.Terms["mse"])
            .Add("perceptual", terms.Terms["perceptual"])
            .Add("adv", terms.Terms["g_adv"], ImageToImageLosses.IdCganAdversarialWeight)
            .Result(dFake: dFake, more: new Dictionary<string, Tensor> { ["content_scale"] = tensor((float)scale) }); // cpu: a logged value, read with item
    }

    public override JsonObject? CaptureFamilyState()
    {
        if (_content is null) return null;
        var state = new JsonObject();
        _content.Capture(state);
        return state.Count == 0 ? null : state;
    }

    public override void RestoreFamilyState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors) => _content?.Restore(state);

    public override string? JointLossesUnsupported() => "the pix2pix family has its own losses";

    /// <summary>Refuses training data whose sources do not have the channels the options give G.</summary>
    public override void Attach(TensorDataset data) => CheckSource(data, "training");

    public override void AttachHeldOut(TensorDataset heldOut)
    {
        CheckSource(heldOut, "held-out");
        using var idx = arange(Math.Min(heldOut.Count, 8)); // cpu: indices into the CPU held-out set
        using var scope = NewDisposeScope();
        _heldOutSources?.Dispose();
        _heldOutTargets?.Dispose();
        _heldOutSources = heldOut.GatherExtra(idx)[BatchFields.Source].On(Device).MoveToOuterDisposeScope();   // grids run where G does
        _heldOutTargets = heldOut.Gather(idx).On(Device).MoveToOuterDisposeScope();
    }

    private void CheckSource(TensorDataset data, string what)
    {
        if (!data.ExtraFields.TryGetValue(BatchFields.Source, out var s)) return;   // the engine's field check names it
        if (s.dim() != 4 || s.shape[1] != SourceChannels || s.shape[2] != ExampleShape[1] || s.shape[3] != ExampleShape[2])
            throw new DataException($"the {what} sources of '{data.Name}' have shape [{string.Join("×", s.shape.Skip(1))}], but this pix2pix model takes {SourceChannels}×{ExampleShape[1]}×{ExampleShape[2]} (--task {Options.Get<string>("task")})");
    }

    /// <summary>The held-out sources (n of them, cycled); null when none is attached (a checkpoint loaded alone).</summary>
    public override Tensor? GridCondition(long n) =>
        _heldOutSources?.index_select(0, arange(n, device: _heldOutSources.device) % _heldOutSources.shape[0]);

    public override int? GridColumns(long n) => 3;

    /// <summary>Each held-out source, its output and its target, in a row (a 1-channel source shown gray).</summary>
    public override Tensor GridImages(Tensor samples, Tensor? condition)
    {
        if (condition is null || _heldOutTargets is null) return samples;
        long n = samples.shape[0];
        var source = condition.shape[1] == samples.shape[1] ? condition : condition.expand(-1, samples.shape[1], -1, -1);
        var targets = _heldOutTargets.index_select(0, arange(n, device: _heldOutTargets.device) % _heldOutTargets.shape[0]);
        return stack(new[] { source, samples, targets }, 1).flatten(0, 1);
    }

    public override void Dispose()
    {
        _content?.Dispose();
        _heldOutSources?.Dispose();
        _heldOutTargets?.Dispose();
        base.Dispose();
    }
}
