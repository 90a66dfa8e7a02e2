using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Data;

/// <summary>The names of minibatch fields shared across families (a family may add its own).</summary>
public static class BatchFields
{
    public const string Image = "image";
    public const string Points = "points";
    public const string Label = "label";
    public const string Text = "text";
    public const string TextMask = "text_mask";
    public const string Source = "source";
    public const string Landmarks = "landmarks";
}

/// <summary>
/// An in-memory dataset: <see cref="Data"/> holds every example along dimension 0, either as uint8 pixels
/// (N×C×H×W, 0..255, scaled to [-1, 1] on the way out) or as float32 values used as they are (e.g. N×2 points).
/// <see cref="Labels"/> (int64, N) is optional. Further named fields (captions as token ids, a paired source
/// image, landmarks, ...) each hold N rows; <see cref="Attachments"/> carries what is not a tensor (a vocabulary).
/// A minibatch gathers every field by the same indices (<see cref="GatherExtra"/>).
/// </summary>
public sealed class TensorDataset : IDisposable
{
    public TensorDataset(string name, Tensor data, Tensor? labels = null, int numClasses = 0,
        IReadOnlyDictionary<string, Tensor>? fields = null, IReadOnlyDictionary<string, object>? attachments = null)
    {
        if (data.dtype != ScalarType.Byte && data.dtype != ScalarType.Float32)
            throw new ArgumentException("dataset tensor must be uint8 pixels or float32 values", nameof(data));
        if (labels is not null && labels.shape[0] != data.shape[0])
            throw new ArgumentException("labels and data differ in length", nameof(labels));
        foreach (var (k, v) in fields ?? new Dictionary<string, Tensor>())
        {
            if (k is BatchFields.Image or BatchFields.Label)
                throw new ArgumentException($"field '{k}' is the dataset's data or labels, not an extra field", nameof(fields));
            if (v.dim() == 0 || v.shape[0] != data.shape[0])
                throw new ArgumentException($"field '{k}' has {(v.dim() == 0 ? 0 : v.shape[0])} rows, the data {data.shape[0]}", nameof(fields));
        }
        Name = name;
        Data = data;
        Labels = labels;
        NumClasses = numClasses;
        ExtraFields = fields ?? new Dictionary<string, Tensor>();
        Attachments = attachments ?? new Dictionary<string, object>();
    }

    /// <summary>Named fields beyond the data and the labels (each N rows), e.g. "text", "source", "landmarks".</summary>
    public IReadOnlyDictionary<string, Tensor> ExtraFields { get; }

    /// <summary>Named objects that travel with the data (e.g. "vocabulary").</summary>
    public IReadOnlyDictionary<string, object> Attachments { get; }

    /// <summary>The names of the fields a minibatch of this dataset has: "image" (or "points"), "label" when labelled, then the extras.</summary>
    public IReadOnlyList<string> Fields =>
        new[] { IsImage ? BatchFields.Image : BatchFields.Points }
            .Concat(Labels is null ? Array.Empty<string>() : new[] { BatchFields.Label })
            .Concat(ExtraFields.Keys).ToList();

    /// <summary>Every extra field at <paramref name="indices"/> (uint8 image fields scaled to [-1, 1] as the data is).</summary>
    public Dictionary<string, Tensor> GatherExtra(Tensor indices)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (k, v) in ExtraFields)
        {
            var x = v.index_select(0, indices);
            result[k] = v.dtype == ScalarType.Byte && v.dim() == 4 ? x.to_type(ScalarType.Float32).div_(127.5).sub_(1.0) : x;
        }
        return result;
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
    /// <see cref="Gather"/> in managed code into an existing contiguous float32 <paramref name="buffer"/> of
    /// indices.Length examples, laid out N×C×H×W, or N×H×W×C with <paramref name="channelsLast"/>. The values are
    /// bit-identical to <see cref="Gather"/> (x / 127.5f − 1f per pixel, exact IEEE float operations on both
    /// paths). No torch operation runs, so a background thread can call it without starting a second OpenMP team
    /// that would compete with training for the cores. Returns false (nothing written) when the dataset is too
    /// large or not contiguous for this path; use <see cref="Gather"/> then.
    /// </summary>
    public bool GatherInto(ReadOnlySpan<long> indices, Tensor buffer, bool channelsLast)
    {
        if (!Data.is_contiguous() || Data.NumberOfElements * Data.ElementSize > int.MaxValue) return false;
        int per = checked((int)ExampleShape.Aggregate(1L, (a, b) => a * b));
        var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(buffer.bytes);
        if (IsImage)
        {
            ReadOnlySpan<byte> src = Data.bytes;
            int c = (int)ExampleShape[0], hw = per / c;
            for (int i = 0; i < indices.Length; i++)
            {
                int row = checked((int)indices[i] * per), o = i * per;
                if (!channelsLast || c == 1 || ExampleShape.Length != 3)
                    for (int j = 0; j < per; j++) dst[o + j] = src[row + j] / 127.5f - 1f;
                else
                    for (int ch = 0; ch < c; ch++)
                        for (int p = 0; p < hw; p++) dst[o + p * c + ch] = src[row + ch * hw + p] / 127.5f - 1f;
            }
        }
        else
        {
            var src = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Data.bytes);
            for (int i = 0; i < indices.Length; i++) src.Slice(checked((int)indices[i] * per), per).CopyTo(dst.Slice(i * per, per));
        }
        return true;
    }

    /// <summary>Labels at <paramref name="indices"/> into a contiguous int64 buffer (managed code, as <see cref="GatherInto"/>).</summary>
    public void GatherLabelsInto(ReadOnlySpan<long> indices, Tensor buffer)
    {
        using var labels = Labels!.contiguous();
        var src = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(labels.bytes);
        var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(buffer.bytes);
        for (int i = 0; i < indices.Length; i++) dst[i] = src[checked((int)indices[i])];
    }

    /// <summary>The labels at <paramref name="indices"/>, or null when the dataset has none.</summary>
    public Tensor? GatherLabels(Tensor indices) => Labels?.index_select(0, indices);

    public void Dispose()
    {
        Data.Dispose();
        Labels?.Dispose();
        foreach (var v in ExtraFields.Values) v.Dispose();
        foreach (var v in Attachments.Values) (v as IDisposable)?.Dispose();
    }
}
