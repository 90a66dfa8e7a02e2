using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using TensorDataset = GanSharp.Data.TensorDataset;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families.Progressive;

/// <summary>
/// LAPGAN (Denton, Chintala, Szlam &amp; Fergus 2015, "Deep Generative Image Models using a Laplacian Pyramid of
/// Adversarial Networks") as a family: `gansharp train lapgan`. The coarsest level (8×8) is an unconditional GAN
/// with fully connected G and D (2 hidden layers, 1200 and 600 units, as the paper's CIFAR-10 model). At each finer
/// level k of the Laplacian pyramid (<see cref="LaplacianPyramid"/>) a conditional convnet G_k makes the band-pass
/// residual h̃_k from the upsampled coarser image l_k = u(I_{k+1}) and a noise plane (a 4th "colour plane"), and D_k
/// judges h_k + l_k. The levels are trained independently, as in the paper: each level's G and D see real coarser
/// images only, so no gradient passes between levels. One optimizer group per network sums the levels' losses, which
/// gives each level's parameters exactly the Adam update of its own loss (Adam is per parameter). Samples are drawn
/// coarse to fine: I_K = G_K(z_K), I_k = u(I_{k+1}) + G_k(z_k, u(I_{k+1})).
/// </summary>
public sealed class LapganFamily : IGanFamily
{
    /// <summary>Runs on any --device (docs/scale.md).</summary>
    public bool RunsOnAnyDevice => true;

    public const string ModelName = "lapgan";
    public const string ArchName = "lapgan";

    /// <summary>The side of the coarsest level, an ordinary GAN.</summary>
    public const int Coarsest = 8;

    public string Name => ModelName;
    public string Description => "LAPGAN: an 8×8 GAN, then conditional GANs of Laplacian-pyramid bands, each level trained independently, sampled coarse to fine (Denton et al. 2015)";

    public IReadOnlyList<(string Name, string Description)> Architectures => new[]
    {
        (ArchName, "LAPGAN: 8×8 level fully connected (G 1200-1200, D 600-600), each finer level a 3-layer 5×5 conv G on (u(coarse), noise plane) and a 2-conv D on band + u(coarse); --width-g/--width-d maps"),
    };

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["lapgan"] = ("LAPGAN (Denton et al. 2015): gan loss, Adam 2e-4 β (0.5, 0.999), z 100 uniform, batch 32, 64 maps per conv",
            """{"model":"lapgan","loss":"gan","lr-g":2e-4,"lr-d":2e-4,"betas-g":[0.5,0.999],"betas-d":[0.5,0.999],"z-dim":100,"prior":"uniform","batch":32,"width-g":64,"width-d":64,"steps":2000,"sample-every":250,"checkpoint-every":250,"log-every":10}"""),
    };

    public string? DefaultPreset(string? data, string? arch) => "lapgan";

    public (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log) =>
        DigitPadding.Adapt(data, Name, log);

    public string ResolveArch(GanOptions options, long[] exampleShape)
    {
        RefuseUnsupported(options);
        ProgressiveFamily.CheckShape(options, exampleShape, Name, min: 2 * Coarsest);
        return ArchName;
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        RefuseUnsupported(options);
        ProgressiveFamily.CheckShape(options, exampleShape, Name, min: 2 * Coarsest);
        manual_seed(options.Seed);
        return new LapganSystem(options, exampleShape);
    }

    /// <summary>The options LAPGAN cannot honour, each refused in one line.</summary>
    public static void RefuseUnsupported(GanOptions o)
    {
        string? why =
            o.FeatureMatching ? "--feature-matching is not available for lapgan" :
            o.Unrolled > 0 ? "--unrolled is not available for lapgan (its levels have their own D and G phases)" :
            o.InstanceNoise > 0 ? "--instance-noise is not available for lapgan" :
            o.SpectralNorm ? "--spectral-norm is not available for lapgan" :
            o.MinibatchStd || o.MinibatchDisc > 0 ? "minibatch layers are not available for lapgan" :
            o.Pack > 1 ? "--pack is not available for lapgan" :
            o.ReuseDFake ? "--reuse-d-fake is not available for lapgan (it has its own losses)" :
            null;
        if (why is not null) throw new ArgumentException(why);
    }
}

