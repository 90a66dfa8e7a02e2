using static TorchSharp.torch;

namespace GanSharp.Losses;

/// <summary>
/// What one loss evaluation produced: the loss to descend, optional mean D outputs (logged as d_real / d_fake) and
/// further named scalars to log (a family's extra loss terms, D(real, wrong text), ...).
/// </summary>
public sealed record LossResult(Tensor Loss, Tensor? DReal = null, Tensor? DFake = null)
{
    private static readonly IReadOnlyDictionary<string, Tensor> None = new Dictionary<string, Tensor>();

    /// <summary>Named scalars logged beside the loss (metrics.jsonl keys), in insertion order.</summary>
    public IReadOnlyDictionary<string, Tensor> Logged { get; init; } = None;
}

/// <summary>
/// A loss assembled from named terms, each with a weight and a logged (unweighted) value: the family's extra terms
/// (L1, perceptual, KL, symmetry, identity) beside the adversarial one.
/// </summary>
public sealed class LossTerms
{
    private readonly List<(string Name, double Weight, Tensor Value)> _terms = new();

    /// <summary>Adds weight × value; logs value as "loss_" + name unless <paramref name="log"/> is false.</summary>
    public LossTerms Add(string name, Tensor value, double weight = 1.0, bool log = true)
    {
        _terms.Add((log ? name : "", weight, value));
        return this;
    }

    /// <summary>The weighted sum (terms in the order added).</summary>
    public Tensor Total()
    {
        if (_terms.Count == 0) throw new InvalidOperationException("no loss terms");
        Tensor total = _terms[0].Weight == 1.0 ? _terms[0].Value : _terms[0].Weight * _terms[0].Value;
        for (int i = 1; i < _terms.Count; i++)
            total = total + (_terms[i].Weight == 1.0 ? _terms[i].Value : _terms[i].Weight * _terms[i].Value);
        return total;
    }

    /// <summary>The loss result with every named term logged (detached).</summary>
    public LossResult Result(Tensor? dReal = null, Tensor? dFake = null, IReadOnlyDictionary<string, Tensor>? more = null)
    {
        var logged = new Dictionary<string, Tensor>();
        foreach (var (name, _, value) in _terms)
            if (name != "") logged["loss_" + name] = value.detach();
        if (more is not null) foreach (var (k, v) in more) logged[k] = v.detach();
        return new LossResult(Total(), dReal, dFake) { Logged = logged };
    }
}
