using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Imaging;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.Progressive;

/// <summary>
/// Progressive growing of GANs (Karras, Aila, Laine &amp; Lehtinen 2018) as a family: `gansharp train progressive`.
/// G and D start at 4×4 (<c>--start-res</c>) and double up to the data's size; each new block fades in linearly
/// (α 0 → 1, blended with the previous resolution's output upsampled by nearest neighbour in G and with the input
/// average-pooled in D), then a stabilization phase follows. Equalized learning rate, pixel norm in G, minibatch
/// standard deviation (group 4) in D, WGAN-GP (λ 10) with the drift term ε·E[D(x)²] (ε 1e-3), one critic step per
/// G step, Adam 1e-3 β (0, 0.99), generator EMA 0.999 (the <c>progressive</c> preset). Reals are box-filtered to
/// the current resolution and blended during a fade. Phases are given in images (<c>--images-per-phase</c>) or
/// split <c>--steps</c> evenly; a batch size per resolution with <c>--res-batch 4:64,8:64,16:32</c>.
/// <c>--grow false</c> trains the same final networks directly at full resolution (the comparison's baseline).
/// The schedule and the current phase are in every checkpoint, so a resume in the middle of a fade continues exactly.
/// </summary>
public sealed class ProgressiveFamily : IGanFamily
{
    /// <summary>Runs on any --device (docs/scale.md).</summary>
    public bool RunsOnAnyDevice => true;

    public const string ModelName = "progressive";
    public const string ArchName = "progan";

    public string Name => ModelName;
    public string Description => "progressive growing from 4×4 with fade-in, equalized lr, pixel norm, minibatch stddev, WGAN-GP + drift (Karras et al. 2018)";

    public IReadOnlyList<(string Name, string Description)> Architectures => new[]
    {
        (ArchName, "progressive G/D (Karras et al. 2018): 3×3 equalized convs, nf = min(fmap-base/2^stage, fmap-max) maps, toRGB/fromRGB 1×1 per resolution, grown 4×4 → the data's size (square, power of two)"),
    };

    public IReadOnlyList<OptionSpec> Options => new[]
    {
        OptionSpec.Of("images-per-phase", 0L, "progressive: real images shown in each fade-in and in each stabilization phase (default 0: the phases split --steps evenly)"),
        OptionSpec.Of("res-batch", "", "progressive: batch size per resolution as RES:BATCH pairs, e.g. 4:64,8:64,16:32,32:32 (default: --batch at every resolution)"),
        OptionSpec.Of("start-res", 4, "progressive: the resolution training starts at (default 4)"),
        OptionSpec.Of("grow", true, "progressive: grow from --start-res (default true); false trains the same final networks directly at full resolution"),
        OptionSpec.Of("fmap-base", 1024, "progressive: feature maps nf(stage) = min(fmap-base / 2^stage, fmap-max) (default 1024)"),
        OptionSpec.Of("fmap-max", 64, "progressive: the most feature maps of any block (default 64)"),
        OptionSpec.Of("drift", 1e-3, "progressive: weight ε of the drift term ε·E[D(x)²] in D's loss (default 1e-3, the paper's)"),
        OptionSpec.Of("tiles", 0, "progressive: cut each image into square tiles of this side, e.g. --size 256 --tiles 64 for photo patches (default 0: whole images)"),
        OptionSpec.Of("mbstd-group", 4, "progressive: minibatch standard deviation group size in D (default 4; 0: the whole batch)"),
    };

    public IReadOnlyDictionary<string, (string Description, string Json)> Presets { get; } = new Dictionary<string, (string, string)>
    {
        ["progressive"] = ("progressive growing (Karras et al. 2018): WGAN-GP λ 10 + drift 1e-3, 1 critic step, Adam 1e-3 β (0, 0.99) for both, G EMA 0.999, z 64, batch 32 (overrides the wgan-gp preset's 5 critic steps, Adam 1e-4, β (0, 0.9))",
            """{"model":"progressive","loss":"wgan-gp","gp-weight":10,"d-steps":1,"lr-g":1e-3,"lr-d":1e-3,"betas-g":[0.0,0.99],"betas-d":[0.0,0.99],"ema":0.999,"z-dim":64,"batch":32,"steps":2000,"sample-every":250,"checkpoint-every":250,"log-every":10}"""),
    };

