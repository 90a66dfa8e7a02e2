using System.Globalization;
using GanSharp.Data;
using GanSharp.Losses;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>
/// Training stopped on a numerical fault: non-finite inputs, a non-finite loss, exploding weights, or a D that wins
/// outright. <see cref="Cause"/> is one of <see cref="TrainingHealth"/>'s cause names; the message names the cause,
/// the step and a fix. No checkpoint is written after the fault: the last good one stays `latest`.
/// </summary>
public sealed class TrainingFaultException(string cause, int step, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Cause { get; } = cause;
    public int Step { get; } = step;
}

/// <summary>
/// Watches a run for numerical faults (issue 20) and stops it with one <see cref="TrainingFaultException"/> naming
/// the cause and a fix:
/// <list type="bullet">
/// <item>non-finite inputs: NaN/Inf in a float field of the training data, refused before training
/// (<see cref="CheckInputs"/>);</item>
/// <item>a non-finite loss (the trainer's own check, explained by <see cref="Explain"/>: weights already non-finite,
/// or a loss that overflowed);</item>
/// <item>exploding weights, on measured steps: a trainable network's weights hold NaN/Inf, or their RMS grew more than
/// <see cref="ExplodingFactor"/>× over the run (a learning rate far too high);</item>
/// <item>D wins outright for --d-wins-steps steps in a row (<see cref="DWinsDetector"/>, one criterion per loss).</item>
/// </list>
/// An observer: it reads what the step logged and the weights, and changes nothing.
/// </summary>
public sealed class TrainingHealth(GanOptions options, Func<string?>? lastCheckpoint = null) : ITrainingObserver
{
    public const string NonFiniteInput = "non-finite-input";
    public const string NonFiniteLoss = "non-finite-loss";
    public const string ExplodingWeights = "exploding-weights";
    public const string DWins = "d-wins";

    /// <summary>Weight RMS growth over a run that counts as exploding (Adam at sane rates moves weights by far less).</summary>
    public const double ExplodingFactor = 1000;

    private readonly DWinsDetector? _dWins = options.DWinsSteps > 0 ? new DWinsDetector(options.Loss, options.RealLabel, options.DWinsSteps) : null;
    private Dictionary<string, double> _baseline = new(StringComparer.Ordinal);

    public void OnStart(Trainer trainer)
    {
        _baseline = trainer.System.Networks.Where(n => n.Trainable).ToDictionary(n => n.Name, n => Rms(n.Module).Rms, StringComparer.Ordinal);
        _dWins?.Reset();
    }

    public void OnStep(Trainer trainer, StepStats stats)
    {
        if (stats.Measured) CheckWeights(trainer, stats.Step);
        if (_dWins is not null && stats.Get("d_real") is { } real && stats.Get("d_fake") is { } fake
            && _dWins.Observe(stats.Step, real, fake) is { } verdict)
            throw new TrainingFaultException(DWins, stats.Step, $"{verdict}; stopped at step {stats.Step}{Kept()}. {_dWins.Fix}; --d-wins-steps 0 turns this check off");
    }

    private void CheckWeights(Trainer trainer, int step)
    {
        foreach (var n in trainer.System.Networks.Where(n => n.Trainable))
        {
            var (rms, finite) = Rms(n.Module);
            string lr = LrFlag(n.Name, trainer);
            if (!finite)
                throw new TrainingFaultException(ExplodingWeights, step,
                    $"the weights of {n.Name} hold NaN or Inf after step {step}: the updates exploded; stopped{Kept()}. Fix: lower {lr}, or add a gradient penalty (--loss wgan-gp, --r1 10)");
            if (_baseline.TryGetValue(n.Name, out double start) && start > 0 && rms > ExplodingFactor * start)
                throw new TrainingFaultException(ExplodingWeights, step,
                    $"the weights of {n.Name} grew from RMS {G(start)} to {G(rms)} (×{G(rms / start)}) by step {step}: the updates are exploding; stopped{Kept()}. Fix: lower {lr}");
        }
    }

