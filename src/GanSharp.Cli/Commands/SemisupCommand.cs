using System.CommandLine;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.SemiSupervised;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>
/// `gansharp semisup`: a thin alias of `gansharp train semisup` (same run directory, checkpoints, resume and progress
/// bar) with epochs instead of steps, followed by the MNIST test error of D's classifier and of the supervised-only
/// baseline, written to OUT/NAME/semisup.json.
/// </summary>
public static class SemisupCommand
{
    /// <summary>Examples in an epoch: one pass over the unlabelled set (the MNIST training set).</summary>
    public const int EpochExamples = 60_000;

    public static Command Create()
    {
        var labels = new Option<int?>("--labels") { Description = "Labelled training examples, n/10 per class (default 100)" };
        var preset = new Option<string>("--preset") { Description = "semisup-mlp (the paper's permutation-invariant MLP, default) or semisup-conv", DefaultValueFactory = _ => "semisup-mlp" };
        preset.AcceptOnlyFromAmong("semisup-mlp", "semisup-conv");
        var epochs = new Option<int?>("--epochs") { Description = "Passes over the unlabelled set (60000 / batch steps each; preset: 300)" };
        var seed = new Option<long?>("--seed") { Description = "Seed: weights, labelled subset, noise (default 1)" };
        var mode = new Option<string?>("--mode") { Description = "kplus1 (default): D as a K+1-class classifier; dcgan-features: unsupervised GAN, then a linear classifier on frozen D features" };
        mode.AcceptOnlyFromAmong("kplus1", "dcgan-features");
        var ema = new Option<double?>("--ema") { Description = "Running average of D's weights with this decay (e.g. 0.999), used for the test error as in the authors' code; 0: off (default)" };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with local MNIST IDX files" };
        var baseline = new Option<bool>("--baseline") { Description = "Also train the supervised-only baseline (default true; --baseline false to skip)", DefaultValueFactory = _ => true };
        var outDir = new Option<string>("--out") { Description = "Directory that holds runs", DefaultValueFactory = _ => "runs" };
        var name = new Option<string?>("--name") { Description = "Run name (default semisup-<labels>-s<seed>)" };
        var resume = new Option<string?>("--resume") { Description = "Continue (or just re-evaluate) the run in this directory; --epochs may be raised" };

        var cmd = new Command("semisup", """
            Semi-supervised MNIST (Salimans et al. 2016, §5): `gansharp train semisup` plus evaluation. Trains the run
            OUT/NAME (options.json, metrics.jsonl, samples, checkpoints; Ctrl+C checkpoints, --resume continues),
            then writes OUT/NAME/semisup.json with the MNIST test error of D's classifier and of the supervised-only
            baseline (same D, same labels, same number of D updates).

            Examples:
              gansharp semisup --labels 100 --epochs 10 --seed 1 --out runs --name ss100
              gansharp semisup --resume runs/ss100 --epochs 20
              gansharp semisup --labels 100 --mode dcgan-features --preset semisup-conv --name dcf
            """);
        foreach (var o in new Option[] { labels, preset, epochs, seed, mode, ema, threads, dataDir, baseline, outDir, name, resume })
            cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            TorchRuntime.EnsureLoaded();
            string? res = p.GetValue(resume);
            var args = new List<string> { "semisup" };
            string root;
            GanOptions options;
            if (res is not null)
            {
                if (p.GetResult(labels) is { Implicit: false } || p.GetResult(seed) is { Implicit: false } || p.GetResult(mode) is { Implicit: false } || p.GetResult(ema) is { Implicit: false })
                    throw new ArgumentException("only --epochs (and --data-dir) can be given with --resume; the run keeps its options.json");
                options = RunDirectory.Open(res).ReadOptions();
                root = res;
                args.AddRange(new[] { "--resume", res });
                if (p.GetValue(epochs) is { } e) args.AddRange(new[] { "--steps", Steps(e, options.Batch).ToString() });
            }
            else
            {
                var flags = new JsonObject { ["model"] = "semisup" };
                if (p.GetValue(labels) is { } l) flags["labels"] = l;
                if (p.GetValue(seed) is { } s) flags["seed"] = s;
                if (p.GetValue(mode) is { } m) flags["semisup-mode"] = m;
                if (p.GetValue(ema) is { } a) flags["ema"] = a;
                options = OptionLayers.Resolve(p.GetValue(preset), null, flags);
                int ep = p.GetValue(epochs) ?? options.Steps * options.Batch / EpochExamples;
                string n = p.GetValue(name) ?? $"semisup-{options.Labels}-s{options.Seed}";
                root = Path.Combine(p.GetValue(outDir)!, n);
                args.AddRange(new[] { "--preset", p.GetValue(preset)!, "--labels", options.Labels.ToString(), "--seed", options.Seed.ToString(),
                    "--semisup-mode", options.SemisupMode, "--ema", options.Ema.ToString(System.Globalization.CultureInfo.InvariantCulture), "--steps", Steps(ep, options.Batch).ToString(), "--out", p.GetValue(outDir)!, "--name", n });
                if (p.GetValue(threads) is { } t) args.AddRange(new[] { "--threads", t.ToString() });
            }
            if (p.GetValue(dataDir) is { } dd) args.AddRange(new[] { "--data-dir", dd });

            int rc = TrainCommand.Create().Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            if (rc != 0) return rc;
            return Evaluate(root, p.GetValue(baseline));
        });
        return cmd;
    }

    private static int Steps(int epochs, int batch)
    {
        if (epochs <= 0) throw new ArgumentException($"--epochs must be positive (got {epochs})");
        return epochs * (EpochExamples / batch);
    }

    /// <summary>Loads the run's latest checkpoint, measures test errors and writes semisup.json.</summary>
    private static int Evaluate(string root, bool withBaseline)
    {
        var run = RunDirectory.Open(root);
        var o = run.ReadOptions();
        using var sampler = Sampler.Load(root);
        var system = (SemiSupervisedSystem)sampler.System;
        var open = new DatasetOpenOptions { DataDir = o.DataDir };
        using var train = Datasets.Open(o.Data, open, Console.Error.WriteLine);
        using var test = Datasets.Open(o.Data, new DatasetOpenOptions { DataDir = o.DataDir, Split = "test" }, Console.Error.WriteLine);
        set_num_threads(o.Threads > 0 ? o.Threads : Environment.ProcessorCount);
        long[] labelled = LabelledSplit.Balanced(train.Labels!, o.Labels, train.NumClasses, o.Seed);
        int steps = sampler.Step;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool features = o.SemisupMode == "dcgan-features";
        double error = features
            ? SemiSupervisedEvaluation.LinearProbeError(system.Classifier, train, labelled, test, o.Seed)
            : SemiSupervisedEvaluation.TestError(system.Classifier, test);
        Console.WriteLine($"{(features ? "linear probe on frozen D features" : "D's classifier")}: MNIST test error {100 * error:F2} % ({o.Labels} labels, {steps} steps = {steps * (double)o.Batch / EpochExamples:F1} epochs)");
        var result = new JsonObject
        {
            ["labels"] = o.Labels,
            ["seed"] = o.Seed,
            ["mode"] = o.SemisupMode,
            ["arch"] = o.Arch,
            ["steps"] = steps,
            ["epochs"] = Math.Round(steps * (double)o.Batch / EpochExamples, 3),
            ["test_error"] = Math.Round(error, 6),
            ["train_seconds"] = Math.Round(sampler.Header["seconds"]?.GetValue<double>() ?? 0, 1),
            ["labelled_indices"] = new JsonArray(labelled.Select(i => (JsonNode)i).ToArray()),
        };
        if (!features && o.Ema > 0)
        {
            // Sampler.Load gave D its running average; the last raw weights for comparison.
            var (_, tensors) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(root));
            try { Trainer.LoadModule(system.Classifier, "D.", tensors); }
            finally { foreach (var t in tensors.Values) t.Dispose(); }
            double raw = SemiSupervisedEvaluation.TestError(system.Classifier, test);
            Console.WriteLine($"D's classifier, raw weights (the error above is of their running average, --ema {o.Ema}): MNIST test error {100 * raw:F2} %");
            result["test_error_raw"] = Math.Round(raw, 6);
            result["ema"] = o.Ema;
        }
        if (withBaseline)
        {
            long dSteps = (long)steps * o.DSteps;
            Console.Error.WriteLine($"supervised-only baseline: {dSteps} D updates on the same {o.Labels} labels");
            using var d = SemiSupervisedEvaluation.TrainBaseline(o, train, labelled, dSteps,
                (s, total) => Console.Error.Write($"\rbaseline {s}/{total}"));
            Console.Error.WriteLine();
            double be = SemiSupervisedEvaluation.TestError(d, test);
            Console.WriteLine($"supervised-only baseline: MNIST test error {100 * be:F2} %");
            result["baseline_test_error"] = Math.Round(be, 6);
            result["eval_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
        }
        string path = Path.Combine(run.Root, "semisup.json");
        RunDirectory.AtomicWrite(path, result.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {path}");
        return 0;
    }
}
