using System.CommandLine;
using GanSharp.Data;

namespace GanSharp.Cli.Commands;

/// <summary>
/// `gansharp data export` and `gansharp data crops`: image folders to train on, e.g. the folders measured in
/// docs/own-images.md (a 1,000-image Fashion-MNIST subset, crops of Debian's wallpaper photos).
/// </summary>
public static class DataFolderCommands
{
    public static Command Export()
    {
        var name = new Argument<string>("name") { Description = "A dataset name (mnist, fashion-mnist, ...)" };
        var count = new Option<int>("--count") { Description = "Images to write: the first N of the split", DefaultValueFactory = _ => 1000 };
        var split = new Option<string>("--split") { Description = "train or test", DefaultValueFactory = _ => "train" };
        split.AcceptOnlyFromAmong("train", "test");
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with local MNIST-format IDX files" };
        var output = new Option<string>("--out") { Description = "Folder to write 00000.png, 00001.png, ... into", Required = true };
        var cmd = new Command("export", """
            Write the first N images of a dataset as PNG files: a folder to train on.

            Example (the 1,000-image Fashion-MNIST folder of docs/own-images.md):
              gansharp data export fashion-mnist --count 1000 --out fm1000
            """);
        cmd.Arguments.Add(name);
        foreach (var o in new Option[] { count, split, dataDir, output }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            using var data = Datasets.Open(p.GetValue(name)!, new DatasetOpenOptions { Split = p.GetValue(split)!, DataDir = p.GetValue(dataDir) }, m => Console.Error.WriteLine(m));
            int n = FolderMaker.ExportPng(data, p.GetValue(output)!, p.GetValue(count));
            Console.WriteLine($"wrote {n} images of {data.Name} to {p.GetValue(output)}");
            return 0;
        });
        return cmd;
    }

    public static Command Crops()
    {
        var from = new Option<string>("--from") { Description = "Folder of photos (searched recursively)", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write crop-00000.png, ... into", Required = true };
        var size = new Option<int>("--size") { Description = "Side of each crop in pixels", DefaultValueFactory = _ => 64 };
        var count = new Option<int>("--count") { Description = "Crops in all, spread evenly over the photos", DefaultValueFactory = _ => 1000 };
        var seed = new Option<long>("--seed") { Description = "Seed of the crop positions and sizes", DefaultValueFactory = _ => 1 };
        var min = new Option<double>("--min-fraction") { Description = "Smallest crop side, as a fraction of the photo's shorter side", DefaultValueFactory = _ => 0.25 };
        var max = new Option<double>("--max-fraction") { Description = "Largest crop side, as a fraction of the photo's shorter side", DefaultValueFactory = _ => 0.5 };
        var cmd = new Command("crops", """
            Cut random square crops from a folder of large photos, shrunk to --size: a folder to train on.

            Example (the photo folder of docs/own-images.md):
              gansharp data crops --from photos --out photo-crops64 --size 64 --count 1000 --seed 1
            """);
        foreach (var o in new Option[] { from, output, size, count, seed, min, max }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            int photos = FolderMaker.RandomCrops(p.GetValue(from)!, p.GetValue(output)!, p.GetValue(count), p.GetValue(size), p.GetValue(seed),
                p.GetValue(min), p.GetValue(max), m => Console.Error.WriteLine(m));
            Console.WriteLine($"wrote {p.GetValue(count)} crops of {p.GetValue(size)}x{p.GetValue(size)} from {photos} photos to {p.GetValue(output)}");
            return 0;
        });
        return cmd;
    }
}
