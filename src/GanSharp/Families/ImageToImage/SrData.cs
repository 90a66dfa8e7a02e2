using GanSharp.Data;
using GanSharp.Imaging;
using StbImageSharp;
using static TorchSharp.torch;

namespace GanSharp.Families.ImageToImage;

/// <summary>Photos split for super-resolution: no crop of a test photo is ever trained on.</summary>
public sealed record SrSplit(IReadOnlyList<string> Train, IReadOnlyList<string> Test);

/// <summary>One evaluation image: HR cropped to a multiple of the scale, and its bicubic LR (uint8 1×C×H×W each).</summary>
public sealed record SrEvalImage(string Path, Tensor Hr, Tensor Lr) : IDisposable
{
    public void Dispose() { Hr.Dispose(); Lr.Dispose(); }
}

/// <summary>
/// Super-resolution data from any folder of large photos, made as SRGAN's was (Ledig et al. 2017): random HR crops
/// (96×96 in the paper), each LR the MATLAB bicubic ×1/scale downscale with antialiasing of its HR crop (uint8 path,
/// <see cref="MatlabImresize.ResizeBytes"/>). Train and test are split by photo; evaluation images are cropped to a
/// multiple of the scale first (MATLAB's modcrop), as benchmark scripts do for Set5/Set14.
/// </summary>
public static class SrData
{
    /// <summary>The seed of <see cref="SplitFolder"/>: a folder splits the same way for every run and command.</summary>
    public const long SplitSeed = 20170315;

    /// <summary>
    /// The photos of <paramref name="folder"/> (PNG/JPEG with both sides ≥ <paramref name="minSide"/>, one per
    /// picture, see <see cref="PhotoSources.ListPhotos"/>) split by photo with <see cref="SplitSeed"/>: the split
    /// every SR run, 'featnet train' and 'eval-sr --split test' use for that folder.
    /// </summary>
    public static SrSplit SplitFolder(string folder, int minSide, double testFraction, string who = "super-resolution")
    {
        if (!Directory.Exists(folder))
            throw new DataException($"{who} crops photos from a folder, but '{folder}' is not a folder: pass --data FOLDER of large photos (see 'gansharp data fetch photos')");
        var photos = PhotoSources.ListPhotos(folder, minSide);
        if (photos.Count < 2)
            throw new DataException($"'{folder}' has {photos.Count} PNG/JPEG photos of at least {minSide}×{minSide} pixels: {who} needs at least 2 (one to train on, one to test)");
        return SplitByImage(photos, testFraction, SplitSeed);
    }

    /// <summary>
    /// Splits photos by image with a seeded shuffle: round(fraction·n) test photos (at least 1, and at least 1 left
    /// for training), the rest for training. Both lists keep the input order.
    /// </summary>
    public static SrSplit SplitByImage(IReadOnlyList<string> photos, double testFraction = 0.2, long seed = 0)
    {
        if (photos.Count < 2)
            throw new DataException($"super-resolution needs at least 2 photos to split train/test by image, got {photos.Count}: add photos to the folder");
        if (testFraction is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"test fraction must be in (0, 1), got {testFraction}");
        int nTest = Math.Clamp((int)Math.Round(testFraction * photos.Count), 1, photos.Count - 1);
        var order = Enumerable.Range(0, photos.Count).ToArray();
        new Random(unchecked((int)seed) ^ 0x5E11).Shuffle(order);
        var test = order.Take(nTest).ToHashSet();
        return new SrSplit(
            photos.Where((_, i) => !test.Contains(i)).ToList(),
            photos.Where((_, i) => test.Contains(i)).ToList());
    }

