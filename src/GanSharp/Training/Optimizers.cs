using GanSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>An optimizer whose whole state is named tensors plus a step count, so checkpoints hold it exactly.</summary>
public interface IOptimizer : IDisposable
{
    double Lr { get; set; }
    long StepCount { get; }
    void ZeroGrad();
    void Step();
    IEnumerable<(string Name, Tensor Value)> State();
    void LoadState(IReadOnlyDictionary<string, Tensor> state, long stepCount, string prefix);

    /// <summary>
    /// Takes over another optimizer's state for the parameters both have (same name and shape) and its step
    /// count; the others keep their fresh (zero) state. Used when a family grows its networks mid-run.
    /// </summary>
    void CarryFrom(IOptimizer old)
    {
        var previous = old.State().ToDictionary(kv => kv.Name, kv => kv.Value);
        var merged = new Dictionary<string, Tensor>();
        foreach (var (name, value) in State())
            merged[name] = previous.TryGetValue(name, out var p) && p.shape.SequenceEqual(value.shape) ? p : value;
        LoadState(merged, old.StepCount, "");
    }
}

/// <summary>
/// RMSProp (Tieleman &amp; Hinton 2012) as PyTorch defines it without momentum: v ← αv + (1 − α)g²,
/// θ ← θ − lr·g/(√v + ε); the WGAN paper's optimizer.
/// </summary>
public sealed class RmsProp : IOptimizer
{
    private readonly (string Name, TorchSharp.Modules.Parameter Param)[] _params;
    private readonly Tensor[] _squareAvg;

    public RmsProp(IEnumerable<(string Name, TorchSharp.Modules.Parameter Param)> namedParameters, double lr, double alpha = 0.99, double eps = 1e-8)
    {
        _params = namedParameters.ToArray();
        Lr = lr;
        Alpha = alpha;
        Eps = eps;
        _squareAvg = _params.Select(p => zeros_like(p.Param).DetachFromDisposeScope()).ToArray();
    }

    public double Lr { get; set; }
    public double Alpha { get; }
    public double Eps { get; }
    public long StepCount { get; private set; }

    public void ZeroGrad()
    {
        foreach (var (_, p) in _params)
            if (p.grad is { } g) { g.detach_(); g.zero_(); }
    }

    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        StepCount++;
        for (int i = 0; i < _params.Length; i++)
        {
            var p = _params[i].Param;
            if (p.grad is not { } grad) continue;
            _squareAvg[i].mul_(Alpha).addcmul_(grad, grad, value: 1 - Alpha);
            p.addcdiv_(grad, _squareAvg[i].sqrt().add_(Eps), value: -Lr);
        }
    }

    public IEnumerable<(string Name, Tensor Value)> State()
    {
        for (int i = 0; i < _params.Length; i++) yield return ($"square_avg.{_params[i].Name}", _squareAvg[i]);
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long stepCount, string prefix)
    {
        using var noGrad = no_grad();
        foreach (var (name, value) in State())
        {
            if (!state.TryGetValue(prefix + name, out var src) || !src.shape.SequenceEqual(value.shape))
                throw new CheckpointException($"optimizer state '{prefix + name}' is missing or has the wrong shape");
            value.copy_(src);
        }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var t in _squareAvg) t.Dispose();
    }
}

public static class Optimizers
{
    public static IOptimizer Create(OptimizerKind kind, nn.Module module, double lr, double[] betas, bool fused = false) => kind switch
    {
        OptimizerKind.Adam => new Adam(module.named_parameters(), lr, betas[0], betas[1], fused: fused),
        OptimizerKind.Rmsprop => new RmsProp(module.named_parameters(), lr),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>
/// An exponential moving average of G's weights (Karras et al. 2018; Yazıcı et al. 2019): θ̄ ← dθ̄ + (1 − d)θ
/// after every G update, buffers copied. <see cref="Swap"/> puts the average into G for sampling and
/// evaluation and restores the trained weights afterwards.
/// </summary>
public sealed class GeneratorEma : IDisposable
{
    private readonly nn.Module _g;
    private readonly List<(string Name, Tensor Live, Tensor Shadow, bool IsParameter)> _entries = new();

    public GeneratorEma(nn.Module g, double decay)
    {
        _g = g;
        Decay = decay;
        var parameters = g.named_parameters().Select(p => p.name).ToHashSet();
        using var noGrad = no_grad();
        foreach (var (name, t) in g.state_dict())
            _entries.Add((name, t, t.detach().clone().DetachFromDisposeScope(), parameters.Contains(name)));
    }

    public double Decay { get; }

    public IEnumerable<(string Name, Tensor Value)> State() => _entries.Select(e => (e.Name, e.Shadow));

    public void Update()
    {
        using var noGrad = no_grad();
        foreach (var e in _entries)
        {
            if (e.IsParameter && e.Shadow.is_floating_point()) e.Shadow.mul_(Decay).add_(e.Live, alpha: 1 - Decay);
            else e.Shadow.copy_(e.Live);
        }
    }

    public void Load(IReadOnlyDictionary<string, Tensor> tensors, string prefix)
    {
        using var noGrad = no_grad();
        foreach (var e in _entries)
        {
            if (!tensors.TryGetValue(prefix + e.Name, out var src))
                throw new CheckpointException($"checkpoint lacks '{prefix + e.Name}' (the generator average)");
            e.Shadow.copy_(src);
        }
    }

    /// <summary>Takes the average of the weights both have (same name and shape) from a previous EMA's state (growth).</summary>
    public void CarryFrom(IReadOnlyDictionary<string, Tensor> previous)
    {
        using var noGrad = no_grad();
        foreach (var e in _entries)
            if (previous.TryGetValue(e.Name, out var p) && p.shape.SequenceEqual(e.Shadow.shape)) e.Shadow.copy_(p);
    }

    /// <summary>G holds the average until the returned scope is disposed.</summary>
    public IDisposable Swap()
    {
        using var noGrad = no_grad();
        var saved = _entries.Select(e => e.Live.detach().clone()).ToList();
        foreach (var e in _entries) e.Live.copy_(e.Shadow);
        return new Restore(_entries, saved);
    }

    private sealed class Restore(List<(string Name, Tensor Live, Tensor Shadow, bool IsParameter)> entries, List<Tensor> saved) : IDisposable
    {
        public void Dispose()
        {
            using var noGrad = no_grad();
            for (int i = 0; i < entries.Count; i++) { entries[i].Live.copy_(saved[i]); saved[i].Dispose(); }
        }
    }

    public void Dispose()
    {
        foreach (var e in _entries) e.Shadow.Dispose();
    }
}
