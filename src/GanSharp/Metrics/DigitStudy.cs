using GanSharp.Performance;
using GanSharp.Data;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Metrics;

/// <summary>
/// The digit classifier of the synthetic-data protocol (SimGAN's: train one model on raw, refined and real data,
/// test it on real data): a LeNet-5 (LeCun et al. 1998) with ReLU and max-pooling, no BatchNorm, no dropout. It is
/// deliberately neither the metrics' mnist-cnn (a feature network the FID uses) nor the refiner's D.
/// </summary>
public sealed class StudyCnn : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Conv2d conv1, conv2;
    private readonly TorchSharp.Modules.Linear fc1, fc2, fc3;

    public StudyCnn(int classes = 10) : base(nameof(StudyCnn))
    {
        conv1 = Conv2d(1, 6, 5, padding: 2);   // 6×28×28, pooled to 6×14×14
        conv2 = Conv2d(6, 16, 5);              // 16×10×10, pooled to 16×5×5
        fc1 = Linear(16 * 5 * 5, 120);
        fc2 = Linear(120, 84);
        fc3 = Linear(84, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = functional.max_pool2d(functional.relu(conv1.forward(x)), 2);
        h = functional.max_pool2d(functional.relu(conv2.forward(h)), 2);
        h = functional.relu(fc1.forward(h.flatten(1)));
        h = functional.relu(fc2.forward(h));
        return fc3.forward(h);
    }
}

/// <summary>How <see cref="DigitStudy.Train"/> trains a <see cref="StudyCnn"/>: the same for every training set.</summary>
public sealed record DigitStudyOptions
{
    /// <summary>Updates, whatever the set's size (1,000 images or 60,000 get the same budget).</summary>
    public int Steps { get; init; } = 3000;
    public int Batch { get; init; } = 64;

    /// <summary>Adam's learning rate, decayed to 0 along a cosine.</summary>
    public double Lr { get; init; } = 1e-3;
    public long Seed { get; init; } = 1;
}

/// <summary>Trains and tests the study's classifier, and the classifier-FID between two image sets.</summary>
public static class DigitStudy
{
    /// <summary>
    /// A fresh <see cref="StudyCnn"/> trained on <paramref name="train"/> (labelled 1×28×28 images) for
    /// <see cref="DigitStudyOptions.Steps"/> minibatches in epochs of seeded permutations. No augmentation: the
    /// training images are what is compared. <paramref name="progress"/> gets (step, steps) every 500 steps.
    /// </summary>
    public static StudyCnn Train(TensorDataset train, DigitStudyOptions o, Action<int, int>? progress = null)
    {
        if (!train.IsImage || train.Labels is null || !train.ExampleShape.SequenceEqual(new long[] { 1, 28, 28 }))
            throw new DataException($"the digit study trains on labelled 1×28×28 images; '{train.Name}' has {(train.Labels is null ? "no labels" : $"examples of shape [{string.Join("×", train.ExampleShape)}]")}");
        if (o.Steps < 1 || o.Batch < 1) throw new ArgumentException("the study's steps and batch must be positive");
        int batch = (int)Math.Min(o.Batch, train.Count);
        manual_seed(o.Seed);
        var net = new StudyCnn(Math.Max(10, train.NumClasses));
        using var opt = new Training.Adam(net.named_parameters(), o.Lr, 0.9, 0.999);
        using var g = new Generator((ulong)o.Seed);
        Tensor? perm = null;
        long cursor = train.Count;               // a fresh permutation before the first batch
        net.train();
        try
        {
            for (int step = 0; step < o.Steps; step++)
            {
                NativeGarbage.AfterStep(step);   // frees finalizer-held native memory (implicit Scalars)
                using var scope = NewDisposeScope();
                if (cursor + batch > train.Count)
                {
                    perm?.Dispose();
                    perm = randperm(train.Count, generator: g).DetachFromDisposeScope();
                    cursor = 0;
                }
                var idx = perm!.narrow(0, cursor, batch);
                cursor += batch;
                opt.Lr = o.Lr * 0.5 * (1 + Math.Cos(Math.PI * step / o.Steps));
                opt.ZeroGrad();
                var loss = functional.cross_entropy(net.call(train.Gather(idx)), train.GatherLabels(idx)!);
                loss.backward();
                opt.Step();
                if ((step + 1) % 500 == 0) progress?.Invoke(step + 1, o.Steps);
            }
        }
        finally
        {
            perm?.Dispose();
        }
        net.eval();
        return net;
    }

    /// <summary>The fraction of <paramref name="test"/> whose label is the arg-max of <paramref name="classify"/>'s logits.</summary>
    public static double Accuracy(Func<Tensor, Tensor> classify, TensorDataset test)
    {
        if (test.Labels is null) throw new DataException($"'{test.Name}' has no labels to test against");
        long correct = 0;
        using var _ = inference_mode();
        for (long i = 0; i < test.Count; i += 1000)
        {
            using var scope = NewDisposeScope();
            var idx = arange(i, Math.Min(test.Count, i + 1000));
            correct += classify(test.Gather(idx)).argmax(1).eq(test.GatherLabels(idx)!).sum().item<long>();
        }
        return (double)correct / test.Count;
    }

    /// <summary>
    /// FID between the feature network's penultimate features of <paramref name="limit"/> images of
    /// <paramref name="a"/> and of <paramref name="b"/> (a classifier-FID with mnist-cnn: lower is closer), each
    /// set's images taken evenly across it (<see cref="SpreadIndices"/>), not its first ones: a labelled folder
    /// loads sorted by class, and its first 10,000 of 20,000 would be the 0s to 4s only.
    /// </summary>
    public static double ClassifierFid(IFeatureNetwork net, TensorDataset a, TensorDataset b, int limit = 10_000)
    {
        using var scope = NewDisposeScope();
        Tensor Features(TensorDataset d)
        {
            if (!d.IsImage || !d.ExampleShape.SequenceEqual(net.InputShape))
                throw new DataException($"'{d.Name}' has examples of shape [{string.Join("×", d.ExampleShape)}]; {net.Name} takes [{string.Join("×", net.InputShape)}]");
            var (f, logits) = net.Forward(d.Gather(SpreadIndices(d.Count, limit)));
            logits?.Dispose();
            return f;
        }
        return Fid.Compute(Features(a), Features(b));
    }

    /// <summary>
    /// <paramref name="limit"/> indices spread evenly over 0 … <paramref name="count"/> − 1: ⌊i · count / limit⌋
    /// for i &lt; limit (all of them when count ≤ limit), so that a set sorted by class gives every class its share.
    /// </summary>
    public static Tensor SpreadIndices(long count, long limit)
    {
        if (count < 0 || limit < 1) throw new ArgumentException($"SpreadIndices takes a count ≥ 0 and a limit ≥ 1 (got {count}, {limit})");
        if (count <= limit) return arange(count);
        return arange(limit).mul(count).div(limit, rounding_mode: RoundingMode.floor);
    }
}