    /// <summary>
    /// <paramref name="count"/> random <paramref name="hrSize"/>² crops (photo chosen uniformly per crop, position
    /// uniform within it) as a paired dataset: data = HR crops (uint8 N×3×hr×hr), "source" = LR (uint8
    /// N×3×hr/scale×hr/scale). Photos smaller than the crop or unreadable are skipped with a warning.
    /// </summary>
    public static TensorDataset RandomCrops(IReadOnlyList<string> photos, int count, int hrSize = 96, int scale = 4, long seed = 0,
        Action<string>? warn = null, int photoSide = 0, string? cacheDir = null)
    {
        if (cacheDir is null || count < 1 || hrSize < scale || hrSize % scale != 0)
            return DrawCrops(photos, count, hrSize, scale, seed, warn, photoSide);
        string key = CacheKey(photos, count, hrSize, scale, seed, photoSide);
        string file = Path.Combine(cacheDir, key + ".u8");
        long lrSide = hrSize / scale, hrBytes = (long)count * 3 * hrSize * hrSize, lrBytes = (long)count * 3 * lrSide * lrSide;
        if (hrBytes + lrBytes > Array.MaxLength) return DrawCrops(photos, count, hrSize, scale, seed, warn, photoSide);
        if (File.Exists(file) && new FileInfo(file).Length == hrBytes + lrBytes)
        {
            var bytes = File.ReadAllBytes(file);
            var hr = tensor(bytes.AsSpan(0, (int)hrBytes).ToArray(), new long[] { count, 3, hrSize, hrSize }); // cpu: the crop cache is read into the CPU data set
            var lr = tensor(bytes.AsSpan((int)hrBytes).ToArray(), new long[] { count, 3, lrSide, lrSide }); // cpu: the crop cache is read into the CPU data set
            warn?.Invoke($"{count} crops of {hrSize} px read from the crop cache {file}");
            return new TensorDataset("sr-crops", hr, fields: new Dictionary<string, Tensor> { [BatchFields.Source] = lr });
        }
        var drawn = DrawCrops(photos, count, hrSize, scale, seed, warn, photoSide);
        try
        {
            Directory.CreateDirectory(cacheDir);
            string tmp = file + $".{Environment.ProcessId}.tmp";
            using (var fs = File.Create(tmp))
            {
                fs.Write(drawn.Data.contiguous().data<byte>().ToArray()); // cpu: the CPU data set
                fs.Write(drawn.ExtraFields[BatchFields.Source].contiguous().data<byte>().ToArray()); // cpu: the CPU data set
            }
            File.Move(tmp, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warn?.Invoke($"cannot write the crop cache {file}: {e.Message}");
        }
        return drawn;
    }

    /// <summary>The cache key of a crop set: the photos (path, length, last write) and every setting that shapes the crops.</summary>
    static string CacheKey(IReadOnlyList<string> photos, int count, int hrSize, int scale, long seed, int photoSide)
    {
        var text = new System.Text.StringBuilder($"sr-crops-v1 {count} {hrSize} {scale} {seed} {photoSide}\n");
        foreach (var f in photos)
        {
            var info = new FileInfo(f);
            text.Append(Path.GetFullPath(f)).Append(' ').Append(info.Exists ? info.Length : -1).Append(' ')
                .Append(info.Exists ? info.LastWriteTimeUtc.Ticks : 0).Append('\n');
        }
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }

    static TensorDataset DrawCrops(IReadOnlyList<string> photos, int count, int hrSize, int scale, long seed, Action<string>? warn, int photoSide)
    {
        if (count < 1) throw new DataException($"crop count must be positive, got {count}");
        if (hrSize < scale || hrSize % scale != 0)
            throw new DataException($"HR crop size {hrSize} is not a multiple of the scale {scale}: use e.g. {Math.Max(scale, hrSize / scale * scale)}");
        var usable = new List<(string File, int W, int H)>();
        foreach (var f in photos)
        {
            var size = ReadSize(f, warn);
            if (size is not { } s0) continue;
            var s = Shrunk(s0, photoSide);
            if (s.W < hrSize || s.H < hrSize) { warn?.Invoke($"skipping {f}: {s.W}x{s.H} is smaller than the {hrSize}x{hrSize} crop"); continue; }
            usable.Add((f, s.W, s.H));
        }
        if (usable.Count == 0)
            throw new DataException($"none of the {photos.Count} photos can give a {hrSize}x{hrSize} crop: use larger photos or a smaller --crop");

        var rng = new Random(unchecked((int)seed) ^ 0x0C20);
        var picks = new (int Photo, int Top, int Left)[count];
        for (int i = 0; i < count; i++)
        {
            int p = rng.Next(usable.Count);
            picks[i] = (p, rng.Next(usable[p].H - hrSize + 1), rng.Next(usable[p].W - hrSize + 1));
        }
        var hr = new Tensor[count];
        foreach (var group in Enumerable.Range(0, count).GroupBy(i => picks[i].Photo))
        {
            using var image = LoadPhoto(usable[group.Key].File, photoSide);
            foreach (int i in group)
            {
                // Named and disposed after the copy: a temporary view that no code refers to during contiguous()
                // can be finalized by a GC on another thread while libtorch still reads it (see ImageTensor.Load).
                using var rows = image.narrow(1, picks[i].Top, hrSize);
                using var crop = rows.narrow(2, picks[i].Left, hrSize);
                hr[i] = crop.contiguous();
            }
        }
        try
        {
            var hrAll = stack(hr);
            var lr = Downscale(hrAll, scale);
            return new TensorDataset("sr-crops", hrAll, fields: new Dictionary<string, Tensor> { [BatchFields.Source] = lr });   // source: LR, smaller than the HR data
        }
        finally
        {
            foreach (var t in hr) t?.Dispose();
        }
    }

    /// <summary>
    /// Crops per <see cref="MatlabImresize.ResizeBytes"/> call in <see cref="Downscale"/>. The resize works in float64
    /// with several temporaries the size of its input, about 50 bytes per input byte at its peak: a whole set of
    /// 8192 patches of 64 px at once took 8 GB of memory, enough to draw the OOM killer next to other jobs.
    /// </summary>
    internal const int ResizeChunk = 256;

    /// <summary>
    /// The LR of every crop (MATLAB bicubic ×1/<paramref name="scale"/>), <see cref="ResizeChunk"/> crops at a time, so
    /// that the peak memory does not grow with the crop count; the result equals one whole-set resize (each image is
    /// resized on its own). At scale 1 (featnet train's patches) the resize is the identity and is skipped: a copy.
    /// </summary>
    internal static Tensor Downscale(Tensor hr, int scale)
    {
        if (scale == 1) return hr.clone();
        var parts = new List<Tensor>();
        try
        {
            for (long i = 0; i < hr.shape[0]; i += ResizeChunk)
            {
                using var part = hr.narrow(0, i, Math.Min(ResizeChunk, hr.shape[0] - i));
                parts.Add(MatlabImresize.ResizeBytes(part, 1.0 / scale));
            }
            return cat(parts, 0);
        }
        finally
        {
            foreach (var t in parts) t.Dispose();
        }
    }

    /// <summary>Top-left crop of a C×H×W (or N×C×H×W) image to height and width multiples of <paramref name="scale"/> (MATLAB's modcrop).</summary>
    public static Tensor ModCrop(Tensor image, int scale)
    {
        int hd = (int)image.dim() - 2, wd = (int)image.dim() - 1;
        long h = image.shape[hd] / scale * scale, w = image.shape[wd] / scale * scale;
        if (h == 0 || w == 0)
            throw new DataException($"a {image.shape[wd]}x{image.shape[hd]} image is smaller than the scale {scale}");
        return image.narrow(hd, 0, h).narrow(wd, 0, w).contiguous();
    }

    /// <summary>
    /// Evaluation pairs: each photo (center-cropped to at most <paramref name="centerCrop"/>² pixels when it is
    /// positive, for speed on large photos) mod-cropped to a multiple of <paramref name="scale"/>, LR its bicubic
    /// downscale.
    /// </summary>
    public static List<SrEvalImage> EvalImages(IReadOnlyList<string> photos, int scale = 4, int centerCrop = 0, int photoSide = 0)
    {
        var list = new List<SrEvalImage>();
        try
        {
            foreach (var f in photos)
            {
                using var scope = NewDisposeScope();
                var img = LoadPhoto(f, photoSide).unsqueeze(0);
                if (centerCrop > 0)
                {
                    long h = Math.Min(centerCrop, img.shape[2]), w = Math.Min(centerCrop, img.shape[3]);
                    img = img.narrow(2, (img.shape[2] - h) / 2, h).narrow(3, (img.shape[3] - w) / 2, w);
                }
                if (img.shape[2] < scale || img.shape[3] < scale)
                    throw new DataException($"{f} is {img.shape[3]}×{img.shape[2]} pixels, smaller than the scale {scale}: remove it from the folder");
                var hr = ModCrop(img, scale);
                var lr = MatlabImresize.ResizeBytes(hr, 1.0 / scale);
                list.Add(new SrEvalImage(f, hr.MoveToOuterDisposeScope(), lr.MoveToOuterDisposeScope()));
            }
            return list;
        }
        catch
        {
            foreach (var e in list) e.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A photo as uint8 3×H×W; with <paramref name="shortSide"/> &gt; 0 and a shorter side above it, shrunk by MATLAB
    /// bicubic with antialiasing (<see cref="MatlabImresize.ResizeBytes"/>) so that its shorter side is about
    /// <paramref name="shortSide"/> (sizes are ceil(scale·size)). Large wallpapers are smooth at full size; shrunk
    /// to 512–768 pixels they have the detail per pixel of ImageNet or Set14 images.
    /// </summary>
    public static Tensor LoadPhoto(string file, int shortSide = 0)
    {
        var img = Load(file);
        long min = Math.Min(img.shape[1], img.shape[2]);
        if (shortSide <= 0 || min <= shortSide) return img;
        using (img)
        using (var batch = img.unsqueeze(0))
        using (var small = MatlabImresize.ResizeBytes(batch, (double)shortSide / min))
            return small.squeeze(0).contiguous();
    }

    /// <summary>The size of a photo after <see cref="LoadPhoto"/> shrinks it.</summary>
    static (int W, int H) Shrunk((int W, int H) size, int shortSide)
    {
        int min = Math.Min(size.W, size.H);
        if (shortSide <= 0 || min <= shortSide) return size;
        double s = (double)shortSide / min;
        return ((int)Math.Ceiling(s * size.W), (int)Math.Ceiling(s * size.H));
    }

    static Tensor Load(string file)
    {
        try { return ImageTensor.Load(file, 3); }
        catch (ImageException e) { throw new DataException($"{e.Message}: remove or replace {file}", e); }
    }

    static (int W, int H)? ReadSize(string file, Action<string>? warn)
    {
        try
        {
            using var s = File.OpenRead(file);
            var info = ImageInfo.FromStream(s);
            if (info is { } i && i.Width > 0 && i.Height > 0) return (i.Width, i.Height);
            warn?.Invoke($"skipping {file}: not a readable PNG, JPEG or BMP image");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            warn?.Invoke($"skipping {file}: {e.Message}");
        }
        return null;
    }
}
