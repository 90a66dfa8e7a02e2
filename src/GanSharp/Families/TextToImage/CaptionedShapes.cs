using System.Security.Cryptography;
using GanSharp.Data;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>One object of a shapes scene: indices into <see cref="CaptionedShapes.Shapes"/>, <see cref="CaptionedShapes.Colours"/>,
/// <see cref="CaptionedShapes.Sizes"/> and <see cref="CaptionedShapes.Positions"/> (3×3 grid cells, row-major).</summary>
public readonly record struct ShapeObject(int Shape, int Colour, int Size, int Position);

/// <summary>A shapes scene: a background colour and one or two objects in distinct cells, sorted by position.</summary>
public sealed record ShapeScene(int Background, IReadOnlyList<ShapeObject> Objects)
{
    /// <summary>The attribute row (<see cref="CaptionedShapes.AttributeCount"/> values, -1 for an absent second object).</summary>
    public long[] Attributes()
    {
        var a = new long[CaptionedShapes.AttributeCount];
        Array.Fill(a, -1L);
        a[CaptionedShapes.ObjectCountIndex] = Objects.Count;
        a[CaptionedShapes.BackgroundIndex] = Background;
        for (int s = 0; s < Objects.Count; s++)
        {
            a[CaptionedShapes.IndexOf(s, 0)] = Objects[s].Shape;
            a[CaptionedShapes.IndexOf(s, 1)] = Objects[s].Colour;
            a[CaptionedShapes.IndexOf(s, 2)] = Objects[s].Size;
            a[CaptionedShapes.IndexOf(s, 3)] = Objects[s].Position;
        }
        return a;
    }
}

/// <summary>
/// Captioned shapes: a dataset the project generates, deterministic per seed, for text-to-image models (GAN-CLS,
/// StackGAN) whose captions can be checked exactly. Each RGB image shows one or two objects (five shapes, eight
/// colours, three sizes, a cell of a 3×3 grid with a little jitter) on one of four background colours, drawn with
/// 4×4 supersampled anti-aliasing. Each image has several captions from varied templates, synonyms and word orders,
/// each naming every object's shape, colour, size and position and the background colour.
/// <para>Splits: "train" and "test" never show a held-out (shape, colour) pair (<see cref="HeldOut"/>); every
/// "heldout" image shows at least one, so a model trained on "train" can be tested on combinations it never saw.
/// Image i of a split depends only on (seed, split, i), so the first n images are the same for any count.</para>
/// <para>Attributes (int64 N×10): [object count, background, then per object slot 0 and 1: shape, colour, size,
/// position]; slot 1 is -1 for single-object images. Objects are in slot order by grid position.</para>
/// </summary>
public static class CaptionedShapes
{
    /// <summary>Bumped whenever the drawing or the captions change, so cached files of older versions are not used.</summary>
    public const int Version = 1;

    public const int DefaultCaptionsPerImage = 5;

    /// <summary>The longest caption in tokens (the templates stay below it; generation checks).</summary>
    public const int MaxTokens = 40;

    public static readonly string[] Shapes = ["circle", "square", "triangle", "diamond", "star"];
    public static readonly string[] Colours = ["red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink"];
    public static readonly string[] Backgrounds = ["black", "white", "gray", "brown"];
    public static readonly string[] Sizes = ["small", "medium", "large"];
    public static readonly string[] Positions = ["top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"];

    public const int ObjectCountIndex = 0;
    public const int BackgroundIndex = 1;
    public const int MaxObjects = 2;
    public const int AttributesPerObject = 4;
    public const int AttributeCount = 2 + MaxObjects * AttributesPerObject;

    /// <summary>Column of attribute <paramref name="attribute"/> (0 shape, 1 colour, 2 size, 3 position) of object slot <paramref name="slot"/>.</summary>
    public static int IndexOf(int slot, int attribute) => 2 + slot * AttributesPerObject + attribute;