    public string? DefaultPreset(string? data, string? arch) => "progressive";

    public IEnumerable<ITrainingObserver> RunObservers(RunDirectory run, GanSystem system) =>
        system is ProgressiveSystem p ? new ITrainingObserver[] { new ProgressivePictures(run, p) } : Array.Empty<ITrainingObserver>();

    public (TensorDataset Train, TensorDataset? HeldOut) AdaptData(TensorDataset data, GanOptions options, Action<string>? log)
    {
        int tile = options.Get<int>("tiles");
        if (tile < 0) throw new ArgumentException($"--tiles must not be negative (got {tile})");
        if (tile == 0) return DigitPadding.Adapt(data, Name, log);
        var tiles = ImageTiles.Cut(data, tile);
        log?.Invoke($"progressive: {data.Count} images cut into {tiles.Count} tiles of {tile}×{tile}");
        return (tiles, null);
    }

    public string ResolveArch(GanOptions options, long[] exampleShape)
    {
        RefuseUnsupported(options);
        Schedule(options, CheckShape(options, exampleShape, Name));
        return ArchName;
    }

    public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses)
    {
        RefuseUnsupported(options);
        CheckShape(options, exampleShape, Name);
        manual_seed(options.Seed);
        return new ProgressiveSystem(options, exampleShape);
    }

    /// <summary>The side of square power-of-two images of at least 8 pixels (throws one line otherwise).</summary>
    public static int CheckShape(GanOptions o, long[] shape, string family, int min = 8)
    {
        if (shape.Length != 3 || shape[1] != shape[2] || shape[1] < min || shape[1] > 1024 || (shape[1] & (shape[1] - 1)) != 0)
            throw new ArgumentException($"the {family} model needs square images whose side is a power of two from {min} to 1024, but '{o.Data}' has examples of shape [{string.Join("×", shape)}]: use mnist, fashion-mnist (padded to 32×32) or --data FOLDER --size 32 (or 64)");
        return (int)shape[1];
    }

    /// <summary>The options the progressive family cannot honour, each refused in one line.</summary>
    public static void RefuseUnsupported(GanOptions o)
    {
        string? why =
            o.Clip > 0 ? "--clip is not available for progressive (it uses WGAN-GP's gradient penalty)" :
            o.FeatureMatching ? "--feature-matching is not available for progressive" :
            o.Unrolled > 0 ? "--unrolled is not available for progressive" :
            o.InstanceNoise > 0 ? "--instance-noise is not available for progressive" :
            o.SpectralNorm ? "--spectral-norm is not available for progressive (its layers use the equalized learning rate)" :
            o.MinibatchStd ? "--minibatch-std is built into the progressive D (group size: --mbstd-group)" :
            o.MinibatchDisc > 0 ? "--minibatch-disc is not available for progressive (its D has minibatch stddev)" :
            o.Pack > 1 ? "--pack is not available for progressive" :
            o.ReuseDFake ? "--reuse-d-fake is not available for progressive (it has its own losses)" :
            o.Optimizer != OptimizerKind.Adam ? "--optimizer rmsprop is not available for progressive (the equalized learning rate assumes Adam)" :
            o.Get<double>("drift") < 0 ? $"--drift must not be negative (got {o.Get<double>("drift")})" :
            o.Get<int>("mbstd-group") < 0 ? $"--mbstd-group must not be negative (got {o.Get<int>("mbstd-group")})" :
            o.Get<int>("fmap-max") < 1 || o.Get<int>("fmap-base") < 1 ? "--fmap-max and --fmap-base must be positive" :
            o.Get<long>("images-per-phase") < 0 ? $"--images-per-phase must not be negative (got {o.Get<long>("images-per-phase")})" :
            null;
        if (why is not null) throw new ArgumentException(why);
    }

    /// <summary>The network sizes the options give for images of <paramref name="channels"/> channels.</summary>
    public static ProgressiveConfig Config(GanOptions o, int channels) =>
        new(channels, o.ZDim, o.Get<int>("fmap-base"), o.Get<int>("fmap-max"), o.Get<int>("mbstd-group"));

    /// <summary>
    /// The schedule for a run ending at <paramref name="finalRes"/>: resolutions --start-res … final (only the final
    /// one with --grow false), phases of --images-per-phase images or --steps split evenly, the batch of each
    /// resolution from --res-batch.
    /// </summary>
    public static ProgressiveSchedule Schedule(GanOptions o, int finalRes)
    {
        int start = o.Get<bool>("grow") ? o.Get<int>("start-res") : finalRes;
        if (start < 4 || (start & (start - 1)) != 0 || start > finalRes)
            throw new ArgumentException($"--start-res {start} must be a power of two from 4 to the image side {finalRes}");
        var resolutions = new List<int>();
        for (int r = start; r <= finalRes; r *= 2) resolutions.Add(r);
        var batches = ResolutionBatches(o, resolutions);
        long images = o.Get<long>("images-per-phase");
        try
        {
            return images > 0 ? ProgressiveSchedule.FromImages(resolutions, images, batches) : ProgressiveSchedule.FromSteps(resolutions, o.Steps, batches);
        }
        catch (ArgumentOutOfRangeException e) when (images == 0)
        {
            throw new ArgumentException($"--steps {o.Steps} cannot cover the {2 * resolutions.Count - 1} phases of {start}→{finalRes}: use at least {2 * resolutions.Count - 1} steps, or --images-per-phase", e);
        }
    }

    /// <summary>The batch size of each resolution: --res-batch RES:BATCH pairs, --batch for the others.</summary>
    public static IReadOnlyList<int> ResolutionBatches(GanOptions o, IReadOnlyList<int> resolutions)
    {
        var map = new Dictionary<int, int>();
        string spec = o.Get<string>("res-batch") ?? "";
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split(':');
            if (kv.Length != 2 || !int.TryParse(kv[0], out int r) || !int.TryParse(kv[1], out int b) || r < 4 || (r & (r - 1)) != 0 || b < 1)
                throw new ArgumentException($"--res-batch '{spec}': '{part}' is not RES:BATCH with RES a power of two ≥ 4 and BATCH ≥ 1 (e.g. 4:64,8:64,16:32)");
            if (!map.TryAdd(r, b)) throw new ArgumentException($"--res-batch '{spec}' gives resolution {r} twice");
        }
        int group = o.Get<int>("mbstd-group");
        var result = resolutions.Select(r => map.GetValueOrDefault(r, o.Batch)).ToList();
        foreach (var (r, b) in resolutions.Zip(result))
            if (group > 0 && b % Math.Min(group, b) != 0)
                throw new ArgumentException($"the batch {b} at {r}×{r} is not a multiple of the minibatch-stddev group {group}: use a multiple of {group} (--batch, --res-batch) or --mbstd-group");
        return result;
    }
}

