using GanSharp.Imaging;
using static TorchSharp.torch;

namespace GanSharp.Data;

/// <summary>
/// A folder of labelled images, one subfolder per class named by its number: <c>DIR/3/000017.png</c> is an image
/// of class 3. What `gansharp digits render` writes and `gansharp refine` keeps (it refines each file in place of
/// the same relative path), so labels travel with the images through refinement.
/// </summary>
public static class LabelledFolder
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>Writes every image of <paramref name="data"/> as DIR/&lt;label&gt;/&lt;index, 6 digits&gt;.png; returns how many.</summary>
    public static int Write(TensorDataset data, string dir)
    {
        if (!data.IsImage || data.ExampleShape.Length != 3 || data.Labels is null)
            throw new DataException($"'{data.Name}' is not a set of labelled images: a labelled folder needs both");
        int c = (int)data.ExampleShape[0], h = (int)data.ExampleShape[1], w = (int)data.ExampleShape[2];
        if (c is not (1 or 3 or 4)) throw new DataException($"'{data.Name}' has {c} channels: PNG takes 1, 3 or 4");
        using var hwc = data.Data.permute(0, 2, 3, 1).contiguous();
        var bytes = hwc.data<byte>().ToArray();
        var labels = data.Labels.data<long>().ToArray();
        int per = h * w * c;
        foreach (var l in labels.Distinct()) Directory.CreateDirectory(Path.Combine(dir, l.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        for (int i = 0; i < labels.Length; i++)
            ImageFile.SavePng(Path.Combine(dir, labels[i].ToString(System.Globalization.CultureInfo.InvariantCulture), $"{i:D6}.png"),
                bytes[(i * per)..((i + 1) * per)], w, h, c);
        return labels.Length;
    }

    /// <summary>
    /// Reads DIR/&lt;class&gt;/* (PNG, JPEG, BMP; ordinal path order) as uint8 N×C×H×W with int64 labels; every image
    /// must have the first one's size, and every image must sit in a subfolder named by a class number 0–999.
    /// </summary>
    public static TensorDataset Load(string dir, int channels = 1)
    {
        if (!Directory.Exists(dir))
            throw new DataException($"labelled folder {dir} does not exist: pass a folder of DIR/<class>/*.png (e.g. made by 'gansharp digits render')");
        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new DataException($"{dir} holds no PNG, JPEG or BMP images: pass a folder of DIR/<class>/*.png");
        var labels = new long[files.Count];
        byte[]? all = null;
        int width = 0, height = 0, per = 0;
        for (int i = 0; i < files.Count; i++)
        {
            string rel = Path.GetRelativePath(dir, files[i]);
            var parts = rel.Split(Path.DirectorySeparatorChar);
            if (parts.Length != 2 || !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int label) || label > 999)
                throw new DataException($"{files[i]} is not in a class folder: a labelled folder holds DIR/<class number>/<image>, e.g. {Path.Combine(dir, "3", "000017.png")}");
            labels[i] = label;
            var (pixels, w, h, c) = ImageFile.Load(files[i], channels);
            if (all is null)
            {
                (width, height, per) = (w, h, w * h * c);
                all = new byte[(long)per * files.Count];
            }
            else if (w != width || h != height)
                throw new DataException($"{files[i]} is {w}×{h}, but {files[0]} is {width}×{height}: every image of a labelled folder must have one size");
            // HWC → CHW
            int o = i * per;
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < w * h; p++) all[o + ch * w * h + p] = pixels[p * c + ch];
        }
        var images = tensor(all!, ScalarType.Byte).reshape(files.Count, channels, height, width);
        int classes = (int)labels.Max() + 1;
        return new TensorDataset(Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar)), images, tensor(labels), classes);
    }
}
