using GanSharp.Data;
using GanSharp.Latent;
using static TorchSharp.torch;

namespace GanSharp.Families.TextToImage;

/// <summary>
/// Cut points that bucket the measured stroke thickness, slant and ink size of an image into three words each:
/// below the low cut → 0 (thin / leaning left / small), above the high cut → 2 (thick / leaning right / large),
/// else 1. By default the tertiles of the training split, so each word covers about a third of it.
/// </summary>
public sealed record DigitCaptionThresholds(double ThinBelow, double ThickAbove, double LeftBelow, double RightAbove, double SmallBelow, double LargeAbove)
{
    public static int Bucket(double value, double below, double above) => value < below ? 0 : value > above ? 2 : 1;
}

/// <summary>
/// Captioned MNIST and Fashion-MNIST: each image gets captions made from its class name and from three measures the
/// project already computes (<see cref="DigitAttributes.Thickness"/>, <see cref="DigitAttributes.Slant"/>, and the
/// ink area as its size), each bucketed into three words ("a thick seven leaning right , large").
/// Attributes (int64 N×4): [class, thickness 0-2, slant 0-2 (left, upright, right), size 0-2].
/// </summary>
public static class CaptionedMnist
{
    public const int MaxTokens = 24;
    public const int DefaultCaptionsPerImage = 5;
    public const string ThresholdsKey = "caption_thresholds";

    internal static readonly string[][] DigitWords =
    [
        ["zero", "0"], ["one", "1"], ["two", "2"], ["three", "3"], ["four", "4"],
        ["five", "5"], ["six", "6"], ["seven", "7"], ["eight", "8"], ["nine", "9"],
    ];
    internal static readonly string[][] FashionWords =
    [
        ["t-shirt", "tee"], ["trousers", "pants"], ["pullover", "sweater"], ["dress"], ["coat", "jacket"],
        ["sandal"], ["shirt"], ["sneaker", "trainer"], ["bag", "handbag"], ["ankle boot", "boot"],
    ];
    internal static readonly string[][] ThicknessWords = [["thin", "skinny", "fine"], ["regular", "normal"], ["thick", "bold", "heavy"]];
    internal static readonly string[][] SlantWords = [["leaning left", "slanted left", "tilted to the left"], ["upright", "straight"], ["leaning right", "slanted right", "tilted to the right"]];
    internal static readonly string[][] SizeWords = [["small", "little"], ["medium-sized", "mid-sized"], ["large", "big"]];

    // {n}: class, {t}: thickness, {l}: slant, {s}: size.
    static readonly string[] Templates =
    [
        "a {s} , {t} {n} {l}", "{n} : {t} strokes , {s} , {l}", "a {t} {n} , {l} and {s}",
        "this {s} {n} is {t} and {l}", "{l} , {t} , {s} {n}",
    ];

    /// <summary>The tertiles of thickness, slant and size over <paramref name="data"/> (uint8 N×1×H×W).</summary>
    public static DigitCaptionThresholds MeasureThresholds(TensorDataset data)
    {
        var (thickness, slant, size) = Measure(data);
        // Cuts halfway between neighbours at the thirds, so all-equal values fall in the middle bucket.
        static (double, double) Tertiles(double[] v)
        {
            var s = v.Order().ToArray();
            double Cut(int i) => (s[Math.Clamp(i - 1, 0, s.Length - 1)] + s[Math.Clamp(i, 0, s.Length - 1)]) / 2;
            return (Cut(s.Length / 3), Cut(2 * s.Length / 3));
        }
        var (t0, t1) = Tertiles(thickness);
        var (l0, l1) = Tertiles(slant);
        var (s0, s1) = Tertiles(size);
        return new DigitCaptionThresholds(t0, t1, l0, l1, s0, s1);
    }

