using static TorchSharp.torch;

namespace GanSharp.Data.Synthetic;

/// <summary>Extra field names of the head datasets.</summary>
public static class HeadFields
{
    /// <summary>float32 N: the view's yaw in degrees (positive: the face turned towards the image's right).</summary>
    public const string Yaw = "yaw";

    /// <summary>float32 N×5×2: landmark pixel positions (x, y) from the top-left corner (see <see cref="HeadRenderer"/>).</summary>
    public const string Landmarks = BatchFields.Landmarks;

    /// <summary>float32 N×5: 1 where the landmark is seen, 0 where the head hides it.</summary>
    public const string LandmarkVisible = "landmark_visible";

    /// <summary>int64 N: the index, in the same dataset, of this identity's frontal (yaw 0) view: the frontalization target.</summary>
    public const string Frontal = "frontal";
}

/// <summary>
/// The `heads` data: procedural heads (<see cref="HeadRenderer"/>), each identity drawn at every yaw in
/// <see cref="Yaws"/> under its own random lighting per view. Identities of the train and test splits come from
/// separate seeded streams, so the splits never share a person; identity i of a split is the same whatever the count.
/// </summary>
public static class Heads
{
    public static readonly double[] Yaws = [-90, -75, -60, -45, -30, -15, 0, 15, 30, 45, 60, 75, 90];
    public const int DefaultTrainIdentities = 1000;
    public const int DefaultTestIdentities = 200;

    /// <summary>Bumped when the renderer's output changes, so older cached data is not reused.</summary>
    public const int RendererVersion = 1;

    /// <summary>The identity <paramref name="index"/> of <paramref name="split"/> under <paramref name="seed"/>.</summary>
    public static HeadIdentity Identity(long seed, string split, int index) =>
        HeadIdentity.Sample(new Random(StreamSeed(seed, split == "test" ? 2 : 1, index)));

    private static int StreamSeed(long seed, int stream, int index) =>
        unchecked((int)(seed * 1_000_003 + stream * 7_919_111 + index * 104_729) ^ (int)(seed >> 32));

    /// <summary>
    /// Renders <paramref name="identities"/> identities of <paramref name="split"/> at every yaw: images uint8
    /// N×3×S×S (N = identities·13, identity-major, yaws in <see cref="Yaws"/> order), labels int64 (identity within
    /// the split) and the fields of <see cref="HeadFields"/>.
    /// </summary>
    public static Dictionary<string, Tensor> Render(int identities, string split, long seed, int size, int supersample = 2, int identitiesPerBatch = 4)
    {
        if (identities < 1) throw new DataException($"heads needs at least one identity, got {identities}");
        if (size < 16) throw new DataException($"heads renders images of at least 16×16, got {size}");
        int v = Yaws.Length;
        var images = new List<Tensor>();
        var landmarks = new List<Tensor>();
        var visible = new List<Tensor>();
        for (int start = 0; start < identities; start += identitiesPerBatch)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(identitiesPerBatch, identities - start);
            var ids = new List<HeadIdentity>();
            var yaws = new List<double>();
            var lights = new List<HeadLighting>();
            for (int i = start; i < start + n; i++)
            {
                var id = Identity(seed, split, i);
                var lightRng = new Random(StreamSeed(seed, split == "test" ? 4 : 3, i));
                foreach (var yaw in Yaws)
                {
                    ids.Add(id);
                    yaws.Add(yaw);
                    lights.Add(HeadLighting.Sample(lightRng));
                }
            }
            using var r = HeadRenderer.Render(ids, yaws, lights, size, supersample);
            var lm3 = HeadRenderer.Landmarks3D(ids);
            var (px, vis) = HeadRenderer.Project(ids, lm3, yaws, size);
            images.Add(r.Images.mul(255).round().clamp(0, 255).to_type(ScalarType.Byte).MoveToOuterDisposeScope());
            landmarks.Add(px.MoveToOuterDisposeScope());
            visible.Add(vis.MoveToOuterDisposeScope());
        }
        long total = (long)identities * v;
        var labels = arange(identities, dtype: ScalarType.Int64).repeat_interleave(v);
        var frontal = labels * v + Array.IndexOf(Yaws, 0.0);
        var yawField = tensor(Enumerable.Repeat(Yaws, identities).SelectMany(y => y).Select(y => (float)y).ToArray());
        var result = new Dictionary<string, Tensor>
        {
            ["images"] = cat(images, 0),
            ["labels"] = labels,
            [HeadFields.Yaw] = yawField,
            [HeadFields.Landmarks] = cat(landmarks, 0),
            [HeadFields.LandmarkVisible] = cat(visible, 0),
            [HeadFields.Frontal] = frontal,
        };
        foreach (var t in images.Concat(landmarks).Concat(visible)) t.Dispose();
        if (result["images"].shape[0] != total) throw new InvalidOperationException("head count mismatch");
        return result;
    }

    /// <summary>
    /// The dataset for <paramref name="identities"/> identities, cached under the cache root. <paramref name="supersample"/>:
    /// rays per pixel side (2, the default, is 2×2 supersampling; 1 renders about 3.5× faster with aliased edges).
    /// </summary>
    public static TensorDataset Open(int identities, string split, long seed, int size, string? cacheDir, Action<string>? log, int supersample = 2)
    {
        if (split is not ("train" or "test")) throw new DataException($"heads has splits 'train' and 'test', not '{split}'");
        if (supersample is < 1 or > 4) throw new DataException($"heads supersampling must be 1 to 4 rays per pixel side, not {supersample}");
        string key = $"heads v{RendererVersion} split={split} identities={identities} seed={seed} size={size}" + (supersample == 2 ? "" : $" supersample={supersample}");
        var cache = new DatasetCache(cacheDir ?? DatasetCache.DefaultRoot(), "heads");
        var t = TensorBundleCache.GetOrMake(cache, key, () =>
        {
            log?.Invoke($"heads: rendering {identities} {split} identities × {Yaws.Length} yaws at {size}×{size}, {supersample}×{supersample} rays per pixel (cached afterwards)");
            return Render(identities, split, seed, size, supersample);
        }, log);
        var fields = new Dictionary<string, Tensor>
        {
            [HeadFields.Yaw] = t[HeadFields.Yaw],
            [HeadFields.Landmarks] = t[HeadFields.Landmarks],
            [HeadFields.LandmarkVisible] = t[HeadFields.LandmarkVisible],
            [HeadFields.Frontal] = t[HeadFields.Frontal],
        };
        return new TensorDataset("heads", t["images"], t["labels"], identities, fields);
    }
}

/// <summary>
/// `heads`: procedural 3-D heads at 13 yaws (−90° to 90° by 15°), 3×S×S with S = --size (64; 128 also), labelled by
/// identity (1,000 train / 200 test identities), with yaw, 5 landmarks and their visibility, and the index of each
/// identity's frontal view. Seeded and cached on disk.
/// </summary>
public sealed class HeadsProvider : IDatasetProvider
{
    public string Name => "heads";
    public string Description => "procedural 3-D heads, 13 yaws from -90 to 90 degrees, 3xSxS (--size 64 or 128), label = identity (1000 train / 200 test), fields yaw, landmarks, landmark_visible, frontal";

    public TensorDataset Open(DatasetOpenOptions o, Action<string>? log) =>
        Heads.Open(o.Split == "test" ? Heads.DefaultTestIdentities : Heads.DefaultTrainIdentities, o.Split, o.Seed, o.Size, o.CacheDir, log);
}
