using System.Text;
using GanSharp.Data;
using GanSharp.Data.Synthetic;
using GanSharp.Imaging;
using static TorchSharp.torch;

namespace GanSharp.Families.Synthetic;

/// <summary>One method's scores per |yaw| (degrees): rank-1 accuracy and mean pixel L1 (in [0, 1] units) to the true frontal view.</summary>
public sealed record FrontalizeScores(string Name, SortedDictionary<int, double> Rank1, SortedDictionary<int, double> PixelL1);

/// <summary>
/// TP-GAN's protocol on the test identities of `heads`: the gallery is each identity's frontal view, the probes every
/// other view, frontalized by each method (or not at all: direct matching, the floor); a separate judge identity
/// network embeds both, and a probe counts when its most cosine-similar gallery face is its own identity.
/// </summary>
public static class FrontalizeStudy
{
    /// <summary>
    /// Scores each method on <paramref name="test"/> (faces with yaw, landmarks and frontal fields; labels =
    /// identities). A method with a null system is direct matching. With <paramref name="landmarkNet"/> the
    /// systems get estimated landmarks, else the true ones. <paramref name="gridPath"/>: a PNG with, per yaw, the
    /// input, each method's output and the truth, for identity <paramref name="gridIdentity"/>.
    /// </summary>
    public static IReadOnlyList<FrontalizeScores> Run(TensorDataset test, IdentityNet judge, IReadOnlyList<(string Name, TpGanSystem? System)> methods,
        LandmarkRegressor? landmarkNet = null, string? gridPath = null, int gridIdentity = 0, Action<string>? log = null)
    {
        foreach (var f in new[] { HeadFields.Yaw, HeadFields.Landmarks, HeadFields.Frontal })
            if (!test.ExtraFields.ContainsKey(f)) throw new DataException($"'{test.Name}' has no '{f}' field: the frontalization study needs heads-style faces");
        if (test.Labels is null) throw new DataException($"'{test.Name}' has no identity labels");
        var yaw = test.ExtraFields[HeadFields.Yaw];
        var frontal = test.ExtraFields[HeadFields.Frontal];
        var probes = nonzero(yaw.ne(0)).flatten();
        var galleryIdx = unique_consecutive(frontal.sort().Values).output;
        var gallery = FaceNets.Embed(judge, test.Data.index_select(0, galleryIdx));
        var galleryLabels = test.Labels.index_select(0, galleryIdx);
        var probeLabels = test.Labels.index_select(0, probes);
        var absYaw = yaw.index_select(0, probes).abs().round().to_type(ScalarType.Int32).data<int>().ToArray(); // cpu: the study runs on the CPU
        var truth = test.Data.index_select(0, probes).to_type(ScalarType.Float32).div(127.5).sub(1);
        var profiles = truth.clone();
        var targets = test.Data.index_select(0, frontal.index_select(0, probes)).to_type(ScalarType.Float32).div(127.5).sub(1);
        var lm = landmarkNet is null ? test.ExtraFields[HeadFields.Landmarks].index_select(0, probes) : Estimate(landmarkNet, profiles);

        var results = new List<FrontalizeScores>();
        var outputs = new List<Tensor>();
        foreach (var (name, system) in methods)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var output = system is null ? profiles : Frontalize(system, profiles, lm);
            outputs.Add(output);
            var emb = FaceNets.Embed(judge, output);
            var l1 = (output - targets).abs().mean([1, 2, 3]).div(2);      // [0, 1] units
            var rank = new SortedDictionary<int, double>();
            var err = new SortedDictionary<int, double>();
            foreach (int a in absYaw.Distinct().Order())
            {
                var sel = tensor(Enumerable.Range(0, absYaw.Length).Where(i => absYaw[i] == a).Select(i => (long)i).ToArray()); // cpu: the study runs on the CPU
                rank[a] = FaceNets.Rank1(emb.index_select(0, sel), probeLabels.index_select(0, sel), gallery, galleryLabels);
                err[a] = l1.index_select(0, sel).mean().item<float>();
            }
            results.Add(new FrontalizeScores(name, rank, err));
            log?.Invoke($"{name}: scored {probes.shape[0]} probes in {sw.Elapsed.TotalSeconds:F1} s");
        }
        if (gridPath is not null) WriteGrid(gridPath, test, probes, profiles, outputs, targets, gridIdentity);
        return results;
    }

    /// <summary>Landmarks (B×5×2 pixels) estimated by the regressor, in chunks.</summary>
    public static Tensor Estimate(LandmarkRegressor net, Tensor images)
    {
        var rows = new List<Tensor>();
        for (long i = 0; i < images.shape[0]; i += 256)
            rows.Add(net.Predict(images.narrow(0, i, Math.Min(256, images.shape[0] - i))));
        return cat(rows, 0);
    }

    /// <summary>A system's frontal views of <paramref name="profiles"/> in [-1, 1] (eval mode, chunks of 64).</summary>
    public static Tensor Frontalize(TpGanSystem system, Tensor profiles, Tensor landmarks)
    {
        var rows = new List<Tensor>();
        for (long i = 0; i < profiles.shape[0]; i += 64)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(64, profiles.shape[0] - i);
            rows.Add(system.FrontalizeEval(profiles.narrow(0, i, n), landmarks.narrow(0, i, n)).clone().MoveToOuterDisposeScope());
        }
        return cat(rows, 0);
    }

    private static void WriteGrid(string path, TensorDataset test, Tensor probes, Tensor profiles, List<Tensor> outputs, Tensor targets, int identity)
    {
        var labels = test.Labels!.index_select(0, probes).data<long>().ToArray(); // cpu: the study runs on the CPU
        var rows = Enumerable.Range(0, labels.Length).Where(i => labels[i] == identity).Select(i => (long)i).ToArray();
        if (rows.Length == 0) throw new DataException($"the test faces have no identity {identity} for the grid");
        var sel = tensor(rows); // cpu: the study runs on the CPU
        // The first method is direct matching (its output is the input itself): show each input once.
        var columns = new List<Tensor> { profiles.index_select(0, sel) };
        columns.AddRange(outputs.Skip(1).Select(o => o.index_select(0, sel)));
        columns.Add(targets.index_select(0, sel));
        var grid = stack(columns, 1).flatten(0, 1);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        ImageGrid.Save(grid, path, nrow: columns.Count);
    }

    /// <summary>A Markdown table: rows = methods, columns = ±yaw; the cells <paramref name="pick"/> formats.</summary>
    public static string Table(IReadOnlyList<FrontalizeScores> scores, Func<FrontalizeScores, SortedDictionary<int, double>> pick, string format)
    {
        var yaws = scores[0].Rank1.Keys.ToList();
        var sb = new StringBuilder();
        sb.AppendLine("| method | " + string.Join(" | ", yaws.Select(y => $"±{y}°")) + " |");
        sb.AppendLine("|---|" + string.Concat(yaws.Select(_ => "---:|")));
        foreach (var s in scores) sb.AppendLine($"| {s.Name} | " + string.Join(" | ", yaws.Select(y => pick(s)[y].ToString(format, System.Globalization.CultureInfo.InvariantCulture))) + " |");
        return sb.ToString();
    }
}
