using GanSharp.Layers;
using GanSharp.Losses;
using GanSharp.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>
/// The unrolled GAN generator loss with gradients through the unrolled updates (Metz et al. 2017, "Unrolled
/// Generative Adversarial Networks"): D's parameters θ₀ = θ_D take k Adam steps θᵢ = θᵢ₋₁ − Adam(∇L_D(θᵢ₋₁)),
/// built in the autograd graph (create_graph), with D's own optimizer state as the starting moments; G's loss is
/// then L_G(θ_k) − L_D^real(θ_k) (the value function at the unrolled D), and its gradient flows into G through D's future parameters and through the generated samples
/// of every unrolled step. TorchSharp has no functional_call, so D is evaluated over an explicit parameter list
/// by <see cref="Forward"/>, which interprets the layers GanSharp's plain discriminators are built from (Linear,
/// maxout, Conv2d, BatchNorm2d with batch statistics, LeakyReLU/ReLU, Flatten, Identity); discriminators with other
/// layers (minibatch layers, spectral or layer normalization) need the first-order variant.
/// D's real parameters, BatchNorm running statistics and optimizer state are never modified.
/// </summary>
public static class UnrolledGan
{
    /// <summary>Why second-order unrolling cannot run with these options and networks, or null when it can.</summary>
    public static string? Unsupported(GanSystem system)
    {
        var o = system.Options;
        if (o.Optimizer != OptimizerKind.Adam) return "it unrolls Adam steps: use --optimizer adam";
        if (o.Loss == LossKind.WganGp || o.R1 > 0) return "gradient penalties inside unrolled steps are not supported";
        if (o.FeatureMatching) return "feature matching has no D output to unroll";
        if (o.Clip > 0) return "weight clipping is not differentiable";
        if (system.D is not Discriminator d || d.MinibatchLayer is not null) return "it needs a GanSharp Discriminator without a minibatch layer";
        foreach (var (_, m) in d.Body.named_children().Append(("head", d.Head)))
            if (m is not (Linear or MaxoutLinear or Conv2d or BatchNorm2d or LeakyReLU or ReLU or Flatten or Identity))
                return $"layer {m.GetType().Name} cannot be evaluated over explicit parameters";
            else if (m is Conv2d c && c.padding_mode != PaddingModes.Zeros)
                return "only zero-padded convolutions can be evaluated over explicit parameters";
        return null;
    }

