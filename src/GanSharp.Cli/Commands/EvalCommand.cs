using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using GanSharp.Metrics;
using GanSharp.Training;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp eval`: metrics of a checkpoint, printed as a table and written to eval.json beside it.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A .ckpt file, or a run directory (its latest checkpoint)" };
        var real = new Option<string?>("--real") { Description = "Alone: evaluate a dataset's training images instead of a generator (mnist, fashion-mnist, stacked-mnist, ring, grid): the best value each metric can reach. With --checkpoint: the real reference set (a folder of images, opened at the run's --size, --channels and --resize)" };
        var metrics = new Option<string>("--metrics") { Description = "Comma-separated metrics (see 'gansharp list')", DefaultValueFactory = _ => "fid,kid,pr,is,modes" };
        var samples = new Option<int>("--samples") { Description = "Generated samples for FID, KID, precision/recall and IS", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<long>("--seed") { Description = "Seed of the evaluation's generator", DefaultValueFactory = _ => 12345 };
        var featureNet = new Option<string?>("--feature-net") { Description = "Feature network: mnist-cnn, fashion-cnn, random-cnn (the default for image folders), a .ckpt from 'gansharp classifier train', or a TorchScript file (e.g. an Inception FID network)" };
        var noCache = new Option<bool>("--no-cache") { Description = "Do not read or write cached real-data features" };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: every core)" };
        var cmd = new Command("eval", """
            Evaluate a checkpoint: FID, KID, precision/recall, IS analogue (on the project's own MNIST /
            Fashion-MNIST classifiers, or a TorchScript feature network you supply) and mode coverage.
            Prints a table and writes eval.json next to the checkpoint.

            Examples:
              gansharp eval --checkpoint runs/mnist --metrics fid,kid,pr,is,modes --samples 10000
              gansharp eval --checkpoint runs/ring --metrics modes
              gansharp eval --checkpoint runs/photos --metrics fid --feature-net inception-2015-12-05.pt
              gansharp eval --real mnist --metrics fid,kid,pr,is,modes
              gansharp eval --checkpoint runs/my-images --real ~/my-images --metrics kid,fid --samples 5000

            An image folder is measured with random-cnn (fixed random weights, colour and texture features at four
            scales) unless --feature-net names another network. Without --metrics, the metrics that do not apply
            to the data (e.g. IS and modes, which need a classifier) are left out.
            """);
        var device = DeviceOption.Create();
        foreach (var o in new Option[] { checkpoint, real, metrics, samples, seed, featureNet, noCache, threads, device }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            int n = p.GetValue(samples);
            if (n <= 0) throw new ArgumentException($"--samples must be positive (got {n})");
            var list = MetricRegistry.Parse(p.GetValue(metrics)!);
            bool metricsGiven = p.GetResult(metrics) is { Implicit: false };
            string? ckpt = p.GetValue(checkpoint), realData = p.GetValue(real);
            if (ckpt is null && realData is null) throw new ArgumentException("give --checkpoint RUN (optionally with --real FOLDER as the reference), or --real DATA alone");
            var deviceKind = DeviceOption.Get(p, device);
            TorchRuntime.EnsureLoaded();
            int t = p.GetValue(threads) ?? Environment.ProcessorCount;
            if (t < 1) throw new ArgumentException($"--threads must be positive (got {t})");
            TorchSharp.torch.set_num_threads(t);
            var settings = new EvalSettings
            {
                Samples = n,
                Seed = p.GetValue(seed),
                FeatureNet = p.GetValue(featureNet),
                CacheDir = p.GetValue(noCache) ? null : new EvalSettings().CacheDir,
                Reference = ckpt is null ? null : realData,
            };
            if (ckpt is null && realData is not null)
            {
                var options = new GanOptions { Data = realData };
                using var train = GanSharp.Data.Datasets.Open(realData, new GanSharp.Data.DatasetOpenOptions { Seed = 1 }, m => Console.Error.WriteLine(m));
                using var replay = new DatasetAsGenerator(train, options);
                return Report(replay, list, metricsGiven, settings, $"real {realData} training images", null, 0);
            }
            string path = RunDirectory.ResolveCheckpoint(ckpt!);
            using var sampler = Sampler.Load(path, deviceKind);
            string against = realData is null ? "" : $", against {realData}";
            return Report(sampler.System, list, metricsGiven, settings, $"{sampler.Options.Model} on {sampler.Options.Data}{against}, step {sampler.Step} ({Path.GetFileName(path)})", path, sampler.Step);
        });
        return cmd;
    }

    private static int Report(GanSystem system, IReadOnlyList<IMetric> list, bool metricsGiven, EvalSettings settings, string title, string? path, int step)
    {
    {
        using var ctx = Evaluator.Context(system, settings, m => Console.Error.WriteLine(m));
        if (!metricsGiven)
        {
            var applicable = list.Where(m => m.NotApplicable(ctx) is null).ToList();
            if (applicable.Count > 0) list = applicable;
        }
        var report = Evaluator.Run(ctx, list);

        Console.WriteLine(title);
        if (report.FeatureNet is not null) Console.WriteLine($"feature network {report.FeatureNet} ({report.FeatureNetHash![..16]}…)");
        Console.WriteLine($"{"metric",-22} {"value",12}  samples (generated / real)");
        foreach (var (m, r) in report.Results)
            foreach (var (k, v) in r.Values)
                Console.WriteLine($"{m.Name + "." + k,-22} {v.ToString("G6", CultureInfo.InvariantCulture),12}  {r.GeneratedCount} / {r.RealCount}{(r.Note is null ? "" : "  " + r.Note)}");
        Console.WriteLine($"evaluated in {report.Seconds:F1} s");

        var json = report.ToJson();
        json["checkpoint"] = path is null ? null : Path.GetFileName(path);
        json["step"] = step;
        json["samples"] = settings.Samples;
        json["seed"] = settings.Seed;
        if (settings.Reference is not null) json["reference"] = settings.Reference;
        if (path is not null)
        {
            string outPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "eval.json");
            RunDirectory.AtomicWrite(outPath, json.ToJsonString(GanOptions.Json));
            Console.WriteLine($"wrote {outPath}");
        }
        return 0;
    }
}
}
