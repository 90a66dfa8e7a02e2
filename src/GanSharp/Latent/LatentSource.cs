using System.Globalization;
using System.Text;
using GanSharp.Imaging;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Latent;

/// <summary>Where latents and target images come from: seeds, latent files, image files; with the edge checks.</summary>
public static class LatentSource
{
    /// <summary>Latent tools work on unconditional image generators; anything else is refused in one line.</summary>
    public static void CheckImageGenerator(GanSystem system)
    {
        if (system.ExampleShape.Length != 3)
            throw new ArgumentException($"latent tools need an image generator; this checkpoint's model '{system.Options.Model}' makes examples of shape [{string.Join(",", system.ExampleShape)}]");
        using var g0 = new Generator(0);
        using var probe = system.SampleCondition(1, g0);
        if (probe is not null)
            throw new ArgumentException($"latent tools support unconditional models; '{system.Options.Model}' is conditional");
    }

    /// <summary>
    /// The latent of seed s: the first latent `gansharp sample --seed s` draws (same generator, same prior), so a
    /// seed's row in an interpolation starts from the image that command shows first. Returns [seeds.Count, d].
    /// </summary>
    public static Tensor FromSeeds(GanSystem system, IReadOnlyList<long> seeds)
    {
        using var scope = NewDisposeScope();
        var rows = seeds.Select(s =>
        {
            using var g = new Generator((ulong)ShuffledBatches.MixSeed(s, -3));
            return system.SampleLatent(1, g);
        }).ToArray();
        return cat(rows, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Writes latents [n, d] as text: one latent per line, numbers separated by spaces (round-trip precision).</summary>
    public static void SaveLatents(string path, Tensor latents)
    {
        var z = latents.to_type(ScalarType.Float32).contiguous();
        long n = z.shape[0], d = z.shape[1];
        float[] v = z.data<float>().ToArray();
        var sb = new StringBuilder($"# {n} latents of dimension {d} (gansharp latent)\n");
        for (long i = 0; i < n; i++)
            sb.AppendLine(string.Join(' ', Enumerable.Range(0, (int)d).Select(j => v[i * d + j].ToString("R", CultureInfo.InvariantCulture))));
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        RunDirectory.AtomicWrite(path, sb.ToString());
    }

    /// <summary>Reads a latent file (one latent per line; spaces or commas; '#' starts a comment) as [n, d] float32.</summary>
    public static Tensor LoadLatents(string path, long d)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"latent file '{path}' does not exist");
        var values = new List<float>();
        int lineNo = 0, count = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            string line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            var parts = line.Split(new[] { ' ', '\t', ',' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != d)
                throw new ArgumentException($"latent file '{path}' line {lineNo} has {parts.Length} numbers; this generator's latents have {d}");
            foreach (var p in parts)
            {
                if (!float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) || !float.IsFinite(x))
                    throw new ArgumentException($"latent file '{path}' line {lineNo}: '{p}' is not a finite number");
                values.Add(x);
            }
            count++;
        }
        if (count == 0) throw new ArgumentException($"latent file '{path}' holds no latents");
        return tensor(values.ToArray()).reshape(count, d);
    }

    /// <summary>
    /// Reads a PNG (or JPEG, …) as a 1×C×H×W target in [-1, 1]. The image must already have the generator's size
    /// and channel count: nothing is resized or converted, so a wrong image is refused with the expected shape.
    /// </summary>
    public static Tensor LoadImage(string path, long[] exampleShape)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image '{path}' does not exist");
        var (pixels, w, h, c) = ImageFile.Load(path);
        long ec = exampleShape[0], eh = exampleShape[1], ew = exampleShape[2];
        if (c != ec || h != eh || w != ew)
            throw new ArgumentException($"image '{path}' is {w}x{h} with {c} channel(s); this generator makes {ew}x{eh} images with {ec} channel(s) (images are not resized: give a {ew}x{eh} {(ec == 1 ? "greyscale" : ec == 3 ? "RGB" : $"{ec}-channel")} PNG)");
        using var hwc = tensor(pixels, new long[] { h, w, c });
        return hwc.permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Float32).div_(127.5).sub_(1);
    }
}
