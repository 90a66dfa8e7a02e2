using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Families.ImageToImage;
using GanSharp.Imaging;
using GanSharp.Metrics;
using GanSharp.Runs;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp eval-pix2pix`: pix2pix checkpoints (and the corrupted input) scored on the runs' held-out pairs.</summary>
public static class EvalPix2PixCommand
{
    public static Command Create()
    {
        var checkpoints = new Option<string[]>("--checkpoint") { Description = "pix2pix runs or .ckpt files trained on one task and folder (repeat the option)", Required = true, AllowMultipleArgumentsPerToken = true };
        var data = new Option<string?>("--data") { Description = "The photo folder (default: the first run's --data)" };
        var seed = new Option<long>("--seed") { Description = "Seed of the dropout masks (pix2pix keeps dropout on at test time; default 0)", DefaultValueFactory = _ => 0 };
        var featureNet = new Option<string>("--feature-net") { Description = "Network of the feature FID/KID: photo-featnet, a .ckpt from 'featnet train', or none", DefaultValueFactory = _ => PhotoFeatureNet.CommittedName };
        var outDir = new Option<string?>("--out") { Description = "Folder for results.json and grid.png (rows: held-out pairs; columns: source | each run | target)" };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        var cmd = new Command("eval-pix2pix", """
            Score pix2pix checkpoints on the held-out pairs of their task (the same images every run on the folder
            holds out; never trained on): L1 (0-1 scale), PSNR and SSIM on RGB, and a feature FID/KID on the photo
            feature network. Dropout stays on at test time, as in the paper, with masks from --seed. When the task's
            source is an RGB image (derain, denoise, inpaint), the corrupted input itself is the first row.

            Example:
              gansharp eval-pix2pix --checkpoint runs/derain-l1 --checkpoint runs/derain-cgan --checkpoint runs/derain-idcgan --out eval
            """);
        foreach (var o in new Option[] { checkpoints, data, seed, featureNet, outDir, threads }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            TorchRuntime.EnsureLoaded();
            if (p.GetValue(threads) is int n) set_num_threads(n);
            var runs = new List<(string Label, Sampler Sampler, Pix2PixSystem System)>();
            PhotoFeatureNet? net = null;
            TensorDataset? train = null, heldOut = null;
            try
            {
                foreach (var c in p.GetValue(checkpoints)!)
                {
                    var s = Sampler.Load(c);
                    if (s.System is not Pix2PixSystem system)
                    {
                        s.Dispose();
                        throw new ArgumentException($"'{c}' is a {s.Options.Model} checkpoint: eval-pix2pix needs pix2pix runs (gansharp train pix2pix)");
                    }
                    runs.Add(($"{Path.GetFileName(Path.GetFullPath(c).TrimEnd('/'))} ({system.Objective}, step {s.Step})", s, system));
                }
                var first = runs[0].Sampler.Options;
                foreach (var r in runs.Skip(1))
                    if (r.Sampler.Options.Get<string>("task") != first.Get<string>("task") || r.Sampler.Options.Size != first.Size || r.Sampler.Options.Data != first.Data)
                        throw new ArgumentException($"{r.Label} was trained on --task {r.Sampler.Options.Get<string>("task")} at {r.Sampler.Options.Size} px on '{r.Sampler.Options.Data}', the first run on --task {first.Get<string>("task")} at {first.Size} px on '{first.Data}': compare runs of one task and folder");
                var options = GanOptions.FromJson(first.ToJson());
                if (p.GetValue(data) is { } d) options.Data = d;
                (train, heldOut) = TrainingRun.OpenDataWithHeldOut(options, m => Console.Error.WriteLine(m));
                var sources = heldOut!.ExtraFields[BatchFields.Source];
                var targets = heldOut.Data;
                string feature = p.GetValue(featureNet)!;
                if (feature != "none") (net, _, _) = PhotoFeatureNet.Load(feature);

                var rows = new List<PairedScore>();
                var columns = new List<Tensor>();
                if (sources.shape[1] == targets.shape[1]) rows.Add(PairedEvaluation.Score("corrupted input", sources, targets, net));
                foreach (var (label, _, system) in runs)
                {
                    using var scope = NewDisposeScope();
                    using var dropout = new Generator((ulong)p.GetValue(seed));
                    Tensor output;
                    using (inference_mode())
                    {
                        var x = sources.to_type(ScalarType.Float32).div(127.5).sub(1);
                        output = ImageTensor.ToBytes(system.Translate(x, dropout).add(1).mul(127.5));
                    }
                    rows.Add(PairedEvaluation.Score(label, output, targets, net));
                    columns.Add(output.DetachFromDisposeScope());
                }

                Console.WriteLine($"held-out pairs: {targets.shape[0]} ({first.Get<string>("task")}, {first.Size} px, dropout seed {p.GetValue(seed)})");
                Console.WriteLine("| method | L1 | PSNR (dB) | SSIM | feature FID | KID ×10³ |");
                Console.WriteLine("|---|---:|---:|---:|---:|---:|");
                foreach (var r in rows)
                    Console.WriteLine(FormattableString.Invariant(
                        $"| {r.Method} | {r.L1:F4} | {r.Psnr:F2} | {r.Ssim:F4} | {(r.Fid is { } f ? f.ToString("F3", CultureInfo.InvariantCulture) : "–")} | {(r.KidMean is { } k ? $"{k * 1e3:F2} ± {r.KidStd!.Value * 1e3:F2}" : "–")} |"));

                if (p.GetValue(outDir) is { } outPath)
                {
                    Directory.CreateDirectory(outPath);
                    using (var scope = NewDisposeScope())
                    {
                        var src = sources.shape[1] == targets.shape[1] ? sources : sources.expand(-1, targets.shape[1], -1, -1);
                        var all = stack(new[] { src }.Concat(columns).Append(targets).ToArray(), 1).flatten(0, 1);
                        ImageGrid.Save(all.to_type(ScalarType.Float32).div(127.5).sub(1), Path.Combine(outPath, "grid.png"), nrow: columns.Count + 2);
                    }
                    var json = new JsonObject
                    {
                        ["task"] = first.Get<string>("task"),
                        ["size"] = first.Size,
                        ["data"] = options.Data,
                        ["held-out"] = targets.shape[0],
                        ["seed"] = p.GetValue(seed),
                        ["feature-net"] = feature,
                        ["methods"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
                        {
                            ["method"] = r.Method, ["l1"] = Math.Round(r.L1, 6), ["psnr"] = double.IsFinite(r.Psnr) ? Math.Round(r.Psnr, 4) : null, ["ssim"] = Math.Round(r.Ssim, 5),
                            ["fid"] = r.Fid is { } f ? Math.Round(f, 4) : null, ["kid"] = r.KidMean is { } k ? Math.Round(k, 6) : null,
                        }).ToArray()),
                    };
                    File.WriteAllText(Path.Combine(outPath, "results.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
                    Console.Error.WriteLine($"wrote {Path.Combine(outPath, "results.json")} and {Path.Combine(outPath, "grid.png")} (source | {string.Join(" | ", runs.Select(r => r.Label))} | target)");
                }
                foreach (var c in columns) c.Dispose();
                return 0;
            }
            finally
            {
                foreach (var r in runs) r.Sampler.Dispose();
                net?.Dispose();
                train?.Dispose();
                heldOut?.Dispose();
            }
        });
        return cmd;
    }
}
