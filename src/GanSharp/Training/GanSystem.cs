using System.Text.Json.Nodes;
using GanSharp.Augment;
using GanSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>
/// A GAN family as the training loop sees it: named networks (trainable or frozen), named optimizer groups, a step
/// as a list of <see cref="Phase"/>s, a loss object (<see cref="GanLoss"/>), how latents and conditions are drawn,
/// and what a progress grid is made of. The unconditional GAN of Goodfellow et al. 2014 is this class as it is:
/// networks "G" and "D", groups "G" and "D", phases D (k times) then G. Later families override the members that
/// differ (losses, phases, networks, groups) and keep the one loop in <see cref="Trainer"/>.
/// </summary>
public class GanSystem : IDisposable
{
    private readonly List<NetworkEntry> _networks = new();

    /// <summary>A system of a generator "G" and a discriminator "D" (both trainable).</summary>
    public GanSystem(nn.Module<Tensor, Tensor> generator, nn.Module<Tensor, Tensor> discriminator, GanOptions options, long[] exampleShape)
        : this(options, exampleShape)
    {
        AddNetwork("G", generator);
        AddNetwork("D", discriminator);
    }

    /// <summary>A system whose networks the subclass adds with <see cref="AddNetwork"/>.</summary>
    protected GanSystem(GanOptions options, long[] exampleShape)
    {
        Options = options;
        ExampleShape = exampleShape;
        Device = GanFamilies.DeviceFor(options.Model, options.Device);
        Loss = new GanLoss(options.Loss, options.GLoss, options.RealLabel, options.GpWeight, options.R1, options.R1Every);
        if (options.Augment != "none")
        {
            if (exampleShape.Length != 3)
                throw new ArgumentException($"--augment augments images, but '{options.Data}' holds {string.Join("x", exampleShape)} points: drop --augment");
            _augmentRng = new Generator((ulong)ShuffledBatches.MixSeed(options.Seed, -22));
            if (options.Augment == "ada")
            {
                _ada = new AdaAugment();
                Ada = new AdaController(options.Batch, options.AdaTarget, interval: 4, adaKimg: options.AdaKimg);
            }
            else _diffAugment = new DiffAugment(options.AugmentPolicy);
        }
    }

    public GanOptions Options { get; }
    public long[] ExampleShape { get; }

    /// <summary>
    /// Where the networks, batches and latents live (--device, resolved once). Networks are moved here when they
    /// are added or replaced; random numbers are drawn on the CPU and moved (<see cref="Devices"/>).
    /// </summary>
    public Device Device { get; }

    /// <summary>The adversarial loss and its regularizers.</summary>
    public GanLoss Loss { get; }

    // ---- networks ----------------------------------------------------------------------------------------

    /// <summary>The networks in registration order (checkpoint tensors are prefixed name + ".").</summary>
    public IReadOnlyList<NetworkEntry> Networks => _networks;

    /// <summary>Registers a network; frozen ones are put in eval mode and their parameters take no gradient.</summary>
    protected void AddNetwork(string name, nn.Module module, bool trainable = true)
    {
        if (name.Contains('.') || _networks.Any(n => n.Name == name)) throw new ArgumentException($"bad or duplicate network name '{name}'");
        if (!trainable) Freeze(module);
        if (!Devices.IsCpu(Device)) module.to(Device);
        _networks.Add(new NetworkEntry(name, module, trainable));
    }

    private static void Freeze(nn.Module module)
    {
        module.eval();
        foreach (var p in module.parameters()) p.requires_grad = false;
    }

    public nn.Module Network(string name) => _networks.FirstOrDefault(n => n.Name == name)?.Module
        ?? throw new KeyNotFoundException($"the system has no network '{name}' (it has {string.Join(", ", _networks.Select(n => n.Name))})");

    public bool HasNetwork(string name) => _networks.Any(n => n.Name == name);

    public nn.Module<Tensor, Tensor> G => (nn.Module<Tensor, Tensor>)Network("G");
    public nn.Module<Tensor, Tensor> D => (nn.Module<Tensor, Tensor>)Network("D");

    /// <summary>
    /// Raised after <see cref="ReplaceNetworks"/> with the replaced names: the trainer rebuilds the optimizer groups
    /// over them (carrying Adam state of parameters that keep their name and shape), the EMA, channels-last and the
    /// inference caches.
    /// </summary>
    public event Action<IReadOnlyList<string>>? NetworksReplaced;

