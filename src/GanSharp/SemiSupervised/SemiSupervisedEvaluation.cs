using GanSharp.Data;
using GanSharp.Losses;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.SemiSupervised;

/// <summary>Test error of a semi-supervised D, the supervised-only baseline, and the linear probe on D's features.</summary>
public static class SemiSupervisedEvaluation
{
    /// <summary>Fraction of <paramref name="test"/> misclassified by argmax over D's K real-class logits (eval mode: no noise).</summary>
    public static double TestError(SemiSupervisedDiscriminator d, TensorDataset test)
    {
        if (test.Labels is null) throw new ArgumentException($"dataset '{test.Name}' has no labels");
        d.eval();
        using var _ = no_grad();
        long wrong = 0;
        for (long i = 0; i < test.Count; i += 1000)
        {
            using var scope = NewDisposeScope();
            var idx = arange(i, Math.Min(test.Count, i + 1000), dtype: ScalarType.Int64);
            wrong += d.call(test.Gather(idx)).argmax(1).ne(test.GatherLabels(idx)!).sum().item<long>();
        }
        return (double)wrong / test.Count;
    }

    /// <summary>
    /// The supervised-only baseline: a fresh D of the same architecture (same seed, same noise layers) trained with
    /// L_supervised alone on minibatches of the same labelled examples (permuted and tiled, as the GAN's), the same
    /// data-dependent initialization, with the run's D optimizer settings,
    /// for <paramref name="steps"/> updates (the GAN run's D updates).
    /// </summary>
    public static SemiSupervisedDiscriminator TrainBaseline(GanOptions o, TensorDataset train, long[] labelled, long steps, Action<long, long>? progress = null)
    {
        string arch = SemiSupervisedNetworks.ResolveArch(o, train.ExampleShape);
        manual_seed(o.Seed);
        var d = SemiSupervisedNetworks.BuildD(arch, o, train.ExampleShape, train.NumClasses);
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(o.Seed, -11));
        d.Noise = g;
        using var idx = tensor(labelled);
        using var x = train.Gather(idx);
        using var y = train.GatherLabels(idx)!;
        SemiSupervisedNetworks.InitializeFromData(d, train, o.Seed);
        using var opt = new Adam(d.named_parameters(), o.LrD, o.BetasD[0], o.BetasD[1], SemiSupervisedSystem.AdamEps);
        d.train();
        for (long s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            var b = LabelledSplit.BatchPositions(labelled.Length, o.Batch, g, x.device);
            opt.ZeroGrad();
            SemiSupervisedLoss.Supervised(d.call(x.index_select(0, b)), y.index_select(0, b)).backward();
            opt.Step();
            if ((s + 1) % 500 == 0 || s + 1 == steps) progress?.Invoke(s + 1, steps);
        }
        d.Noise = null;
        d.eval();
        return d;
    }

    /// <summary>D's feature-layer activations (eval mode), N × F.</summary>
    public static Tensor Features(SemiSupervisedDiscriminator d, TensorDataset data, Tensor? indices = null)
    {
        d.eval();
        using var _ = no_grad();
        long n = indices?.shape[0] ?? data.Count;
        var parts = new List<Tensor>();
        for (long i = 0; i < n; i += 1000)
        {
            var idx = indices?.narrow(0, i, Math.Min(1000, n - i)) ?? arange(i, Math.Min(n, i + 1000), dtype: ScalarType.Int64);
            parts.Add(d.Forward(data.Gather(idx)).Features);
        }
        return cat(parts, 0);
    }

    /// <summary>
    /// The DCGAN-paper use of D (Radford et al. 2015, §5.1): D frozen, a softmax regression on its (standardized)
    /// features of the labelled examples only (L2 penalty 1e-3, 500 full-batch Adam steps), test error.
    /// </summary>
    public static double LinearProbeError(SemiSupervisedDiscriminator d, TensorDataset train, long[] labelled, TensorDataset test, long seed = 1)
    {
        using var scope = NewDisposeScope();
        using var idx = tensor(labelled);
        var f = Features(d, train, idx);
        var y = train.GatherLabels(idx)!;
        var mean = f.mean(new long[] { 0 }, keepdim: true);
        var std = f.std(0, keepdim: true).add(1e-6);
        var fx = (f - mean) / std;
        manual_seed(seed);
        var w = new TorchSharp.Modules.Parameter(zeros(f.shape[1], d.NumClasses));
        var b = new TorchSharp.Modules.Parameter(zeros(d.NumClasses));
        using var opt = optim.Adam(new[] { w, b }, lr: 0.01);
        for (int s = 0; s < 500; s++)
        {
            using var step = NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(fx.matmul(w) + b, y) + 1e-3 * w.pow(2).sum();
            loss.backward();
            opt.step();
        }
        long wrong = 0;
        using (no_grad())
        {
            for (long i = 0; i < test.Count; i += 1000)
            {
                using var inner = NewDisposeScope();
                var ti = arange(i, Math.Min(test.Count, i + 1000), dtype: ScalarType.Int64);
                var tf = (d.Forward(test.Gather(ti)).Features - mean) / std;
                wrong += (tf.matmul(w) + b).argmax(1).ne(test.GatherLabels(ti)!).sum().item<long>();
            }
        }
        return (double)wrong / test.Count;
    }
}
