using GanSharp.Data;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// Picks the "wrong text" of GAN-CLS (Reed et al. 2016): for each image, another image whose captions describe
/// something else, i.e. whose attribute row differs in at least one attribute (shapes, captioned MNIST) or whose
/// class differs (CUB-style data, where "attributes" is the class). The caller then takes one of that image's
/// captions (<see cref="CaptionFields.PickCaption"/>). Draws come only from the given generator.
/// </summary>
public sealed class WrongTextSampler
{
    const int CandidatesPerRound = 8;
    const int Rounds = 8;

    readonly int[] _group;              // index of each row's distinct attribute row
    readonly int[][] _members;          // rows of each group
    readonly long _count;
    readonly int _width;
    readonly Dictionary<string, int> _groups;

    /// <summary><paramref name="attributes"/>: int64 N×A (or N labels).</summary>
    public WrongTextSampler(Tensor attributes)
    {
        var rows = attributes.dim() == 1 ? attributes.unsqueeze(1) : attributes;
        _count = rows.shape[0];
        int width = _width = (int)rows.shape[1];
        var values = rows.to_type(ScalarType.Int64).contiguous().data<long>().ToArray(); // cpu: the CPU data set and caption pool
        var groups = _groups = new Dictionary<string, int>(StringComparer.Ordinal);
        _group = new int[_count];
        for (int i = 0; i < _count; i++)
        {
            var key = string.Join(',', values.AsSpan(i * width, width).ToArray());
            if (!groups.TryGetValue(key, out int g)) groups[key] = g = groups.Count;
            _group[i] = g;
        }
        if (groups.Count < 2)
            throw new DataException($"all {_count} examples have the same attributes, so no caption can be a wrong one: GAN-CLS needs data with at least two different descriptions");
        var lists = Enumerable.Range(0, groups.Count).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < _count; i++) lists[_group[i]].Add(i);
        _members = lists.Select(l => l.ToArray()).ToArray();
        GroupCount = groups.Count;
    }

    /// <summary>
    /// The sampler for a dataset's "attributes" field, else its labels; it keeps the dataset's "captions" and
    /// "caption_count" (when present) for <see cref="SampleCaptions"/>.
    /// </summary>
    public static WrongTextSampler For(TensorDataset data)
    {
        var sampler = data.ExtraFields.TryGetValue(CaptionFields.Attributes, out var a) ? new WrongTextSampler(a)
            : data.Labels is { } labels ? new WrongTextSampler(labels)
            : throw new DataException($"dataset {data.Name} has neither attributes nor labels, so a wrong caption cannot be told from a right one");
        data.ExtraFields.TryGetValue(CaptionFields.Captions, out sampler._captions);
        data.ExtraFields.TryGetValue(CaptionFields.CaptionCount, out sampler._captionCount);
        return sampler;
    }

    Tensor? _captions, _captionCount;

    /// <summary>
    /// The wrong text of each image in <paramref name="indices"/>: one caption (uniform over its captions) of an image
    /// drawn by <see cref="Sample"/>. Returns the ids (B×L), their mask and the wrong images' indices. Needs a
    /// sampler made by <see cref="For"/> from a captioned dataset.
    /// </summary>
    public (Tensor Text, Tensor Mask, Tensor Wrong) SampleCaptions(Tensor indices, Generator? generator)
    {
        if (_captions is null || _captionCount is null)
            throw new InvalidOperationException("this sampler has no captions: make it with WrongTextSampler.For(a captioned dataset)");
        var wrong = Sample(indices, generator);
        var (text, mask) = CaptionFields.PickCaption(_captions.index_select(0, wrong), _captionCount.index_select(0, wrong), generator);
        return (text, mask, wrong);
    }

    /// <summary>
    /// The wrong text of each image of a minibatch, known by its attribute rows (B×A, or B labels) rather than by
    /// dataset indices: a caption of an image whose attributes differ from the row's. Returns the ids (B×L) and mask.
    /// </summary>
    public (Tensor Text, Tensor Mask) SampleCaptionsFor(Tensor attributes, Generator? generator)
    {
        if (_captions is null || _captionCount is null)
            throw new InvalidOperationException("this sampler has no captions: make it with WrongTextSampler.For(a captioned dataset)");
        var rows = attributes.dim() == 1 ? attributes.unsqueeze(1) : attributes;
        if (rows.shape[1] != _width) throw new ArgumentException($"attribute rows have {rows.shape[1]} values, the sampler's data {_width}");
        var values = rows.OnCpu().to_type(ScalarType.Int64).contiguous().data<long>().ToArray();
        var groups = new int[rows.shape[0]];
        for (int i = 0; i < groups.Length; i++)
            groups[i] = _groups.TryGetValue(string.Join(',', values.AsSpan(i * _width, _width).ToArray()), out int g) ? g : -1;
        using var wrong = SampleOutside(groups, generator);
        return CaptionFields.PickCaption(_captions.index_select(0, wrong), _captionCount.index_select(0, wrong), generator);
    }

    /// <summary>
    /// <see cref="SampleCaptionsFor(Tensor, Generator?)"/>, but each row that has a one-attribute neighbour in the data
    /// (<paramref name="hard"/>, built on the same data) takes, with probability <paramref name="hardShare"/>, a
    /// caption of that neighbour instead: a wrong text that differs from the right one in exactly one attribute, so
    /// that D cannot reject every wrong text by background or position alone. A share of 0 draws exactly what
    /// <see cref="SampleCaptionsFor(Tensor, Generator?)"/> draws.
    /// </summary>
    public (Tensor Text, Tensor Mask) SampleCaptionsFor(Tensor attributes, Generator? generator, HardNegativeSampler? hard, double hardShare)
    {
        var (text, mask) = SampleCaptionsFor(attributes, generator);
        if (hard is null || hardShare <= 0) return (text, mask);
        using var scope = NewDisposeScope();
        var (idx, found) = hard.Sample(attributes, generator);
        var (hardText, _) = CaptionFields.PickCaption(_captions!.index_select(0, idx), _captionCount!.index_select(0, idx), generator);
        using var u = rand(new long[] { idx.shape[0] }, generator: generator); // cpu: draws for the CPU caption pool
        var use = u.lt(hardShare).logical_and(found).unsqueeze(1);
        var mixed = where(use, hardText, text);
        return (mixed.MoveToOuterDisposeScope(), mixed.ne(Vocabulary.PadId).MoveToOuterDisposeScope());
    }

    /// <summary>How many distinct attribute rows the data has.</summary>
    public int GroupCount { get; }

    /// <summary>
    /// For each image index in <paramref name="indices"/> (B), the index of an image with different attributes,
    /// uniform over all such images (B, int64).
    /// </summary>
    public Tensor Sample(Tensor indices, Generator? generator) =>
        SampleOutside(indices.OnCpu().to_type(ScalarType.Int64).contiguous().data<long>().Select(r => _group[r]).ToArray(), generator);

    /// <summary>For each group (-1: none of the data's), a row of another group, uniform over all such rows.</summary>
    Tensor SampleOutside(int[] groups, Generator? generator)
    {
        var result = new long[groups.Length];
        var pending = Enumerable.Range(0, groups.Length).ToList();
        // Rejection sampling: a uniform row outside the image's group, found quickly unless one group dominates.
        for (int round = 0; round < Rounds && pending.Count > 0; round++)
        {
            using var candidates = randint(0, _count, new long[] { pending.Count, CandidatesPerRound }, generator: generator); // cpu: rejection sampling over the CPU caption pool
            var c = candidates.data<long>().ToArray(); // cpu: the CPU data set and caption pool
            var still = new List<int>();
            for (int p = 0; p < pending.Count; p++)
            {
                int i = pending[p], own = groups[i];
                int hit = Array.FindIndex(c, p * CandidatesPerRound, CandidatesPerRound, j => _group[j] != own);
                if (hit >= 0) result[i] = c[hit];
                else still.Add(i);
            }
            pending = still;
        }
        // Rare fallback: draw the k-th row outside the group directly.
        foreach (int i in pending)
        {
            int own = groups[i];
            long outside = _count - _members[own].Length;
            long k = randint(0, outside, new long[] { 1 }, generator: generator).item<long>(); // cpu: rejection sampling over the CPU caption pool
            result[i] = KthOutside(own, k);
        }
        return tensor(result); // cpu: rejection sampling over the CPU caption pool
    }

    long KthOutside(int group, long k)
    {
        // Members are sorted; walk the gaps between them.
        long previous = -1;
        foreach (var m in _members[group])
        {
            long gap = m - previous - 1;
            if (k < gap) return previous + 1 + k;
            k -= gap;
            previous = m;
        }
        return previous + 1 + k;
    }
}