/// <summary>The LAPGAN generators, coarsest level and bands (see <see cref="LapganFamily"/>).</summary>
public sealed class LapganGenerator : Module<Tensor, Tensor>
{
    private readonly Sequential coarse;
    private readonly ModuleList<Sequential> bands = new();

    /// <param name="channels">Image channels C.</param>
    /// <param name="side">The final image side (a power of two ≥ 16).</param>
    /// <param name="latent">Dimension of the coarsest level's z.</param>
    /// <param name="width">Feature maps of the band generators' hidden convs.</param>
    public LapganGenerator(int channels, int side, int latent, int width) : base(nameof(LapganGenerator))
    {
        Channels = channels;
        Side = side;
        Latent = latent;
        Levels = System.Numerics.BitOperations.Log2((uint)(side / LapganFamily.Coarsest));
        int c8 = channels * LapganFamily.Coarsest * LapganFamily.Coarsest;
        coarse = Sequential(Linear(latent, 1200), ReLU(), Linear(1200, 1200), ReLU(), Linear(1200, c8), Tanh());
        for (int k = 0; k < Levels; k++)                                                        // k = 0: the finest band
            bands.Add(Sequential(
                Conv2d(channels + 1, width, 5, padding: 2), BatchNorm2d(width), ReLU(),
                Conv2d(width, width, 5, padding: 2), BatchNorm2d(width), ReLU(),
                Conv2d(width, channels, 5, padding: 2)));                                       // linear: bands are signed
        RegisterComponents();
    }

    public int Channels { get; }
    public int Side { get; }
    public int Latent { get; }

    /// <summary>Band levels K (the coarsest image is Side / 2^K = 8).</summary>
    public int Levels { get; }

    /// <summary>The side of band level k (k = 0: the image's).</summary>
    public int BandSide(int k) => Side >> k;

    /// <summary>Latent values per sample: z for the coarsest level, then one noise plane per band, coarse to fine.</summary>
    public long LatentSize => Latent + Enumerable.Range(0, Levels).Sum(k => (long)BandSide(k) * BandSide(k));

    /// <summary>The coarsest level: z (N × latent) → N × C × 8 × 8.</summary>
    public Tensor CoarseImage(Tensor z) => coarse.call(z).view(-1, Channels, LapganFamily.Coarsest, LapganFamily.Coarsest);

    /// <summary>Band level k: h̃_k = G_k(l_k, noise plane), l_k = u(I_{k+1}) (N × C × s × s), noise N × 1 × s × s.</summary>
    public Tensor Band(int k, Tensor low, Tensor noise) => bands[k].call(cat(new[] { low, noise }, 1));

    /// <summary>The noise plane of band level k from a full latent (N × <see cref="LatentSize"/>).</summary>
    public Tensor NoisePlane(Tensor z, int k)
    {
        long offset = Latent;
        for (int j = Levels - 1; j > k; j--) offset += (long)BandSide(j) * BandSide(j);
        return z.narrow(1, offset, (long)BandSide(k) * BandSide(k)).view(-1, 1, BandSide(k), BandSide(k));
    }

    /// <summary>A sample, coarse to fine: I_K = G_K(z_K), I_k = u(I_{k+1}) + G_k(z_k, u(I_{k+1})). N × LatentSize → N × C × Side × Side.</summary>
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var image = CoarseImage(z.narrow(1, 0, Latent));
        for (int k = Levels - 1; k >= 0; k--)
        {
            var low = LaplacianPyramid.Upsample(image);
            image = low + Band(k, low, NoisePlane(z, k));
        }
        return image.MoveToOuterDisposeScope();
    }
}

/// <summary>The LAPGAN discriminators: a fully connected one for the coarsest level, a convnet per band.</summary>
public sealed class LapganDiscriminator : Module<Tensor, Tensor>
{
    private readonly ModuleList<Sequential> bands = new();

    private readonly Linear coarse0, coarse1, coarse2;

