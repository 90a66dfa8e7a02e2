using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Data;

/// <summary>
/// Stacked MNIST (Metz et al. 2017, "Unrolled Generative Adversarial Networks"; Srivastava et al. 2017, VEEGAN):
/// three MNIST digits drawn at random, one per channel of a 3×28×28 image, so the data has 1,000 modes (digit
/// triples). The label is 100·d₀ + 10·d₁ + d₂.
/// </summary>
public static class StackedMnist
{
    /// <summary>Training images in the VEEGAN setting.</summary>
    public const int DefaultCount = 128_000;

    /// <summary>Builds <paramref name="count"/> stacked images from a 1×28×28 digit dataset, seeded.</summary>
    public static TensorDataset Build(TensorDataset mnist, int count, long seed)
    {
        if (mnist.Labels is null || !mnist.ExampleShape.SequenceEqual(new long[] { 1, 28, 28 }) || !mnist.IsImage)
            throw new DataException("stacked MNIST needs a labelled 1×28×28 digit dataset");
        if (count < 1) throw new DataException($"stacked-mnist needs a positive count, got {count}");
        using var scope = NewDisposeScope();
        using var g = new Generator(unchecked((ulong)seed));
        var idx = randint(0, mnist.Count, new long[] { count, 3 }, generator: g);  // count × 3 digit indices
        var images = mnist.Data.index_select(0, idx.flatten())                      // (3·count) × 1 × 28 × 28
            .reshape(count, 3, 28, 28);
        var digits = mnist.Labels.index_select(0, idx.flatten()).reshape(count, 3);
        var labels = digits.select(1, 0) * 100 + digits.select(1, 1) * 10 + digits.select(1, 2);
        return new TensorDataset("stacked-mnist", images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), 1000);
    }
}
