using GanSharp.Data;
using GanSharp.Models;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;
using GanSharp.Families;

namespace GanSharp.Bench;

/// <summary>Something timed one iteration at a time.</summary>
public interface IIteration : IDisposable
{
    void Run();
}

/// <summary>One GanSharp training step: <c>Trainer.TrainStep()</c> (k = 1 D step, then one G step).</summary>
public sealed class EngineStep : IIteration
{
    private readonly Trainer _trainer;

    /// <summary>
    /// The family's system, built through its registry entry as `gansharp train FAMILY` builds it;
    /// <paramref name="prepare"/> (if any) sees it before the trainer does (e.g. a restored family state).
    /// </summary>
    public EngineStep(GanOptions o, TensorDataset data, Action<GanSystem>? prepare = null)
    {
        var family = GanFamilies.Get(o.Model);
        o.Arch = family.ResolveArch(o, data.ExampleShape);
        var system = family.Create(o, data.ExampleShape, data.NumClasses);
        prepare?.Invoke(system);
        _trainer = new Trainer(system, data);
    }

    public Trainer Trainer => _trainer;

    public int Step => _trainer.Step;

    public void Run()
    {
        using var scope = NewDisposeScope();
        _trainer.TrainStep();
    }

    public void Dispose()
    {
        _trainer.System.Dispose();
        _trainer.Dispose();
    }
}

/// <summary>
/// The same iteration written directly against TorchSharp, as the pytorch/examples DCGAN loop does it: the
/// networks from <see cref="GanModels.Build"/> (same seed, so the same initial weights), TorchSharp's own Adam,
/// BCE-with-logits losses, a real batch by index_select from a preloaded float tensor.
/// </summary>
public sealed class BareStep : IIteration
{
    private readonly nn.Module<Tensor, Tensor> _g;
    private readonly nn.Module<Tensor, Tensor> _d;
    private readonly optim.Optimizer _optG;
    private readonly optim.Optimizer _optD;
    private readonly Tensor _real;      // N × example, float32 (images already in [-1, 1])
    private readonly Tensor _ones;
    private readonly Tensor _zeros;
    private readonly int _batch;
    private readonly int _zDim;

    public BareStep(GanOptions o, TensorDataset data)
    {
        (_g, _d) = GanModels.Build(o, data.ExampleShape);
        _optG = optim.Adam(_g.parameters(), lr: o.LrG, beta1: o.BetasG[0], beta2: o.BetasG[1]);
        _optD = optim.Adam(_d.parameters(), lr: o.LrD, beta1: o.BetasD[0], beta2: o.BetasD[1]);
        using (var all = arange(data.Count))
            _real = data.Gather(all).DetachFromDisposeScope();
        _ones = ones(o.Batch).DetachFromDisposeScope();
        _zeros = zeros(o.Batch).DetachFromDisposeScope();
        _batch = o.Batch;
        _zDim = o.ZDim;
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        _g.train();
        _d.train();
        var real = _real.index_select(0, randint(0, _real.shape[0], new long[] { _batch }));

        // D: maximize log D(x) + log(1 − D(G(z))), G without gradients.
        _optD.zero_grad();
        Tensor fake;
        using (no_grad())
            fake = _g.call(randn(_batch, _zDim));
        var lossD = nn.functional.binary_cross_entropy_with_logits(_d.call(real), _ones)
                  + nn.functional.binary_cross_entropy_with_logits(_d.call(fake), _zeros);
        lossD.backward();
        _optD.step();

        // G: non-saturating, maximize log D(G(z)) on fresh noise.
        _optG.zero_grad();
        var lossG = nn.functional.binary_cross_entropy_with_logits(_d.call(_g.call(randn(_batch, _zDim))), _ones);
        lossG.backward();
        _optG.step();

        _ = lossD.item<float>() + lossG.item<float>();      // a real loop logs its losses
    }

    public void Dispose()
    {
        _optG.Dispose();
        _optD.Dispose();
        _g.Dispose();
        _d.Dispose();
        _real.Dispose();
        _ones.Dispose();
        _zeros.Dispose();
    }
}

/// <summary>
/// G inference through the engine's sampling path: <c>SampleGrids.Sample(system, z)</c>, with G in channels-last
/// layout when that knob is on. The weights never change here, so a folded G (fold-batch-norm) is built once, in
/// the warm-up, and reused, as when sampling a trained model.
/// </summary>
public sealed class EngineSample : IIteration
{
    private readonly GanSystem _system;
    private readonly Tensor _z;

    public EngineSample(GanOptions o, long[] shape)
    {
        var (g, d) = GanModels.Build(o, shape);
        _system = new GanSystem(g, d, o, shape);
        if (_system.Knobs.ChannelsLast) GanSharp.Performance.ChannelsLast.Convert(_system.G); // G laid out as Trainer and Sampler lay it out
        using var gen = new Generator(7);
        _z = _system.SampleLatent(o.Batch, gen).DetachFromDisposeScope();
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        SampleGrids.Sample(_system, _z);
    }

    public void Dispose()
    {
        _system.Dispose();
        _z.Dispose();
    }
}

/// <summary>G inference as a bare loop: eval mode, inference_mode, G(z).</summary>
public sealed class BareSample : IIteration
{
    private readonly nn.Module<Tensor, Tensor> _g;
    private readonly nn.Module<Tensor, Tensor> _d;
    private readonly Tensor _z;

    public BareSample(GanOptions o, long[] shape)
    {
        (_g, _d) = GanModels.Build(o, shape);
        _g.eval();
        _z = randn(o.Batch, o.ZDim).DetachFromDisposeScope();
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        _g.call(_z);
    }

    public void Dispose()
    {
        _g.Dispose();
        _d.Dispose();
        _z.Dispose();
    }
}