    /// <summary>Dropout rate of the coarsest D's hidden layers (the paper's D0 "uses Dropout"; 0.5 here).</summary>
    public const double CoarseDropout = 0.5;

    public LapganDiscriminator(int channels, int side, int width) : base(nameof(LapganDiscriminator))
    {
        int levels = System.Numerics.BitOperations.Log2((uint)(side / LapganFamily.Coarsest));
        coarse0 = Linear(channels * LapganFamily.Coarsest * LapganFamily.Coarsest, 600);
        coarse1 = Linear(600, 600);
        coarse2 = Linear(600, 1);
        for (int k = 0; k < levels; k++)
        {
            int s = side >> k;
            bands.Add(Sequential(
                Conv2d(channels, width, 5, padding: 2), LeakyReLU(0.2),
                Conv2d(width, width, 5, stride: 2, padding: 2), LeakyReLU(0.2),                  // width × s/2 × s/2
                Flatten(), Linear((long)width * (s / 2) * (s / 2), 1)));
        }
        RegisterComponents();
    }

    /// <summary>
    /// D of the coarsest level on N × C × 8 × 8 images → N × 1: two hidden layers of 600 ReLU units, each followed in
    /// training by dropout whose masks come from <paramref name="dropout"/> (the training generator, so a resumed run
    /// draws the same masks; none when null or in eval mode).
    /// </summary>
    public Tensor Coarse(Tensor image, Generator? dropout = null)
    {
        using var scope = NewDisposeScope();
        var x = functional.relu(coarse0.forward(image.flatten(1)));
        x = Drop(x, dropout);
        x = Drop(functional.relu(coarse1.forward(x)), dropout);
        return coarse2.forward(x).MoveToOuterDisposeScope();
    }

    private Tensor Drop(Tensor x, Generator? g)
    {
        if (!training || g is null) return x;
        var keep = Devices.Rand(x.shape, g, x.device).ge(CoarseDropout).to_type(x.dtype);
        return x * keep / (1 - CoarseDropout);
    }

    /// <summary>D_k on a band and its low-pass image: D_k(h + l) (the low-pass image added before the first conv, as the paper) → N × 1.</summary>
    public Tensor Band(int k, Tensor band, Tensor low) => bands[k].call(band + low);

    /// <summary>Not used: a LAPGAN D judges one level at a time (<see cref="Coarse"/>, <see cref="Band"/>).</summary>
    public override Tensor forward(Tensor x) => throw new InvalidOperationException("a LAPGAN discriminator judges one pyramid level at a time: call Coarse or Band");
}

/// <summary>LAPGAN's levels, losses and sampling (see <see cref="LapganFamily"/>).</summary>
public sealed class LapganSystem : GanSystem
{
    public LapganSystem(GanOptions options, long[] shape) : base(options, shape)
    {
        int channels = (int)shape[0], side = (int)shape[1];
        AddNetwork("G", new LapganGenerator(channels, side, options.ZDim, options.WidthG));
        AddNetwork("D", new LapganDiscriminator(channels, side, options.WidthD));
        Padded = DigitPadding.WasPadded(options, shape);
    }

    public LapganGenerator Levels => (LapganGenerator)G;
    public LapganDiscriminator Judges => (LapganDiscriminator)D;
    public bool Padded { get; }

    /// <summary>The side of each level, coarsest first (8, 16, 32 for 32×32 images).</summary>
    public IEnumerable<int> LevelSides => new[] { LapganFamily.Coarsest }.Concat(Enumerable.Range(0, Levels.Levels).Reverse().Select(Levels.BandSide));

    public override Tensor SampleLatent(long n, Generator? generator) => NoisePriors.Sample(Options.Prior, n, Levels.LatentSize, generator);

    public override Tensor Generate(Tensor z, Tensor? condition = null)
    {
        using var scope = NewDisposeScope();
        return CallG(z).clamp(-1, 1).MoveToOuterDisposeScope();
    }

    public override Tensor MetricImages(Tensor samples) => Padded ? DigitPadding.Crop(samples) : samples;

