using GanSharp.Data;
using static TorchSharp.torch;

namespace GanSharp.Augment;

/// <summary>
/// The dataset doubled with horizontal flips, as stylegan2-ada's <c>--mirror</c>: examples 0…N−1 as they are,
/// then examples N…2N−1 the same images mirrored left to right (same order, same labels).
/// </summary>
public static class Mirror
{
    /// <summary>
    /// A new dataset of 2N examples (its own tensors; <paramref name="source"/> is untouched and still owned by the
    /// caller). Image-like extra fields (uint8, 4-D, e.g. a paired "source" image) are flipped with the images; other
    /// fields are repeated as they are, unless <paramref name="flipField"/> returns a mirrored copy for a field
    /// (e.g. landmarks, whose x coordinates change): it gets the field name and its N rows and returns N rows, or null
    /// to repeat them. Attachments are shared with <paramref name="source"/> (same objects).
    /// </summary>
    /// <exception cref="ArgumentException">The dataset holds points, not images.</exception>
    public static TensorDataset Apply(TensorDataset source, Func<string, Tensor, Tensor?>? flipField = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.IsImage || source.Data.dim() != 4)
            throw new ArgumentException($"--mirror flips images, but dataset '{source.Name}' holds {string.Join("×", source.ExampleShape)} points: drop --mirror", nameof(source));
        var data = cat(new[] { source.Data, source.Data.flip(3) }, 0);                            // 2N × C × H × W
        var labels = source.Labels is { } l ? cat(new[] { l, l }, 0) : null;
        var fields = new Dictionary<string, Tensor>();
        foreach (var (name, v) in source.ExtraFields)
        {
            Tensor second;
            if (flipField?.Invoke(name, v) is { } custom)
            {
                if (!custom.shape.SequenceEqual(v.shape))
                    throw new ArgumentException($"mirrored field '{name}' has shape [{string.Join(", ", custom.shape)}], expected [{string.Join(", ", v.shape)}]", nameof(flipField));
                second = custom;
            }
            else
                second = v.dtype == ScalarType.Byte && v.dim() == 4 ? v.flip(3) : v;
            fields[name] = cat(new[] { v, second }, 0);
        }
        return new TensorDataset(source.Name + "-mirror", data, labels, source.NumClasses, fields, source.Attachments);
    }
}
