using static TorchSharp.torch;

namespace GanSharp.Metrics;

/// <summary>Input checks shared by the metrics: one clear line per bad input.</summary>
static class MetricInput
{
    /// <summary>An N×D floating-point feature matrix with at least <paramref name="minRows"/> rows.</summary>
    public static void Features(Tensor features, string name, int minRows = 1)
    {
        ArgumentNullException.ThrowIfNull(features, name);
        if (features.dim() != 2)
            throw new ArgumentException($"{name} must be an N×D feature matrix; got shape [{string.Join(", ", features.shape)}]", name);
        if (!features.is_floating_point())
            throw new ArgumentException($"{name} must be float32 or float64; got {features.dtype}", name);
        if (features.shape[0] < minRows)
            throw new ArgumentException($"{name} needs at least {minRows} rows; got {features.shape[0]}", name);
        if (features.shape[1] < 1)
            throw new ArgumentException($"{name} has no feature columns (shape [{string.Join(", ", features.shape)}])", name);
    }

    /// <summary>Two feature matrices with the same D.</summary>
    public static void SameDim(Tensor a, Tensor b, string nameA, string nameB)
    {
        if (a.shape[1] != b.shape[1])
            throw new ArgumentException($"feature dims differ: {nameA} has D={a.shape[1]}, {nameB} has D={b.shape[1]}");
    }

    public static double[] ToDoubles(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    public static double[,] ToMatrix(Tensor t)
    {
        var flat = ToDoubles(t);
        int rows = (int)t.shape[0], cols = (int)t.shape[1];
        var m = new double[rows, cols];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * sizeof(double));
        return m;
    }

    public static Tensor FromMatrix(double[,] m)
    {
        var flat = new double[m.Length];
        Buffer.BlockCopy(m, 0, flat, 0, flat.Length * sizeof(double));
        return tensor(flat, [m.GetLength(0), m.GetLength(1)], ScalarType.Float64);
    }
}
