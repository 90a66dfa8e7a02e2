using System.CommandLine;
using System.Diagnostics;
using GanSharp.Families.ImageToImage;
using GanSharp.Imaging;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp upscale`: one image of any size through an SRResNet or SRGAN checkpoint, in blended tiles.</summary>
public static class UpscaleCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "The image to upscale (PNG, JPEG or BMP; RGB, gray or RGBA)" };
        var checkpoint = new Option<string>("--checkpoint") { Description = "An srresnet or srgan .ckpt file, or its run directory (the latest checkpoint)", Required = true };
        var outFile = new Option<string>("--out") { Description = "Output PNG (scale × the input's size, its channels)", Required = true };
        var tile = new Option<int>("--tile") { Description = $"Tile side in input pixels (default {SrUpscale.DefaultTile})", DefaultValueFactory = _ => SrUpscale.DefaultTile };
        var overlap = new Option<int>("--overlap") { Description = $"Overlap of neighbouring tiles in input pixels (default {SrUpscale.DefaultOverlap})", DefaultValueFactory = _ => SrUpscale.DefaultOverlap };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        var cmd = new Command("upscale", """
            Upscale an image with a super-resolution checkpoint (gansharp train srresnet / srgan). Any size: the
            image is processed in overlapping tiles blended without seams. RGB goes through the network; a gray
            image is repeated to RGB and averaged back; the alpha of an RGBA image is upscaled bicubically.

            Examples:
              gansharp upscale photo.jpg --checkpoint runs/srresnet --out photo-x4.png
              gansharp upscale logo.png --checkpoint runs/srgan/checkpoints/step-003000.ckpt --out logo-x4.png --tile 64
            """);
        cmd.Arguments.Add(input);
        foreach (var o in new Option[] { checkpoint, outFile, tile, overlap, threads }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string path = p.GetValue(outFile)!, inPath = p.GetValue(input)!;
            if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--out must name a .png file (got '{path}')");
            int t = p.GetValue(tile), ov = p.GetValue(overlap);
            if (t < 8) throw new ArgumentException($"--tile must be at least 8 (got {t})");
            if (ov < 0 || ov >= t) throw new ArgumentException($"--overlap must be between 0 and {t - 1} (got {ov})");
            TorchRuntime.EnsureLoaded();
            if (p.GetValue(threads) is int n) set_num_threads(n);
            var (bytes, w, h, c) = ImageFile.Load(inPath);                                  // ImageException names the file
            if (c == 2) (bytes, w, h, c) = ImageFile.Load(inPath, 4);                         // gray + alpha: as RGBA
            using var sampler = Sampler.Load(p.GetValue(checkpoint)!);
            var system = Model(sampler, p.GetValue(checkpoint)!);
            using var hwc = tensor(bytes, new long[] { h, w, c });
            using var pixels = hwc.permute(2, 0, 1).contiguous();
            var clock = Stopwatch.StartNew();
            using var up = SrUpscale.Image(x => system.G.call(x), pixels, system.Scale, t, ov, Progress("upscaling"));
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            ImageTensor.SavePng(path, up);
            Console.WriteLine($"wrote {path} ({up.shape[2]}×{up.shape[1]}, {up.shape[0]} channel(s)) from {inPath} ({w}×{h}) with {sampler.Options.Model} step {sampler.Step} in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return cmd;
    }

    /// <summary>The SR system of a checkpoint, or one clear error naming what it is instead.</summary>
    internal static SrSystem Model(Sampler sampler, string source) => sampler.System as SrSystem
        ?? throw new ArgumentException($"'{source}' is a {sampler.Options.Model} checkpoint: upscaling needs an srresnet or srgan run (gansharp train srresnet)");

    /// <summary>A progress bar on stderr: "label [#####.....] done/total tiles".</summary>
    internal static Action<int, int> Progress(string label)
    {
        int last = -1;
        return (done, total) =>
        {
            if (total <= 1) return;
            int filled = done * 20 / total;
            if (filled == last && done != total) return;
            last = filled;
            Console.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', 20 - filled)}] {done}/{total} tiles");
            if (done == total) Console.Error.WriteLine();
        };
    }
}
