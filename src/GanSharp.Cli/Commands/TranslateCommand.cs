using System.CommandLine;
using GanSharp.Families.ImageToImage;
using GanSharp.Imaging;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp translate`: one image through a pix2pix checkpoint, tile by tile for images of any size.</summary>
public static class TranslateCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A pix2pix .ckpt file, or its run directory (the latest checkpoint)", Required = true };
        var input = new Argument<string>("input") { Description = "The source image (PNG, JPEG or BMP), made as the run's --task made its sources" };
        var outFile = new Option<string>("--out") { Description = "Output PNG (the input's size)", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the dropout masks (pix2pix keeps dropout on at test time; default 0)", DefaultValueFactory = _ => 0 };
        var overlap = new Option<int?>("--overlap") { Description = "Overlap of neighbouring tiles in pixels (default: half the model's size)" };
        var cmd = new Command("translate", """
            Translate an image with a pix2pix checkpoint. Images larger than the model's size are processed in
            overlapping tiles of that size blended without seams; smaller ones are padded (edge pixels repeated).

            Examples:
              gansharp translate --checkpoint runs/edges in.png --out out.png
              gansharp translate --checkpoint runs/derain/checkpoints/step-002000.ckpt rainy.jpg --out clean.png --seed 3
            """);
        cmd.Arguments.Add(input);
        cmd.Options.Add(checkpoint);
        cmd.Options.Add(outFile);
        cmd.Options.Add(seed);
        cmd.Options.Add(overlap);
        cmd.SetAction(p =>
        {
            string path = p.GetValue(outFile)!, inPath = p.GetValue(input)!;
            if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--out must name a .png file (got '{path}')");
            TorchRuntime.EnsureLoaded();
            using var sampler = Sampler.Load(p.GetValue(checkpoint)!);
            if (sampler.System is not Pix2PixSystem system)
                throw new ArgumentException($"'{p.GetValue(checkpoint)}' is a {sampler.Options.Model} checkpoint: translate needs a pix2pix run (gansharp train pix2pix)");
            int size = system.UNet.Size;
            int ov = p.GetValue(overlap) ?? size / 2;
            if (ov < 0 || ov >= size) throw new ArgumentException($"--overlap must be between 0 and {size - 1} (the model's size is {size}), got {ov}");
            using var pixels = ImageTensor.Load(inPath, system.SourceChannels);       // ImageException names the file
            using var scope = NewDisposeScope();
            int h = (int)pixels.shape[1], w = (int)pixels.shape[2];
            var x = pixels.unsqueeze(0).to_type(ScalarType.Float32).div(127.5).sub(1);
            // The U-Net takes exactly size×size tiles: pad a smaller side by repeating its edge pixels, crop after.
            int padH = Math.Max(0, size - h), padW = Math.Max(0, size - w);
            if (padH > 0 || padW > 0) x = nn.functional.pad(x, new long[] { 0, padW, 0, padH }, PaddingModes.Replicate);
            using var dropout = new Generator((ulong)p.GetValue(seed));
            int last = -1;
            var y = TiledInference.Run(t => system.Translate(t, dropout), x, tile: size, overlap: ov,
                progress: (done, total) =>
                {
                    int pct = done * 100 / total;
                    if (total > 1 && pct / 10 != last) { last = pct / 10; Console.Error.Write($"\rtranslating: {done}/{total} tiles"); }
                    if (total > 1 && done == total) Console.Error.WriteLine();
                });
            y = y.narrow(2, 0, h).narrow(3, 0, w);
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            ImageTensor.SavePng(path, ImageTensor.ToBytes(y.add(1).mul(127.5)).squeeze(0));
            Console.WriteLine($"wrote {path} ({w}×{h}) from {inPath} with {sampler.Options.Model} ({sampler.Options.Get<string>("task")}) step {sampler.Step}");
            return 0;
        });
        return cmd;
    }
}
