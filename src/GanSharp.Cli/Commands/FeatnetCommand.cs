using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanSharp.Families.ImageToImage;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp featnet train`: the project's photo feature network (SRGAN's content loss, eval-sr's feature FID/KID).</summary>
public static class FeatnetCommand
{
    public static Command Create()
    {
        var cmd = new Command("featnet", "Train the photo feature network (photo-featnet) used for SRGAN's content loss and eval-sr's feature FID/KID.");
        cmd.Subcommands.Add(Train());
        return cmd;
    }

    private static Command Train()
    {
        var data = new Option<string>("--data") { Description = "Folder of photos; only the training photos of its SR split are used", Required = true };
        var steps = new Option<int>("--steps") { Description = "Training steps (default 1500)", DefaultValueFactory = _ => 1500 };
        var batch = new Option<int>("--batch") { Description = "Patches per step, each in its 4 rotations (default 32)", DefaultValueFactory = _ => 32 };
        var size = new Option<int>("--size") { Description = "Patch side, a multiple of 8 (default 96, SRGAN's crop)", DefaultValueFactory = _ => 96 };
        var crops = new Option<int>("--crops") { Description = "Random patches drawn once from the training photos (default 4096)", DefaultValueFactory = _ => 4096 };
        var photoSide = new Option<int>("--photo-side") { Description = "Shrink each photo so its shorter side is at most N first, as 'train srresnet --photo-side' does (default 0: as they are)", DefaultValueFactory = _ => 0 };
        var lr = new Option<double>("--lr") { Description = "Peak Adam learning rate, cosine decay to 0 (default 2e-3)", DefaultValueFactory = _ => 2e-3 };
        var seed = new Option<long>("--seed") { Description = "Random seed (default 1)", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Torch threads (default 1)", DefaultValueFactory = _ => 1 };
        var outFile = new Option<string>("--out") { Description = "Weights file to write (.ckpt)", Required = true };
        var cmd = new Command("train", """
            Train photo-featnet self-supervised: predict the rotation (0, 90, 180, 270 degrees) of random patches of
            the training photos of a folder (split by photo as 'train srresnet' splits it), then report the rotation
            accuracy on patches of the test photos and the file's SHA-256. The committed network was made this way
            (see src/GanSharp/Families/ImageToImage/Weights/README.md).

            Example:
              gansharp featnet train --data ~/.cache/gansharp/photos/all --steps 1500 --out photo-featnet.ckpt
            """);
        foreach (var o in new Option[] { data, steps, batch, size, crops, photoSide, lr, seed, threads, outFile }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string path = p.GetValue(outFile)!, folder = p.GetValue(data)!;
            int side = p.GetValue(size), n = p.GetValue(crops);
            if (!path.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--out must name a .ckpt file (got '{path}')");
            if (side < 8 || side % 8 != 0) throw new ArgumentException($"--size must be a positive multiple of 8 (got {side})");
            if (n < 1 || p.GetValue(steps) < 1 || p.GetValue(batch) < 1) throw new ArgumentException("--crops, --steps and --batch must be positive");
            TorchRuntime.EnsureLoaded();
            set_num_threads(p.GetValue(threads));
            var split = SrData.SplitFolder(folder, side, 0.2, "featnet train");
            Console.Error.WriteLine($"{split.Train.Count} training photos, {split.Test.Count} test photos: drawing {n} patches of {side} px");
            int shrink = p.GetValue(photoSide);
            using var train = SrData.RandomCrops(split.Train, n, side, 1, p.GetValue(seed), m => Console.Error.WriteLine(m), shrink);
            using var test = SrData.RandomCrops(split.Test, 512, side, 1, SrData.SplitSeed, m => Console.Error.WriteLine(m), shrink);
            var clock = Stopwatch.StartNew();
            using var net = PhotoFeatureNet.TrainRotation(train.Data, p.GetValue(steps), p.GetValue(batch), p.GetValue(lr), p.GetValue(seed),
                progress: (step, loss, acc) => Console.Error.WriteLine($"step {step}/{p.GetValue(steps)}  loss {loss:F4}  rotation accuracy {acc:P1}  {clock.Elapsed.TotalSeconds:F0} s"));
            double trainSeconds = clock.Elapsed.TotalSeconds;
            double accTrain = net.RotationAccuracy(train.Data.narrow(0, 0, Math.Min(512, train.Count)));
            double accTest = net.RotationAccuracy(test.Data);
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            net.Save(path, new JsonObject
            {
                ["task"] = "rotation prediction (0/90/180/270) on random photo patches",
                ["data"] = Path.GetFullPath(folder),
                ["train-photos"] = split.Train.Count,
                ["patch"] = side,
                ["photo-side"] = shrink,
                ["crops"] = n,
                ["steps"] = p.GetValue(steps),
                ["batch"] = p.GetValue(batch),
                ["lr"] = p.GetValue(lr),
                ["seed"] = p.GetValue(seed),
                ["threads"] = p.GetValue(threads),
                ["train-seconds"] = Math.Round(trainSeconds, 1),
                ["rotation-accuracy-train"] = Math.Round(accTrain, 4),
                ["rotation-accuracy-test"] = Math.Round(accTest, 4),
            });
            string sha;
            using (var fs = File.OpenRead(path)) sha = Convert.ToHexStringLower(SHA256.HashData(fs));
            Console.WriteLine($"wrote {path} ({new FileInfo(path).Length} bytes, SHA-256 {sha}) after {p.GetValue(steps)} steps in {trainSeconds:F0} s; rotation accuracy {accTrain:P1} on 512 training patches, {accTest:P1} on 512 patches of the {split.Test.Count} test photos");
            return 0;
        });
        return cmd;
    }
}
