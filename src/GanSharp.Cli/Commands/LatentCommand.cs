using System.CommandLine;
using System.Globalization;
using GanSharp.Data;
using GanSharp.Imaging;
using GanSharp.Latent;
using GanSharp.Metrics;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp latent interpolate|arithmetic|invert`: walks, attribute vectors and inversion in G's latent space.</summary>
public static class LatentCommand
{
    public static Command Create()
    {
        var cmd = new Command("latent", """
            Latent-space tools for a trained generator (Radford et al. 2015 §6; White 2016): interpolation grids,
            attribute vector arithmetic, and GAN inversion of real images. See docs/latent.md.
            """);
        cmd.Subcommands.Add(Interpolate());
        cmd.Subcommands.Add(Arithmetic());
        cmd.Subcommands.Add(Invert());
        return cmd;
    }

    private sealed class Common
    {
        public readonly Option<string> Checkpoint = new("--checkpoint") { Description = "A .ckpt file, or a run directory (its latest checkpoint)", Required = true };
        public readonly Option<string> Out = new("--out") { Description = "Output PNG grid", Required = true };
        public readonly Option<long> Seed = new("--seed") { Description = "Seed of every random draw (default 0)", DefaultValueFactory = _ => 0 };
        public readonly Option<int?> Threads = new("--threads") { Description = "Torch threads (default: all cores)" };

        public void AddTo(Command c)
        {
            c.Options.Add(Checkpoint);
            c.Options.Add(Out);
            c.Options.Add(Seed);
            c.Options.Add(Threads);
        }

        /// <summary>Checks --out, loads torch and the checkpoint's generator (eval mode).</summary>
        public Sampler Open(ParseResult p)
        {
            string path = p.GetValue(Out)!;
            if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--out must name a .png file (got '{path}')");
            TorchRuntime.EnsureLoaded();
            if (p.GetValue(Threads) is int t)
            {
                if (t < 1) throw new ArgumentException($"--threads must be positive (got {t})");
                set_num_threads(t);
            }
            var sampler = Sampler.Load(p.GetValue(Checkpoint)!);
            try
            {
                LatentSource.CheckImageGenerator(sampler.System);
                return sampler;
            }
            catch
            {
                sampler.Dispose();
                throw;
            }
        }
    }

    private static Command Interpolate()
    {
        var common = new Common();
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated seeds, taken in pairs: each pair is one row (e.g. 1,2,3,4 = rows 1→2 and 3→4)" };
        var latents = new Option<string?>("--latents") { Description = "A latent file (one latent per line, e.g. from 'latent invert --save-latent'), taken in pairs like --seeds" };
        var steps = new Option<int>("--steps") { Description = "Columns per row, endpoints included (default 10)", DefaultValueFactory = _ => 10 };
        var kind = new Option<string?>("--kind") { Description = "lerp or slerp (default: slerp for gaussian and sphere priors, lerp for uniform)" };
        var cmd = new Command("interpolate", """
            A grid of interpolations: each row walks from one latent to the next (rows = pairs of seeds or of latents
            from a file, columns = steps). A seed's latent is the first one 'gansharp sample --seed S' draws.

            Examples:
              gansharp latent interpolate --checkpoint runs/mnist --seeds 1,2,3,4 --steps 10 --out interp.png
              gansharp latent interpolate --checkpoint runs/mnist --latents z.txt --kind lerp --out interp.png
            """);
        common.AddTo(cmd);
        foreach (var o in new Option[] { seeds, latents, steps, kind }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            int n = p.GetValue(steps);
            if (n < 2 || n > 100) throw new ArgumentException($"--steps must be between 2 and 100 (got {n})");
            if ((p.GetValue(seeds) is null) == (p.GetValue(latents) is null))
                throw new ArgumentException("give exactly one of --seeds and --latents");
            var seedList = p.GetValue(seeds) is string s ? ParseList(s, "--seeds", long.Parse) : null;
            using var sampler = common.Open(p);
            var system = sampler.System;
            var k = p.GetValue(kind) is string ks ? Interpolation.Parse(ks) : Interpolation.DefaultKind(system.Options.Prior);
            using var scope = NewDisposeScope();
            var z = seedList is not null ? LatentSource.FromSeeds(system, seedList) : LatentSource.LoadLatents(p.GetValue(latents)!, system.Options.ZDim);
            if (z.shape[0] < 2 || z.shape[0] % 2 != 0)
                throw new ArgumentException($"interpolation rows are pairs: give an even number (at least 2) of {(seedList is not null ? "seeds" : "latents")} (got {z.shape[0]})");
            var pairs = z.reshape(z.shape[0] / 2, 2, z.shape[1]);
            var path = Interpolation.Path(pairs.select(1, 0), pairs.select(1, 1), n, k);
            var images = SampleGrids.Sample(system, path);
            string outPath = p.GetValue(common.Out)!;
            Save(images, outPath, n);
            var norms = path.norm(1).reshape(pairs.shape[0], n).mean(new long[] { 0 }).to_type(ScalarType.Float64).data<double>().ToArray();
            Console.WriteLine($"{k.ToString().ToLowerInvariant()} interpolation, {pairs.shape[0]} rows x {n} steps, {system.Options.Model} step {sampler.Step} ({system.Options.Prior.ToString().ToLowerInvariant()} prior)");
            Console.WriteLine($"mean |z| per column: {Join(norms, "F2")}");
            string gifPath = Path.ChangeExtension(outPath, ".gif");
            var perStep = images.reshape(pairs.shape[0], n, images.shape[1], images.shape[2], images.shape[3]).transpose(0, 1); // steps × rows × C×H×W
            var frames = stack(Enumerable.Range(0, n).Select(j => ImageGrid.Make(perStep[j], padding: 2)).ToArray());
            if (frames.shape[2] <= 64) frames = frames.repeat_interleave(2, 2).repeat_interleave(2, 3); // small digits at 2×
            GifWriter.Save(frames, gifPath, delayCs: 12);
            Console.WriteLine($"wrote {outPath} and the animation {gifPath} (one frame per step, every row at once)");
            return 0;
        });
        return cmd;
    }

    private static Command Arithmetic()
    {
        var common = new Common();
        var attribute = new Option<string>("--attribute") { Description = $"The attribute: {LatentAttribute.Usage}", Required = true };
        var samples = new Option<int>("--samples") { Description = "Samples drawn to build the vector (default 2000)", DefaultValueFactory = _ => 2000 };
        var rows = new Option<int>("--rows") { Description = "Base latents drawn when no base images are given; for class:A-B ones classified as A (default 8)", DefaultValueFactory = _ => 8 };
        var columns = new Option<int>("--columns") { Description = "Values of t (default 9)", DefaultValueFactory = _ => 9 };
        var range = new Option<double>("--range") { Description = "t runs from -RANGE to RANGE (default 2)", DefaultValueFactory = _ => 2.0 };
        var baseImages = new Option<string[]>("--base-image") { Description = "Real images to invert and use as base latents (repeatable)" };
        var baseMnist = new Option<string?>("--base-mnist-index") { Description = "MNIST test images to invert and use as base latents, e.g. 0,1" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with local MNIST IDX files (for --base-mnist-index)" };
        var invertSteps = new Option<int>("--invert-steps") { Description = "Adam steps per inversion (default 300)", DefaultValueFactory = _ => 300 };
        var saveVector = new Option<string?>("--save-vector") { Description = "Also write the attribute vector as a latent file" };
        var cmd = new Command("arithmetic", """
            Latent vector arithmetic (DCGAN §6.3) with attributes measured on the generated image: draws --samples
            latents, measures the attribute, and takes mean z(top quartile) - mean z(bottom quartile) (for class:A-B,
            mean z(classified B) - mean z(classified A)). The grid's rows are base latents z, its columns z + t*v for
            t from -RANGE to RANGE (for class:A-B, drawn latents classified as A); with base images the first
            column is the original. The attribute measured on
            every column is printed: it should rise from left to right.

            Examples:
              gansharp latent arithmetic --checkpoint runs/mnist --attribute thick --out thick.png
              gansharp latent arithmetic --checkpoint runs/mnist --attribute class:3-8 --samples 4000 --out c38.png
              gansharp latent arithmetic --checkpoint runs/mnist --attribute slant --base-mnist-index 0,1 --out s.png
            """);
        common.AddTo(cmd);
        foreach (var o in new Option[] { attribute, samples, rows, columns, range, baseImages, baseMnist, dataDir, invertSteps, saveVector }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var attr = LatentAttribute.Parse(p.GetValue(attribute)!);
            int nSamples = p.GetValue(samples), nRows = p.GetValue(rows), nCols = p.GetValue(columns);
            double r = p.GetValue(range);
            if (nSamples < 8 || nSamples > 200_000) throw new ArgumentException($"--samples must be between 8 and 200000 (got {nSamples})");
            if (nRows < 1 || nRows > 100) throw new ArgumentException($"--rows must be between 1 and 100 (got {nRows})");
            if (nCols < 2 || nCols > 50) throw new ArgumentException($"--columns must be between 2 and 50 (got {nCols})");
            if (!(r > 0) || !double.IsFinite(r)) throw new ArgumentException($"--range must be positive (got {r})");
            var images = p.GetValue(baseImages) ?? [];
            var mnist = p.GetValue(baseMnist) is string m ? ParseList(m, "--base-mnist-index", int.Parse) : null;
            using var sampler = common.Open(p);
            var system = sampler.System;
            long seed = p.GetValue(common.Seed);
            using var classifier = attr.NeedsClassifier ? OpenClassifier(system) : null;
            using var scope = NewDisposeScope();
            var targets = Targets(system, images, mnist, p.GetValue(dataDir));

            using var vector = AttributeVectors.Build(system, attr, nSamples, seed, classifier);
            Console.WriteLine($"attribute {attr}: {attr.Measure}");
            Console.WriteLine($"  {nSamples} samples, mean {vector.AllMean:F3}; positive group {vector.Positives} (mean {vector.PositiveMean:F3}), negative group {vector.Negatives} (mean {vector.NegativeMean:F3}); |v| = {vector.Vector.norm().item<float>():F2}");
            if (p.GetValue(saveVector) is string sv) LatentSource.SaveLatents(sv, vector.Vector.unsqueeze(0));

            Tensor baseZ;
            if (targets is not null)
            {
                using var inv = GanInversion.Invert(system, targets, new InversionOptions { Steps = CheckSteps(p.GetValue(invertSteps)), Seed = seed });
                for (int i = 0; i < inv.MseAfter.Length; i++)
                    Console.WriteLine($"  inverted base {i}: MSE {inv.MseBefore[i]:F4} -> {inv.MseAfter[i]:F4}");
                baseZ = inv.Latents.clone();
            }
            else
            {
                baseZ = AttributeVectors.BaseLatents(system, attr, nRows, seed, classifier);
            }
            var ts = AttributeVectors.Range(-r, r, nCols);
            using var grid = AttributeVectors.Walk(system, baseZ, vector.Vector, ts, attr, classifier);
            var shown = grid.Images;
            int perRow = nCols;
            if (targets is not null)
            {
                var c = grid.Images.reshape(grid.Rows, nCols, grid.Images.shape[1], grid.Images.shape[2], grid.Images.shape[3]);
                shown = cat(new[] { targets.unsqueeze(1), c }, 1).flatten(0, 1);
                perRow = nCols + 1;
            }
            string outPath = p.GetValue(common.Out)!;
            Save(shown, outPath, perRow);
            Console.WriteLine($"t:            {Join(ts, "F2")}");
            for (int i = 0; i < grid.Rows; i++)
                Console.WriteLine($"row {i,2}:       {Join(Enumerable.Range(0, nCols).Select(j => grid.Measured[i, j]), "F3")}");
            Console.WriteLine($"column mean:  {Join(grid.ColumnMeans, "F3")}");
            Console.WriteLine($"wrote {outPath} ({grid.Rows} rows x {perRow} columns{(targets is not null ? ", first column the original" : "")})");
            return 0;
        });
        return cmd;
    }

    private static Command Invert()
    {
        var common = new Common();
        var images = new Option<string[]>("--image") { Description = "Image file(s) with the generator's size and channels (repeatable)" };
        var mnist = new Option<string?>("--mnist-index") { Description = "MNIST test image(s) by index, e.g. 0 or 0,1,2" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with local MNIST IDX files (for --mnist-index)" };
        var steps = new Option<int>("--steps") { Description = "Adam steps on z (default 300)", DefaultValueFactory = _ => 300 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate on z (default 0.05)", DefaultValueFactory = _ => 0.05 };
        var priorWeight = new Option<double>("--prior-weight") { Description = "Weight of the latent prior penalty (|z|^2/d - 1)^2 (default 0)", DefaultValueFactory = _ => 0.0 };
        var starts = new Option<int>("--starts") { Description = "Random starts per image; the closest is optimized (default 8)", DefaultValueFactory = _ => 8 };
        var saveLatent = new Option<string?>("--save-latent") { Description = "Write the found latents to a text file (usable with 'latent interpolate --latents')" };
        var cmd = new Command("invert", """
            GAN inversion: find z whose G(z) reconstructs a given image (Adam on z, pixel MSE, G fixed), and write
            original | reconstruction side by side, one row per image. Prints the MSE (pixels in [-1, 1]) of the best
            random start and of the optimized z. Images are not resized: they must match the generator's output.

            Examples:
              gansharp latent invert --checkpoint runs/mnist --mnist-index 0,1,2,3 --out recon.png
              gansharp latent invert --checkpoint runs/mnist --image digit.png --save-latent z.txt --out recon.png
            """);
        common.AddTo(cmd);
        foreach (var o in new Option[] { images, mnist, dataDir, steps, lr, priorWeight, starts, saveLatent }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var files = p.GetValue(images) ?? [];
            var indices = p.GetValue(mnist) is string m ? ParseList(m, "--mnist-index", int.Parse) : null;
            if (files.Length == 0 && indices is null) throw new ArgumentException("give --image FILE or --mnist-index I");
            double rate = p.GetValue(lr), weight = p.GetValue(priorWeight);
            if (!(rate > 0) || !double.IsFinite(rate)) throw new ArgumentException($"--lr must be positive (got {rate})");
            if (!(weight >= 0) || !double.IsFinite(weight)) throw new ArgumentException($"--prior-weight must be non-negative (got {weight})");
            int nStarts = p.GetValue(starts);
            if (nStarts < 1 || nStarts > 1000) throw new ArgumentException($"--starts must be between 1 and 1000 (got {nStarts})");
            int nSteps = CheckSteps(p.GetValue(steps));
            using var sampler = common.Open(p);
            var system = sampler.System;
            using var scope = NewDisposeScope();
            var targets = Targets(system, files, indices, p.GetValue(dataDir))!;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var inv = GanInversion.Invert(system, targets, new InversionOptions
            {
                Steps = nSteps, Lr = rate, PriorWeight = weight, Starts = nStarts, Seed = p.GetValue(common.Seed),
            });
            for (int i = 0; i < inv.MseAfter.Length; i++)
                Console.WriteLine($"image {i}: MSE {inv.MseBefore[i]:F4} (best of {nStarts} random z) -> {inv.MseAfter[i]:F4} after {nSteps} steps");
            Console.WriteLine($"mean MSE {inv.MseBefore.Average():F4} -> {inv.MseAfter.Average():F4} ({clock.Elapsed.TotalSeconds:F1} s)");
            string outPath = p.GetValue(common.Out)!;
            Save(stack(new[] { targets, inv.Reconstructions }, 1).flatten(0, 1), outPath, 2);
            if (p.GetValue(saveLatent) is string sl)
            {
                LatentSource.SaveLatents(sl, inv.Latents);
                Console.WriteLine($"wrote {sl}");
            }
            Console.WriteLine($"wrote {outPath} (original | reconstruction)");
            return 0;
        });
        return cmd;
    }

    /// <summary>Targets from image files and/or MNIST test indices (N×C×H×W in [-1, 1]), or null when none are given.</summary>
    private static Tensor? Targets(GanSystem system, string[] files, IReadOnlyList<int>? mnistIndices, string? dataDir)
    {
        var parts = files.Select(f => LatentSource.LoadImage(f, system.ExampleShape)).ToList();
        if (mnistIndices is not null)
        {
            if (!system.ExampleShape.SequenceEqual(new long[] { 1, 28, 28 }))
                throw new ArgumentException($"--mnist-index needs a generator of 1x28x28 images; this one makes {string.Join("x", system.ExampleShape)}");
            using var test = Datasets.Open("mnist", new DatasetOpenOptions { Split = "test", DataDir = dataDir }, msg => Console.Error.WriteLine(msg));
            foreach (int i in mnistIndices)
            {
                if (i < 0 || i >= test.Count) throw new ArgumentException($"MNIST test index {i} is out of range 0..{test.Count - 1}");
                using var idx = tensor(new long[] { i });
                parts.Add(test.Gather(idx).reshape(1, 1, 28, 28)); // float in [-1, 1]
            }
        }
        return parts.Count == 0 ? null : cat(parts, 0);
    }

    private static IFeatureNetwork OpenClassifier(GanSystem system)
    {
        var net = FeatureNetworks.Load("mnist-cnn");
        if (!net.InputShape.SequenceEqual(system.ExampleShape))
        {
            net.Dispose();
            throw new ArgumentException($"class attributes are measured with mnist-cnn (1x28x28 digits); this generator makes {string.Join("x", system.ExampleShape)} images: use thick or slant");
        }
        return net;
    }

    private static int CheckSteps(int steps) =>
        steps is < 0 or > 100_000 ? throw new ArgumentException($"inversion steps must be between 0 and 100000 (got {steps})") : steps;

    private static void Save(Tensor images, string path, int perRow)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        ImageGrid.Save(images, path, nrow: perRow, scale: images.shape[2] <= 28 ? 2 : 1); // 28×28 digits shown at 2×
    }

    private static List<T> ParseList<T>(string text, string option, Func<string, T> parse)
    {
        try
        {
            var list = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse).ToList();
            if (list.Count == 0) throw new FormatException();
            return list;
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"{option} must be a comma-separated list of integers (got '{text}')");
        }
    }

    private static string Join(IEnumerable<double> values, string format) =>
        string.Join(" ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture).PadLeft(7)));
}