    /// <summary>The generator's loss against D unrolled k steps, differentiable through the unrolling.</summary>
    public static Tensor GeneratorLoss(GanSystem system, Adam optD, Batch lastBatch, Func<Batch> nextBatch, Generator rng)
    {
        var o = system.Options;
        var d = (Discriminator)system.D;
        var names = d.named_parameters().Select(p => p.name).ToArray();
        var theta = d.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var m = optD.State().Where(s => s.Name.StartsWith("exp_avg.", StringComparison.Ordinal))
            .ToDictionary(s => s.Name["exp_avg.".Length..], s => s.Value.detach());
        var v = optD.State().Where(s => s.Name.StartsWith("exp_avg_sq.", StringComparison.Ordinal))
            .ToDictionary(s => s.Name["exp_avg_sq.".Length..], s => s.Value.detach());
        long t = optD.StepCount;
        for (int i = 0; i < o.Unrolled; i++)
        {
            var batch = nextBatch();
            long n = batch.Real.shape[0];
            var fake = system.Generate(system.SampleLatent(n, rng), batch.Labels);   // with gradient into G
            Tensor realOut, fakeOut;
            if (o.SeparateBatches)
            {
                realOut = Forward(d, theta, batch.Real);
                fakeOut = Forward(d, theta, fake);
            }
            else
            {
                var outputs = Forward(d, theta, cat(new[] { batch.Real, fake }, 0));
                long half = outputs.shape[0] / 2;
                realOut = outputs.narrow(0, 0, half);
                fakeOut = outputs.narrow(0, half, half);
            }
            var loss = GanLosses.Discriminator(o.Loss, realOut, fakeOut, o.RealLabel);
            var grads = autograd.grad(new[] { loss }, names.Select(k => theta[k]).ToArray(), retain_graph: true, create_graph: true);
            t++;
            double bc1 = 1 - Math.Pow(optD.Beta1, t), bc2 = 1 - Math.Pow(optD.Beta2, t);
            var next = new Dictionary<string, Tensor>();
            for (int j = 0; j < names.Length; j++)
            {
                string k = names[j];
                var g = grads[j];
                m[k] = optD.Beta1 * m[k] + (1 - optD.Beta1) * g;
                v[k] = optD.Beta2 * v[k] + (1 - optD.Beta2) * g * g;
                // +1e-16 under the root keeps the second derivative finite where a gradient is exactly zero.
                var denom = (v[k] + 1e-16).sqrt() / Math.Sqrt(bc2) + optD.Eps;
                next[k] = theta[k] - optD.Lr / bc1 * m[k] / denom;
            }
            theta = next;
        }
        var fakeG = system.Generate(system.SampleLatent(lastBatch.Real.shape[0], rng), lastBatch.Labels);
        // The paper's surrogate is the value function at the unrolled D, f(θ_G, θ_D^k(θ_G)) (the reference code
        // minimises −L_D(θ_k) on real and generated data). Its real-data half depends on θ_G through θ_D^k: G is
        // pulled to where moving D's update would lower D's score on the real data, i.e. onto uncovered modes.
        // Without it only the generated half is left, whose second-order term pushes G's samples apart (a spread
        // that ignores the data; see docs/stability.md). G's own half keeps --g-loss (non-saturating by default).
        var realK = o.SeparateBatches ? Forward(d, theta, lastBatch.Real) : null;
        Tensor fakeK;
        if (realK is null)
        {
            var outputs = Forward(d, theta, cat(new[] { lastBatch.Real, fakeG }, 0));
            long half = outputs.shape[0] / 2;
            realK = outputs.narrow(0, 0, half);
            fakeK = outputs.narrow(0, half, half);
        }
        else fakeK = Forward(d, theta, fakeG);
        return GanLosses.Generator(o.Loss, fakeK, o.GLoss) - GanLosses.DiscriminatorReal(o.Loss, realK, o.RealLabel);
    }

    /// <summary>D(x) with parameters taken from <paramref name="p"/> (names as in D's named_parameters).</summary>
    public static Tensor Forward(Discriminator d, IReadOnlyDictionary<string, Tensor> p, Tensor x)
    {
        var h = d.Packed(x);
        foreach (var (name, m) in d.Body.named_children()) h = Apply(m, "body." + name + ".", p, h);
        return Apply(d.Head, "head.", p, h).flatten(0);
    }

    private static Tensor Apply(nn.Module m, string prefix, IReadOnlyDictionary<string, Tensor> p, Tensor h) => m switch
    {
        Linear => nn.functional.linear(h, p[prefix + "weight"], p.GetValueOrDefault(prefix + "bias")),
        MaxoutLinear mo => nn.functional.linear(h, p[prefix + "linear.weight"], p.GetValueOrDefault(prefix + "linear.bias"))
            .reshape(h.shape[0], -1, mo.Pieces).amax(2),
        Conv2d c => nn.functional.conv2d(h, p[prefix + "weight"], p.GetValueOrDefault(prefix + "bias"), c.stride, c.padding, c.dilation, c.groups),
        // Training-mode BatchNorm: the batch's own statistics, as D sees them in its update; the running
        // statistics are not passed, so the unrolled steps leave no trace in them.
        BatchNorm2d bn => nn.functional.batch_norm(h, null, null, p.GetValueOrDefault(prefix + "weight"), p.GetValueOrDefault(prefix + "bias"),
            training: true, eps: bn.eps),
        LeakyReLU or ReLU or Flatten or Identity => ((nn.Module<Tensor, Tensor>)m).call(h),
        _ => throw new NotSupportedException($"{m.GetType().Name} is not supported by the functional discriminator"),
    };
}