    protected override IReadOnlyList<Phase> BuildPhases() => new[]
    {
        new Phase("D", "D", ctx => DiscriminatorLoss(ctx.Batch, ctx.Rng, ctx.Step)) { Repeat = Options.DSteps },
        new Phase("G", "G", ctx => GeneratorLoss(ctx.Batch, ctx.Rng)) { NewBatch = false, Freeze = new[] { "D" }, ZeroAfter = new[] { "D" } },
    };

    /// <summary>What one level sees: the real coarse image or band, the low-pass condition (null at the coarsest), the generated one.</summary>
    private IEnumerable<(int Side, Tensor Real, Tensor? Low, Func<Tensor> Fake)> LevelsOf(Tensor real, Generator generator)
    {
        var pyramid = LaplacianPyramid.Build(real, Levels.Levels);
        long n = real.shape[0];
        var z = SampleLatent(n, generator);
        yield return (LapganFamily.Coarsest, pyramid.Coarsest, null, () => Levels.CoarseImage(z.narrow(1, 0, Levels.Latent)));
        var g = pyramid.Coarsest;
        var lows = new Tensor[Levels.Levels];
        for (int k = Levels.Levels - 1; k >= 0; k--)
        {
            lows[k] = LaplacianPyramid.Upsample(g);                                            // l_k = u(I_{k+1}), the real coarser image
            g = lows[k] + pyramid.Bands[k];
        }
        for (int k = Levels.Levels - 1; k >= 0; k--)
        {
            int kk = k;
            yield return (Levels.BandSide(k), pyramid.Bands[k], lows[k], () => Levels.Band(kk, lows[kk], Levels.NoisePlane(z, kk)));
        }
    }

    private Tensor Judge(Tensor x, Tensor? low, int k, Generator? dropout = null) => low is null ? Judges.Coarse(x, dropout) : Judges.Band(k, x, low);

    private int BandIndex(int side) => side == LapganFamily.Coarsest ? -1 : System.Numerics.BitOperations.Log2((uint)(Levels.Side / side));

    /// <summary>
    /// The sum over levels of each level's D loss (the configured loss, penalties included), on the pyramid of the
    /// real batch and each level's samples from real coarser images; each level logged as loss_dSIDE.
    /// </summary>
    public override LossResult DiscriminatorLoss(Batch batch, Generator generator, int step = 1)
    {
        Tensor? total = null;
        var logged = new Dictionary<string, Tensor>();
        Tensor? dReal = null, dFake = null;
        foreach (var (side, real, low, makeFake) in LevelsOf(batch.Real, generator).ToList())
        {
            int k = BandIndex(side);
            Tensor fake;
            using (no_grad()) fake = makeFake();
            var realOut = Judge(real, low, k, generator);
            var fakeOut = Judge(fake, low, k, generator);
            var r = Loss.Discriminator(x => Judge(x, low, k), real, fake, realOut, fakeOut, generator, step);
            logged[$"loss_d{side}"] = r.Loss.detach();
            total = total is null ? r.Loss : total + r.Loss;
            (dReal, dFake) = (r.DReal, r.DFake);                                                // the finest level's, as D(x), D(G(z))
        }
        return new LossResult(total!, dReal, dFake) { Logged = logged };
    }

    /// <summary>The sum over levels of each level's G loss on its D; each level logged as loss_gSIDE.</summary>
    public override LossResult GeneratorLoss(Batch batch, Generator generator)
    {
        Tensor? total = null;
        Tensor? dFake = null;
        var logged = new Dictionary<string, Tensor>();
        foreach (var (side, _, low, makeFake) in LevelsOf(batch.Real, generator).ToList())
        {
            var fakeOut = Judge(makeFake(), low, BandIndex(side), generator);
            var loss = Loss.Generator(fakeOut);
            logged[$"loss_g{side}"] = loss.detach();
            total = total is null ? loss : total + loss;
            dFake = Loss.MeanOutput(fakeOut);
        }
        return new LossResult(total!, DFake: dFake) { Logged = logged };
    }

    public override string? JointLossesUnsupported() => "the lapgan family has its own losses";
}