/// <summary>The progressive G and D, their growth on schedule, losses and pictures (see <see cref="ProgressiveFamily"/>).</summary>
public sealed class ProgressiveSystem : GanSystem
{
    /// <summary>Fixed latents drawn at the end of each resolution (pictures per resolution; kept in checkpoints).</summary>
    public const int SnapshotCount = 16;

    private readonly SortedDictionary<int, Tensor> _snapshots = new();
    private Tensor? _snapshotLatents;

    public ProgressiveSystem(GanOptions options, long[] shape) : base(options, shape)
    {
        FinalResolution = ProgressiveFamily.CheckShape(options, shape, ProgressiveFamily.ModelName);
        Config = ProgressiveFamily.Config(options, (int)shape[0]);
        Schedule = ProgressiveFamily.Schedule(options, FinalResolution);
        Drift = options.Get<double>("drift");
        Padded = DigitPadding.WasPadded(options, shape);
        int start = Schedule.Phases[0].Resolution;
        using var g = GrowthGenerator(start);
        AddNetwork("G", new ProgressiveGenerator(Config, start, g));
        AddNetwork("D", new ProgressiveDiscriminator(Config, start, g));
        State = Schedule.At(0);
    }

    public ProgressiveConfig Config { get; }
    public int FinalResolution { get; }
    public double Drift { get; }

