using GanSharp.Data;
using GanSharp.Imaging;
using static TorchSharp.torch;

namespace GanSharp.Families.Synthetic;

/// <summary>
/// `gansharp refine`: every image under a folder through a trained refiner, written as a PNG at the same relative
/// path under the output folder (so a labelled folder, DIR/&lt;class&gt;/*.png, stays labelled), and every other file
/// (a labels CSV, say) copied unchanged.
/// </summary>
public static class RefineFolder
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>Images refined and other files copied.</summary>
    public readonly record struct Result(int Images, int Copied);

    /// <summary>
    /// Refines every image under <paramref name="inDir"/> into <paramref name="outDir"/> in batches of
    /// <paramref name="batch"/>. Each image must have the size the refiner was trained on. <paramref name="progress"/>
    /// gets (done, total) after each batch.
    /// </summary>
    public static Result Run(RefinerSystem system, string inDir, string outDir, int batch = 256, Action<int, int>? progress = null)
    {
        if (!Directory.Exists(inDir)) throw new DataException($"--in {inDir} is not a folder: pass the folder of synthetic images to refine");
        string inFull = Path.GetFullPath(inDir).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        string outFull = Path.GetFullPath(outDir).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (outFull.StartsWith(inFull, StringComparison.Ordinal) || inFull.StartsWith(outFull, StringComparison.Ordinal))
            throw new DataException($"--out {outDir} and --in {inDir} overlap: write the refined images to a folder outside the input");
        if (batch < 1) throw new ArgumentException($"the batch must be positive (got {batch})");
        var files = Directory.EnumerateFiles(inDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var images = files.Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).ToList();
        if (images.Count == 0) throw new DataException($"{inDir} holds no PNG, JPEG or BMP images (searched recursively): nothing to refine");
        int c = (int)system.ExampleShape[0], h = (int)system.ExampleShape[1], w = (int)system.ExampleShape[2];

        int copied = 0;
        foreach (var f in files.Except(images))
        {
            string dst = Path.Combine(outDir, Path.GetRelativePath(inDir, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
            File.Copy(f, dst, overwrite: true);
            copied++;
        }
        for (int start = 0; start < images.Count; start += batch)
        {
            using var scope = NewDisposeScope();
            var chunk = images.Skip(start).Take(batch).ToList();
            var pixels = chunk.Select(f =>
            {
                var t = ImageTensor.Load(f, c);          // ImageException names the file
                if (t.shape[1] != h || t.shape[2] != w)
                    throw new DataException($"{f} is {t.shape[2]}×{t.shape[1]}, but the refiner takes {w}×{h} images (the size it was trained on)");
                return t;
            }).ToList();
            var x = stack(pixels, 0).to_type(ScalarType.Float32).div(127.5).sub(1);
            var y = ImageTensor.ToBytes(system.Refine(x).add(1).mul(127.5));
            for (int i = 0; i < chunk.Count; i++)
            {
                string rel = Path.ChangeExtension(Path.GetRelativePath(inDir, chunk[i]), ".png");
                string dst = Path.Combine(outDir, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
                ImageTensor.SavePng(dst, y[i]);
            }
            progress?.Invoke(Math.Min(start + batch, images.Count), images.Count);
        }
        return new Result(images.Count, copied);
    }
}
