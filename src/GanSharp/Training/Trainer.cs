using System.Diagnostics;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Performance;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>
/// Statistics of one training step: every named value its phases logged (loss_d, loss_g, d_real, d_fake, gradient
/// norms, and whatever a family adds), in order. The classic GAN's values have properties of their own.
/// </summary>
public sealed record StepStats(
    int Step, double LossD, double LossG, double DReal, double DFake,
    double? GradNormD, double? GradNormG, double Seconds)
{
    private static readonly IReadOnlyList<KeyValuePair<string, double>> None = Array.Empty<KeyValuePair<string, double>>();

    /// <summary>Every logged value in order (losses, then statistics, then gradient norms on measured steps).</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Values { get; init; } = None;

    /// <summary>True on steps whose gradient norms were measured (metrics.jsonl gets a line).</summary>
    public bool Measured { get; init; }

    /// <summary>The step's logged values for a progress line: "loss_d 1.23  loss_g 0.71  D(x) 0.52  D(G(z)) 0.48 ...".</summary>
    public string Summary()
    {
        if (Values.Count == 0) return $"loss_d {Fmt.G4(LossD)}  loss_g {Fmt.G4(LossG)}  D(x) {DReal:F2}  D(G(z)) {DFake:F2}";
        var parts = new List<string>();
        foreach (var (k, v) in Values)
        {
            if (k.StartsWith("grad_norm_", StringComparison.Ordinal)) continue;
            parts.Add(k switch
            {
                "d_real" => $"D(x) {v:F2}",
                "d_fake" => $"D(G(z)) {v:F2}",
                _ => $"{k} {Fmt.G4(v)}",
            });
        }
        return string.Join("  ", parts);
    }

    public double? Get(string key)
    {
        foreach (var kv in Values) if (kv.Key == key) return kv.Value;
        return null;
    }
}

/// <summary>A loss became NaN or infinite; the update that would have used it was not applied.</summary>
public sealed class NonFiniteLossException(string loss, int step, double value)
    : Exception($"{loss} became {value} at step {step}; training stopped before applying it (the last good checkpoint is kept)")
{
    public string Loss { get; } = loss;
    public int Step { get; } = step;
}

/// <summary>Watches training. Observers never change training and draw no randomness from its generators.</summary>
public interface ITrainingObserver
{
    void OnStart(Trainer trainer) { }
    void OnStep(Trainer trainer, StepStats stats);

    /// <summary>Called once at the end, also when the run was cancelled (<paramref name="completed"/> false).</summary>
    void OnEnd(Trainer trainer, bool completed) { }
}

