using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Data;

/// <summary>
/// The 2-D mixtures used to show mode collapse (Metz et al., "Unrolled Generative Adversarial Networks", 2017):
/// "ring" = 8 Gaussians on the unit circle (std 0.01), "grid" = 25 Gaussians on {-4,-2,0,2,4}² (std 0.05).
/// Data is float32 N×2; the label is the index of the mode a sample came from.
/// </summary>
public static class GaussianMixture2D
{
    public static TensorDataset Ring(int count, long seed) => Sample("ring", count, seed);

    public static TensorDataset Grid(int count, long seed) => Sample("grid", count, seed);

    /// <summary>The mode centers of <paramref name="kind"/> ("ring" or "grid") as float32 K×2.</summary>
    public static Tensor Means(string kind)
    {
        var points = new List<float>();
        switch (kind)
        {
            case "ring":
                // i/8 for i = 0..7: an inclusive linspace over [0, 2π] would repeat the first mode.
                for (int i = 0; i < 8; i++)
                {
                    double a = 2 * Math.PI * i / 8;
                    points.Add((float)Math.Cos(a));
                    points.Add((float)Math.Sin(a));
                }
                break;
            case "grid":
                for (int i = -2; i <= 2; i++)
                    for (int j = -2; j <= 2; j++)
                    {
                        points.Add(2f * i);
                        points.Add(2f * j);
                    }
                break;
            default:
                throw new DataException($"unknown 2-D mixture '{kind}': use ring or grid");
        }
        return tensor(points.ToArray(), [points.Count / 2, 2]);
    }

    /// <summary>Standard deviation of each mode of <paramref name="kind"/>.</summary>
    public static double Std(string kind) => kind switch
    {
        "ring" => 0.01,
        "grid" => 0.05,
        _ => throw new DataException($"unknown 2-D mixture '{kind}': use ring or grid"),
    };

    static TensorDataset Sample(string kind, int count, long seed)
    {
        if (count < 1)
            throw new DataException($"{kind} needs a positive sample count, got {count}");
        using var scope = NewDisposeScope();
        using var gen = new Generator(unchecked((ulong)seed));
        var means = Means(kind);
        var modes = randint(0, means.shape[0], [count], dtype: ScalarType.Int64, generator: gen);
        var noise = randn([count, 2], generator: gen).mul_(Std(kind));
        var data = means.index_select(0, modes).add_(noise);
        return new TensorDataset(kind, data.MoveToOuterDisposeScope(), modes.MoveToOuterDisposeScope(), (int)means.shape[0]);
    }
}