    /// <summary>(shape, colour) pairs never drawn in train/test: shape s in colour (3s + 1) mod 8, one per shape.</summary>
    public static IReadOnlyList<(int Shape, int Colour)> HeldOut { get; } =
        Enumerable.Range(0, 5).Select(s => (s, (3 * s + 1) % 8)).ToArray();

    public static bool IsHeldOut(int shape, int colour) => (3 * shape + 1) % 8 == colour;

    static readonly byte[][] ColourRgb = [[220, 30, 30], [255, 140, 0], [250, 220, 30], [40, 170, 60], [0, 200, 220], [30, 70, 230], [140, 50, 200], [255, 120, 190]];
    static readonly byte[][] BackgroundRgb = [[15, 15, 15], [245, 245, 245], [128, 128, 128], [110, 75, 45]];

    // Words a caption may use for each value (the first is the canonical name).
    internal static readonly string[][] ShapeWords = [["circle", "disc", "disk", "dot"], ["square", "box", "block"], ["triangle"], ["diamond", "rhombus", "lozenge"], ["star", "pentagram"]];
    internal static readonly string[][] ColourWords = [["red", "crimson", "scarlet"], ["orange", "tangerine"], ["yellow", "golden", "lemon"], ["green", "emerald"], ["cyan", "turquoise", "aqua"], ["blue", "cobalt", "azure"], ["purple", "violet"], ["pink", "rose"]];
    internal static readonly string[][] BackgroundWords = [["black", "dark"], ["white"], ["gray", "grey"], ["brown", "chocolate"]];
    internal static readonly string[][] SizeWords = [["small", "tiny", "little"], ["medium", "medium-sized", "mid-sized"], ["large", "big", "huge"]];
    internal static readonly string[][] PositionWords =
    [
        ["top left", "top-left", "upper left", "top left corner"], ["top", "top center", "top middle", "upper middle"],
        ["top right", "top-right", "upper right", "top right corner"], ["left", "middle left", "center left", "left side"],
        ["center", "middle", "centre"], ["right", "middle right", "center right", "right side"],
        ["bottom left", "bottom-left", "lower left", "bottom left corner"], ["bottom", "bottom center", "bottom middle", "lower middle"],
        ["bottom right", "bottom-right", "lower right", "bottom right corner"],
    ];

    // {a}: article, {s} size, {c} colour, {h} shape, {p} position.
    static readonly string[] ObjectTemplates =
    [
        "{a} {s} {c} {h} at the {p}", "{a} {s} {c} {h} in the {p}", "{p} : {s} {c} {h}",
        "{a} {h} , {s} and {c} , at the {p}", "at the {p} there is {a} {s} {c} {h}", "{c} {s} {h} ( {p} )",
    ];
    static readonly string[] Joins = [" and ", " ; ", " , and ", " plus "];
    // {o}: the objects, {b}: background.
    static readonly string[] SceneTemplates = ["{o} on a {b} background", "{b} background : {o}", "{o} . the background is {b}", "{o} against a {b} backdrop"];

    /// <summary>The fixed vocabulary of every caption the templates can write (the same for every seed, split and size).</summary>
    public static Vocabulary Vocabulary { get; } = Vocabulary.Build(
        ShapeWords.Concat(ColourWords).Concat(BackgroundWords).Concat(SizeWords).Concat(PositionWords).SelectMany(w => w)
            .Concat(ObjectTemplates).Concat(Joins).Concat(SceneTemplates).Append("an")
            .Select(t => t.Replace("{a}", "a").Replace("{s}", "").Replace("{c}", "").Replace("{h}", "").Replace("{p}", "").Replace("{o}", "").Replace("{b}", "")),
        maxLength: MaxTokens);

    static readonly string[] SplitNames = ["train", "test", "heldout"];

    /// <summary>The scene of image <paramref name="index"/> of <paramref name="split"/> ("train", "test" or "heldout").</summary>
    public static ShapeScene Scene(long seed, string split, int index)
    {
        var rng = RngFor(seed, split, index);
        return SampleScene(ref rng, split == "heldout");
    }

