using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with its state exposed as named tensors so a checkpoint holds it exactly.
/// The update follows the same sequence of tensor operations as TorchSharp's Adam (no weight decay, no
/// AMSGrad), so results match it bit for bit.
/// </summary>
public sealed class Adam : IOptimizer
{
    private readonly (string Name, TorchSharp.Modules.Parameter Param)[] _params;
    private readonly Tensor[] _expAvg;
    private readonly Tensor[] _expAvgSq;

    public Adam(IEnumerable<(string Name, TorchSharp.Modules.Parameter Param)> namedParameters,
        double lr, double beta1, double beta2, double eps = 1e-8)
    {
        _params = namedParameters.ToArray();
        Lr = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        _expAvg = _params.Select(p => zeros_like(p.Param).DetachFromDisposeScope()).ToArray();
        _expAvgSq = _params.Select(p => zeros_like(p.Param).DetachFromDisposeScope()).ToArray();
    }

    public double Lr { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }

    /// <summary>Number of updates taken so far.</summary>
    public long StepCount { get; private set; }

    public void ZeroGrad()
    {
        foreach (var (_, p) in _params)
        {
            var g = p.grad;
            if (g is null) continue;
            g.detach_();
            g.zero_();
        }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        StepCount++;
        double bc1 = 1 - Math.Pow(Beta1, StepCount);
        double bc2 = 1 - Math.Pow(Beta2, StepCount);
        double stepSize = Lr / bc1;
        double bc2Sqrt = Math.Sqrt(bc2);
        for (int i = 0; i < _params.Length; i++)
        {
            var p = _params[i].Param;
            var grad = p.grad;
            if (grad is null) continue;
            _expAvg[i].mul_(Beta1).add_(grad, alpha: 1 - Beta1);
            _expAvgSq[i].mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
            var denom = (_expAvgSq[i].sqrt() / bc2Sqrt).add_(Eps);
            p.addcdiv_(_expAvg[i], denom, value: -stepSize);
        }
    }

    /// <summary>The optimizer state as named tensors (views of the live state; copy before changing).</summary>
    public IEnumerable<(string Name, Tensor Value)> State()
    {
        for (int i = 0; i < _params.Length; i++)
        {
            yield return ($"exp_avg.{_params[i].Name}", _expAvg[i]);
            yield return ($"exp_avg_sq.{_params[i].Name}", _expAvgSq[i]);
        }
    }

    /// <summary>Restores state saved by <see cref="State"/> and the step count.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long stepCount, string prefix)
    {
        using var noGrad = no_grad();
        foreach (var (name, value) in State())
        {
            if (!state.TryGetValue(prefix + name, out var src))
                throw new InvalidDataException($"optimizer state '{prefix + name}' is missing");
            if (!src.shape.SequenceEqual(value.shape))
                throw new InvalidDataException($"optimizer state '{prefix + name}' has shape [{string.Join(",", src.shape)}], expected [{string.Join(",", value.shape)}]");
            value.copy_(src);
        }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var t in _expAvg) t.Dispose();
        foreach (var t in _expAvgSq) t.Dispose();
    }
}
