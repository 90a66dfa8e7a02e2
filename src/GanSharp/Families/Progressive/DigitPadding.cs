using GanSharp.Data;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Families.Progressive;

/// <summary>
/// 28×28 digits (MNIST, Fashion-MNIST) padded to 32×32 with 2 black pixels on each side, so a G that doubles from
/// 4×4 ends at a power of two (the issue's "padded to 32×32"). Metrics crop the padding away again: the domain
/// classifiers (mnist-cnn, fashion-cnn) read 28×28.
/// </summary>
public static class DigitPadding
{
    public const int From = 28;
    public const int To = 32;
    public const int Border = (To - From) / 2;

    /// <summary>True for image data whose examples are C×28×28: the growing families pad it.</summary>
    public static bool Applies(TensorDataset data) =>
        data.IsImage && data.ExampleShape.Length == 3 && data.ExampleShape[1] == From && data.ExampleShape[2] == From;

    /// <summary>The dataset with every image padded to 32×32 with black (pixel 0, −1 in the model's range); labels and fields kept.</summary>
    public static TensorDataset Pad(TensorDataset data)
    {
        var padded = nn.functional.pad(data.Data, new long[] { Border, Border, Border, Border }, value: 0);   // N × C × 32 × 32, uint8
        var fields = data.ExtraFields.ToDictionary(kv => kv.Key, kv => kv.Value.alias());
        return new TensorDataset(data.Name, padded, data.Labels?.alias(), data.NumClasses, fields);
    }

    /// <summary>
    /// True when a run on <paramref name="options"/>' data with examples of <paramref name="exampleShape"/> trained on
    /// padded digits: a 28×28 named dataset seen at 32×32.
    /// </summary>
    public static bool WasPadded(GanOptions options, long[] exampleShape) =>
        options.Data is "mnist" or "fashion-mnist" && exampleShape.Length == 3 && exampleShape[1] == To && exampleShape[2] == To;

    /// <summary>N×C×32×32 → N×C×28×28: the centre, as the classifier reads it.</summary>
    public static Tensor Crop(Tensor images) => images.narrow(2, Border, From).narrow(3, Border, From);

    /// <summary>The family data adapter: 28×28 images padded to 32×32 (one log line), other data as it is.</summary>
    public static (TensorDataset Train, TensorDataset? HeldOut) Adapt(TensorDataset data, string family, Action<string>? log)
    {
        if (!Applies(data)) return (data, null);
        log?.Invoke($"{family}: {data.Name} padded from {From}×{From} to {To}×{To} (metrics crop the padding away)");
        return (Pad(data), null);
    }
}

/// <summary>
/// Square tiles cut from every image (the progressive family's <c>--tiles</c>): N×C×S×S → N·(S/t)²×C×t×t, row by row.
/// With <c>--data FOLDER --size 256 --tiles 64</c> each photo gives 16 patches of 64×64 at a quarter of its scale.
/// </summary>
public static class ImageTiles
{
    public static TensorDataset Cut(TensorDataset data, int tile)
    {
        var shape = data.ExampleShape;
        if (!data.IsImage || shape.Length != 3 || shape[1] % tile != 0 || shape[2] % tile != 0)
            throw new DataException($"--tiles {tile} cuts square tiles from images whose sides are multiples of it, but '{data.Name}' has examples of shape [{string.Join("×", shape)}]: use --size {tile * 4} (or another multiple)");
        long n = data.Count, c = shape[0], rows = shape[1] / tile, cols = shape[2] / tile;
        var tiles = data.Data.view(n, c, rows, tile, cols, tile).permute(0, 2, 4, 1, 3, 5).reshape(n * rows * cols, c, tile, tile);
        return new TensorDataset(data.Name, tiles.contiguous(), data.Labels?.repeat_interleave(rows * cols), data.NumClasses);
    }
}
