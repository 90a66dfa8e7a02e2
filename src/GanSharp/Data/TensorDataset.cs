using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Data;

/// <summary>
/// An in-memory dataset: <see cref="Data"/> holds every example along dimension 0, either as uint8 pixels
/// (N×C×H×W, 0..255, scaled to [-1, 1] on the way out) or as float32 values used as they are (e.g. N×2 points).
/// <see cref="Labels"/> (int64, N) is optional.
/// </summary>
public sealed class TensorDataset : IDisposable
{
    public TensorDataset(string name, Tensor data, Tensor? labels = null, int numClasses = 0)
    {
        if (data.dtype != ScalarType.Byte && data.dtype != ScalarType.Float32)
            throw new ArgumentException("dataset tensor must be uint8 pixels or float32 values", nameof(data));
        if (labels is not null && labels.shape[0] != data.shape[0])
            throw new ArgumentException("labels and data differ in length", nameof(labels));
        Name = name;
        Data = data;
        Labels = labels;
        NumClasses = numClasses;
    }

    public string Name { get; }
    public Tensor Data { get; }
    public Tensor? Labels { get; }
    public int NumClasses { get; }
    public long Count => Data.shape[0];

    /// <summary>Shape of one example (e.g. [1, 28, 28] or [2]).</summary>
    public long[] ExampleShape => Data.shape[1..];

    /// <summary>True for image data (uint8 pixels scaled to [-1, 1]).</summary>
    public bool IsImage => Data.dtype == ScalarType.Byte;

    /// <summary>The examples at <paramref name="indices"/> as float32 (images in [-1, 1]).</summary>
    public Tensor Gather(Tensor indices)
    {
        var x = Data.index_select(0, indices);
        return IsImage ? x.to_type(ScalarType.Float32).div_(127.5).sub_(1.0) : x;
    }

    /// <summary>
    /// <see cref="Gather"/> into an existing float32 buffer (any layout): the same values by the same operations,
    /// without allocating the float batch.
    /// </summary>
    public void GatherInto(Tensor indices, Tensor buffer)
    {
        using var x = Data.index_select(0, indices);
        buffer.copy_(x);
        if (IsImage) buffer.div_(127.5).sub_(1.0);
    }

    /// <summary>The labels at <paramref name="indices"/>, or null when the dataset has none.</summary>
    public Tensor? GatherLabels(Tensor indices) => Labels?.index_select(0, indices);

    public void Dispose()
    {
        Data.Dispose();
        Labels?.Dispose();
    }
}