    /// <summary>The three measures of every image, in chunks (images scaled to [-1, 1]).</summary>
    static (double[] Thickness, double[] Slant, double[] Size) Measure(TensorDataset data)
    {
        long n = data.Count;
        var thickness = new double[n];
        var slant = new double[n];
        var size = new double[n];
        for (long start = 0; start < n; start += 4096)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(4096, n - start);
            var x = data.Gather(arange(start, start + len, ScalarType.Int64)); // cpu: data and evaluation on the CPU
            var t = DigitAttributes.Thickness(x).to_type(ScalarType.Float64).data<double>().ToArray(); // cpu: the CPU data set
            var l = DigitAttributes.Slant(x).to_type(ScalarType.Float64).data<double>().ToArray(); // cpu: the CPU data set
            var a = x.mean(new long[] { 1 }).gt(0).to_type(ScalarType.Float64).mean(new long[] { 1, 2 }).data<double>().ToArray(); // cpu: the CPU data set
            t.CopyTo(thickness, start);
            l.CopyTo(slant, start);
            a.CopyTo(size, start);
        }
        return (thickness, slant, size);
    }

    /// <summary>
    /// The captioned dataset of a labelled 1×H×W digit or clothing dataset (<paramref name="kind"/> "mnist" or
    /// "fashion-mnist"). <paramref name="thresholds"/> defaults to this data's own tertiles: pass the training
    /// split's when captioning the test split.
    /// </summary>
    public static TensorDataset Build(TensorDataset data, string kind, long seed, DigitCaptionThresholds? thresholds = null,
        int captionsPerImage = DefaultCaptionsPerImage)
    {
        var names = kind switch
        {
            "mnist" => DigitWords,
            "fashion-mnist" => FashionWords,
            _ => throw new DataException($"unknown captioned dataset kind '{kind}': use mnist or fashion-mnist"),
        };
        if (data.Labels is null || !data.IsImage || data.ExampleShape.Length != 3 || data.ExampleShape[0] != 1)
            throw new DataException($"captioned {kind} needs labelled 1×H×W images; {data.Name} is not");
        if (captionsPerImage is < 1 or > 64) throw new DataException($"captions per image must be 1 to 64, got {captionsPerImage}");
        var th = thresholds ?? MeasureThresholds(data);
        var (thickness, slant, size) = Measure(data);
        var labels = data.Labels.data<long>().ToArray(); // cpu: the CPU data set
        var vocab = VocabularyFor(kind);
        int n = (int)data.Count;
        var attributes = new long[n * 4];
        var captionIds = new List<IReadOnlyList<long[]>>(n);
        for (int i = 0; i < n; i++)
        {
            if (labels[i] is < 0 or > 9) throw new DataException($"{data.Name} has label {labels[i]} at index {i}, outside 0..9");
            int t = DigitCaptionThresholds.Bucket(thickness[i], th.ThinBelow, th.ThickAbove);
            int l = DigitCaptionThresholds.Bucket(slant[i], th.LeftBelow, th.RightAbove);
            int s = DigitCaptionThresholds.Bucket(size[i], th.SmallBelow, th.LargeAbove);
            attributes[i * 4] = labels[i];
            attributes[i * 4 + 1] = t;
            attributes[i * 4 + 2] = l;
            attributes[i * 4 + 3] = s;
            var rng = new SplitMix64(SplitMix64.Mix((ulong)seed * 0x9E37_79B9UL ^ (ulong)i));
            var ids = new long[captionsPerImage][];
            for (int k = 0; k < captionsPerImage; k++)
                ids[k] = vocab.EncodeLenient(Caption(ref rng, names[labels[i]], t, l, s));
            captionIds.Add(ids);
        }
        var fields = CaptionFields.Build(captionIds, MaxTokens, captionsPerImage);
        fields[CaptionFields.Attributes] = tensor(attributes, [n, 4]); // cpu: data and evaluation on the CPU
        return new TensorDataset(kind == "mnist" ? $"mnist-captions-{data.Name}" : $"fashion-captions-{data.Name}",
            data.Data.clone(), data.Labels.clone(), data.NumClasses, fields,
            new Dictionary<string, object> { [CaptionFields.VocabularyKey] = vocab, [ThresholdsKey] = th });
    }

    /// <summary>The captions <see cref="Build"/> writes for one image with the given class words and buckets.</summary>
    internal static string Caption(ref SplitMix64 rng, string[] classWords, int thickness, int slant, int size)
    {
        string Pick(ref SplitMix64 r, string[] w) => w[r.Next(w.Length)];
        var template = Templates[rng.Next(Templates.Length)];
        return template.Replace("{n}", Pick(ref rng, classWords)).Replace("{t}", Pick(ref rng, ThicknessWords[thickness]))
            .Replace("{l}", Pick(ref rng, SlantWords[slant])).Replace("{s}", Pick(ref rng, SizeWords[size]));
    }

    /// <summary>The fixed vocabulary of the templates for <paramref name="kind"/>.</summary>
    public static Vocabulary VocabularyFor(string kind) => Vocabulary.Build(
        (kind == "mnist" ? DigitWords : FashionWords).Concat(ThicknessWords).Concat(SlantWords).Concat(SizeWords).SelectMany(w => w)
            .Concat(Templates.Select(t => t.Replace("{n}", "").Replace("{t}", "").Replace("{l}", "").Replace("{s}", ""))),
        maxLength: MaxTokens);

    internal static TensorDataset Open(string kind, DatasetOpenOptions o, Action<string>? log)
    {
        MnistOptions Split(string split) => new() { Name = kind, Split = split, DataDir = o.DataDir, CacheDir = o.CacheDir, Offline = o.Offline };
        using var data = Mnist.Load(Split(o.Split), log);
        DigitCaptionThresholds? thresholds = null;
        if (o.Split != "train")
        {
            // Words mean the same on every split: bucket by the training split's tertiles.
            using var train = Mnist.Load(Split("train"), log);
            thresholds = MeasureThresholds(train);
        }
        return Build(data, kind, o.Seed, thresholds);
    }
}

/// <summary>`--data mnist-captions`: MNIST with captions from the digit, stroke thickness, slant and size.</summary>
public sealed class MnistCaptionsProvider : IDatasetProvider
{
    public string Name => "mnist-captions";
    public string Description => "MNIST with 5 captions per image from the digit and its thickness, slant and size (attributes N×4)";
    public TensorDataset Open(DatasetOpenOptions options, Action<string>? log) => CaptionedMnist.Open("mnist", options, log);
}

/// <summary>`--data fashion-captions`: Fashion-MNIST with captions from the item, stroke thickness, slant and size.</summary>
public sealed class FashionCaptionsProvider : IDatasetProvider
{
    public string Name => "fashion-captions";
    public string Description => "Fashion-MNIST with 5 captions per image from the item and its thickness, slant and size (attributes N×4)";
    public TensorDataset Open(DatasetOpenOptions options, Action<string>? log) => CaptionedMnist.Open("fashion-mnist", options, log);
}