    /// <summary>True when the training images are padded 28×28 digits (metrics crop the padding away).</summary>
    public bool Padded { get; }

    /// <summary>The phase schedule (as the run started it; a resume restores it from the checkpoint).</summary>
    public ProgressiveSchedule Schedule { get; private set; }

    /// <summary>Where the step being trained falls in the schedule (resolution, α, images seen, phase).</summary>
    public ProgressiveState State { get; private set; }

    public ProgressiveGenerator GrowingG => (ProgressiveGenerator)G;
    public ProgressiveDiscriminator GrowingD => (ProgressiveDiscriminator)D;

    /// <summary>The pictures of the fixed latents at the end of each resolution so far (resolution → SnapshotCount × C × R × R).</summary>
    public IReadOnlyDictionary<int, Tensor> Snapshots => _snapshots;

    private Generator GrowthGenerator(int resolution) => new((ulong)ShuffledBatches.MixSeed(Options.Seed, -300 - resolution));

    public override int BatchSize(int step) => Schedule.At(step - 1).Batch;

    /// <summary>Grows G and D to the step's resolution (a picture of the resolution left first) and sets α.</summary>
    public override void BeforeStep(int step)
    {
        var s = Schedule.At(step - 1);
        while (GrowingG.Resolution < s.Resolution) Grow(snapshot: true);
        SetAlpha(s.Alpha);
        State = s;
    }

    private void SetAlpha(double alpha)
    {
        GrowingG.Alpha = alpha;
        GrowingD.Alpha = alpha;
    }

    /// <summary>
    /// Doubles G and D: every trained weight kept by name, the new block and toRGB/fromRGB initialized from a
    /// generator seeded by the run's seed and the new resolution, α = 0. The trainer carries the Adam moments and
    /// the EMA of the kept weights over (<see cref="GanSystem.ReplaceNetworks"/>).
    /// </summary>
    public void Grow(bool snapshot = false)
    {
        if (GrowingG.Resolution >= FinalResolution)
            throw new InvalidOperationException($"the networks are already at the final resolution {FinalResolution}");
        if (snapshot) TakeSnapshot();
        var oldG = GrowingG;
        var oldD = GrowingD;
        using var g = GrowthGenerator(oldG.Resolution * 2);
        var grownG = oldG.Grow(g);
        var grownD = oldD.Grow(g);
        ReplaceNetworks(new Dictionary<string, nn.Module> { ["G"] = grownG, ["D"] = grownD });
        oldG.Dispose();
        oldD.Dispose();
    }

    /// <summary>
    /// Records the (EMA) generator's output for the fixed snapshot latents at its current resolution, in its own
    /// size. Draws nothing from the training generator and leaves the weights as they were.
    /// </summary>
    public void TakeSnapshot()
    {
        if (_snapshotLatents is null)
        {
            using var lg = new Generator((ulong)ShuffledBatches.MixSeed(Options.Seed, -301));
            _snapshotLatents = SampleLatent(SnapshotCount, lg).DetachFromDisposeScope();
        }
        Tensor images;
        using (var scope = NewDisposeScope())
        {
            using var ema = Ema?.Swap();
            using var _ = no_grad();
            images = GrowingG.call(_snapshotLatents).clamp(-1, 1).detach().clone().DetachFromDisposeScope();
        }
        if (_snapshots.Remove(GrowingG.Resolution, out var old)) old.Dispose();
        _snapshots[GrowingG.Resolution] = images;
        SnapshotsTaken++;
    }