    private string Kept() => lastCheckpoint?.Invoke() is { } c ? $"; the last good checkpoint {Path.GetFileName(c)} is kept" : "; no checkpoint was written yet";

    private static string LrFlag(string network, Trainer trainer)
    {
        var o = trainer.Options;
        return network switch
        {
            "D" => $"--lr-d (now {G(o.LrD)})",
            "G" => $"--lr-g (now {G(o.LrG)})",
            _ => "the learning rate of its group",
        };
    }

    private static (double Rms, bool Finite) Rms(nn.Module module)
    {
        using var scope = NewDisposeScope();
        double sum = 0;
        long count = 0;
        bool finite = true;
        foreach (var p in module.parameters())
        {
            var d = p.detach();
            if (!d.is_floating_point()) continue;
            if (!d.isfinite().all().item<bool>()) finite = false;
            sum += d.to_type(ScalarType.Float64).pow(2).sum().item<double>();
            count += d.numel();
        }
        return (count == 0 ? 0 : Math.Sqrt(sum / count), finite);
    }

    /// <summary>
    /// Refuses training data with NaN or Inf in a float field (points, or an extra field such as landmarks), naming the
    /// dataset, the field and the first bad example.
    /// </summary>
    public static void CheckInputs(TensorDataset data)
    {
        void Check(string field, Tensor t)
        {
            if (!t.is_floating_point() || t.numel() == 0) return;
            using var scope = NewDisposeScope();
            var bad = t.isfinite().logical_not();
            if (!bad.any().item<bool>()) return;
            var rows = bad.reshape(t.shape[0], -1).any(1).nonzero();
            long first = rows[0, 0].item<long>();
            throw new DataException($"training data '{data.Name}' field '{field}' holds NaN or Inf in {rows.shape[0]} example(s), the first at index {first}: remove or repair those examples");
        }
        Check(data.IsImage ? BatchFields.Image : BatchFields.Points, data.Data);
        foreach (var (name, t) in data.ExtraFields) Check(name, t);
    }

    /// <summary>
    /// The trainer's non-finite loss, explained: if a trainable network's weights are already non-finite the
    /// previous updates exploded (lower the lr); otherwise the loss itself overflowed on finite weights.
    /// </summary>
    public static TrainingFaultException Explain(NonFiniteLossException e, Trainer trainer, string? lastCheckpoint)
    {
        string kept = lastCheckpoint is null ? "no checkpoint was written yet" : $"the last good checkpoint {Path.GetFileName(lastCheckpoint)} is kept";
        var broken = trainer.System.Networks.Where(n => n.Trainable && !Rms(n.Module).Finite).Select(n => n.Name).ToList();
        string why = broken.Count > 0
            ? $"the weights of {string.Join(" and ", broken)} already hold NaN or Inf: the updates before it exploded. Fix: lower {string.Join(" and ", broken.Select(b => LrFlag(b, trainer)))}, or add a gradient penalty (--loss wgan-gp, --r1 10)"
            : $"the weights are finite, so the loss overflowed. Fix: lower --lr-d (now {G(trainer.Options.LrD)}) and --lr-g (now {G(trainer.Options.LrG)}), or use a bounded loss (--loss hinge, --spectral-norm)";
        return new TrainingFaultException(NonFiniteLoss, e.Step,
            $"{e.Loss} became non-finite at step {e.Step}; training stopped before applying it and {kept}. Cause: {why}", e);
    }

    internal static string G(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}

/// <summary>
/// "D wins outright" for a long stretch, one criterion per loss, from the mean D outputs a step logs (d_real, d_fake):
/// <list type="bullet">
/// <item>gan: D(x) ≥ r − 0.01 and D(G(z)) ≤ 0.01 (probabilities; r the real label, 1 unless smoothed) for N steps in a
/// row: G's gradient vanishes;</item>
/// <item>lsgan: D(x) ≥ 0.95·r and D(G(z)) ≤ 0.05 (D regresses to its targets 1 and 0) for N steps in a row;</item>
/// <item>hinge: D(x) ≥ 1 and D(G(z)) ≤ −1 (both margins passed on average: D's loss is zero) for N steps in a row;</item>
/// <item>wgan, wgan-gp: after N steps of warm-up, the critic gap D(x) − D(G(z)) over the last N steps grows without
/// bound: the means of its four quarters rise strictly, the last at least twice the first (which is positive).</item>
/// </list>
/// </summary>
public sealed class DWinsDetector
{
    private readonly LossKind _kind;
    private readonly double _realLabel;
    private readonly int _steps;
    private readonly Queue<double> _gaps = new();
    private int _streak, _streakStart, _seen;

