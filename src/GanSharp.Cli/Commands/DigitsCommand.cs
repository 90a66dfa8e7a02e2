using System.CommandLine;
using System.Diagnostics;
using GanSharp.Data;
using GanSharp.Data.Synthetic;
using GanSharp.Families.Synthetic;
using GanSharp.Metrics;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>
/// `gansharp digits render|study`: labelled font-drawn digits as a folder, and the synthetic-data protocol of
/// docs/synthetic.md: one small classifier trained on a set of labelled digits and tested on real MNIST.
/// </summary>
public static class DigitsCommand
{
    public static Command Create()
    {
        var cmd = new Command("digits", "Render labelled font digits to a folder, or score a training set of digits on real MNIST (docs/synthetic.md).");
        cmd.Subcommands.Add(Render());
        cmd.Subcommands.Add(Study());
        return cmd;
    }

    private static Command Render()
    {
        var count = new Option<int>("--count") { Description = "Digits to draw (default 20000)", DefaultValueFactory = _ => 20_000 };
        var seed = new Option<long>("--seed") { Description = "Seed of the drawing (default 7)", DefaultValueFactory = _ => 7 };
        var fonts = new Option<string>("--fonts") { Description = "'' (the system's font folders), 'embedded' or ':'-separated folders of .ttf/.otf", DefaultValueFactory = _ => "" };
        var output = new Option<string>("--out") { Description = "Folder to write DIR/<digit>/NNNNNN.png into", Required = true };
        var cmd = new Command("render", """
            Draw labelled font digits (the font-digits dataset) into a folder, one subfolder per digit, ready for
            'gansharp refine' and 'gansharp digits study'.

            Example:
              gansharp digits render --count 20000 --seed 7 --out fonts
            """);
        foreach (var o in new Option[] { count, seed, fonts, output }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            if (p.GetValue(count) < 1) throw new ArgumentException($"--count must be positive (got {p.GetValue(count)})");
            TorchRuntime.EnsureLoaded();
            string dir = p.GetValue(output)!;
            if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
                throw new ArgumentException($"--out {dir} is not empty: choose a new folder");
            using var data = FontDigitsProvider.Open(RefinerFamily.Fonts(p.GetValue(fonts)!),
                new DatasetOpenOptions { Count = p.GetValue(count), Seed = p.GetValue(seed) }, Log);
            int n = LabelledFolder.Write(data, dir);
            Console.WriteLine($"wrote {n} font digits (seed {p.GetValue(seed)}) to {dir}");
            return 0;
        });
        return cmd;
    }

    private static Command Study()
    {
        var train = new Option<string>("--train") { Description = "Training digits: mnist, or a labelled folder DIR/<digit>/*.png (gansharp digits render, gansharp refine)", Required = true };
        var count = new Option<int>("--count") { Description = "Train on a fixed random subset of this many images (default 0: all)", DefaultValueFactory = _ => 0 };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated training seeds (default 1,2,3)", DefaultValueFactory = _ => "1,2,3" };
        var steps = new Option<int>("--steps") { Description = "Classifier updates per seed, whatever the set's size (default 3000)", DefaultValueFactory = _ => 3000 };
        var batch = new Option<int>("--batch") { Description = "Minibatch (default 64)", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate, cosine decay to 0 (default 1e-3)", DefaultValueFactory = _ => 1e-3 };
        var fid = new Option<bool>("--fid") { Description = "Also the classifier-FID (mnist-cnn features) of the training images against the MNIST test set" };
        var fidOnly = new Option<bool>("--fid-only") { Description = "Only the classifier-FID: train no classifier" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with local MNIST IDX files instead of the cache" };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        var cmd = new Command("study", """
            Train the study's LeNet-5 (not the metrics' mnist-cnn, not a GAN's D) on a set of labelled digits, once
            per seed, and print its accuracy on the real MNIST test set (10,000 images).

            Examples:
              gansharp digits study --train fonts --fid
              gansharp digits study --train fonts-refined --fid
              gansharp digits study --train mnist --count 1000
              gansharp digits study --train fonts-refined --fid-only
            """);
        foreach (var o in new Option[] { train, count, seeds, steps, batch, lr, fid, fidOnly, dataDir, threads }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            TorchRuntime.EnsureLoaded();
            if (p.GetValue(threads) is int t)
            {
                if (t < 1) throw new ArgumentException($"--threads must be positive (got {t})");
                set_num_threads(t);
            }
            var seedList = p.GetValue(seeds)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => long.TryParse(s, out long v) ? v : throw new ArgumentException($"--seeds takes comma-separated integers, got '{s}'")).ToList();
            if (seedList.Count == 0) throw new ArgumentException("--seeds needs at least one seed");
            string spec = p.GetValue(train)!;
            var open = new DatasetOpenOptions { DataDir = p.GetValue(dataDir) };
            using var full = spec == "mnist" ? Datasets.Open(spec, open, Log) : LabelledFolder.Load(spec);
            using var set = Subset(full, p.GetValue(count));
            using var test = Datasets.Open("mnist", new DatasetOpenOptions { Split = "test", DataDir = p.GetValue(dataDir) }, Log);
            var o = new DigitStudyOptions { Steps = p.GetValue(steps), Batch = p.GetValue(batch), Lr = p.GetValue(lr) };
            bool onlyFid = p.GetValue(fidOnly);
            if (onlyFid) seedList.Clear();
            else Console.WriteLine($"digit study: {StudyCnnName} on {spec} ({set.Count} images), {o.Steps} steps of batch {o.Batch}, Adam {o.Lr:G3}; test: mnist test ({test.Count} images); {get_num_threads()} thread(s)");
            var accuracies = new List<double>();
            foreach (long seed in seedList)
            {
                var clock = Stopwatch.StartNew();
                using var net = DigitStudy.Train(set, o with { Seed = seed });
                double acc = DigitStudy.Accuracy(x => net.call(x), test);
                accuracies.Add(acc);
                Console.WriteLine($"seed {seed}: test accuracy {acc:P2} ({clock.Elapsed.TotalSeconds:F0} s)");
            }
            if (accuracies.Count > 0)
            {
                double mean = accuracies.Average();
                double sd = accuracies.Count > 1 ? Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / (accuracies.Count - 1)) : 0;
                Console.WriteLine($"accuracy {mean:P2} ± {sd:P2} (mean ± sd over {accuracies.Count} seed(s))");
            }
            if (p.GetValue(fid) || onlyFid)
            {
                using var featureNet = FeatureNetworks.Load("mnist-cnn");
                double f = DigitStudy.ClassifierFid(featureNet, set, test);
                Console.WriteLine($"classifier-FID (mnist-cnn, {Math.Min(set.Count, 10_000)} vs {Math.Min(test.Count, 10_000)} images) against the mnist test set: {f:F2}");
            }
            return 0;
        });
        return cmd;
    }

    private const string StudyCnnName = "LeNet-5";

    /// <summary>The whole set, or a fixed random subset of <paramref name="count"/> (the same for every seed and run).</summary>
    private static TensorDataset Subset(TensorDataset d, int count)
    {
        if (count < 0) throw new ArgumentException($"--count must be 0 (all) or positive (got {count})");
        if (count == 0 || count >= d.Count)
            return new TensorDataset(d.Name, d.Data.clone(), d.Labels?.clone(), d.NumClasses);
        using var g = new Generator(20170101);
        using var idx = randperm(d.Count, generator: g).narrow(0, 0, count);
        return new TensorDataset($"{d.Name}[{count}]", d.Data.index_select(0, idx), d.Labels?.index_select(0, idx), d.NumClasses);
    }

    private static void Log(string message) => Console.Error.WriteLine(message);
}
