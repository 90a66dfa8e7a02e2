using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Attacks;

/// <summary>How <see cref="AdversarialTraining"/> trains its own model.</summary>
public sealed record AdversarialTrainOptions
{
    public int Epochs { get; init; } = 5;
    public int Batch { get; init; } = 128;

    /// <summary>Peak Adam learning rate; cosine decay to zero over the run.</summary>
    public double Lr { get; init; } = 1e-3;

    /// <summary>Weight α of the clean loss in α·J(x) + (1−α)·J(x + ε·sign∇ₓJ); 1 trains without adversarial examples.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>FGSM L∞ ε of the adversarial term, in the [0, 1] pixel scale.</summary>
    public double Eps { get; init; } = 0.25;

    public long Seed { get; init; } = 1;
}

/// <summary>One finished epoch: mean objective, clean training accuracy, wall time so far.</summary>
public readonly record struct AdversarialEpoch(int Epoch, int Epochs, double Loss, double TrainAccuracy, TimeSpan Elapsed);

/// <summary>
/// Adversarial training with the objective of Goodfellow et al. 2015 (section 5):
/// J̃(θ, x, y) = α·J(θ, x, y) + (1−α)·J(θ, x + ε·sign(∇ₓJ(θ, x, y)), y), the adversarial example recomputed from
/// the current model at every step and held constant in the update. It trains a model it creates itself (or a
/// copy of one passed in): a network given to it is never modified.
/// </summary>
public static class AdversarialTraining
{
    /// <summary>
    /// Creates a model with <paramref name="create"/> (after seeding torch with the options' seed), optionally loads a
    /// copy of <paramref name="initFrom"/>'s state into it, and trains it on <paramref name="images01"/> (N×…, [0, 1])
    /// and <paramref name="labels"/>. <paramref name="forward"/> maps the model and [0, 1] images to logits.
    /// Returns the trained model in eval mode. <paramref name="steps"/> is called every 100 steps with (step, total steps).
    /// </summary>
    public static T Train<T>(Func<T> create, Func<T, Tensor, Tensor> forward, Tensor images01, Tensor labels, AdversarialTrainOptions o,
        T? initFrom = null, Action<AdversarialEpoch>? progress = null, Action<long, long>? steps = null) where T : nn.Module
    {
        if (o.Epochs < 1 || o.Batch < 1) throw new ArgumentException("epochs and batch must be positive");
        if (o.Alpha is < 0 or > 1) throw new ArgumentException($"α must be in [0, 1] (got {o.Alpha})");
        if (o.Alpha < 1 && !(o.Eps > 0)) throw new ArgumentException($"ε must be positive (got {o.Eps})");
        manual_seed(o.Seed);
        var net = create();
        if (ReferenceEquals(net, initFrom)) throw new ArgumentException("create must return a new model, not the one to copy");
        if (initFrom is not null)
        {
            using var noGrad = no_grad();
            var source = initFrom.state_dict();
            foreach (var (name, t) in net.state_dict())
                t.copy_(source[name]);  // copies values: the two models share no storage
        }
        using var opt = new Adam(net.named_parameters(), o.Lr, 0.9, 0.999);
        using var g = new Generator((ulong)o.Seed);
        long n = images01.shape[0];
        long stepsPerEpoch = Math.Max(1, n / o.Batch), total = stepsPerEpoch * o.Epochs, step = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        net.train();
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            using var perm = randperm(n, generator: g);
            double lossSum = 0;
            long correct = 0, seen = 0;
            for (long s = 0; s < stepsPerEpoch; s++, step++)
            {
                using var scope = NewDisposeScope();
                opt.Lr = o.Lr * 0.5 * (1 + Math.Cos(Math.PI * step / total));
                var idx = perm.narrow(0, s * o.Batch, Math.Min(o.Batch, n - s * o.Batch));
                var x = images01.index_select(0, idx).detach().requires_grad_(o.Alpha < 1);
                var y = labels.index_select(0, idx);
                opt.ZeroGrad();
                var logits = forward(net, x);
                var clean = nn.functional.cross_entropy(logits, y);
                var loss = clean;
                if (o.Alpha < 1)
                {
                    // ∇ₓJ at the clean batch from the same forward pass; the adversarial batch is a constant.
                    var gx = autograd.grad([clean], [x], retain_graph: true)[0];
                    var adv = x.detach().add(gx.sign().mul(o.Eps)).clamp(0.0, 1.0);
                    loss = clean.mul(o.Alpha).add(nn.functional.cross_entropy(forward(net, adv), y).mul(1 - o.Alpha));
                }
                loss.backward();
                opt.Step();
                lossSum += loss.item<float>();
                correct += logits.argmax(1).eq(y).sum().item<long>();
                seen += y.shape[0];
                if ((step + 1) % 100 == 0) steps?.Invoke(step + 1, total);
            }
            progress?.Invoke(new AdversarialEpoch(epoch, o.Epochs, lossSum / stepsPerEpoch, (double)correct / seen, clock.Elapsed));
        }
        net.eval();
        return net;
    }
}