    /// <summary>The captions of image <paramref name="index"/> (as <see cref="Generate"/> writes them).</summary>
    public static string[] Captions(long seed, string split, int index, int count = DefaultCaptionsPerImage)
    {
        var rng = RngFor(seed, split, index);
        var scene = SampleScene(ref rng, split == "heldout");
        SkipJitter(ref rng, scene);
        return Enumerable.Range(0, count).Select(_ => Caption(ref rng, scene)).ToArray();
    }

    /// <summary>
    /// Generates <paramref name="count"/> images of side <paramref name="size"/> (16..512) with their captions and
    /// attributes (see <see cref="CaptionFields"/> for the fields).
    /// </summary>
    public static TensorDataset Generate(int count, int size, long seed, string split = "train", int captionsPerImage = DefaultCaptionsPerImage)
    {
        Check(count, size, split, captionsPerImage);
        var pixels = new byte[(long)count * 3 * size * size];
        var attributes = new long[(long)count * AttributeCount];
        var captionIds = new List<IReadOnlyList<long[]>>(count);
        var vocab = Vocabulary;
        for (int i = 0; i < count; i++)
        {
            var rng = RngFor(seed, split, i);
            var scene = SampleScene(ref rng, split == "heldout");
            Draw(scene, ref rng, size, pixels.AsSpan(i * 3 * size * size, 3 * size * size));
            scene.Attributes().CopyTo(attributes, (long)i * AttributeCount);
            var ids = new long[captionsPerImage][];
            for (int k = 0; k < captionsPerImage; k++)
            {
                var caption = Caption(ref rng, scene);
                ids[k] = vocab.EncodeLenient(caption);
                if (Vocabulary.Tokenize(caption).Count > MaxTokens || ids[k].Contains(Vocabulary.UnkId))
                    throw new InvalidOperationException($"shapes caption template bug: \"{caption}\" is too long or has a word outside the vocabulary");
            }
            captionIds.Add(ids);
        }
        var fields = CaptionFields.Build(captionIds, MaxTokens, captionsPerImage);
        fields[CaptionFields.Attributes] = tensor(attributes, [count, AttributeCount]); // cpu: data and evaluation on the CPU
        return new TensorDataset($"shapes-{split}", tensor(pixels, [count, 3, size, size]), fields: fields, // cpu: data and evaluation on the CPU
            attachments: new Dictionary<string, object> { [CaptionFields.VocabularyKey] = vocab });
    }

    /// <summary>
    /// <see cref="Generate"/> through a cache file under <paramref name="cacheRoot"/>/shapes keyed by (version,
    /// seed, split, count, size, captions per image). A damaged cache file is reported, deleted and regenerated.
    /// </summary>
    public static TensorDataset Load(int count, int size, long seed, string split, string? cacheRoot, Action<string>? log = null,
        int captionsPerImage = DefaultCaptionsPerImage)
    {
        Check(count, size, split, captionsPerImage);
        var cache = new DatasetCache(cacheRoot ?? DatasetCache.DefaultRoot(), "shapes");
        var path = cache.PathOf($"shapes-v{Version}-seed{seed}-{split}-n{count}-s{size}-k{captionsPerImage}.bin");
        if (File.Exists(path))
        {
            try
            {
                var cached = ShapesCacheFile.Read(path, count, size, captionsPerImage, split);
                log?.Invoke($"using cached {path}");
                return cached;
            }
            catch (DataException e)
            {
                log?.Invoke($"{e.Message}; deleting it and generating again");
                File.Delete(path);
            }
        }
        log?.Invoke($"generating {count} shapes images ({split}, {size}x{size}, seed {seed})");
        var data = Generate(count, size, seed, split, captionsPerImage);
        Directory.CreateDirectory(cache.Dir);
        ShapesCacheFile.Write(path, data);
        log?.Invoke($"stored {path}");
        return data;
    }

