using GanSharp.Performance;
using System.Diagnostics;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>How <see cref="ClassifierTrainer"/> trains a <see cref="DomainCnn"/>.</summary>
public sealed class ClassifierTrainOptions
{
    public int Epochs { get; init; } = 4;
    public int Batch { get; init; } = 128;

    /// <summary>Peak Adam learning rate; it decays to zero along a cosine over the run.</summary>
    public double Lr { get; init; } = 2e-3;

    public long Seed { get; init; } = 1;

    /// <summary>Light augmentation: each minibatch is shifted by up to ±2 pixels (one random shift per batch).</summary>
    public bool Augment { get; init; } = true;
}

/// <summary>One finished epoch: mean training loss and accuracy, and the wall time so far.</summary>
public readonly record struct ClassifierEpoch(int Epoch, int Epochs, double Loss, double TrainAccuracy, TimeSpan Elapsed);

/// <summary>Trains the domain classifier behind "mnist-cnn" / "fashion-cnn" and measures test accuracy.</summary>
public static class ClassifierTrainer
{
    /// <summary>Trains a fresh network on <paramref name="train"/> (uint8 images, labels 0..9).</summary>
    /// <remarks><c>steps</c> is called every 100 steps with (step, total steps).</remarks>
    public static DomainCnn Train(TensorDataset train, ClassifierTrainOptions o, Action<ClassifierEpoch>? progress = null, Action<long, long>? steps = null)
    {
        if (!train.IsImage || train.Labels is null || !train.ExampleShape.SequenceEqual(new long[] { 1, 28, 28 }))
            throw new ArgumentException($"classifier training needs labelled 1x28x28 images; '{train.Name}' is not");
        if (o.Epochs < 1 || o.Batch < 1) throw new ArgumentException("epochs and batch must be positive");

        manual_seed(o.Seed);
        var net = new DomainCnn();
        using var opt = new Adam(net.named_parameters(), o.Lr, 0.9, 0.999);
        using var g = new Generator((ulong)o.Seed);
        long n = train.Count;
        long stepsPerEpoch = n / o.Batch; // drop the ragged tail: BatchNorm dislikes tiny batches
        long total = stepsPerEpoch * o.Epochs, step = 0;
        var clock = Stopwatch.StartNew();
        net.train();
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            using var perm = randperm(n, generator: g);
            double lossSum = 0;
            long correct = 0, seen = 0;
            for (long s = 0; s < stepsPerEpoch; s++, step++)
            {
                NativeGarbage.AfterStep((int)(step % int.MaxValue));   // frees finalizer-held native memory (implicit Scalars)
                using var scope = NewDisposeScope();
                opt.Lr = o.Lr * 0.5 * (1 + Math.Cos(Math.PI * step / total));
                var idx = perm.narrow(0, s * o.Batch, o.Batch);
                var x = train.Gather(idx);          // B x 1 x 28 x 28 in [-1, 1]
                var y = train.GatherLabels(idx)!;   // B
                if (o.Augment) x = Shift(x, g);
                opt.ZeroGrad();
                var logits = net.call(x);
                var loss = nn.functional.cross_entropy(logits, y);
                loss.backward();
                opt.Step();
                lossSum += loss.item<float>();
                correct += logits.argmax(1).eq(y).sum().item<long>();
                seen += o.Batch;
                if ((step + 1) % 100 == 0) steps?.Invoke(step + 1, total);
            }
            progress?.Invoke(new ClassifierEpoch(epoch, o.Epochs, lossSum / stepsPerEpoch, (double)correct / seen, clock.Elapsed));
        }
        net.eval();
        return net;
    }

    /// <summary>Fraction of <paramref name="test"/> that <paramref name="net"/> classifies correctly.</summary>
    public static double Accuracy(IFeatureNetwork net, TensorDataset test)
    {
        if (net.NumClasses == 0) throw new ArgumentException($"feature network '{net.Name}' has no classifier head");
        if (test.Labels is null) throw new ArgumentException($"dataset '{test.Name}' has no labels");
        using var scope = NewDisposeScope();
        long correct = 0;
        for (long i = 0; i < test.Count; i += 2000)
        {
            using var inner = NewDisposeScope();
            var idx = arange(i, Math.Min(test.Count, i + 2000), dtype: ScalarType.Int64);
            var (f, logits) = net.Forward(test.Gather(idx));
            correct += logits!.argmax(1).eq(test.GatherLabels(idx)!).sum().item<long>();
        }
        return (double)correct / test.Count;
    }

    /// <summary>The header written beside the weights: what they are and how they were made.</summary>
    public static JsonObject Header(string dataset, ClassifierTrainOptions o, double testAccuracy, TimeSpan wall) => new()
    {
        ["dataset"] = dataset,
        ["epochs"] = o.Epochs,
        ["batch"] = o.Batch,
        ["lr"] = o.Lr,
        ["seed"] = o.Seed,
        ["augment"] = o.Augment,
        ["test_accuracy"] = Math.Round(testAccuracy, 6),
        ["train_seconds"] = Math.Round(wall.TotalSeconds, 1),
        ["torch_threads"] = get_num_threads(),
    };

    /// <summary>Shifts the whole batch by one random offset in [-2, 2]² (background -1 fills the border).</summary>
    private static Tensor Shift(Tensor x, Generator g)
    {
        var d = randint(0, 5, [2], generator: g);
        long dy = d[0].item<long>(), dx = d[1].item<long>();
        if (dy == 2 && dx == 2) return x;
        var padded = nn.functional.pad(x, [2, 2, 2, 2], value: -1.0);
        return padded[.., .., TensorIndex.Slice(dy, dy + 28), TensorIndex.Slice(dx, dx + 28)];
    }
}
