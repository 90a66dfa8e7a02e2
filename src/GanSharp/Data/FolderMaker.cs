using GanSharp.Imaging;

namespace GanSharp.Data;

/// <summary>
/// Makes image folders a user can train on (<c>gansharp data export</c>, <c>gansharp data crops</c>): the first N
/// images of a dataset written as PNG files, or random square crops of a folder of large photos. Used to build the
/// folders measured in docs/own-images.md, so anyone here can rebuild them.
/// </summary>
public static class FolderMaker
{
    static readonly string[] PhotoExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>Writes the first <paramref name="count"/> images of <paramref name="data"/> as 00000.png, 00001.png, … ; returns how many.</summary>
    public static int ExportPng(TensorDataset data, string outDir, int count)
    {
        if (data.ExampleShape.Length != 3 || data.Data.dtype != TorchSharp.torch.ScalarType.Byte)
            throw new DataException($"dataset '{data.Name}' does not hold 8-bit images (examples of shape [{string.Join(",", data.ExampleShape)}]): export needs an image dataset");
        if (count < 1) throw new DataException($"--count must be positive (got {count})");
        int n = (int)Math.Min(count, data.Count);
        int c = (int)data.ExampleShape[0], h = (int)data.ExampleShape[1], w = (int)data.ExampleShape[2];
        if (c is not (1 or 3 or 4)) throw new DataException($"dataset '{data.Name}' has {c} channels: PNG export takes 1, 3 or 4");
        Directory.CreateDirectory(outDir);
        using var hwc = data.Data.narrow(0, 0, n).permute(0, 2, 3, 1).contiguous();
        var bytes = hwc.data<byte>().ToArray();
        int per = h * w * c;
        for (int i = 0; i < n; i++)
            ImageFile.SavePng(Path.Combine(outDir, $"{i:D5}.png"), bytes[(i * per)..((i + 1) * per)], w, h, c);
        return n;
    }

    /// <summary>
    /// <paramref name="count"/> RGB crops of size×size from the photos under <paramref name="fromDir"/> (recursive,
    /// ordinal path order), spread evenly over the photos: photo i gives ⌈count/P⌉ or ⌊count/P⌋ crops. Each crop is
    /// a square whose side is a uniform fraction in [<paramref name="minFraction"/>, <paramref name="maxFraction"/>]
    /// of the photo's shorter side, at a uniform position, shrunk to size×size by area averaging. Deterministic by
    /// <paramref name="seed"/>. Written as crop-00000.png, … ; returns the number of photos used.
    /// </summary>
    public static int RandomCrops(string fromDir, string outDir, int count, int size, long seed,
        double minFraction = 0.25, double maxFraction = 0.5, Action<string>? log = null)
    {
        if (!Directory.Exists(fromDir)) throw new DataException($"photo folder {fromDir} does not exist: pass a directory of PNG or JPEG photos");
        if (count < 1) throw new DataException($"--count must be positive (got {count})");
        if (size is < 1 or > 4096) throw new DataException($"--size {size} is out of range: use 1 to 4096 (e.g. 64)");
        if (!(minFraction > 0 && minFraction <= maxFraction && maxFraction <= 1))
            throw new DataException($"crop fractions must satisfy 0 < min ≤ max ≤ 1 (got {minFraction}, {maxFraction})");
        var photos = Directory.EnumerateFiles(fromDir, "*", SearchOption.AllDirectories)
            .Where(f => PhotoExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();
        if (photos.Count == 0) throw new DataException($"{fromDir} holds no PNG, JPEG or BMP photos (searched recursively): pass a folder of photos");
        Directory.CreateDirectory(outDir);
        var rng = new Random(unchecked((int)seed));
        int written = 0;
        for (int p = 0; p < photos.Count; p++)
        {
            int crops = count / photos.Count + (p < count % photos.Count ? 1 : 0);
            if (crops == 0) continue;
            var (pixels, width, height, _) = ImageFile.Load(photos[p], 3);
            int shorter = Math.Min(width, height);
            for (int k = 0; k < crops; k++)
            {
                double fraction = minFraction + (maxFraction - minFraction) * rng.NextDouble();
                int side = Math.Max(1, (int)Math.Round(shorter * fraction));
                int x = rng.Next(width - side + 1), y = rng.Next(height - side + 1);
                var chw = ImageFolder.ResizeRegion(pixels, width, x, y, side, side, 3, size);
                var hwc = new byte[chw.Length];
                for (int c = 0; c < 3; c++)
                    for (int i = 0; i < size * size; i++) hwc[i * 3 + c] = chw[c * size * size + i];
                ImageFile.SavePng(Path.Combine(outDir, $"crop-{written++:D5}.png"), hwc, size, size, 3);
            }
            log?.Invoke($"{Path.GetFileName(photos[p])}: {crops} crops");
        }
        return photos.Count;
    }
}
