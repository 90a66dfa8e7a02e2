using GanSharp.Data;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>
/// One minibatch: a set of named tensors with the same number of rows ("image" or "points", "label", "text",
/// "source", ... see <see cref="BatchFields"/>). <see cref="Real"/> and <see cref="Labels"/> name the two every
/// family so far reads.
/// </summary>
public sealed class Batch
{
    private readonly Dictionary<string, Tensor> _fields;

    public Batch(IReadOnlyDictionary<string, Tensor> fields)
    {
        if (!fields.ContainsKey(BatchFields.Image) && !fields.ContainsKey(BatchFields.Points))
            throw new ArgumentException("a batch needs an 'image' or 'points' field");
        _fields = new Dictionary<string, Tensor>(fields, StringComparer.Ordinal);
    }

    /// <summary>Real examples (images, or points for 2-D data) and optional class labels.</summary>
    public Batch(Tensor real, Tensor? labels, IReadOnlyDictionary<string, Tensor>? extra = null)
        : this(Fields(real, labels, extra)) { }

    private static Dictionary<string, Tensor> Fields(Tensor real, Tensor? labels, IReadOnlyDictionary<string, Tensor>? extra)
    {
        var f = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [real.dim() == 4 ? BatchFields.Image : BatchFields.Points] = real };
        if (labels is not null) f[BatchFields.Label] = labels;
        if (extra is not null) foreach (var (k, v) in extra) f[k] = v;
        return f;
    }

    /// <summary>The real examples: the "image" field, else "points".</summary>
    public Tensor Real => _fields.TryGetValue(BatchFields.Image, out var x) ? x : _fields[BatchFields.Points];

    /// <summary>The class labels, or null.</summary>
    public Tensor? Labels => _fields.GetValueOrDefault(BatchFields.Label);

    /// <summary>Rows in the batch.</summary>
    public long Size => Real.shape[0];

    public IReadOnlyCollection<string> Names => _fields.Keys;

    public bool Has(string name) => _fields.ContainsKey(name);

    /// <summary>The batch on <paramref name="device"/> (every field moved; the same batch when it is there already).</summary>
    public Batch To(Device device) =>
        _fields.Values.All(t => t.device_type == device.type) ? this : new Batch(_fields.ToDictionary(kv => kv.Key, kv => kv.Value.On(device), StringComparer.Ordinal));

    /// <summary>A field by name; a missing one is an error naming the fields there are.</summary>
    public Tensor this[string name] => _fields.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"the batch has no field '{name}' (it has {string.Join(", ", _fields.Keys)})");
}

/// <summary>Where the training loop takes its real minibatches from.</summary>
public interface IBatchSource : IDisposable
{
    /// <summary>The next minibatch; valid until <see cref="Release"/>.</summary>
    Batch Next();

    /// <summary>Examples per batch handed out next.</summary>
    int BatchSize { get; }

    /// <summary>The position after the last batch handed out (saved in checkpoints).</summary>
    long Epoch { get; }
    long Cursor { get; }

    /// <summary>The training step is done with every batch handed out so far (their buffers may be reused).</summary>
    void Release() { }
}

/// <summary>
/// Minibatches in an order that is a function of (seed, epoch) alone: each epoch is a fresh permutation drawn
/// from a generator seeded by both; the last incomplete batch of an epoch is dropped. The position
/// (<see cref="Epoch"/>, <see cref="Cursor"/>) is saved in checkpoints so a resumed run sees the same batches.
/// </summary>
public sealed class ShuffledBatches : IBatchSource
{
    private readonly TensorDataset _data;
    private int _batch;
    private readonly long _seed;
    private Tensor? _perm;
    private long _permEpoch = -1;

    public ShuffledBatches(TensorDataset data, int batch, long seed, long epoch = 0, long cursor = 0, bool channelsLast = false)
    {
        ChannelsLastImages = channelsLast;
        if (data.Count < batch)
            throw new ArgumentException($"the dataset has {data.Count} examples, fewer than one batch of {batch}");
        _data = data;
        _batch = batch;
        _seed = seed;
        Epoch = epoch;
        Cursor = cursor;
    }

    public long Epoch { get; private set; }
    public long Cursor { get; private set; }

    /// <summary>
    /// Examples per batch; a family may change it between batches (per phase or per resolution). The order of
    /// examples is unchanged: the next batch starts where the last one ended.
    /// </summary>
    public int BatchSize
    {
        get => _batch;
        set
        {
            if (value < 1 || value > _data.Count)
                throw new ArgumentException($"batch size {value} is outside 1..{_data.Count} (the dataset's size)");
            _batch = value;
        }
    }

    /// <summary>Image batches come out in channels-last layout (the same values).</summary>
    public bool ChannelsLastImages { get; }

    public TensorDataset Data => _data;

    public Batch Next()
    {
        using var idx = NextIndices();
        var real = _data.Gather(idx);
        return new Batch(ChannelsLastImages ? Performance.ChannelsLast.Of(real) : real, _data.GatherLabels(idx),
            _data.ExtraFields.Count == 0 ? null : _data.GatherExtra(idx));
    }

    /// <summary>The dataset indices of the next batch (advances the position).</summary>
    public Tensor NextIndices()
    {
        if (Cursor + _batch > _data.Count)
        {
            Epoch++;
            Cursor = 0;
        }
        if (_permEpoch != Epoch)
        {
            _perm?.Dispose();
            using var g = new Generator((ulong)MixSeed(_seed, Epoch));
            _perm = randperm(_data.Count, generator: g).DetachFromDisposeScope(); // cpu: indices into the CPU data set
            _permEpoch = Epoch;
        }
        var idx = _perm!.narrow(0, Cursor, _batch);
        Cursor += _batch;
        return idx;
    }

    /// <summary>A 63-bit seed mixed from (seed, epoch) with SplitMix64.</summary>
    public static long MixSeed(long seed, long epoch)
    {
        ulong x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch + 0x632BE59BD9B4E019UL);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (long)(x & 0x7FFFFFFFFFFFFFFFUL);
    }

    public void Dispose() => _perm?.Dispose();
}
