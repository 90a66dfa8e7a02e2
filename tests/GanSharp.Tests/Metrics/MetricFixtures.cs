using System.Text.Json;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Metrics;

/// <summary>
/// Reads TestData/metrics/fixtures.json, written once by TestData/metrics/make_fixtures.py with Debian's numpy/scipy
/// (no Python at test time). Doubles are stored repr-exact, so tensors built here equal the script's arrays bit for bit.
/// </summary>
static class MetricFixtures
{
    static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "metrics", "fixtures.json"))));

    public static JsonElement Section(string name) => Document.Value.RootElement.GetProperty(name);

    public static double Number(this JsonElement e, string name) => e.GetProperty(name).GetDouble();

    public static int Int(this JsonElement e, string name) => e.GetProperty(name).GetInt32();

    public static double[] Vector(this JsonElement e, string name) =>
        e.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static double[,] Matrix(this JsonElement e, string name)
    {
        var rows = e.GetProperty(name).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var m = new double[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++)
                m[i, j] = rows[i][j];
        return m;
    }

    public static long[][] IndexLists(this JsonElement e, string name) =>
        e.GetProperty(name).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();

    /// <summary>A float64 N×D tensor.</summary>
    public static Tensor Tensor(this JsonElement e, string name, ScalarType dtype = ScalarType.Float64)
    {
        var m = e.Matrix(name);
        var flat = new double[m.Length];
        Buffer.BlockCopy(m, 0, flat, 0, flat.Length * sizeof(double));
        return tensor(flat, [m.GetLength(0), m.GetLength(1)], ScalarType.Float64).to_type(dtype);
    }

    /// <summary>An int64 N×D tensor.</summary>
    public static Tensor LongTensor(this JsonElement e, string name)
    {
        var rows = e.IndexLists(name);
        return tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], ScalarType.Int64);
    }

    /// <summary>|actual − expected| ≤ rel·|expected| (+ a tiny absolute floor for values near 0).</summary>
    public static void Close(double expected, double actual, double rel, double abs = 1e-12)
    {
        double tol = rel * Math.Abs(expected) + abs;
        Assert.True(Math.Abs(actual - expected) <= tol, $"expected {expected:R}, got {actual:R} (tolerance {tol:G3})");
    }
}