/// <summary>
/// The one training loop. A step runs the system's phases in order (for the GAN of Goodfellow et al. 2014: D k times,
/// each on its own real minibatch, then G); each phase evaluates its loss, descends it with its optimizer group and
/// logs what it returns. Optimizer groups, the EMA, the speed knobs and checkpoints loop over the system's named
/// networks; when a family replaces networks mid-run (growing), the groups are rebuilt with the Adam state of
/// surviving parameters carried over. Every step runs in a DisposeScope.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly Stopwatch _clock = new();
    private double _secondsBefore;
    private readonly Dictionary<string, IOptimizer> _optimizers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OptimizerGroup> _groups = new(StringComparer.Ordinal);

    public Trainer(GanSystem system, TensorDataset data)
    {
        System = system;
        Data = data;
        system.Attach(data);
        var o = system.Options;
        Knobs = system.Knobs;
        if (o.Unrolled > 0 && !o.UnrolledFirstOrder && UnrolledGan.Unsupported(system) is { } why)
            throw new ArgumentException($"--unrolled {o.Unrolled} with gradients through the unrolled updates is not available here ({why}); add --unrolled-first-order");
        if (Knobs.ReuseDFake && system.JointLossesUnsupported() is { } whyNot)
            throw new ArgumentException($"--reuse-d-fake is not available here ({whyNot})");
        if (Knobs.ChannelsLast)
            foreach (var n in system.Networks) Performance.ChannelsLast.Convert(n.Module);
        foreach (var group in system.OptimizerGroups())
        {
            _groups[group.Name] = group;
            _optimizers[group.Name] = CreateOptimizer(group);
        }
        CreateEma();
        system.NetworksReplaced += OnNetworksReplaced;
        Rng = new Generator((ulong)ShuffledBatches.MixSeed(o.Seed, -1));
        Batches = OpenBatches(0, 0);
    }

    /// <summary>The speed knobs this trainer runs with (docs/performance.md).</summary>
    public Performance.SpeedKnobs Knobs { get; }

    private IBatchSource OpenBatches(long epoch, long cursor)
    {
        var inner = new ShuffledBatches(Data, Options.Batch, Options.Seed, epoch, cursor, Knobs.ChannelsLast && Data.IsImage);
        return Knobs.Prefetch && Data.ExtraFields.Count == 0 ? new PrefetchBatches(inner) : inner;
    }

    private IEnumerable<(string Name, TorchSharp.Modules.Parameter Param)> GroupParameters(OptimizerGroup group)
    {
        // One network: its own parameter names (as checkpoints of a two-network system have always had them);
        // several: prefixed by the network's name.
        if (group.Networks.Count == 1) return System.Network(group.Networks[0]).named_parameters().Select(p => (p.name, p.parameter));
        return group.Networks.SelectMany(n => System.Network(n).named_parameters().Select(p => ($"{n}.{p.name}", p.parameter)));
    }

    private IOptimizer CreateOptimizer(OptimizerGroup group) => group.Kind switch
    {
        Losses.OptimizerKind.Adam => new Adam(GroupParameters(group), group.Lr, group.Betas[0], group.Betas[1], group.Eps, fused: Knobs.FusedAdam),
        Losses.OptimizerKind.Rmsprop => new RmsProp(GroupParameters(group), group.Lr),
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };

    private void CreateEma()
    {
        System.Ema?.Dispose();
        System.Ema = null;
        if (Options.Ema > 0 && System.EmaNetwork is { } name) System.Ema = new GeneratorEma(System.Network(name), Options.Ema);
    }

    /// <summary>
    /// A family replaced networks: optimizer groups over them are rebuilt (Adam moments of parameters that keep
    /// their name and shape carried over, new ones start at zero; the step count is kept), channels-last applied
    /// to the new modules, and the EMA rebuilt with the average of surviving weights carried over.
    /// </summary>
    private void OnNetworksReplaced(IReadOnlyList<string> names)
    {
        if (Knobs.ChannelsLast)
            foreach (var n in names) Performance.ChannelsLast.Convert(System.Network(n));
        foreach (var group in System.OptimizerGroups())
        {
            if (!group.Networks.Any(names.Contains) && _optimizers.ContainsKey(group.Name)) continue;
            var fresh = CreateOptimizer(group);
            if (_optimizers.TryGetValue(group.Name, out var old))
            {
                fresh.CarryFrom(old);
                old.Dispose();
            }
            _groups[group.Name] = group;
            _optimizers[group.Name] = fresh;
        }
        if (System.Ema is { } ema && System.EmaNetwork is { } emaNet && names.Contains(emaNet))
        {
            var carried = ema.State().ToDictionary(kv => kv.Name, kv => kv.Value.detach().clone());
            CreateEma();
            System.Ema!.CarryFrom(carried);
            foreach (var t in carried.Values) t.Dispose();
        }
    }

    public GanSystem System { get; }
    public GanOptions Options => System.Options;
    public TensorDataset Data { get; }

    /// <summary>The optimizer of a group by name.</summary>
    public IOptimizer Optimizer(string group) => _optimizers.TryGetValue(group, out var o) ? o
        : throw new KeyNotFoundException($"no optimizer group '{group}' (there are {string.Join(", ", _optimizers.Keys)})");

    /// <summary>The optimizer groups by name, in the system's order.</summary>
    public IReadOnlyDictionary<string, IOptimizer> Optimizers => _optimizers;

    public IOptimizer OptG => Optimizer("G");
    public IOptimizer OptD => Optimizer("D");

    /// <summary>The training noise generator (never used by observers).</summary>
    public Generator Rng { get; }
    public IBatchSource Batches { get; private set; }

    /// <summary>Steps completed (for the GAN: generator updates).</summary>
    public int Step { get; private set; }

    /// <summary>Wall seconds spent training, across resumes.</summary>
    public double Seconds => _secondsBefore + _clock.Elapsed.TotalSeconds;

    public List<ITrainingObserver> Observers { get; } = new();

    /// <summary>Called for each update of the "D" group (for tests of the k-step schedule).</summary>
    public event Action<int>? DiscriminatorStepTaken;

    /// <summary>
    /// The --lr-decay multiplier for step <paramref name="step"/> (1-based) of <paramref name="steps"/>: 1 until the
    /// last <paramref name="fraction"/> of the run, then falling linearly, (steps − step + 1) / (fraction · steps),
    /// to 1 / (fraction · steps) at the last step. A function of the step and the run length, so a resumed run continues
    /// it; raising --steps on resume moves the decay window to the new end.
    /// </summary>
    public static double LinearDecay(int step, int steps, double fraction) =>
        Math.Clamp((steps - step + 1) / (fraction * steps), 0, 1);

    /// <summary>One step: every phase of the system in order.</summary>
    public StepStats TrainStep()
    {
        NativeGarbage.AfterStep(Step);   // before this step's scope: the last step's temporaries are all unreachable now
        using var scope = NewDisposeScope();
        _clock.Start();
        int step = Step + 1;
        bool measure = step % Options.LogEvery == 0 || step == Options.Steps || step == 1;
        System.StartStep(step);
        int stepBatch = System.BatchSize(step);
        System.TrainMode();
        System.Progress = (double)(step - 1) / Options.Steps;
        foreach (var (name, group) in _groups)
            if (group.LrSchedule is { } schedule) _optimizers[name].Lr = group.Lr * schedule(step);
            else if (Options.LrDecay > 0) _optimizers[name].Lr = group.Lr * LinearDecay(step, Options.Steps, Options.LrDecay);

        var losses = new List<KeyValuePair<string, double>>();
        var stats = new List<KeyValuePair<string, double>>();
        var norms = new List<KeyValuePair<string, double>>();
        var ctx = new PhaseContext(this, step, measure);
        Batch? batch = null;
        foreach (var phase in System.Phases)
        {
            if (phase.ActiveAt is { } active && !active(step)) continue;
            if (phase.Custom is { } custom)
            {
                foreach (var kv in custom(ctx)) Put(kv.Key.StartsWith("loss_") ? losses : kv.Key.StartsWith("grad_norm_") ? norms : stats, kv.Key, kv.Value);
                if (phase.Updated.Contains("D")) DiscriminatorStepTaken?.Invoke(step);
                AfterPhase(phase);
                continue;
            }
            var opt = Optimizer(phase.Group);
            for (int k = 0; k < phase.Repeat; k++)
            {
                if (phase.NewBatch || batch is null)
                {
                    EnsureBatchSize(stepBatch);
                    batch = NextBatch();
                }
                ctx.Batch = batch;
                ctx.Repeat = k;
                opt.ZeroGrad();
                LossResult r;
                double value;
                using (phase.Around?.Invoke(ctx))
                using (Knobs.FreezeD && phase.Freeze.Count > 0 ? new FrozenParameters(phase.Freeze.Select(System.Network)) : null)
                {
                    r = phase.Loss(ctx);
                    value = Finite(r.Loss, phase.LossName, step);
                    r.Loss.backward();
                }
                if (measure && k == phase.Repeat - 1) Put(norms, "grad_norm_" + phase.Group.ToLowerInvariant(), GradNorm(phase.Group));
                opt.Step();
                phase.AfterUpdate?.Invoke(ctx);
                Put(losses, phase.LossName, value);
                if (phase.Group == "D")
                {
                    Put(stats, "d_real", r.DReal?.item<float>() ?? double.NaN);
                    Put(stats, "d_fake", r.DFake?.item<float>() ?? double.NaN);
                    DiscriminatorStepTaken?.Invoke(step);
                }
                foreach (var (key, t) in r.Logged) Put(key.StartsWith("loss_") ? losses : stats, key, t.item<float>());
            }
            AfterPhase(phase);
        }
        return Finish(step, losses, stats, norms, measure);
    }

    /// <summary>The next real minibatch, on the system's device.</summary>
    internal Batch NextBatch() => Batches.Next().To(System.Device);

    /// <summary>Sets the batch size of the source (a prefetching one is replaced by a plain one at the same position).</summary>
    private void EnsureBatchSize(int size)
    {
        if (Batches.BatchSize == size) return;
        if (Batches is ShuffledBatches plain)
        {
            plain.BatchSize = size;
            return;
        }
        long epoch = Batches.Epoch, cursor = Batches.Cursor;
        Batches.Dispose();
        Batches = new ShuffledBatches(Data, size, Options.Seed, epoch, cursor, Knobs.ChannelsLast && Data.IsImage);
    }

    private void AfterPhase(Phase phase)
    {
        if (System.Ema is { } ema && System.EmaNetwork is { } emaNet
            && phase.Updated.Any(g => _groups[g].Networks.Contains(emaNet))) ema.Update();
        foreach (var g in phase.ZeroAfter) Optimizer(g).ZeroGrad();
    }

    private static void Put(List<KeyValuePair<string, double>> list, string key, double value)
    {
        for (int i = 0; i < list.Count; i++)
            if (list[i].Key == key) { list[i] = new(key, value); return; }
        list.Add(new(key, value));
    }

    private StepStats Finish(int step, List<KeyValuePair<string, double>> losses, List<KeyValuePair<string, double>> stats,
        List<KeyValuePair<string, double>> norms, bool measure)
    {
        Batches.Release();
        System.WeightsChanged();
        Step = step;
        _clock.Stop();
        double V(List<KeyValuePair<string, double>> l, string k) { foreach (var kv in l) if (kv.Key == k) return kv.Value; return double.NaN; }
        double? N(string k) { foreach (var kv in norms) if (kv.Key == k) return kv.Value; return null; }
        var values = losses.Concat(stats).Concat(norms).ToList();
        var result = new StepStats(step, V(losses, "loss_d"), V(losses, "loss_g"), V(stats, "d_real"), V(stats, "d_fake"),
            N("grad_norm_d"), N("grad_norm_g"), Seconds) { Values = values, Measured = measure };
        foreach (var obs in Observers) obs.OnStep(this, result);
        return result;
    }

    /// <summary>Parameters excluded from autograd until disposed (the freeze-d knob: gradients elsewhere unchanged).</summary>
    private sealed class FrozenParameters : IDisposable
    {
        private readonly List<TorchSharp.Modules.Parameter> _frozen;

        public FrozenParameters(IEnumerable<nn.Module> modules)
        {
            _frozen = modules.SelectMany(m => m.parameters()).Where(p => p.requires_grad).ToList();
            foreach (var p in _frozen) p.requires_grad = false;
        }

        public void Dispose()
        {
            foreach (var p in _frozen) p.requires_grad = true;
        }
    }

    /// <summary>Trains until <see cref="GanOptions.Steps"/> or cancellation. Returns true when complete.</summary>
    public bool Run(CancellationToken cancel = default)
    {
        foreach (var obs in Observers) obs.OnStart(this);
        while (Step < Options.Steps && !cancel.IsCancellationRequested)
            TrainStep();
        bool completed = Step >= Options.Steps;
        foreach (var obs in Observers) obs.OnEnd(this, completed);
        return completed;
    }

    internal static double Finite(Tensor loss, string name, int step)
    {
        double v = loss.item<float>();
        if (!double.IsFinite(v)) throw new NonFiniteLossException(name, step, v);
        return v;
    }

    /// <summary>The L2 norm of the gradients of a group's parameters.</summary>
    internal double GradNorm(string group)
    {
        double sum = 0;
        foreach (var n in _groups[group].Networks)
            foreach (var p in System.Network(n).parameters())
                if (p.grad is { } gr) sum += gr.pow(2).sum().item<float>();
        return Math.Sqrt(sum);
    }

    // ---- checkpoint state -------------------------------------------------------------------------------

    /// <summary>Everything needed to continue this run bit for bit: the typed header and the named tensors.</summary>
    public (JsonObject Header, List<(string, Tensor)> Tensors) CaptureState()
    {
        var header = new CheckpointHeader
        {
            Family = Options.Model,
            Arch = GanFamilies.Get(Options.Model).ResolveArch(Options, System.ExampleShape),
            Step = Step,
            NumClasses = Data.NumClasses,
            ExampleShape = System.ExampleShape,
            Epoch = Batches.Epoch,
            Cursor = Batches.Cursor,
            Networks = System.Networks.Select(n => new CheckpointHeader.NetworkInfo(n.Name, n.Trainable)).ToList(),
            OptimizerSteps = _optimizers.ToDictionary(kv => kv.Key, kv => kv.Value.StepCount),
            FamilyState = System.CaptureFamilyState(),
            Seconds = Seconds,
            Options = Options.ToJsonObject(),
        };
        var tensors = new List<(string, Tensor)>();
        foreach (var n in System.Networks)
            foreach (var (k, v) in n.Module.state_dict()) tensors.Add(($"{n.Name}.{k}", v));
        foreach (var (g, opt) in _optimizers)
            foreach (var (k, v) in opt.State()) tensors.Add(($"opt{g}.{k}", v));
        if (System.Ema is { } ema) foreach (var (k, v) in ema.State()) tensors.Add((System.EmaNetwork + "ema." + k, v));
        foreach (var (k, v) in System.StateTensors()) tensors.Add(("state." + k, v));
        tensors.Add(("rng", Rng.get_state()));
        return (header.ToJson(), tensors);
    }

    /// <summary>
    /// Restores a state captured by <see cref="CaptureState"/> (or by a version-1 checkpoint): the family's state
    /// first (a growing family rebuilds its networks to the saved shape), then every network, optimizer group, the
    /// EMA, the noise generator and the data position.
    /// </summary>
    public void RestoreState(JsonObject json, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var header = CheckpointHeader.Parse(json, "checkpoint");
        System.RestoreState(header.FamilyState, tensors);
        foreach (var n in System.Networks) LoadModule(n.Module, n.Name + ".", tensors);
        System.WeightsChanged();
        foreach (var (g, opt) in _optimizers)
        {
            if (!header.OptimizerSteps.TryGetValue(g, out long steps))
                throw new CheckpointException($"checkpoint has no state for optimizer group '{g}': it was written for a different model");
            opt.LoadState(tensors, steps, $"opt{g}.");
        }
        System.Ema?.Load(tensors, System.EmaNetwork + "ema.");
        Rng.set_state(tensors["rng"]);
        Batches.Dispose();
        Batches = OpenBatches(header.Epoch, header.Cursor);
        Step = header.Step;
        _secondsBefore = header.Seconds;
        _clock.Reset();
    }

    /// <summary>Copies "prefix.name" tensors into a module's parameters and buffers.</summary>
    public static void LoadModule(nn.Module module, string prefix, IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var _ = no_grad();
        foreach (var (k, v) in module.state_dict())
        {
            if (!tensors.TryGetValue(prefix + k, out var src))
                throw new CheckpointException($"checkpoint lacks '{prefix + k}': it was written for a different model");
            if (!src.shape.SequenceEqual(v.shape))
                throw new CheckpointException($"checkpoint tensor '{prefix + k}' has shape [{string.Join(",", src.shape)}], the model expects [{string.Join(",", v.shape)}]: it was written for a different model");
            v.copy_(src);
        }
    }

    public void Dispose()
    {
        System.NetworksReplaced -= OnNetworksReplaced;
        foreach (var opt in _optimizers.Values) opt.Dispose();
        Rng.Dispose();
        Batches.Dispose();
    }
}