    /// <summary>Counts snapshots taken or restored (the pictures are redrawn when it changes).</summary>
    public int SnapshotsTaken { get; private set; }

    /// <summary>G(z) for sampling: the current resolution, upsampled by nearest neighbour to the final size, in [−1, 1].</summary>
    public override Tensor Generate(Tensor z, Tensor? condition = null)
    {
        using var scope = NewDisposeScope();
        return ToFinal(CallG(z)).clamp(-1, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Nearest-neighbour upsampling of N×C×r×r images to the final resolution.</summary>
    public Tensor ToFinal(Tensor images)
    {
        long f = FinalResolution / images.shape[2];
        return f == 1 ? images : images.repeat_interleave(f, 2).repeat_interleave(f, 3);
    }

    public override Tensor MetricImages(Tensor samples) => Padded ? DigitPadding.Crop(samples) : samples;

    protected override IReadOnlyList<Phase> BuildPhases() => new[]
    {
        new Phase("D", "D", ctx => DiscriminatorLoss(ctx.Batch, ctx.Rng, ctx.Step)) { Repeat = Options.DSteps },
        new Phase("G", "G", ctx => GeneratorLoss(ctx.Batch, ctx.Rng)) { NewBatch = false, Freeze = new[] { "D" }, ZeroAfter = new[] { "D" } },
    };

    /// <summary>
    /// D's loss at the current phase: reals box-filtered to the resolution (blended during a fade), fakes from G at
    /// the same resolution and α; the configured loss (WGAN-GP by the preset) plus the drift term ε·E[D(x)²],
    /// logged as loss_drift.
    /// </summary>
    public override LossResult DiscriminatorLoss(Batch batch, Generator generator, int step = 1)
    {
        var real = ProgressiveReals.ForState(batch.Real, State);                              // N × C × R × R
        long n = real.shape[0];
        Tensor fake;
        using (no_grad())
            fake = G.call(SampleLatent(n, generator));                                        // N × C × R × R
        var realOut = D.call(real);
        var fakeOut = D.call(fake);
        var r = Loss.Discriminator(x => D.call(x), real, fake, realOut, fakeOut, generator, step);
        var drift = realOut.square().mean();
        var logged = new Dictionary<string, Tensor>(r.Logged) { ["loss_drift"] = drift.detach() };
        return r with { Loss = r.Loss + Drift * drift, Logged = logged };
    }

    /// <summary>G's loss on D's outputs for a fresh batch of its samples at the current resolution.</summary>
    public override LossResult GeneratorLoss(Batch batch, Generator generator)
    {
        var fakeOut = D.call(G.call(SampleLatent(batch.Real.shape[0], generator)));
        return new LossResult(Loss.Generator(fakeOut), DFake: Loss.MeanOutput(fakeOut))
        {
            Logged = new Dictionary<string, Tensor> { ["resolution"] = tensor((float)State.Resolution), ["alpha"] = tensor((float)State.Alpha) }, // cpu: logged values, read with item
        };
    }

    public override string? JointLossesUnsupported() => "the progressive family has its own losses";

    // ---- checkpoint state: the schedule, the current phase, the pictures per resolution -------------------------

    public override JsonObject? CaptureFamilyState() => new()
    {
        ["resolution"] = GrowingG.Resolution,
        ["alpha"] = GrowingG.Alpha,
        ["phase"] = State.Phase,
        ["images_seen"] = State.ImagesSeen + State.Batch,
        ["schedule"] = new JsonArray(Schedule.Phases.Select(p => (JsonNode)new JsonObject
        {
            ["resolution"] = p.Resolution, ["fading"] = p.Fading, ["steps"] = p.Steps, ["batch"] = p.Batch,
        }).ToArray()),
    };

    public override IEnumerable<(string Name, Tensor Value)> FamilyTensors() =>
        _snapshots.Select(kv => ($"progressive.snapshot.{kv.Key}", kv.Value));

    /// <summary>Restores the schedule, grows the networks to the saved resolution, sets α and the pictures so far.</summary>
    public override void RestoreFamilyState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (state?["resolution"] is null || state["alpha"] is null || state["schedule"] is not JsonArray phases)
            throw new CheckpointException("checkpoint lacks the progressive state (resolution, alpha, schedule): it was not written by the progressive model");
        Schedule = ProgressiveSchedule.FromPhases(phases.Select(p => new ProgressivePhase(
            p!["resolution"]!.GetValue<int>(), p["fading"]!.GetValue<bool>(), p["steps"]!.GetValue<long>(), p["batch"]!.GetValue<int>())).ToList());
        int resolution = state["resolution"]!.GetValue<int>();
        if (resolution < GrowingG.Resolution || resolution > FinalResolution || !Schedule.Phases.Any(p => p.Resolution == resolution))
            throw new CheckpointException($"checkpoint's progressive resolution {resolution} is not on its schedule from {GrowingG.Resolution} to {FinalResolution}");
        while (GrowingG.Resolution < resolution) Grow();
        SetAlpha(state["alpha"]!.GetValue<double>());
        foreach (var t in _snapshots.Values) t.Dispose();
        _snapshots.Clear();
        const string prefix = "state.progressive.snapshot.";
        foreach (var (name, t) in tensors)
            if (name.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(name[prefix.Length..], out int r))
                _snapshots[r] = t.detach().clone().DetachFromDisposeScope();
        SnapshotsTaken++;
    }

    public override void Dispose()
    {
        foreach (var t in _snapshots.Values) t.Dispose();
        _snapshotLatents?.Dispose();
        base.Dispose();
    }
}

/// <summary>
/// The run's pictures per resolution: samples/res-RRR.png (the fixed snapshot latents as G made them at the end of
/// resolution R, shown at the final size) and resolutions.png (the same 8 latents in a row per resolution, coarse to
/// fine). Drawn when a resolution ends and at the end of the run; observers change nothing in training.
/// </summary>
public sealed class ProgressivePictures(RunDirectory run, ProgressiveSystem system) : ITrainingObserver
{
    private int _drawn;

