using GanSharp.Data;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// Hard negatives for the joint embedding (<see cref="JointEmbeddingLoss"/>): for an attribute row, a row of the data
/// that differs from it in exactly one attribute column (a red circle for a blue circle, same size, position and
/// background). In a batch of random images the other captions nearly always differ already in background or
/// position, which the embedding learns first; with only such negatives the hinge is solved without colour or shape.
/// A one-attribute neighbour can only be told apart by the attribute that differs.
/// <para>The draw: uniform over the distinct one-attribute changes that occur in the data, then uniform over the data
/// rows with that change. A row with no such neighbour in the data gets a uniform random row instead (an ordinary
/// negative). Draws come only from the given generator.</para>
/// </summary>
public sealed class HardNegativeSampler
{
    readonly long[] _values;                                   // N×A, row-major
    readonly Dictionary<string, int[]> _rowsOf;                // attribute key → rows
    readonly long[][] _columnValues;                           // per column, the values that occur
    readonly Dictionary<string, string[]> _neighbours = new(StringComparer.Ordinal);   // key → keys one column away
    readonly int _width;

    /// <summary><paramref name="attributes"/>: int64 N×A (or N labels).</summary>
    public HardNegativeSampler(Tensor attributes)
    {
        var rows = attributes.dim() == 1 ? attributes.unsqueeze(1) : attributes;
        Count = rows.shape[0];
        _width = (int)rows.shape[1];
        if (Count < 2) throw new DataException($"hard negatives need at least 2 examples, the data has {Count}");
        _values = rows.OnCpu().to_type(ScalarType.Int64).contiguous().data<long>().ToArray(); // cpu: the CPU data set's attribute rows
        _rowsOf = Enumerable.Range(0, (int)Count).GroupBy(i => Key(_values.AsSpan(i * _width, _width)), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _columnValues = Enumerable.Range(0, _width)
            .Select(c => Enumerable.Range(0, (int)Count).Select(i => _values[i * _width + c]).Distinct().Order().ToArray()).ToArray();
    }

    /// <summary>The sampler of a dataset's "attributes" field, else its labels.</summary>
    public static HardNegativeSampler For(TensorDataset data) =>
        data.ExtraFields.TryGetValue(CaptionFields.Attributes, out var a) ? new HardNegativeSampler(a)
        : data.Labels is { } labels ? new HardNegativeSampler(labels)
        : throw new DataException($"dataset {data.Name} has neither attributes nor labels, so it has no hard negatives");

    /// <summary>Rows of the data.</summary>
    public long Count { get; }

    static string Key(ReadOnlySpan<long> row) => string.Join(',', row.ToArray());

    /// <summary>The distinct attribute keys of the data that differ from <paramref name="row"/> in exactly one column.</summary>
    string[] NeighbourKeys(long[] row)
    {
        var key = Key(row);
        if (_neighbours.TryGetValue(key, out var known)) return known;
        var found = new List<string>();
        var probe = (long[])row.Clone();
        for (int c = 0; c < _width; c++)
        {
            foreach (var v in _columnValues[c])
            {
                if (v == row[c]) continue;
                probe[c] = v;
                var k = Key(probe);
                if (_rowsOf.ContainsKey(k)) found.Add(k);
            }
            probe[c] = row[c];
        }
        var result = found.ToArray();
        _neighbours[key] = result;
        return result;
    }

    /// <summary>
    /// For each attribute row of <paramref name="attributes"/> (B×A, or B labels), the index of a data row that
    /// differs from it in exactly one column (<c>Found</c> true), or of a uniform random row when the data has none
    /// (<c>Found</c> false). Returns int64 B indices and bool B.
    /// </summary>
    public (Tensor Indices, Tensor Found) Sample(Tensor attributes, Generator? generator)
    {
        var rows = attributes.dim() == 1 ? attributes.unsqueeze(1) : attributes;
        if (rows.shape[1] != _width) throw new ArgumentException($"attribute rows have {rows.shape[1]} values, the sampler's data {_width}");
        int b = (int)rows.shape[0];
        var values = rows.OnCpu().to_type(ScalarType.Int64).contiguous().data<long>().ToArray(); // cpu: looked up in the CPU attribute table
        using var u = rand(new long[] { b, 2 }, dtype: ScalarType.Float64, generator: generator); // cpu: draws for the CPU lookup
        var draws = u.data<double>().ToArray(); // cpu: u is drawn on the CPU just above
        var result = new long[b];
        var found = new bool[b];
        for (int i = 0; i < b; i++)
        {
            var keys = NeighbourKeys(values.AsSpan(i * _width, _width).ToArray());
            if (keys.Length == 0)
            {
                result[i] = Math.Min(Count - 1, (long)(draws[2 * i] * Count));
                continue;
            }
            var members = _rowsOf[keys[Math.Min(keys.Length - 1, (int)(draws[2 * i] * keys.Length))]];
            result[i] = members[Math.Min(members.Length - 1, (int)(draws[2 * i + 1] * members.Length))];
            found[i] = true;
        }
        return (tensor(result), tensor(found)); // cpu: indices into the CPU data set
    }
}