    public DWinsDetector(LossKind kind, double realLabel, int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "the stretch must be at least one step");
        _kind = kind;
        _realLabel = realLabel;
        _steps = steps;
    }

    /// <summary>What to try when D wins under this loss.</summary>
    public string Fix => _kind switch
    {
        LossKind.Gan or LossKind.Lsgan => "Fix: lower --lr-d or raise --lr-g, smooth the labels (--real-label 0.9), add --instance-noise 0.1 or --r1 10",
        LossKind.Hinge => "Fix: --spectral-norm, lower --lr-d, or --r1 10",
        _ => "Fix: bound the critic: --loss wgan-gp (or a larger --gp-weight), --clip 0.01 with --loss wgan, or a lower --lr-d",
    };

    /// <summary>Forgets the stretch (a resumed run starts a new one).</summary>
    public void Reset()
    {
        _gaps.Clear();
        _streak = _seen = 0;
    }

    /// <summary>Feeds one step's mean D outputs; returns the verdict when D has won outright, else null.</summary>
    public string? Observe(int step, double dReal, double dFake)
    {
        _seen++;
        if (!double.IsFinite(dReal) || !double.IsFinite(dFake)) { _streak = 0; return null; }
        if (_kind is LossKind.Wgan or LossKind.WganGp) return ObserveGap(dReal - dFake);
        bool wins = _kind switch
        {
            LossKind.Gan => dReal >= _realLabel - 0.01 && dFake <= 0.01,
            LossKind.Lsgan => dReal >= 0.95 * _realLabel && dFake <= 0.05,
            LossKind.Hinge => dReal >= 1 && dFake <= -1,
            _ => false,
        };
        if (!wins) { _streak = 0; return null; }
        if (_streak++ == 0) _streakStart = step;
        if (_streak < _steps) return null;
        return _kind switch
        {
            LossKind.Gan => $"D wins outright (loss gan): D(x) ≥ {TrainingHealth.G(_realLabel - 0.01)} and D(G(z)) ≤ 0.01 for {_streak} steps in a row since step {_streakStart}, so G's gradient vanishes",
            LossKind.Lsgan => $"D wins outright (loss lsgan): D(x) ≥ {TrainingHealth.G(0.95 * _realLabel)} and D(G(z)) ≤ 0.05 for {_streak} steps in a row since step {_streakStart}",
            _ => $"D wins outright (loss hinge): both margins passed, mean D(x) ≥ 1 and D(G(z)) ≤ −1, for {_streak} steps in a row since step {_streakStart}, so D's loss is zero and G learns nothing new",
        };
    }

    private string? ObserveGap(double gap)
    {
        _gaps.Enqueue(gap);
        if (_gaps.Count > _steps) _gaps.Dequeue();
        if (_seen < 2 * _steps || _steps < 4) return null; // warm-up: a critic's gap rises at the start of every run
        var g = _gaps.ToArray();
        int q = g.Length / 4;
        var means = Enumerable.Range(0, 4).Select(i => g.Skip(i * q).Take(i == 3 ? g.Length - 3 * q : q).Average()).ToArray();
        bool grows = means[0] > 0 && means[1] > means[0] && means[2] > means[1] && means[3] > means[2] && means[3] >= 2 * means[0];
        return grows
            ? $"D wins outright (loss {(_kind == LossKind.Wgan ? "wgan" : "wgan-gp")}): the critic gap D(x) − D(G(z)) grows without bound, its mean over each quarter of the last {g.Length} steps {string.Join(" → ", means.Select(TrainingHealth.G))}"
            : null;
    }
}
