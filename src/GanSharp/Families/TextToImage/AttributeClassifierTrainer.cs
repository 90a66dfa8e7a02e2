using GanSharp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// Trains the <see cref="AttributeClassifier"/> that judges caption consistency on real captioned shapes: Adam on the
/// sum of its heads' cross-entropies (<see cref="AttributeClassifier.Loss"/>), minibatches drawn from its own
/// generator, one DisposeScope per step. Deterministic per seed (initial weights from torch's global generator
/// seeded with it).
/// </summary>
public static class AttributeClassifierTrainer
{
    public static AttributeClassifier Train(TensorDataset data, int steps, long seed, int batch = 64, double lr = 1e-3, Action<int, double>? progress = null)
    {
        if (!data.ExtraFields.TryGetValue(CaptionFields.Attributes, out var attributes) || attributes.shape[1] != CaptionedShapes.AttributeCount)
            throw new DataException($"the attribute classifier trains on captioned shapes; '{data.Name}' has no shapes attributes");
        if (data.ExampleShape.Length != 3) throw new DataException($"'{data.Name}' holds no images");
        batch = (int)Math.Min(batch, data.Count);
        manual_seed(seed);
        var model = new AttributeClassifier((int)data.ExampleShape[1], (int)data.ExampleShape[0]);
        using var optimizer = optim.Adam(model.parameters(), lr);
        using var g = new Generator(unchecked((ulong)seed) ^ 0xA77BUL);
        model.train();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var idx = randint(0, data.Count, new long[] { batch }, generator: g); // cpu: data and evaluation on the CPU
            var loss = AttributeClassifier.Loss(model.call(data.Gather(idx)), attributes.index_select(0, idx));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            progress?.Invoke(step, loss.item<float>());
        }
        model.eval();
        return model;
    }

    /// <summary>Predicted attribute rows of images in [-1, 1] (any side: resized to the classifier's by area or bilinear), in chunks.</summary>
    public static Tensor Predict(AttributeClassifier model, Tensor images, int side)
    {
        using var _ = no_grad();
        var rows = new List<Tensor>();
        for (long i = 0; i < images.shape[0]; i += 500)
        {
            using var scope = NewDisposeScope();
            var x = Resize(images.narrow(0, i, Math.Min(500, images.shape[0] - i)), side);
            rows.Add(AttributeClassifier.Predict(model.call(x)).MoveToOuterDisposeScope());
        }
        return cat(rows, 0);
    }

    /// <summary>The classifier's features (for classifier-FID) of images of any side, in chunks.</summary>
    public static Tensor Features(AttributeClassifier model, Tensor images, int side)
    {
        using var _ = no_grad();
        var rows = new List<Tensor>();
        for (long i = 0; i < images.shape[0]; i += 500)
        {
            using var scope = NewDisposeScope();
            rows.Add(model.Features(Resize(images.narrow(0, i, Math.Min(500, images.shape[0] - i)), side)).MoveToOuterDisposeScope());
        }
        return cat(rows, 0);
    }

    /// <summary>Images at side×side: larger ones area-averaged, smaller ones bilinearly upsampled (StackGAN's Stage-I).</summary>
    public static Tensor Resize(Tensor images, int side)
    {
        long s = images.shape[2];
        if (s == side) return images;
        if (s > side && s % side == 0) return nn.functional.avg_pool2d(images, new long[] { s / side });
        return nn.functional.interpolate(images, new long[] { side, side }, mode: InterpolationMode.Bilinear, align_corners: false);
    }
}