    /// <summary>
    /// Replaces networks mid-run (growing families). The old modules are not disposed here: the new ones may share
    /// their layers. Frozen networks stay frozen.
    /// </summary>
    public void ReplaceNetworks(IReadOnlyDictionary<string, nn.Module> replacements)
    {
        foreach (var (name, module) in replacements)
        {
            int i = _networks.FindIndex(n => n.Name == name);
            if (i < 0) throw new KeyNotFoundException($"the system has no network '{name}' to replace");
            if (!_networks[i].Trainable) Freeze(module);
            if (!Devices.IsCpu(Device)) module.to(Device);
            _networks[i] = _networks[i] with { Module = module };
        }
        _phases = null;
        _knobs = null;
        WeightsChanged();
        NetworksReplaced?.Invoke(replacements.Keys.ToList());
    }

    /// <summary>Puts the trainable networks in training mode (frozen ones stay in eval mode).</summary>
    public void TrainMode()
    {
        foreach (var n in _networks) if (n.Trainable) n.Module.train();
    }

    // ---- optimizer groups and phases ----------------------------------------------------------------------

    /// <summary>The optimizer groups: by default "G" over G and "D" over D with the options' learning rates and betas.</summary>
    public virtual IReadOnlyList<OptimizerGroup> OptimizerGroups() => new[]
    {
        new OptimizerGroup("G", new[] { "G" }, Options.Optimizer, Options.LrG, Options.BetasG),
        new OptimizerGroup("D", new[] { "D" }, Options.Optimizer, Options.LrD, Options.BetasD),
    };

    /// <summary>The network whose weights the EMA averages (null: none).</summary>
    public virtual string? EmaNetwork => "G";

    private IReadOnlyList<Phase>? _phases;

    /// <summary>The phases of one training step (built once; rebuilt after networks are replaced).</summary>
    public IReadOnlyList<Phase> Phases => _phases ??= BuildPhases();

    /// <summary>
    /// Algorithm 1 of Goodfellow et al. 2014 generalized: D k = d-steps times, each on a fresh batch (WGAN clipping
    /// after each update), then G on the last batch, against D unrolled when asked (Metz et al. 2017). With the
    /// reuse-d-fake knob, one joint phase.
    /// </summary>
    protected virtual IReadOnlyList<Phase> BuildPhases()
    {
        if (Knobs.ReuseDFake) return new[] { JointPhase() };
        Action<PhaseContext>? clip = Options.Clip > 0 ? _ => ClipWeights(D, Options.Clip) : null;
        var d = new Phase("D", "D", ctx => DiscriminatorLoss(ctx.Batch, ctx.Rng, ctx.Step)) { Repeat = Options.DSteps, AfterUpdate = clip };
        Phase g;
        if (Options.Unrolled > 0 && !Options.UnrolledFirstOrder)
            g = new Phase("G", "G", ctx => new LossResult(UnrolledGan.GeneratorLoss(this, (Adam)ctx.Optimizer("D"), ctx.Batch, ctx.NextBatch, ctx.Rng)));
        else
            g = new Phase("G", "G", ctx => GeneratorLoss(ctx.Batch, ctx.Rng))
            {
                Freeze = Knobs.FreezeD ? new[] { "D" } : Array.Empty<string>(),
                Around = Options.Unrolled > 0 ? ctx => UnrollFirstOrder(ctx, clip) : null,
            };
        return new[] { d, g with { NewBatch = false, ZeroAfter = new[] { "D" } } };
    }

    /// <summary>Why the reuse-d-fake knob cannot run on this system, or null (families with their own losses refuse).</summary>
    public virtual string? JointLossesUnsupported()
    {
        if (Options.DSteps != 1) return "it needs --d-steps 1";
        if (Options.Unrolled > 0) return "unrolled GANs take their own D steps";
        if (Options.FeatureMatching) return "feature matching has no shared D(G(z))";
        return null;
    }

    // ---- family state beyond the networks (growth stage, buffers) --------------------------------------------

    // The engine keeps its own state (augmentation) beside the family's: StateTensors, RestoreState, StartStep.

    /// <summary>Family state for the checkpoint header (e.g. the current resolution); null when none.</summary>
    public virtual JsonObject? CaptureFamilyState() => null;

    /// <summary>Tensors of family state (saved as "state." + name), e.g. a history buffer.</summary>
    public virtual IEnumerable<(string Name, Tensor Value)> FamilyTensors() => Array.Empty<(string, Tensor)>();

