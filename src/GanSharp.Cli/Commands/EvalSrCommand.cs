using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Families.ImageToImage;
using GanSharp.Imaging;
using GanSharp.Metrics;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp eval-sr`: bicubic vs SR checkpoints on a folder of HR images (PSNR-Y, SSIM-Y, feature FID/KID).</summary>
public static class EvalSrCommand
{
    public static Command Create()
    {
        var checkpoints = new Option<string[]>("--checkpoint") { Description = "srresnet/srgan runs or .ckpt files to compare (repeat the option); none: bicubic only", AllowMultipleArgumentsPerToken = true };
        var data = new Option<string>("--data") { Description = "Folder of HR test images (e.g. Set5, Set14), or the runs' photo folder with --split test", Required = true };
        var split = new Option<string>("--split") { Description = "all: every image of the folder; test: only the test photos of the SR split the runs used", DefaultValueFactory = _ => "all" };
        split.AcceptOnlyFromAmong("all", "test");
        var photoSide = new Option<int?>("--photo-side") { Description = "Shrink each image (MATLAB bicubic) so its shorter side is at most N first (default: the first run's --photo-side with --split test, else 0: as they are)" };
        var crop = new Option<int>("--crop") { Description = "Center-crop each HR image to at most N×N pixels first (0: whole images)", DefaultValueFactory = _ => 0 };
        var scaleOpt = new Option<int?>("--scale") { Description = "Upscaling factor when no checkpoint gives it (default 4)" };
        var featureNet = new Option<string>("--feature-net") { Description = "Network of the feature FID/KID: photo-featnet, a .ckpt from 'featnet train', or none", DefaultValueFactory = _ => PhotoFeatureNet.CommittedName };
        var outDir = new Option<string?>("--out") { Description = "Folder for results.json and the side-by-side crops (default: none written)" };
        var tile = new Option<int>("--tile") { Description = $"Tile side in LR pixels (default {SrUpscale.DefaultTile})", DefaultValueFactory = _ => SrUpscale.DefaultTile };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        var cmd = new Command("eval-sr", """
            Evaluate super-resolution as SR papers do: each HR image is cropped to a multiple of the scale, its LR is
            MATLAB's bicubic downscale, and each method's uint8 output is scored by PSNR and SSIM on the Y channel
            (BT.601, 16-235) with a border of 'scale' pixels cropped. Bicubic upscaling is always the first row.
            With a feature network, a feature FID and KID compare 96x96 output patches with the HR patches (KID is
            the one to trust at a few hundred patches). --out writes results.json and, per image, a side-by-side
            crop of its most detailed 128x128 region: bicubic | each checkpoint | HR.

            Examples:
              gansharp eval-sr --checkpoint runs/srresnet --checkpoint runs/srgan --data ~/Set14
              gansharp eval-sr --checkpoint runs/srresnet --data ~/.cache/gansharp/photos/all --split test --crop 480 --out eval
            """);
        foreach (var o in new Option[] { checkpoints, data, split, photoSide, crop, scaleOpt, featureNet, outDir, tile, threads }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string folder = p.GetValue(data)!;
            int cropSide = p.GetValue(crop);
            if (cropSide < 0) throw new ArgumentException($"--crop must not be negative (got {cropSide})");
            if (!Directory.Exists(folder)) throw new ArgumentException($"--data '{folder}' is not a folder of images");
            TorchRuntime.EnsureLoaded();
            if (p.GetValue(threads) is int n) set_num_threads(n);
            var samplers = new List<(string Label, Sampler Sampler, SrSystem System)>();
            PhotoFeatureNet? net = null;
            var images = new List<SrEvalImage>();
            try
            {
                foreach (var c in p.GetValue(checkpoints) ?? [])
                {
                    var s = Sampler.Load(c);
                    samplers.Add((Label(c, s), s, UpscaleCommand.Model(s, c)));
                }
                int scale = samplers.Count > 0 ? samplers[0].System.Scale : p.GetValue(scaleOpt) ?? 4;
                foreach (var (label, _, system) in samplers)
                    if (system.Scale != scale) throw new ArgumentException($"{label} upscales ×{system.Scale}, the first checkpoint ×{scale}: compare checkpoints of one scale");
                if (p.GetValue(scaleOpt) is int given && given != scale) throw new ArgumentException($"--scale {given} differs from the checkpoints' ×{scale}");

                IReadOnlyList<string> files;
                int side = p.GetValue(photoSide) ?? (p.GetValue(split) == "test" && samplers.Count > 0 ? samplers[0].Sampler.Options.Get<int>("photo-side") : 0);
                if (side < 0) throw new ArgumentException($"--photo-side must not be negative (got {side})");
                if (p.GetValue(split) == "test")
                {
                    var o = samplers.Count > 0 ? samplers[0].Sampler.Options : null;
                    files = SrData.SplitFolder(folder, o?.Size ?? 96, o?.Get<double>("test-fraction") ?? 0.2, "eval-sr --split test").Test;
                }
                else files = ImageFiles(folder);
                if (files.Count == 0) throw new ArgumentException($"'{folder}' has no PNG, JPEG or BMP images");
                images = SrData.EvalImages(files, scale, cropSide, side);
                Console.Error.WriteLine($"{images.Count} images ({(p.GetValue(split) == "test" ? "the test photos of the SR split" : "every image")} of {folder}{(side > 0 ? $", shorter side shrunk to {side}" : "")}{(cropSide > 0 ? $", center-cropped to at most {cropSide}²" : "")}), ×{scale}, {images.Sum(i => i.Hr.shape[2] * i.Hr.shape[3]) / 1e6:F2} megapixels in all");

                Tensor? hrFeatures = null;
                string feature = p.GetValue(featureNet)!;
                if (feature != "none")
                {
                    (net, _, _) = PhotoFeatureNet.Load(feature);
                    hrFeatures = cat(images.Select(i => SrEvaluation.PatchFeatures(net, i.Hr)).ToList(), 0);
                }
                string? outPath = p.GetValue(outDir);
                var crops = new Tensor?[images.Count, samplers.Count + 2];
                var windows = images.Select(i => SrEvaluation.DetailWindow(i.Hr, 128)).ToList();
                Action<int, Tensor>? Keep(int column) => outPath is null ? null : (i, output) =>
                    crops[i, column] = Window(output, windows[i]).DetachFromDisposeScope();

                var results = new List<SrMethodScore>
                {
                    SrEvaluation.Score("bicubic", images, i => SrUpscale.Bicubic(i.Lr, scale), scale, net, hrFeatures, Keep(0)),
                };
                for (int k = 0; k < samplers.Count; k++)
                {
                    var system = samplers[k].System;
                    var bar = UpscaleCommand.Progress(samplers[k].Label);
                    results.Add(SrEvaluation.Score(samplers[k].Label, images,
                        i => SrUpscale.Rgb(x => system.G.call(x), i.Lr, scale, p.GetValue(tile), SrUpscale.DefaultOverlap, bar), scale, net, hrFeatures, Keep(k + 1)));
                }
                hrFeatures?.Dispose();

                Console.WriteLine($"| method | PSNR-Y (dB) | SSIM-Y | feature FID | KID ×10³ | seconds |");
                Console.WriteLine("|---|---:|---:|---:|---:|---:|");
                foreach (var r in results)
                    Console.WriteLine(FormattableString.Invariant(
                        $"| {r.Method} | {r.PsnrY:F2} | {r.SsimY:F4} | {(r.Fid is { } f ? f.ToString("F3", CultureInfo.InvariantCulture) : "–")} | {(r.KidMean is { } m ? $"{m * 1e3:F2} ± {r.KidStd!.Value * 1e3:F2}" : "–")} | {r.Seconds:F1} |"));
                if (results[0].Patches > 0) Console.WriteLine($"({results[0].Patches} patches of 96² for FID/KID, feature network {feature})");

                if (outPath is not null)
                {
                    Directory.CreateDirectory(Path.Combine(outPath, "crops"));
                    for (int i = 0; i < images.Count; i++)
                    {
                        crops[i, samplers.Count + 1] = Window(images[i].Hr, windows[i]).DetachFromDisposeScope();
                        using var row = SideBySide(Enumerable.Range(0, samplers.Count + 2).Select(k => crops[i, k]!).ToList());
                        ImageTensor.SavePng(Path.Combine(outPath, "crops", Path.GetFileNameWithoutExtension(images[i].Path) + ".png"), row);
                    }
                    File.WriteAllText(Path.Combine(outPath, "results.json"), Json(results, folder, p.GetValue(split)!, side, cropSide, scale, feature, samplers.Select(s => s.Label).ToList()).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
                    Console.Error.WriteLine($"wrote {Path.Combine(outPath, "results.json")} and {images.Count} crops (bicubic | {string.Join(" | ", samplers.Select(s => s.Label))} | HR) in {Path.Combine(outPath, "crops")}");
                }
                foreach (var t in crops) t?.Dispose();
                return 0;
            }
            finally
            {
                foreach (var i in images) i.Dispose();
                foreach (var s in samplers) s.Sampler.Dispose();
                net?.Dispose();
            }
        });
        return cmd;
    }

    /// <summary>A checkpoint's label: its run's name and step.</summary>
    static string Label(string source, Sampler s) => $"{RunName(source)} ({s.Options.Model}, step {s.Step})";

    /// <summary>
    /// The name a checkpoint is shown by: the run directory's for a run directory or a file in its
    /// <c>checkpoints/</c> folder, else the file's own name without its extension (a checkpoint copied aside).
    /// </summary>
    public static string RunName(string source)
    {
        string full = Path.GetFullPath(source).TrimEnd(Path.DirectorySeparatorChar);
        if (!File.Exists(full)) return Path.GetFileName(full);
        string? folder = Path.GetDirectoryName(full);
        return Path.GetFileName(folder) == "checkpoints" && Path.GetDirectoryName(folder) is { } run
            ? Path.GetFileName(run)
            : Path.GetFileNameWithoutExtension(full);
    }

    /// <summary>PNG, JPEG and BMP files under a folder, in ordinal order.</summary>
    static List<string> ImageFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg" or ".bmp")
            .Order(StringComparer.Ordinal).ToList();

    static Tensor Window(Tensor image, (int Top, int Left) at)
    {
        long h = Math.Min(128, image.shape[2]), w = Math.Min(128, image.shape[3]);
        return image.narrow(2, at.Top, h).narrow(3, at.Left, w).squeeze(0).contiguous();
    }

    /// <summary>C×h×w images in a row with 4 white pixels between them.</summary>
    static Tensor SideBySide(IReadOnlyList<Tensor> images)
    {
        using var scope = NewDisposeScope();
        var gap = full(new long[] { images[0].shape[0], images[0].shape[1], 4 }, 255, ScalarType.Byte);
        var parts = new List<Tensor>();
        foreach (var im in images)
        {
            if (parts.Count > 0) parts.Add(gap);
            parts.Add(im);
        }
        return cat(parts, 2).MoveToOuterDisposeScope();
    }

    static JsonObject Json(List<SrMethodScore> results, string folder, string split, int photoSide, int crop, int scale, string feature, List<string> labels) => new()
    {
        ["data"] = Path.GetFullPath(folder),
        ["split"] = split,
        ["photo-side"] = photoSide,
        ["crop"] = crop,
        ["scale"] = scale,
        ["border"] = scale,
        ["feature-net"] = feature,
        ["columns-of-crops"] = new JsonArray(new[] { "bicubic" }.Concat(labels).Append("HR").Select(l => (JsonNode)l!).ToArray()),
        ["methods"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
        {
            ["method"] = r.Method,
            ["psnr-y"] = double.IsFinite(r.PsnrY) ? Math.Round(r.PsnrY, 4) : null,
            ["ssim-y"] = Math.Round(r.SsimY, 5),
            ["fid"] = r.Fid is { } f ? Math.Round(f, 4) : null,
            ["kid"] = r.KidMean is { } k ? Math.Round(k, 6) : null,
            ["kid-std"] = r.KidStd is { } s ? Math.Round(s, 6) : null,
            ["patches"] = r.Patches,
            ["seconds"] = Math.Round(r.Seconds, 2),
            ["images"] = new JsonArray(r.Images.Select(i => (JsonNode)new JsonObject
            {
                ["path"] = i.Path,
                ["psnr-y"] = double.IsFinite(i.PsnrY) ? Math.Round(i.PsnrY, 4) : null,
                ["ssim-y"] = Math.Round(i.SsimY, 5),
            }).ToArray()),
        }).ToArray()),
    };
}
