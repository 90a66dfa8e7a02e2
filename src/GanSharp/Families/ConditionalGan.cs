using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

using GanSharp.Models;

namespace GanSharp.Families;

/// <summary>
/// The conditional GAN of Mirza &amp; Osindero 2014, "Conditional Generative Adversarial Nets", in its common DCGAN
/// form: G gets the one-hot label concatenated to z (a one-hot times G's first Linear is a learned label
/// embedding); D gets K constant one-hot maps concatenated to its input image (K extra input channels), or is a
/// <see cref="ProjectionDiscriminator"/> (<see cref="GanOptions.ConditionalD"/> = "projection"). Fake samples are
/// generated for the real batch's labels, so D sees (x, y) and (G(z, y), y) with the same label distribution.
/// </summary>
public sealed class ConditionalGanSystem : GanSystem, IClassConditional
{
    public ConditionalGanSystem(Module<Tensor, Tensor> generator, Module<Tensor, Tensor> discriminator, GanOptions options, long[] exampleShape, int numClasses)
        : base(generator, discriminator, options, exampleShape)
    {
        NumClasses = numClasses;
    }

    public int NumClasses { get; }

    /// <summary>Uniform random class labels (int64) from the given generator.</summary>
    public override Tensor? SampleCondition(long n, Generator? generator) =>
        Devices.Randint(0, NumClasses, new[] { n }, generator, Device);

    /// <summary>Row i of the grid is class i: K rows of ceil(n / K) samples.</summary>
    public override Tensor? GridCondition(long n) =>
        arange(NumClasses, dtype: ScalarType.Int64, device: Device).repeat_interleave(GridColumns(n)!.Value);

    public override int? GridColumns(long n) => (int)Math.Max(1, (n + NumClasses - 1) / NumClasses);

    /// <summary>G([z, onehot(y)]).</summary>
    public override Tensor Generate(Tensor z, Tensor? condition = null)
    {
        if (condition is null) throw new ArgumentException("the conditional generator needs class labels");
        using var onehot = OneHot(condition);
        return CallG(cat(new[] { z, onehot }, 1));
    }

    /// <summary>D's logits for images x with labels y.</summary>
    public Tensor DiscriminatorLogits(Tensor x, Tensor y)
    {
        if (D is ProjectionDiscriminator p) return p.Logits(x, y.to_type(ScalarType.Int64));
        using var scope = NewDisposeScope();
        var maps = OneHot(y).view(y.shape[0], NumClasses, 1, 1).expand(-1, -1, x.shape[2], x.shape[3]); // K × H × W of 0/1
        return D.call(cat(new[] { x, maps }, 1)).MoveToOuterDisposeScope();
    }

    public override LossResult DiscriminatorLoss(Batch batch, Generator generator, int step = 1)
    {
        var y = Labels(batch);
        long n = batch.Real.shape[0];
        Tensor fake;
        using (no_grad())
            fake = Generate(SampleLatent(n, generator), y);
        var realIn = DInput(batch.Real, generator);
        var fakeIn = DInput(fake, generator);
        Tensor realLogits, fakeLogits;
        if (Options.SeparateBatches)
        {
            realLogits = DiscriminatorLogits(realIn, y);
            fakeLogits = DiscriminatorLogits(fakeIn, y);
        }
        else
        {
            var logits = DiscriminatorLogits(cat(new[] { realIn, fakeIn }, 0), cat(new[] { y, y }, 0));
            realLogits = logits.narrow(0, 0, n);
            fakeLogits = logits.narrow(0, n, n);
        }
        // The penalties see D at the same labels (R1 on real pairs, GP on interpolates between pairs of one label).
        return WithAugmentStats(Loss.Discriminator(x => DiscriminatorLogits(x, y), realIn, fakeIn, realLogits, fakeLogits, generator, step), realLogits);
    }

    public override LossResult GeneratorLoss(Batch batch, Generator generator)
    {
        var y = Labels(batch);
        var fakeLogits = DiscriminatorLogits(DInput(Generate(SampleLatent(batch.Real.shape[0], generator), y), generator), y);
        return new LossResult(Loss.Generator(fakeLogits), DFake: Loss.MeanOutput(fakeLogits));
    }

    /// <summary>The shared D(G(z)) of the reuse-d-fake knob would skip the labels: refused.</summary>
    public override string? JointLossesUnsupported() => "the cgan family has its own losses";

    private Tensor OneHot(Tensor labels) =>
        nn.functional.one_hot(labels.to_type(ScalarType.Int64), NumClasses).to_type(ScalarType.Float32);

    private static Tensor Labels(Batch batch) =>
        batch.Labels ?? throw new ArgumentException("the conditional GAN needs labelled batches");
}

