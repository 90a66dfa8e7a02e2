using System.CommandLine;
using GanSharp.Families.TextToImage;
using GanSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp text2img`: images from captions with a gan-cls or stackgan checkpoint, as one grid PNG.</summary>
public static class Text2ImgCommand
{
    public const int MaxCount = 256;
    public const int MaxRows = 64;

    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A gan-cls or stackgan .ckpt file, or its run directory (the latest checkpoint)", Required = true };
        var caption = new Argument<string?>("caption") { Description = "The caption to draw, e.g. \"a large red circle on the left\"", Arity = ArgumentArity.ZeroOrOne };
        var captions = new Option<string?>("--captions") { Description = "A text file with one caption per line: one grid row per caption" };
        var interpolate = new Option<string[]>("--interpolate") { Description = "Two captions: one row walking the text embedding from the first to the second, same noise (GAN-INT)", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var count = new Option<int>("--count") { Description = "Images per caption (per row with --captions; steps with --interpolate; default 16)", DefaultValueFactory = _ => 16 };
        var outFile = new Option<string>("--out") { Description = "Output PNG; the rows' captions are written beside it (.txt)", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the noise (default 0); column j uses the same noise in every row", DefaultValueFactory = _ => 0 };
        var stages = new Option<bool>("--stages") { Description = "stackgan: show each sample as a pair, Stage-I (upsampled) beside Stage-II" };
        var cmd = new Command("text2img", """
            Draw images from captions with a text-to-image checkpoint (gan-cls or stackgan). A caption must use words
            of the model's training captions; unknown words are read as <unk>.

            Examples:
              gansharp text2img --checkpoint runs/gan-cls "a large red circle on the left on a white background" --count 16 --out grid.png
              gansharp text2img --checkpoint runs/gan-cls --captions captions.txt --count 8 --out rows.png
              gansharp text2img --checkpoint runs/gan-cls --interpolate "a small red circle at the top" "a large blue square at the bottom" --count 8 --out walk.png
              gansharp text2img --checkpoint runs/stackgan "a small green star in the center" --stages --out stages.png
            """);
        cmd.Arguments.Add(caption);
        foreach (var o in new Option[] { checkpoint, captions, interpolate, count, outFile, seed, stages }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string path = p.GetValue(outFile)!;
            if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--out must name a .png file (got '{path}')");
            int n = p.GetValue(count);
            if (n < 1 || n > MaxCount) throw new ArgumentException($"--count must be between 1 and {MaxCount} (got {n})");
            string? one = p.GetValue(caption), file = p.GetValue(captions);
            string[]? walk = p.GetValue(interpolate);
            if (walk is { Length: 0 }) walk = null;
            if ((one is null ? 0 : 1) + (file is null ? 0 : 1) + (walk is null ? 0 : 1) != 1)
                throw new ArgumentException("give exactly one of: a caption, --captions FILE, or --interpolate \"caption A\" \"caption B\"");
            var rows = file is not null ? ReadCaptions(file) : walk ?? [one!];

            TorchRuntime.EnsureLoaded();
            using var sampler = Sampler.Load(p.GetValue(checkpoint)!);
            if (sampler.System is not ITextToImage t2i)
                throw new ArgumentException($"'{p.GetValue(checkpoint)}' is a {sampler.Options.Model} checkpoint: text2img needs a gan-cls or stackgan run");
            bool pairs = p.GetValue(stages);
            if (pairs && sampler.System is not StackGanSystem)
                throw new ArgumentException("--stages shows StackGAN's two stages: the checkpoint is a " + sampler.Options.Model + " run");
            Tensor ids;
            try
            {
                (ids, _) = t2i.Vocabulary.EncodeBatch(rows);
            }
            catch (CaptionException e)
            {
                throw new ArgumentException(e.Message);
            }
            using var scope = NewDisposeScope();
            using var g = new Generator((ulong)ShuffledBatches.MixSeed(p.GetValue(seed), -3));
            var z = sampler.System.SampleLatent(n, g);                                   // the same noise for every row
            Tensor condition, latents;
            string[] labels;
            if (walk is not null)
            {
                var phi = t2i.EncodeText(ids);                                            // 2×E
                var t = n == 1 ? zeros(1, 1) : linspace(0, 1, n).unsqueeze(1);            // n×1
                condition = phi[0].unsqueeze(0).mul(t.neg().add(1)).add(phi[1].unsqueeze(0).mul(t));
                latents = z[0].unsqueeze(0).expand(n, -1).contiguous();                   // one noise: only the text moves
                labels = [$"from \"{walk[0]}\" to \"{walk[1]}\" in {n} steps"];
            }
            else
            {
                condition = ids.repeat_interleave(n, 0);
                latents = z.repeat(rows.Length, 1);
                labels = rows;
            }
            Tensor images;
            int columns = n;
            if (pairs)
            {
                var stack = (StackGanSystem)sampler.System;
                using (inference_mode())
                {
                    var (s1, s2) = stack.GenerateStages(latents, condition);
                    var up = nn.functional.interpolate(s1, new long[] { s2!.shape[2], s2.shape[3] }, mode: InterpolationMode.Nearest);
                    images = torch.stack([up, s2], 1).flatten(0, 1);
                }
                columns = 2 * n;
            }
            else images = SampleGrids.Sample(sampler.System, latents, condition);
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            SampleGrids.SaveSamples(images, path, "text2img", columns: walk is null && rows.Length == 1 && !pairs ? null : columns);
            string legend = Path.ChangeExtension(path, ".txt");
            File.WriteAllLines(legend, labels.Select((c, i) => $"row {i + 1}: {c}"));
            Console.WriteLine($"wrote {path} ({images.shape[0]} images of {images.shape[2]}×{images.shape[3]}, {labels.Length} row(s); captions in {legend}) with {sampler.Options.Model} step {sampler.Step}");
            return 0;
        });
        return cmd;
    }

    /// <summary>The non-blank lines of a caption file (one row each), at most <see cref="MaxRows"/>.</summary>
    public static string[] ReadCaptions(string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"caption file '{file}' not found: give a text file with one caption per line");
        var lines = File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) throw new ArgumentException($"caption file '{file}' has no captions: write one caption per line");
        if (lines.Length > MaxRows) throw new ArgumentException($"caption file '{file}' has {lines.Length} captions, more than {MaxRows}: split it");
        return lines;
    }
}