    static void Check(int count, int size, string split, int captionsPerImage)
    {
        if (count < 1) throw new DataException($"shapes needs a positive --count, got {count}");
        if (size is < 16 or > 512) throw new DataException($"shapes image size {size} is out of range: use 16 to 512 (e.g. 32, 64 or 128)");
        if (!SplitNames.Contains(split)) throw new DataException($"unknown shapes split '{split}': use train, test or heldout");
        if (captionsPerImage is < 1 or > 64) throw new DataException($"captions per image must be 1 to 64, got {captionsPerImage}");
    }

    static SplitMix64 RngFor(long seed, string split, int index) =>
        new(SplitMix64.Mix(SplitMix64.Mix((ulong)seed ^ 0x5AA5_1234_ABCDUL) ^ (ulong)Array.IndexOf(SplitNames, split) * 0x1000_0000_0000UL ^ (ulong)index));

    static ShapeScene SampleScene(ref SplitMix64 rng, bool heldOut)
    {
        int background = rng.Next(Backgrounds.Length);
        int n = 1 + rng.Next(MaxObjects);
        int first = rng.Next(9);
        int second = (first + 1 + rng.Next(8)) % 9;                  // a different cell
        var objects = new List<ShapeObject>();
        for (int s = 0; s < n; s++)
        {
            int shape, colour;
            if (heldOut && s == 0)
                (shape, colour) = HeldOut[rng.Next(HeldOut.Count)];
            else
                do { shape = rng.Next(Shapes.Length); colour = rng.Next(Colours.Length); }
                while (!heldOut && IsHeldOut(shape, colour));
            objects.Add(new ShapeObject(shape, colour, rng.Next(Sizes.Length), s == 0 ? first : second));
        }
        objects.Sort((a, b) => a.Position.CompareTo(b.Position));
        return new ShapeScene(background, objects);
    }

    // Jitter draws two numbers per object; Captions() skips them to reach the same caption stream as Generate().
    static void SkipJitter(ref SplitMix64 rng, ShapeScene scene)
    {
        for (int i = 0; i < 2 * scene.Objects.Count; i++) rng.NextDouble();
    }

    static string Caption(ref SplitMix64 rng, ShapeScene scene)
    {
        var order = scene.Objects.ToList();
        if (order.Count == 2 && rng.Next(2) == 1) order.Reverse();
        var parts = new List<string>();
        foreach (var o in order) parts.Add(ObjectPhrase(ref rng, o));
        string objects = parts.Count == 1 ? parts[0] : parts[0] + Joins[rng.Next(Joins.Length)] + parts[1];
        string background = Pick(ref rng, BackgroundWords[scene.Background]);
        return SceneTemplates[rng.Next(SceneTemplates.Length)].Replace("{o}", objects).Replace("{b}", background);
    }

    static string ObjectPhrase(ref SplitMix64 rng, ShapeObject o)
    {
        string t = ObjectTemplates[rng.Next(ObjectTemplates.Length)];
        string size = Pick(ref rng, SizeWords[o.Size]), colour = Pick(ref rng, ColourWords[o.Colour]);
        string shape = Pick(ref rng, ShapeWords[o.Shape]), position = Pick(ref rng, PositionWords[o.Position]);
        // The article agrees with the word after it.
        string next = t.IndexOf("{a} {s}", StringComparison.Ordinal) >= 0 ? size : shape;
        string article = "aeiou".Contains(next[0]) ? "an" : "a";
        return t.Replace("{a}", article).Replace("{s}", size).Replace("{c}", colour).Replace("{h}", shape).Replace("{p}", position);
    }

    static string Pick(ref SplitMix64 rng, string[] words) => words[rng.Next(words.Length)];

    // Object radius as a fraction of half a grid cell, per size.
    static readonly double[] RadiusFraction = [0.5, 0.7, 0.9];
    static readonly (double X, double Y)[] StarPolygon = Enumerable.Range(0, 10)
        .Select(k => (Radius: k % 2 == 0 ? 1.0 : 0.45, Angle: -Math.PI / 2 + k * Math.PI / 5))
        .Select(p => (p.Radius * Math.Cos(p.Angle), p.Radius * Math.Sin(p.Angle))).ToArray();
    const int Supersample = 4;