    /// <summary>The engine's own state tensors (augmentation) and the family's, as checkpoints hold them.</summary>
    internal IEnumerable<(string Name, Tensor Value)> StateTensors() => AugmentTensors().Concat(FamilyTensors());

    /// <summary>
    /// Restores family state before the networks are loaded: a growing family rebuilds its networks to the saved
    /// shape here (through <see cref="ReplaceNetworks"/>). <paramref name="tensors"/> holds the whole checkpoint.
    /// </summary>
    public virtual void RestoreFamilyState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors) { }

    /// <summary>Restores the engine's state (augmentation), then the family's: a family's override cannot lose the former.</summary>
    internal void RestoreState(JsonObject? state, IReadOnlyDictionary<string, Tensor> tensors)
    {
        RestoreAugment(tensors);
        RestoreFamilyState(state, tensors);
    }

    /// <summary>Examples per batch in the given step (default --batch; a growing family may use one per resolution).</summary>
    public virtual int BatchSize(int step) => Options.Batch;

    /// <summary>Called before each step with the step about to run (e.g. to grow networks on schedule).</summary>
    public virtual void BeforeStep(int step) { }

    /// <summary>The engine's start of a step (ADA's p adjusted at the previous step's end), then the family's.</summary>
    internal void StartStep(int step)
    {
        if (step > 1) Ada?.EndStep();                 // the previous step's end: every 4th adjusts p
        BeforeStep(step);
    }

    /// <summary>The moving average of G's weights, when --ema is on (sampling and evaluation use it).</summary>
    public GeneratorEma? Ema { get; set; }

    /// <summary>Called once by the <see cref="Trainer"/> with its training data (e.g. to choose a labelled subset).</summary>
    public virtual void Attach(GanSharp.Data.TensorDataset data) { }

    /// <summary>Held-out examples for progress grids and evaluation of families conditioned on images or text.</summary>
    public virtual void AttachHeldOut(GanSharp.Data.TensorDataset heldOut) { }

    // ---- latents, conditions, grids --------------------------------------------------------------------------

    /// <summary>n latents from the configured prior.</summary>
    public virtual Tensor SampleLatent(long n, Generator? generator) =>
        NoisePriors.Sample(Options.Prior, n, Options.ZDim, generator).On(Device);

    /// <summary>Conditions for n generated samples (e.g. random class labels); null for unconditional families.</summary>
    public virtual Tensor? SampleCondition(long n, Generator? generator) => null;

    /// <summary>The conditions of the fixed progress grid of n samples (class per row, held-out inputs); null when unconditional.</summary>
    public virtual Tensor? GridCondition(long n) => null;

    /// <summary>Images per row of the progress grid of n samples (e.g. samples per class); null: a square grid.</summary>
    public virtual int? GridColumns(long n) => null;

    /// <summary>
    /// What each row of the progress grid of n samples shows (e.g. the caption it was drawn from), written beside the
    /// grids as samples/rows.txt; null when rows need no legend.
    /// </summary>
    public virtual IReadOnlyList<string>? GridRowLabels(long n) => null;

    /// <summary>
    /// Extra images shown beside the samples in a progress grid (e.g. each held-out input next to its output):
    /// given the samples, returns the grid's images; default the samples alone.
    /// </summary>
    public virtual Tensor GridImages(Tensor samples, Tensor? condition) => samples;

    /// <summary>
    /// Generated samples as metrics see them (default: as they are). A family that pads its training images (28×28
    /// digits to 32×32 for a growing G) crops the padding away here, so the 28×28 domain classifier reads them.
    /// </summary>
    public virtual Tensor MetricImages(Tensor samples) => samples;

    /// <summary>G(z) (the condition is unused by unconditional families).</summary>
    public virtual Tensor Generate(Tensor z, Tensor? condition = null)
    {
        RefreshVirtualBatchNorm();
        return CallG(z);
    }

    // ---- speed knobs and inference caches ----------------------------------------------------------------------

    /// <summary>The speed knobs with "auto" resolved for these networks (docs/performance.md).</summary>
    public Performance.SpeedKnobs Knobs => _knobs ??= Performance.SpeedKnobs.Resolve(Options,
        HasNetwork("G") ? Network("G") : _networks[0].Module, HasNetwork("D") ? Network("D") : _networks[^1].Module, ExampleShape);
    private Performance.SpeedKnobs? _knobs;

    /// <summary>G's inference path while sampling (BatchNorm folded; set by <see cref="SampleGrids.Sample"/>), or null.</summary>
    internal nn.Module<Tensor, Tensor>? InferenceG { get; set; }

    /// <summary>
    /// Incremented whenever a network's weights change (every training step, every checkpoint load, every growth);
    /// code that changes G's weights any other way must call <see cref="WeightsChanged"/>, so cached inference
    /// paths (the folded G) are rebuilt.
    /// </summary>
    public long WeightsVersion { get; private set; }

    public void WeightsChanged() => WeightsVersion++;

    private (long Version, bool Ema, Performance.FoldedSequential? Folded)? _foldCache;

    /// <summary>
    /// G with BatchNorm folded for the current weights (rebuilt only when <see cref="WeightsVersion"/> or the EMA
    /// swap changed), or null when G cannot be folded or the knob is off. Call with G in eval mode.
    /// </summary>
    internal Performance.FoldedSequential? FoldedG(bool emaSwapped)
    {
        if (!Knobs.FoldBatchNorm) return null;
        if (_foldCache is { } c && c.Version == WeightsVersion && c.Ema == emaSwapped) return c.Folded;
        _foldCache?.Folded?.Dispose();
        var folded = Performance.FoldedSequential.Fold(G, Knobs.ChannelsLast);
        _foldCache = (WeightsVersion, emaSwapped, folded);
        return folded;
    }

    /// <summary>G on its input: the folded inference path in eval mode when one is set, G itself otherwise.</summary>
    protected Tensor CallG(Tensor input) => !G.training && InferenceG is { } folded ? folded.call(input) : G.call(input);

    private Tensor? _vbnReference;

    /// <summary>
    /// Virtual batch norm (Salimans et al. 2016): in training, G's fixed reference batch of latents (drawn once
    /// from the run's seed) goes through G in reference mode before each forward, so every VBN layer normalizes
    /// with the current network's reference statistics. Eval mode keeps the last stored statistics.
    /// </summary>
    protected void RefreshVirtualBatchNorm()
    {
        if (!Options.VirtualBatchNorm || !G.training) return;
        var layers = G.modules().OfType<Layers.VirtualBatchNorm>().ToList();
        if (layers.Count == 0) return;
        if (_vbnReference is null)
        {
            using var g = new Generator((ulong)ShuffledBatches.MixSeed(Options.Seed, -6));
            _vbnReference = SampleLatent(Math.Min(Options.Batch, 64), g).DetachFromDisposeScope();
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var l in layers) l.ReferenceMode = true;
        try { G.call(_vbnReference); }
        finally { foreach (var l in layers) l.ReferenceMode = false; }
    }

    /// <summary>Fraction of the run done (0 → 1), set by the trainer before each step: drives annealed schedules.</summary>
    public double Progress { get; set; }

    /// <summary>
    /// D's input: augmented (--augment: DiffAugment or ADA, from the augmentation's own generator), then with
    /// instance noise (Sønderby et al. 2017; Arjovsky &amp; Bottou 2017), gaussian noise whose std anneals linearly
    /// from --instance-noise to 0 over the run, drawn from the training generator. Every image D sees, real or
    /// fake, in the D and the G step, comes through here.
    /// </summary>
    protected Tensor DInput(Tensor x, Generator generator)
    {
        if (_augmentRng is not null)
        {
            x = _ada is not null ? _ada.Apply(x, Ada!.P, _augmentRng) : _diffAugment!.Apply(x, _augmentRng);
            if (Knobs.ChannelsLast) x = Performance.ChannelsLast.Of(x);
        }
        double sigma = Options.InstanceNoise * (1 - Progress);
        return sigma > 0 ? x + sigma * Devices.Randn(x.shape, generator, x.device) : x;
    }

    // ---- augmentation state (--augment) ------------------------------------------------------------------------

    private readonly Generator? _augmentRng;
    private readonly DiffAugment? _diffAugment;
    private readonly AdaAugment? _ada;

    /// <summary>ADA's controller of the augmentation probability p (--augment ada), or null.</summary>
    public AdaController? Ada { get; }

    /// <summary>
    /// Adds D's real logits of a D step to ADA's r_t and logs ada_p (the p of this step) and ada_rt (the r_t of the
    /// last adjustment, once there is one). A family with its own D loss calls it with its real logits.
    /// </summary>
    protected LossResult WithAugmentStats(LossResult result, Tensor realLogits)
    {
        if (Ada is null) return result;
        Ada.Accumulate(realLogits);
        var logged = new Dictionary<string, Tensor>(result.Logged);
        foreach (var (k, v) in AdaValues()) logged[k] = tensor((float)v);   // cpu: a logged value (read with item), float32 like every value
        return result with { Logged = logged };
    }

    private IEnumerable<(string Key, double Value)> AdaValues()
    {
        if (Ada is null) yield break;
        yield return ("ada_p", Ada.P);
        if (!double.IsNaN(Ada.LastRt)) yield return ("ada_rt", Ada.LastRt);
    }

    /// <summary>The augmentation generator's state and ADA's state, as checkpoint tensors.</summary>
    private IEnumerable<(string, Tensor)> AugmentTensors()
    {
        if (_augmentRng is not null) yield return ("augment.rng", _augmentRng.get_state());
        if (Ada is not null) yield return ("augment.ada", Ada.StateTensor());
    }

    private void RestoreAugment(IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (_augmentRng is null) return;
        Tensor Get(string name) => tensors.TryGetValue("state." + name, out var t) ? t
            : throw new CheckpointException($"checkpoint lacks 'state.{name}': it was written without --augment {Options.Augment}");
        _augmentRng.set_state(Get("augment.rng"));
        Ada?.LoadStateTensor(Get("augment.ada"));
    }

    /// <summary>D's hidden features (for feature matching); D must be a <see cref="Models.Discriminator"/>.</summary>
    protected Tensor DFeatures(Tensor x) => D is Models.Discriminator d ? d.Features(x)
        : throw new InvalidOperationException("feature matching needs a GanSharp Discriminator (body → head)");

    // ---- the unconditional GAN's losses --------------------------------------------------------------------------

    /// <summary>
    /// D's loss on one real batch and as many generated samples (G run without gradients): the loss object's
    /// adversarial loss and penalties. Real and fake go through D separately (default) or as one batch.
    /// </summary>
    public virtual LossResult DiscriminatorLoss(Batch batch, Generator generator, int step = 1)
    {
        long n = batch.Real.shape[0];
        Tensor fake;
        using (no_grad())
            fake = Generate(SampleLatent(n, generator), batch.Labels);
        var realIn = DInput(batch.Real, generator);
        var fakeIn = DInput(fake, generator);
        Tensor realOut, fakeOut;
        if (Options.SeparateBatches)
        {
            realOut = D.call(realIn);
            fakeOut = D.call(fakeIn);
        }
        else
        {
            var outputs = D.call(cat(new[] { realIn, fakeIn }, 0));
            long m = outputs.shape[0] / 2;
            realOut = outputs.narrow(0, 0, m);
            fakeOut = outputs.narrow(0, m, m);
        }
        return WithAugmentStats(Loss.Discriminator(x => D.call(x), realIn, fakeIn, realOut, fakeOut, generator, step), realOut);
    }

    /// <summary>The generator's loss on a fresh batch of latents: the configured loss, or feature matching.</summary>
    public virtual LossResult GeneratorLoss(Batch batch, Generator generator)
    {
        long n = batch.Real.shape[0];
        var fake = Generate(SampleLatent(n, generator), batch.Labels);
        if (Options.FeatureMatching)
        {
            var realFeatures = DFeatures(DInput(batch.Real, generator));
            var fakeFeatures = DFeatures(DInput(fake, generator));
            return new LossResult(GanLosses.FeatureMatchingMean(realFeatures, fakeFeatures));
        }
        var fakeOut = D.call(DInput(fake, generator));
        return new LossResult(Loss.Generator(fakeOut), DFake: Loss.MeanOutput(fakeOut));
    }

    /// <summary>
    /// Both losses from one G(z) and one D(G(z)) forward (the opt-in reuse-d-fake knob): D's loss as in
    /// <see cref="DiscriminatorLoss"/> (penalties on the detached samples) and G's configured loss on the same D
    /// outputs. The caller keeps the gradients apart.
    /// </summary>
    public virtual (LossResult D, LossResult G) JointLosses(Batch batch, Generator generator, int step = 1)
    {
        long n = batch.Real.shape[0];
        var fake = Generate(SampleLatent(n, generator), batch.Labels);
        var realIn = DInput(batch.Real, generator);
        var fakeIn = DInput(fake, generator);
        var realOut = D.call(realIn);
        var fakeOut = D.call(fakeIn);
        var d = WithAugmentStats(Loss.Discriminator(x => D.call(x), realIn, fakeIn.detach(), realOut, fakeOut, generator, step), realOut);
        var lossG = Loss.Generator(fakeOut);
        return (d, new LossResult(lossG, DFake: Loss.MeanOutput(fakeOut)));
    }

    /// <summary>
    /// --reuse-d-fake (opt-in; changes results): one real batch, one G(z) and one D(G(z)) forward serve both
    /// losses. G's gradient is taken against D before D's update, on the same z (the stock loop draws fresh z
    /// and uses the updated D), so training differs from the stock loop; it saves one G and one D forward.
    /// </summary>
    private Phase JointPhase() => new("joint", "D", _ => throw new InvalidOperationException())
    {
        UpdatedGroups = new[] { "D", "G" },
        Custom = ctx =>
        {
            var optD = ctx.Optimizer("D");
            var optG = ctx.Optimizer("G");
            var batch = ctx.NextBatch();
            ctx.Batch = batch;
            optD.ZeroGrad();
            optG.ZeroGrad();
            var (d, g) = JointLosses(batch, ctx.Rng, ctx.Step);
            double lossD = ctx.Finite(d.Loss, "loss_d"), lossG = ctx.Finite(g.Loss, "loss_g");
            var gParams = G.parameters().ToArray();
            var gGrads = autograd.grad(new[] { g.Loss }, gParams, retain_graph: true);
            d.Loss.backward();                                  // D's gradients (G's get D's loss too: replaced below)
            using (no_grad())
                for (int i = 0; i < gParams.Length; i++)
                    if (gParams[i].grad is { } existing) existing.copy_(gGrads[i]);
                    else gParams[i].grad = gGrads[i].detach().clone().DetachFromDisposeScope();
            var values = new Dictionary<string, double> { ["loss_d"] = lossD, ["loss_g"] = lossG };
            if (ctx.Measure)
            {
                values["grad_norm_d"] = ctx.GradNorm("D");
                values["grad_norm_g"] = ctx.GradNorm("G");
            }
            optD.Step();
            if (Options.Clip > 0) ClipWeights(D, Options.Clip);
            optG.Step();
            values["d_real"] = d.DReal?.item<float>() ?? double.NaN;
            values["d_fake"] = d.DFake?.item<float>() ?? double.NaN;
            foreach (var (k, v) in AdaValues()) values[k] = (float)v;
            return values;
        },
    };

    /// <summary>
    /// Unrolled GAN, first-order (Metz et al. 2017): D takes k more updates with its own optimizer on fresh
    /// batches; G's loss is then taken against that future D, and the returned scope restores D's parameters,
    /// buffers and optimizer state, so D's real parameters are unchanged by the unrolling.
    /// </summary>
    private IDisposable UnrollFirstOrder(PhaseContext ctx, Action<PhaseContext>? clip)
    {
        var optD = ctx.Optimizer("D");
        var saved = SnapshotD(optD);
        for (int k = 0; k < Options.Unrolled; k++)
        {
            var b = ctx.NextBatch();
            optD.ZeroGrad();
            var r = DiscriminatorLoss(b, ctx.Rng, ctx.Step);
            ctx.Finite(r.Loss, "loss_d (unrolled)");
            r.Loss.backward();
            optD.Step();
            clip?.Invoke(ctx);
        }
        optD.ZeroGrad();
        return saved;
    }

    private DSnapshot SnapshotD(IOptimizer optD)
    {
        using var _ = no_grad();
        var module = D.state_dict().Select(kv => (kv.Value, kv.Value.clone().DetachFromDisposeScope())).ToList();
        var opt = optD.State().Select(kv => (kv.Value, kv.Value.clone().DetachFromDisposeScope())).ToList();
        return new DSnapshot(module.Concat(opt).ToList(), optD, optD.StepCount);
    }

    private sealed class DSnapshot(List<(Tensor Live, Tensor Saved)> tensors, IOptimizer opt, long steps) : IDisposable
    {
        public void Dispose()
        {
            using var _ = no_grad();
            foreach (var (live, saved) in tensors) { live.copy_(saved); saved.Dispose(); }
            var state = opt.State().ToDictionary(kv => kv.Name, kv => kv.Value);
            opt.LoadState(state, steps, "");
        }
    }

    /// <summary>WGAN weight clipping of every parameter to [−c, c].</summary>
    protected static void ClipWeights(nn.Module module, double c)
    {
        using var _ = no_grad();
        foreach (var p in module.parameters()) p.clamp_(-c, c);
    }

    public virtual void Dispose()
    {
        _foldCache?.Folded?.Dispose();
        Ema?.Dispose();
        _vbnReference?.Dispose();
        _augmentRng?.Dispose();
        foreach (var n in _networks) n.Module.Dispose();
        GC.SuppressFinalize(this);
    }
}
