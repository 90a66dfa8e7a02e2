using System.CommandLine;
using GanSharp.Families.Synthetic;
using GanSharp.Training;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp refine`: a folder of synthetic images through a SimGAN refiner checkpoint, labels kept.</summary>
public static class RefineCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A refiner .ckpt file, or its run directory (the latest checkpoint)", Required = true };
        var input = new Option<string>("--in") { Description = "Folder of synthetic images (searched recursively), the size the refiner was trained on", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write the refined PNGs into, at the same relative paths", Required = true };
        var batch = new Option<int>("--batch") { Description = "Images refined at once (default 256)", DefaultValueFactory = _ => 256 };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        var cmd = new Command("refine", """
            Refine synthetic images with a refiner checkpoint (gansharp train refiner). Each image under --in is
            written as a PNG at the same relative path under --out, and every other file (a labels CSV, say) is
            copied, so labels travel with the images: DIR/3/000017.png stays a 3.

            Examples:
              gansharp digits render --count 20000 --out fonts
              gansharp refine --checkpoint runs/refiner --in fonts --out fonts-refined
            """);
        foreach (var o in new Option[] { checkpoint, input, output, batch, threads }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            TorchRuntime.EnsureLoaded();
            if (p.GetValue(threads) is int t)
            {
                if (t < 1) throw new ArgumentException($"--threads must be positive (got {t})");
                TorchSharp.torch.set_num_threads(t);
            }
            using var sampler = Sampler.Load(p.GetValue(checkpoint)!);
            if (sampler.System is not RefinerSystem system)
                throw new ArgumentException($"'{p.GetValue(checkpoint)}' is a {sampler.Options.Model} checkpoint: refine needs a refiner run (gansharp train refiner)");
            string inDir = p.GetValue(input)!, outDir = p.GetValue(output)!;
            int last = -1;
            var result = RefineFolder.Run(system, inDir, outDir, p.GetValue(batch), (done, total) =>
            {
                int pct = done * 100 / total;
                if (pct / 10 != last) { last = pct / 10; Console.Error.Write($"\rrefining: {done}/{total} images"); }
                if (done == total) Console.Error.WriteLine();
            });
            Console.WriteLine($"refined {result.Images} images from {inDir} into {outDir} with the refiner of step {sampler.Step}" +
                (result.Copied > 0 ? $"; copied {result.Copied} other files" : ""));
            return 0;
        });
        return cmd;
    }
}