    public string AcrossPath => Path.Combine(run.Root, "resolutions.png");
    public string ResolutionPath(int resolution) => Path.Combine(run.SamplesDir, $"res-{resolution:D3}.png");

    public void OnStep(Trainer trainer, StepStats stats) => Draw();

    public void OnEnd(Trainer trainer, bool completed)
    {
        if (!completed) return;
        system.TakeSnapshot();
        Draw();
    }

    /// <summary>Redraws every picture when a snapshot was taken or restored since the last drawing.</summary>
    private void Draw()
    {
        if (_drawn == system.SnapshotsTaken || system.Snapshots.Count == 0) return;
        _drawn = system.SnapshotsTaken;
        using var scope = NewDisposeScope();
        foreach (var (r, t) in system.Snapshots)
        {
            var images = system.ToFinal(t);
            ImageGrid.Save(images, ResolutionPath(r), nrow: 8, scale: images.shape[2] <= 32 ? 2 : 1);
        }
        var rows = system.Snapshots.Values.Select(t => system.ToFinal(t.narrow(0, 0, Math.Min(8, t.shape[0])))).ToList();
        var all = cat(rows, 0);
        ImageGrid.Save(all, AcrossPath, nrow: (int)rows[0].shape[0], scale: all.shape[2] <= 32 ? 2 : 1);
    }
}
