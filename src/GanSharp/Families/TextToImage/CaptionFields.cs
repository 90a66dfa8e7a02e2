using GanSharp.Data;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// The fields and attachments a captioned dataset carries (shapes, captioned MNIST, CUB-style folders):
/// <list type="bullet">
/// <item>"text" (<see cref="BatchFields.Text"/>): int64 N×L, the first caption of each image, padded with 0;</item>
/// <item>"text_mask" (<see cref="BatchFields.TextMask"/>): bool N×L, true on the tokens of "text";</item>
/// <item>"captions": int64 N×K×L, every caption of each image (rows past "caption_count" are all padding);</item>
/// <item>"caption_count": int64 N, how many of the K rows hold a caption (≥ 1);</item>
/// <item>"attributes": int64 N×A, what the captions say (layout per dataset; -1 where absent), or the class for CUB;</item>
/// <item>attachment "vocabulary": the <see cref="Vocabulary"/> the ids index.</item>
/// </list>
/// </summary>
public static class CaptionFields
{
    public const string Captions = "captions";
    public const string CaptionCount = "caption_count";
    public const string Attributes = "attributes";
    public const string VocabularyKey = "vocabulary";

    /// <summary>The vocabulary attached to a captioned dataset, or a <see cref="DataException"/> saying the dataset has none.</summary>
    public static Vocabulary VocabularyOf(TensorDataset data) =>
        data.Attachments.TryGetValue(VocabularyKey, out var v) && v is Vocabulary vocab
            ? vocab
            : throw new DataException($"dataset {data.Name} has no captions (no vocabulary): use a captioned dataset such as shapes, mnist-captions or a CUB-style folder");

    /// <summary>
    /// One caption per image of a gathered minibatch: for each row of <paramref name="captions"/> (B×K×L) a
    /// uniformly drawn row below its <paramref name="count"/> (B). Returns the ids (B×L) and their mask (bool B×L).
    /// </summary>
    public static (Tensor Text, Tensor Mask) PickCaption(Tensor captions, Tensor count, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        long b = captions.shape[0], l = captions.shape[2];
        var u = Devices.Rand(new long[] { b }, generator, captions.device);          // B in [0, 1)
        var k = u.mul(count.to_type(ScalarType.Float32)).floor().to_type(ScalarType.Int64)
            .minimum(count.sub(1));                                                 // B, in [0, count)
        var text = captions.gather(1, k.view(b, 1, 1).expand(b, 1, l)).squeeze(1);  // B×L
        return (text.MoveToOuterDisposeScope(), text.ne(PadId).MoveToOuterDisposeScope());
    }

    /// <summary>A batch of captions cut to its longest caption (fewer positions for the text encoder to read).</summary>
    public static (Tensor Text, Tensor Mask) Trim((Tensor Text, Tensor Mask) batch)
    {
        long longest = Math.Max(1, batch.Mask.sum(new long[] { 1 }).max().item<long>());
        return (batch.Text.narrow(1, 0, longest), batch.Mask.narrow(1, 0, longest));
    }

    const long PadId = Vocabulary.PadId;

    /// <summary>Builds the caption fields from per-image caption id rows (each already at most L long).</summary>
    internal static Dictionary<string, Tensor> Build(IReadOnlyList<IReadOnlyList<long[]>> captionIds, int maxLength, int k)
    {
        int n = captionIds.Count;
        var all = new long[(long)n * k * maxLength];
        var counts = new long[n];
        for (int i = 0; i < n; i++)
        {
            counts[i] = Math.Min(k, captionIds[i].Count);
            for (int j = 0; j < counts[i]; j++)
                captionIds[i][j].AsSpan(0, Math.Min(maxLength, captionIds[i][j].Length)).CopyTo(all.AsSpan((int)(((long)i * k + j) * maxLength)));
        }
        var captions = tensor(all, [n, k, maxLength]); // cpu: caption tensors of the CPU data set
        var text = captions.select(1, 0).contiguous();
        return new Dictionary<string, Tensor>
        {
            [BatchFields.Text] = text,
            [BatchFields.TextMask] = text.ne(PadId),
            [Captions] = captions,
            [CaptionCount] = tensor(counts), // cpu: caption tensors of the CPU data set
        };
    }
}
