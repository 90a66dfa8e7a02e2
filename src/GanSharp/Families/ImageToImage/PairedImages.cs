using GanSharp.Data;
using GanSharp.Imaging;
using static TorchSharp.torch;

namespace GanSharp.Families.ImageToImage;

/// <summary>
/// Paired image data for image-to-image training, as a <see cref="TensorDataset"/> whose data is the target image
/// (uint8 N×C×H×W) and whose extra field <see cref="BatchFields.Source"/> is the input image (uint8, same N, H, W).
/// Two layouts: one file per pair with A and B side by side (pix2pix's A|B), or two folders matched by file name.
/// </summary>
public static class PairedImages
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>Image files directly or recursively under <paramref name="dir"/>, in ordinal path order.</summary>
    public static List<string> ListImages(string dir)
    {
        if (!Directory.Exists(dir))
            throw new DataException($"image folder {dir} does not exist: pass a directory of PNG, JPEG or BMP files");
        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new DataException($"{dir} holds no PNG, JPEG or BMP images (searched recursively): pass a folder of images");
        return files;
    }

    /// <summary>
    /// Side-by-side pairs: each file is [A | B] (left half A, right half B). With <paramref name="bToA"/> false the
    /// source is A and the target B. Each half is resized to <paramref name="size"/>×<paramref name="size"/> (MATLAB
    /// bicubic) when it is not that size already.
    /// </summary>
    public static TensorDataset SideBySide(string dir, int size, bool bToA = false, int channels = 3)
    {
        CheckSize(size);
        var sources = new List<Tensor>();
        var targets = new List<Tensor>();
        try
        {
            foreach (var file in ListImages(dir))
            {
                using var img = LoadImage(file, channels);
                long w = img.shape[2];
                if (w % 2 != 0)
                    throw new DataException($"{file} is {w} pixels wide, an odd width: a side-by-side A|B pair needs an even width (two halves of equal size)");
                using var a = img.narrow(2, 0, w / 2);
                using var b = img.narrow(2, w / 2, w / 2);
                sources.Add(Fit(bToA ? b : a, size));
                targets.Add(Fit(bToA ? a : b, size));
            }
            return Build(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir))), sources, targets);
        }
        finally
        {
            foreach (var t in sources.Concat(targets)) t.Dispose();
        }
    }

    /// <summary>
    /// Two folders: each image in <paramref name="sourceDir"/> pairs with the image of the same file name (without
    /// extension) in <paramref name="targetDir"/>. Every image must have its partner and each pair the same size;
    /// pairs are resized to <paramref name="size"/>×<paramref name="size"/> (MATLAB bicubic) when needed.
    /// </summary>
    public static TensorDataset TwoFolders(string sourceDir, string targetDir, int size, int channels = 3)
    {
        CheckSize(size);
        var src = ByStem(sourceDir);
        var dst = ByStem(targetDir);
        foreach (var stem in src.Keys.Where(k => !dst.ContainsKey(k)))
            throw new DataException($"{src[stem]} has no partner in {targetDir}: add {stem}.png (or .jpg) there, or remove it");
        foreach (var stem in dst.Keys.Where(k => !src.ContainsKey(k)))
            throw new DataException($"{dst[stem]} has no partner in {sourceDir}: add {stem}.png (or .jpg) there, or remove it");
        var sources = new List<Tensor>();
        var targets = new List<Tensor>();
        try
        {
            foreach (var stem in src.Keys.Order(StringComparer.Ordinal))
            {
                using var a = LoadImage(src[stem], channels);
                using var b = LoadImage(dst[stem], channels);
                if (!a.shape.SequenceEqual(b.shape))
                    throw new DataException(
                        $"pair {stem} differs in size: {src[stem]} is {a.shape[2]}x{a.shape[1]}, {dst[stem]} is {b.shape[2]}x{b.shape[1]}: a pair must show the same view at the same size");
                sources.Add(Fit(a, size));
                targets.Add(Fit(b, size));
            }
            return Build(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(targetDir))), sources, targets);
        }
        finally
        {
            foreach (var t in sources.Concat(targets)) t.Dispose();
        }
    }

    /// <summary>A paired dataset from stacked uint8 tensors: <paramref name="target"/> as data, <paramref name="source"/> as the "source" field.</summary>
    public static TensorDataset FromTensors(string name, Tensor source, Tensor target)
    {
        if (source.dtype != ScalarType.Byte || target.dtype != ScalarType.Byte || source.dim() != 4 || target.dim() != 4)
            throw new ArgumentException("source and target must be uint8 N×C×H×W");
        if (source.shape[0] != target.shape[0] || source.shape[2] != target.shape[2] || source.shape[3] != target.shape[3])
            throw new ArgumentException($"source [{string.Join(", ", source.shape)}] and target [{string.Join(", ", target.shape)}] differ in count or size");
        return new TensorDataset(name, target, fields: new Dictionary<string, Tensor> { [BatchFields.Source] = source });
    }

    static Dictionary<string, string> ByStem(string dir)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in ListImages(dir))
        {
            var stem = Path.GetRelativePath(dir, Path.ChangeExtension(f, null));
            if (!map.TryAdd(stem, f))
                throw new DataException($"{map[stem]} and {f} share the name {stem}: keep one image per name in {dir}");
        }
        return map;
    }

    static TensorDataset Build(string name, List<Tensor> sources, List<Tensor> targets) =>
        FromTensors(name, stack(sources.ToArray()), stack(targets.ToArray()));

    static Tensor LoadImage(string file, int channels)
    {
        try { return ImageTensor.Load(file, channels); }
        catch (ImageException e) { throw new DataException($"{e.Message}: remove or replace {file}", e); }
    }

    /// <summary>C×H×W uint8 → C×size×size uint8 (a copy), MATLAB bicubic when the size differs.</summary>
    internal static Tensor Fit(Tensor chw, int size)
    {
        if (chw.shape[1] == size && chw.shape[2] == size) return chw.clone();
        using var scope = NewDisposeScope();
        var resized = MatlabImresize.ResizeTo(chw.unsqueeze(0).to_type(ScalarType.Float32), size, size);
        return ImageTensor.ToBytes(resized).squeeze(0).MoveToOuterDisposeScope();
    }

    static void CheckSize(int size)
    {
        if (size is < 4 or > 4096)
            throw new DataException($"image size {size} is out of range: use a size between 4 and 4096 (e.g. 64)");
    }
}