/// <summary>Builds <see cref="ConditionalGanSystem"/> for labelled image data (model name "cgan").</summary>
public sealed class ConditionalGanFamily : IGanFamily
{
    public string Name => "cgan";
    public string Description => "conditional GAN, class labels into G and D (Mirza & Osindero 2014; --cond-d projection: Miyato & Koyama 2018)";

    public bool RunsOnAnyDevice => true;

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["cgan-mnist"] = ("conditional GAN (dcgan28) on MNIST, 2000 steps of batch 64; grids show one digit class per row (10 × 8)",
            """{"model":"cgan","arch":"dcgan28","data":"mnist","steps":2000,"batch":64,"sample-count":80}"""),
        ["cgan-fashion"] = ("conditional GAN (dcgan28) on Fashion-MNIST, 3000 steps of batch 64; one class per row (10 × 8)",
            """{"model":"cgan","arch":"dcgan28","data":"fashion-mnist","steps":3000,"batch":64,"sample-count":80}"""),
    };

    public IReadOnlyList<string> RequiredFields => new[] { GanSharp.Data.BatchFields.Image, GanSharp.Data.BatchFields.Label };

    public IReadOnlyList<(string Name, string Description)> Architectures => GanModels.ImageArchitectures.Where(a => a.Name is "dcgan28" or "dcgan32" or "dcgan64").ToList();

    public string? DefaultPreset(string? data, string? arch) => data switch { null or "mnist" => "cgan-mnist", "fashion-mnist" => "cgan-fashion", _ => null };

    public string ResolveArch(GanOptions options, long[] exampleShape) => GanModels.ResolveImageArch(options, exampleShape, Name);

    /// <summary>Throws (one line) unless the data has class labels.</summary>
    public static void RequireLabels(string data, int numClasses)
    {
        if (numClasses < 2)
            throw new ArgumentException($"the cgan model needs a labelled dataset (mnist, fashion-mnist); '{data}' has no class labels");
    }

    /// <summary>
    /// The stability options cgan cannot honour, each refused in one line: feature matching reads an unconditional
    /// D's features; second-order unrolling evaluates D functionally without the label maps; G has no VBN variant;
    /// the projection D is its own architecture (no spectral norm, minibatch layers or packing).
    /// </summary>
    public static void RefuseUnsupported(GanOptions o)
    {
        string? why =
            o.FeatureMatching ? "--feature-matching is not available for cgan (it matches an unconditional D's features)" :
            o.Unrolled > 0 && !o.UnrolledFirstOrder ? "--unrolled with gradients through the unrolled updates is not available for cgan (the functional D has no label maps); add --unrolled-first-order" :
            o.VirtualBatchNorm ? "--virtual-batch-norm is not available for cgan (its generator has no VBN variant)" :
            o.ConditionalD == "projection" && o.SpectralNorm ? "--spectral-norm is not available with --cond-d projection; use --cond-d concat" :
            o.ConditionalD == "projection" && (o.MinibatchStd || o.MinibatchDisc > 0) ? "minibatch layers are not available with --cond-d projection; use --cond-d concat" :
            o.ConditionalD == "projection" && o.Pack > 1 ? "--pack is not available with --cond-d projection; use --cond-d concat" :
            null;
        if (why is not null) throw new ArgumentException(why);
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        RequireLabels(options.Data, numClasses);
        RefuseUnsupported(options);
        string arch = GanModels.ResolveArch(options, exampleShape);
        if (arch is not ("dcgan28" or "dcgan32" or "dcgan64"))
            throw new ArgumentException($"the cgan model uses the DCGAN architectures (dcgan28, dcgan32, dcgan64), not {arch}");
        manual_seed(options.Seed);
        int channels = (int)exampleShape[0];
        int size = (int)exampleShape[1];
        int zIn = options.ZDim + numClasses;
        var dOptions = GanModels.DiscriminatorOptionsFor(options);
        Module<Tensor, Tensor> g = arch == "dcgan28"
            ? DcGan.Generator28(zIn, channels, options.WidthG)
            : DcGan.Generator(size, zIn, channels, options.WidthG);
        Module<Tensor, Tensor> d = options.ConditionalD switch
        {
            "projection" => new ProjectionDiscriminator(size, channels, options.WidthD, numClasses),
            _ => arch == "dcgan28"
                ? DcGan.Discriminator28(channels + numClasses, options.WidthD, dOptions)
                : DcGan.Discriminator(size, channels + numClasses, options.WidthD, dOptions),
        };
        return new ConditionalGanSystem(g, d, options, exampleShape, numClasses);
    }
}
