using System.Diagnostics;
using System.Text.Json.Nodes;
using GanSharp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>Statistics of one generator update (and the k discriminator updates before it).</summary>
public sealed record StepStats(
    int Step, double LossD, double LossG, double DReal, double DFake,
    double? GradNormD, double? GradNormG, double Seconds);

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
/// The one training loop: Algorithm 1 of Goodfellow et al. 2014 generalized. Each generator update is preceded
/// by k = <see cref="GanOptions.DSteps"/> discriminator updates, each on its own real minibatch; both networks
/// use Adam with their own learning rate and betas. Every step runs in a DisposeScope.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly Stopwatch _clock = new();
    private double _secondsBefore;

    public Trainer(GanSystem system, TensorDataset data)
    {
        System = system;
        Data = data;
        system.Attach(data);
        var o = system.Options;
        Knobs = system.Knobs;
        if (o.Unrolled > 0 && !o.UnrolledFirstOrder && UnrolledGan.Unsupported(system) is { } why)
            throw new ArgumentException($"--unrolled {o.Unrolled} with gradients through the unrolled updates is not available here ({why}); add --unrolled-first-order");
        if (Knobs.ReuseDFake && ReuseUnsupported(system) is { } whyNot)
            throw new ArgumentException($"--reuse-d-fake is not available here ({whyNot})");
        if (Knobs.ChannelsLast)
        {
            Performance.ChannelsLast.Convert(system.G);
            Performance.ChannelsLast.Convert(system.D);
        }
        OptG = Optimizers.Create(o.Optimizer, system.G, o.LrG, o.BetasG, Knobs.FusedAdam);
        OptD = Optimizers.Create(o.Optimizer, system.D, o.LrD, o.BetasD, Knobs.FusedAdam);
        if (o.Ema > 0 && system.Ema is null) system.Ema = new GeneratorEma(system.G, o.Ema);
        Rng = new Generator((ulong)ShuffledBatches.MixSeed(o.Seed, -1));
        Batches = OpenBatches(0, 0);
    }

    /// <summary>The speed knobs this trainer runs with (docs/performance.md).</summary>
    public Performance.SpeedKnobs Knobs { get; }

    private IBatchSource OpenBatches(long epoch, long cursor)
    {
        var inner = new ShuffledBatches(Data, Options.Batch, Options.Seed, epoch, cursor, Knobs.ChannelsLast && Data.IsImage);
        return Knobs.Prefetch ? new PrefetchBatches(inner) : inner;
    }

    private static string? ReuseUnsupported(GanSystem system)
    {
        var o = system.Options;
        if (system.GetType() != typeof(GanSystem)) return $"the {o.Model} family has its own losses";
        if (o.DSteps != 1) return "it needs --d-steps 1";
        if (o.Unrolled > 0) return "unrolled GANs take their own D steps";
        if (o.FeatureMatching) return "feature matching has no shared D(G(z))";
        return null;
    }

    public GanSystem System { get; }
    public GanOptions Options => System.Options;
    public TensorDataset Data { get; }
    public IOptimizer OptG { get; }
    public IOptimizer OptD { get; }

    /// <summary>The training noise generator (never used by observers).</summary>
    public Generator Rng { get; }
    public IBatchSource Batches { get; private set; }

    /// <summary>Generator updates completed.</summary>
    public int Step { get; private set; }

    /// <summary>Wall seconds spent training, across resumes.</summary>
    public double Seconds => _secondsBefore + _clock.Elapsed.TotalSeconds;

    public List<ITrainingObserver> Observers { get; } = new();

    /// <summary>Called for each discriminator update (for tests of the k-step schedule).</summary>
    public event Action<int>? DiscriminatorStepTaken;

    /// <summary>One generator update preceded by k discriminator updates.</summary>
    public StepStats TrainStep()
    {
        using var scope = NewDisposeScope();
        _clock.Start();
        int step = Step + 1;
        bool measure = step % Options.LogEvery == 0 || step == Options.Steps || step == 1;
        System.G.train();
        System.D.train();
        System.Progress = (double)(step - 1) / Options.Steps;

        double lossD = 0, dReal = 0, dFake = 0, lossG;
        double? normD = null, normG;
        Batch? batch = null;
        if (Knobs.ReuseDFake)
        {
            (lossD, lossG, dReal, dFake, normD, normG) = ReusedStep(step, measure);
            return Finish(step, lossD, lossG, dReal, dFake, normD, normG);
        }
        for (int k = 0; k < Options.DSteps; k++)
        {
            batch = Batches.Next();
            OptD.ZeroGrad();
            var r = System.DiscriminatorLoss(batch, Rng);
            lossD = Finite(r.Loss, "loss_d", step);
            r.Loss.backward();
            if (measure && k == Options.DSteps - 1) normD = GradNorm(System.D);
            OptD.Step();
            if (Options.Clip > 0) ClipWeights(System.D, Options.Clip);
            dReal = r.DReal?.item<float>() ?? double.NaN;
            dFake = r.DFake?.item<float>() ?? double.NaN;
            DiscriminatorStepTaken?.Invoke(step);
        }

        OptG.ZeroGrad();
        if (Options.Unrolled > 0 && !Options.UnrolledFirstOrder)
        {
            var loss = UnrolledGan.GeneratorLoss(System, (Adam)OptD, batch!, Batches.Next, Rng);
            lossG = Finite(loss, "loss_g", step);
            loss.backward();
        }
        else
        using (var unrolled = Options.Unrolled > 0 ? Unroll(step) : null)
        using (var frozen = Knobs.FreezeD ? new FrozenParameters(System.D) : null)
        {
            var g = System.GeneratorLoss(batch!, Rng); // the last real batch: its size and condition
            lossG = Finite(g.Loss, "loss_g", step);
            g.Loss.backward();
        }
        normG = measure ? GradNorm(System.G) : null;
        OptG.Step();
        System.Ema?.Update();
        OptD.ZeroGrad(); // D's gradients from the G step are never used
        return Finish(step, lossD, lossG, dReal, dFake, normD, normG);
    }

    private StepStats Finish(int step, double lossD, double lossG, double dReal, double dFake, double? normD, double? normG)
    {
        Batches.Release();
        System.WeightsChanged();
        Step = step;
        _clock.Stop();
        var stats = new StepStats(step, lossD, lossG, dReal, dFake, normD, normG, Seconds);
        foreach (var obs in Observers) obs.OnStep(this, stats);
        return stats;
    }

    /// <summary>
    /// --reuse-d-fake (opt-in; changes results): one real batch, one G(z) and one D(G(z)) forward serve both
    /// losses. G's gradient is taken against D before D's update, on the same z (the stock loop draws fresh z
    /// and uses the updated D), so training differs from the stock loop; it saves one G and one D forward.
    /// </summary>
    private (double LossD, double LossG, double DReal, double DFake, double? NormD, double? NormG) ReusedStep(int step, bool measure)
    {
        var batch = Batches.Next();
        OptD.ZeroGrad();
        OptG.ZeroGrad();
        var (d, g) = System.JointLosses(batch, Rng);
        double lossD = Finite(d.Loss, "loss_d", step), lossG = Finite(g.Loss, "loss_g", step);
        var gParams = System.G.parameters().ToArray();
        var gGrads = autograd.grad(new[] { g.Loss }, gParams, retain_graph: true);
        d.Loss.backward();                                  // D's gradients (G's get D's loss too: replaced below)
        using (no_grad())
            for (int i = 0; i < gParams.Length; i++)
                if (gParams[i].grad is { } existing) existing.copy_(gGrads[i]);
                else gParams[i].grad = gGrads[i].detach().clone().DetachFromDisposeScope();
        double? normD = measure ? GradNorm(System.D) : null, normG = measure ? GradNorm(System.G) : null;
        OptD.Step();
        if (Options.Clip > 0) ClipWeights(System.D, Options.Clip);
        OptG.Step();
        System.Ema?.Update();
        DiscriminatorStepTaken?.Invoke(step);
        return (lossD, lossG, d.DReal?.item<float>() ?? double.NaN, d.DFake?.item<float>() ?? double.NaN, normD, normG);
    }

    /// <summary>Parameters excluded from autograd until disposed (the freeze-d knob: G's gradients are unchanged).</summary>
    private sealed class FrozenParameters : IDisposable
    {
        private readonly List<TorchSharp.Modules.Parameter> _frozen;

        public FrozenParameters(nn.Module module)
        {
            _frozen = module.parameters().Where(p => p.requires_grad).ToList();
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

    /// <summary>
    /// Unrolled GAN, first-order (Metz et al. 2017): D takes k more updates with its own optimizer on fresh
    /// batches; G's loss is then taken against that future D, and the returned scope restores D's parameters,
    /// buffers and optimizer state, so D's real parameters are unchanged by the unrolling.
    /// </summary>
    private IDisposable Unroll(int step)
    {
        var saved = SnapshotD();
        for (int k = 0; k < Options.Unrolled; k++)
        {
            var b = Batches.Next();
            OptD.ZeroGrad();
            var r = System.DiscriminatorLoss(b, Rng);
            Finite(r.Loss, "loss_d (unrolled)", step);
            r.Loss.backward();
            OptD.Step();
            if (Options.Clip > 0) ClipWeights(System.D, Options.Clip);
        }
        OptD.ZeroGrad();
        return saved;
    }

    private DSnapshot SnapshotD()
    {
        using var _ = no_grad();
        var module = System.D.state_dict().Select(kv => (kv.Value, kv.Value.clone().DetachFromDisposeScope())).ToList();
        var opt = OptD.State().Select(kv => (kv.Value, kv.Value.clone().DetachFromDisposeScope())).ToList();
        return new DSnapshot(module.Concat(opt).ToList(), OptD, OptD.StepCount);
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

    private static void ClipWeights(nn.Module module, double c)
    {
        using var _ = no_grad();
        foreach (var p in module.parameters()) p.clamp_(-c, c);
    }

    private static double Finite(Tensor loss, string name, int step)
    {
        double v = loss.item<float>();
        if (!double.IsFinite(v)) throw new NonFiniteLossException(name, step, v);
        return v;
    }

    private static double GradNorm(nn.Module module)
    {
        double sum = 0;
        foreach (var p in module.parameters())
            if (p.grad is { } gr) sum += gr.pow(2).sum().item<float>();
        return Math.Sqrt(sum);
    }

    // ---- checkpoint state -------------------------------------------------------------------------------

    /// <summary>Everything needed to continue this run bit for bit.</summary>
    public (JsonObject Header, List<(string, Tensor)> Tensors) CaptureState()
    {
        var header = new JsonObject
        {
            ["format"] = "gansharp-checkpoint",
            ["version"] = 1,
            ["family"] = Options.Model,
            ["arch"] = Models.GanModels.ResolveArch(Options, System.ExampleShape),
            ["step"] = Step,
            ["num-classes"] = Data.NumClasses,
            ["example-shape"] = new JsonArray(System.ExampleShape.Select(d => (JsonNode)d).ToArray()),
            ["epoch"] = Batches.Epoch,
            ["cursor"] = Batches.Cursor,
            ["opt-g-steps"] = OptG.StepCount,
            ["opt-d-steps"] = OptD.StepCount,
            ["seconds"] = Seconds,
            ["library-version"] = typeof(Trainer).Assembly.GetName().Version?.ToString(),
            ["options"] = Options.ToJsonObject(),
        };
        var tensors = new List<(string, Tensor)>();
        foreach (var (k, v) in System.G.state_dict()) tensors.Add(("G." + k, v));
        foreach (var (k, v) in System.D.state_dict()) tensors.Add(("D." + k, v));
        foreach (var (k, v) in OptG.State()) tensors.Add(("optG." + k, v));
        foreach (var (k, v) in OptD.State()) tensors.Add(("optD." + k, v));
        if (System.Ema is { } ema) foreach (var (k, v) in ema.State()) tensors.Add(("Gema." + k, v));
        tensors.Add(("rng", Rng.get_state()));
        return (header, tensors);
    }

    /// <summary>Restores a state captured by <see cref="CaptureState"/>.</summary>
    public void RestoreState(JsonObject header, IReadOnlyDictionary<string, Tensor> tensors)
    {
        LoadModule(System.G, "G.", tensors);
        LoadModule(System.D, "D.", tensors);
        System.WeightsChanged();
        OptG.LoadState(tensors, header["opt-g-steps"]!.GetValue<long>(), "optG.");
        OptD.LoadState(tensors, header["opt-d-steps"]!.GetValue<long>(), "optD.");
        System.Ema?.Load(tensors, "Gema.");
        Rng.set_state(tensors["rng"]);
        Batches.Dispose();
        Batches = OpenBatches(header["epoch"]!.GetValue<long>(), header["cursor"]!.GetValue<long>());
        Step = header["step"]!.GetValue<int>();
        _secondsBefore = header["seconds"]?.GetValue<double>() ?? 0;
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
        OptG.Dispose();
        OptD.Dispose();
        Rng.Dispose();
        Batches.Dispose();
    }
}