    /// <summary>Draws <paramref name="scene"/> into planar 3×size×size bytes: every pixel's colour is the mix of the
    /// background and the objects by the share of its 4×4 sub-pixel samples each covers (objects in slot order).</summary>
    static void Draw(ShapeScene scene, ref SplitMix64 rng, int size, Span<byte> planar)
    {
        int hw = size * size;
        var rgb = new float[3 * hw];
        for (int c = 0; c < 3; c++) Array.Fill(rgb, BackgroundRgb[scene.Background][c], c * hw, hw);
        double cell = size / 3.0;
        foreach (var o in scene.Objects)
        {
            double jx = (rng.NextDouble() - 0.5) * 0.1 * cell, jy = (rng.NextDouble() - 0.5) * 0.1 * cell;
            double cx = (o.Position % 3 + 0.5) * cell + jx, cy = (o.Position / 3 + 0.5) * cell + jy;
            double r = RadiusFraction[o.Size] * cell / 2;
            int x0 = Math.Max(0, (int)Math.Floor(cx - r - 1)), x1 = Math.Min(size - 1, (int)Math.Ceiling(cx + r + 1));
            int y0 = Math.Max(0, (int)Math.Floor(cy - r - 1)), y1 = Math.Min(size - 1, (int)Math.Ceiling(cy + r + 1));
            var colour = ColourRgb[o.Colour];
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                {
                    int inside = 0;
                    for (int sy = 0; sy < Supersample; sy++)
                        for (int sx = 0; sx < Supersample; sx++)
                        {
                            double u = (x + (sx + 0.5) / Supersample - cx) / r, v = (y + (sy + 0.5) / Supersample - cy) / r;
                            if (Inside(o.Shape, u, v)) inside++;
                        }
                    if (inside == 0) continue;
                    float a = inside / (float)(Supersample * Supersample);
                    for (int c = 0; c < 3; c++)
                    {
                        int i = c * hw + y * size + x;
                        rgb[i] = rgb[i] * (1 - a) + colour[c] * a;
                    }
                }
        }
        for (int i = 0; i < rgb.Length; i++) planar[i] = (byte)Math.Clamp(MathF.Round(rgb[i]), 0, 255);
    }

    /// <summary>Whether (u, v), in units of the object's radius from its centre (v down), is inside the shape.</summary>
    static bool Inside(int shape, double u, double v) => shape switch
    {
        0 => u * u + v * v <= 1,                                      // circle
        1 => Math.Max(Math.Abs(u), Math.Abs(v)) <= 0.8,               // square
        2 => v <= 0.75 && Math.Abs(u) <= 0.95 * (v + 1) / 1.75,       // triangle, apex up
        3 => Math.Abs(u) + Math.Abs(v) <= 1,                          // diamond
        _ => InPolygon(StarPolygon, u, v),                            // five-pointed star
    };

    static bool InPolygon((double X, double Y)[] p, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = p.Length - 1; i < p.Length; j = i++)
            if ((p[i].Y > y) != (p[j].Y > y) && x < (p[j].X - p[i].X) * (y - p[i].Y) / (p[j].Y - p[i].Y) + p[i].X)
                inside = !inside;
        return inside;
    }
}

/// <summary>A small, stable pseudo-random generator (SplitMix64), so generated data never depends on the runtime's Random.</summary>
internal struct SplitMix64(ulong state)
{
    ulong _state = state;

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64() => Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n) => (int)(NextUInt64() % (ulong)n);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}

/// <summary>
/// The shapes cache file: magic, version, N, size, K, L, A, split; the pixels, the caption ids and the attributes;
/// then the SHA-256 of everything before it. Written to a temp file and renamed into place.
/// </summary>
internal static class ShapesCacheFile
{
    const string Magic = "GSSHAPES";

    public static void Write(string path, TensorDataset data)
    {
        GanSharp.IO.AtomicFile.Write(path, file =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var payload = Payload(data);
            hash.AppendData(payload);
            file.Write(payload);
            file.Write(hash.GetHashAndReset());
        });
    }

    static byte[] Payload(TensorDataset data)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        var captions = data.ExtraFields[CaptionFields.Captions];
        var attributes = data.ExtraFields[CaptionFields.Attributes];
        w.Write(System.Text.Encoding.ASCII.GetBytes(Magic));
        w.Write(CaptionedShapes.Version);
        w.Write((int)data.Count);
        w.Write((int)data.Data.shape[2]);
        w.Write((int)captions.shape[1]);
        w.Write((int)captions.shape[2]);
        w.Write((int)attributes.shape[1]);
        w.Write(data.Name);
        w.Write(data.Data.contiguous().bytes); // cpu: the CPU data set
        w.Write(captions.contiguous().bytes); // cpu: the CPU data set
        w.Write(data.ExtraFields[CaptionFields.CaptionCount].contiguous().bytes); // cpu: the CPU data set
        w.Write(attributes.contiguous().bytes); // cpu: the CPU data set
        w.Flush();
        return ms.ToArray();
    }

    public static TensorDataset Read(string path, int count, int size, int k, string split)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 32 + Magic.Length)
            throw new DataException($"cached {path} is truncated");
        var payload = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new DataException($"cached {path} is damaged (checksum mismatch)");
        using var r = new BinaryReader(new MemoryStream(bytes, 0, payload.Length));
        if (System.Text.Encoding.ASCII.GetString(r.ReadBytes(Magic.Length)) != Magic)
            throw new DataException($"cached {path} is not a shapes cache file");
        int version = r.ReadInt32(), n = r.ReadInt32(), s = r.ReadInt32(), kk = r.ReadInt32(), l = r.ReadInt32(), a = r.ReadInt32();
        string name = r.ReadString();
        if (version != CaptionedShapes.Version || n != count || s != size || kk != k || l != CaptionedShapes.MaxTokens
            || a != CaptionedShapes.AttributeCount || name != $"shapes-{split}")
            throw new DataException($"cached {path} holds other data (version {version}, {n} images of {s}px, {kk} captions)");
        var pixels = r.ReadBytes(n * 3 * s * s);
        var captions = Longs(r, (long)n * kk * l);
        var counts = Longs(r, n);
        var attributes = Longs(r, (long)n * a);
        var captionTensor = tensor(captions, [n, kk, l]); // cpu: data and evaluation on the CPU
        var text = captionTensor.select(1, 0).contiguous();
        var fields = new Dictionary<string, Tensor>
        {
            [BatchFields.Text] = text,
            [BatchFields.TextMask] = text.ne(Vocabulary.PadId),
            [CaptionFields.Captions] = captionTensor,
            [CaptionFields.CaptionCount] = tensor(counts), // cpu: data and evaluation on the CPU
            [CaptionFields.Attributes] = tensor(attributes, [n, a]), // cpu: data and evaluation on the CPU
        };
        return new TensorDataset(name, tensor(pixels, [n, 3, s, s]), fields: fields, // cpu: data and evaluation on the CPU
            attachments: new Dictionary<string, object> { [CaptionFields.VocabularyKey] = CaptionedShapes.Vocabulary });
    }

    static long[] Longs(BinaryReader r, long count)
    {
        var bytes = r.ReadBytes(checked((int)(count * 8)));
        if (bytes.Length != count * 8) throw new DataException("cached shapes file is truncated");
        var result = new long[count];
        Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
        return result;
    }
}

/// <summary>`--data shapes`: <see cref="CaptionedShapes"/> with --count, --size, --seed and --split train|test|heldout.</summary>
public sealed class ShapesDatasetProvider : IDatasetProvider
{
    public string Name => "shapes";

    public string Description => "captioned shapes: 1-2 coloured shapes on a background, 5 captions per image, attributes; splits train, test, heldout (unseen shape-colour pairs)";

    public TensorDataset Open(DatasetOpenOptions options, Action<string>? log) =>
        CaptionedShapes.Load(options.Count, options.Size, options.Seed, options.Split, options.CacheDir, log);
}
