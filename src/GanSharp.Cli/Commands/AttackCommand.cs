using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using GanSharp.Attacks;
using GanSharp.Data;
using GanSharp.Metrics;
using GanSharp.Training;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp attack`: FGSM / PGD adversarial examples against the MNIST classifiers, with an optional adversarially trained copy.</summary>
public static class AttackCommand
{
    private static readonly double[] DefaultLinf = [0.05, 0.1, 0.2, 0.25, 0.3];
    private static readonly double[] DefaultL2 = [0.5, 1, 2, 3];

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "mnist-cnn, softmax or maxout (both trained here on MNIST), or fashion-cnn", DefaultValueFactory = _ => "mnist-cnn" };
        var maxoutUnits = new Option<int>("--maxout-units") { Description = "Units per maxout layer of --model maxout (5 pieces each; 240 as in Goodfellow et al. 2013, 1600 for the 2015 paper's adversarially trained one)", DefaultValueFactory = _ => 240 };
        var method = new Option<string>("--method") { Description = "fgsm or pgd", DefaultValueFactory = _ => "fgsm" };
        var norm = new Option<string>("--norm") { Description = "linf or l2 (ε in the [0, 1] pixel scale)", DefaultValueFactory = _ => "linf" };
        var eps = new Option<string?>("--eps") { Description = "Comma-separated ε list, [0, 1] pixel scale (default 0.05,0.1,0.2,0.25,0.3 for linf; 0.5,1,2,3 for l2)" };
        var advTrain = new Option<bool>("--adv-train") { Description = "Also train a fresh copy of the model with the FGSM objective 0.5·J(x) + 0.5·J(x + 0.25·sign∇J) and attack it" };
        var samples = new Option<int>("--samples") { Description = "Test examples to attack (the first N; default all 10,000)", DefaultValueFactory = _ => 10_000 };
        var outDir = new Option<string?>("--out") { Description = "Output directory (default attacks/MODEL-METHOD-NORM)" };
        var steps = new Option<int>("--steps") { Description = "PGD steps k (default 10)", DefaultValueFactory = _ => 10 };
        var stepSize = new Option<double?>("--step-size") { Description = "PGD step size, [0, 1] scale (default 2.5·ε/k)" };
        var randomStart = new Option<bool>("--random-start") { Description = "PGD starts at a uniformly random point of the ε-ball" };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs for models trained here (default 5 for softmax, 2 for the CNN)" };
        var examples = new Option<int>("--examples") { Description = "Columns of examples.png (default 8)", DefaultValueFactory = _ => 8 };
        var showEps = new Option<double?>("--show-eps") { Description = "ε of examples.png (default 0.25 when listed, else the largest ε)" };
        var seed = new Option<long>("--seed") { Description = "Seed of training and of the random start (default 1)", DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with local IDX files instead of the cache" };
        var cmd = new Command("attack", """
            Adversarial examples (Goodfellow et al. 2015; PGD: Madry et al. 2018): attack a classifier on the MNIST or
            Fashion-MNIST test set with FGSM or PGD under L∞ or L2, ε in the [0, 1] pixel scale, images clipped to
            [0, 1]. Writes attack.json, attack.md (error rate and mean perturbation norms per ε), examples.png and
            examples.txt. The committed classifiers are only read, never changed; --adv-train trains its own copy.

            Examples:
              gansharp attack --model mnist-cnn --method fgsm --norm linf
              gansharp attack --model softmax --method pgd --norm l2 --eps 0.5,1,2,3
              gansharp attack --model softmax --method fgsm --norm linf --adv-train --out attacks/softmax-adv
              gansharp attack --model maxout --maxout-units 1600 --adv-train --epochs 10 --out attacks/maxout-adv
            """);
        foreach (var o in new Option[] { model, maxoutUnits, method, norm, eps, advTrain, samples, outDir, steps, stepSize, randomStart, epochs, examples, showEps, seed, threads, dataDir })
            cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string modelName = p.GetValue(model)!;
            if (modelName is not ("mnist-cnn" or "softmax" or "maxout" or "fashion-cnn"))
                throw new ArgumentException($"unknown --model '{modelName}': use mnist-cnn, softmax, maxout or fashion-cnn");
            int units = p.GetValue(maxoutUnits);
            if (units < 1 || units > 10_000) throw new ArgumentException($"--maxout-units must be between 1 and 10000 (got {units})");
            var m = p.GetValue(method) switch
            {
                "fgsm" => AttackMethod.Fgsm,
                "pgd" => AttackMethod.Pgd,
                var s => throw new ArgumentException($"unknown --method '{s}': use fgsm or pgd"),
            };
            var nrm = p.GetValue(norm) switch
            {
                "linf" => AttackNorm.Linf,
                "l2" => AttackNorm.L2,
                var s => throw new ArgumentException($"unknown --norm '{s}': use linf or l2"),
            };
            double[] epsList = p.GetValue(eps) is string e ? ParseEps(e, nrm) : nrm == AttackNorm.Linf ? DefaultLinf : DefaultL2;
            int n = p.GetValue(samples);
            if (n < 1) throw new ArgumentException($"--samples must be positive (got {n})");
            var pgd = new PgdOptions { Steps = p.GetValue(steps), StepSize = p.GetValue(stepSize), RandomStart = p.GetValue(randomStart), Seed = p.GetValue(seed) };
            if (pgd.Steps < 1 || pgd.Steps > 10_000) throw new ArgumentException($"--steps must be between 1 and 10000 (got {pgd.Steps})");
            if (pgd.StepSize is double a && !(a > 0)) throw new ArgumentException($"--step-size must be positive (got {a})");
            int k = p.GetValue(examples);
            if (k < 1 || k > 64) throw new ArgumentException($"--examples must be between 1 and 64 (got {k})");
            if (p.GetValue(epochs) is int ep && ep < 1) throw new ArgumentException($"--epochs must be positive (got {ep})");
            double shown = p.GetValue(showEps) ?? (epsList.Contains(0.25) ? 0.25 : epsList.Max());
            if (!(shown > 0)) throw new ArgumentException($"--show-eps must be positive (got {shown})");
            string dir = p.GetValue(outDir) ?? Path.Combine("attacks", $"{modelName}-{p.GetValue(method)}-{p.GetValue(norm)}");

            TorchRuntime.EnsureLoaded();
            if (p.GetValue(threads) is int t)
            {
                if (t < 1) throw new ArgumentException($"--threads must be positive (got {t})");
                set_num_threads(t);
            }
            string data = modelName == "fashion-cnn" ? "fashion-mnist" : "mnist";
            var total = Stopwatch.StartNew();
            using var test = Open(data, "test", p.GetValue(dataDir));
            n = (int)Math.Min(n, test.Count);
            using var x = AttackModels.UnitPixels(test.Data.narrow(0, 0, n));
            using var y = test.Labels!.narrow(0, 0, n).clone();
            Directory.CreateDirectory(dir);
            Console.WriteLine($"attack: {modelName}, {p.GetValue(method)} {p.GetValue(norm)}, ε {string.Join(", ", epsList.Select(F))} ([0, 1] pixel scale), {n} {test.Name} test images, {get_num_threads()} threads");

            var results = new JsonArray();
            var md = new StringBuilder();
            var txt = new StringBuilder();
            var trainOpts = new AdversarialTrainOptions { Seed = p.GetValue(seed), Epochs = p.GetValue(epochs) ?? (modelName == "softmax" ? 5 : modelName == "maxout" ? 10 : 2) };
            TensorDataset? train = null;
            try
            {
                // The undefended model.
                IDisposable owner;
                Func<Tensor, Tensor> forward;
                JsonObject info;
                if (modelName is "softmax" or "maxout")
                {
                    train = Open(data, "train", p.GetValue(dataDir));
                    var net = TrainOwn(modelName, train, trainOpts with { Alpha = 1 }, x, y, units);
                    (owner, forward) = (net, net.call);
                    info = new JsonObject { ["model"] = ModelLabel(modelName, units), ["defence"] = "none", ["trained_here"] = Describe(trainOpts with { Alpha = 1 }) };
                }
                else
                {
                    var net = (DomainClassifier)FeatureNetworks.Load(modelName);
                    (owner, forward) = (net, AttackModels.OnUnitPixels(net.Module));
                    info = new JsonObject { ["model"] = modelName, ["defence"] = "none", ["sha256"] = net.Hash };
                }
                using (owner)
                    Evaluate("undefended", forward, info);

                if (p.GetValue(advTrain))
                {
                    train ??= Open(data, "train", p.GetValue(dataDir));
                    using var adv = TrainOwn(modelName, train, trainOpts, x, y, units);
                    Func<Tensor, Tensor> advForward = adv is DomainCnn cnn ? AttackModels.OnUnitPixels(cnn) : adv.call;
                    Evaluate("adversarially trained", advForward, new JsonObject
                    {
                        ["model"] = modelName is "softmax" or "maxout" ? ModelLabel(modelName, units) : "domain-cnn (fresh copy)",
                        ["defence"] = $"adversarial training, α {F(trainOpts.Alpha)}, FGSM L∞ ε {F(trainOpts.Eps)}",
                        ["trained_here"] = Describe(trainOpts),
                    });
                }
            }
            finally
            {
                train?.Dispose();
            }

            var json = new JsonObject
            {
                ["method"] = p.GetValue(method),
                ["norm"] = p.GetValue(norm),
                ["eps"] = new JsonArray(epsList.Select(v => (JsonNode)v).ToArray()),
                ["eps_scale"] = "[0, 1] pixels (2·ε in GanSharp's [-1, 1] images)",
                ["clip"] = "[0, 1] after every step",
                ["target"] = "untargeted: maximize cross-entropy on the true label",
                ["pgd"] = m == AttackMethod.Pgd ? new JsonObject { ["steps"] = pgd.Steps, ["step_size"] = pgd.StepSize is double ss ? ss : "2.5·ε/k", ["random_start"] = pgd.RandomStart, ["seed"] = pgd.Seed } : null,
                ["data"] = test.Name,
                ["samples"] = n,
                ["torch_threads"] = get_num_threads(),
                ["seconds"] = Math.Round(total.Elapsed.TotalSeconds, 1),
                ["results"] = results,
            };
            RunDirectory.AtomicWrite(Path.Combine(dir, "attack.json"), json.ToJsonString(GanOptions.Json));
            string header = $"# {modelName}: {p.GetValue(method)} {p.GetValue(norm)} on {n} {test.Name} test images\n\n" +
                $"ε in the [0, 1] pixel scale; images clipped to [0, 1]; untargeted{(m == AttackMethod.Pgd ? $"; PGD {pgd.Steps} steps, step {(pgd.StepSize is double s2 ? F(s2) : "2.5·ε/k")}, random start {(pgd.RandomStart ? "on" : "off")}" : "")}. " +
                "Error: misclassified fraction of all evaluated examples (ε = 0: clean error). Norms: mean over examples of adv − x.\n\n";
            RunDirectory.AtomicWrite(Path.Combine(dir, "attack.md"), header + md);
            RunDirectory.AtomicWrite(Path.Combine(dir, "examples.txt"), txt.ToString());
            Console.WriteLine($"wrote {Path.Combine(dir, "attack.json")}, attack.md, examples.png, examples.txt ({total.Elapsed.TotalSeconds:F0} s)");
            return 0;

            void Evaluate(string what, Func<Tensor, Tensor> f, JsonObject info)
            {
                Console.WriteLine($"{what}:");
                var rows = AttackEvaluation.Run(f, x, y, m, nrm, epsList, pgd, progress: line => Console.Error.WriteLine(line));
                md.Append($"## {what}\n\n| ε | error | errors / examples | mean L2 | mean L∞ | seconds |\n|---:|---:|---:|---:|---:|---:|\n");
                foreach (var r in rows)
                {
                    md.Append($"| {F(r.Eps)} | {r.ErrorRate * 100:F2} % | {r.Errors} / {r.Count} | {r.MeanL2:F3} | {r.MeanLinf:F3} | {r.Seconds:F1} |\n");
                    Console.WriteLine($"  ε {F(r.Eps),-5} error {r.ErrorRate * 100,6:F2} %   mean L2 {r.MeanL2:F3}   mean L∞ {r.MeanLinf:F3}   {r.Seconds:F1} s");
                }
                md.Append('\n');
                info["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
                {
                    ["eps"] = r.Eps, ["error_rate"] = Math.Round(r.ErrorRate, 6), ["errors"] = r.Errors, ["count"] = r.Count,
                    ["mean_l2"] = Math.Round(r.MeanL2, 6), ["mean_linf"] = Math.Round(r.MeanLinf, 6), ["seconds"] = Math.Round(r.Seconds, 2),
                }).ToArray());
                results.Add(info);

                // Examples: the first k test images, attacked at the shown ε.
                using var scope = NewDisposeScope();
                int kk = Math.Min(k, n);
                var xs = x.narrow(0, 0, kk);
                var ys = y.narrow(0, 0, kk);
                var advs = AttackEvaluation.Attack(m, f, xs, ys, shown, nrm, pgd);
                var (cp, cc) = AttackEvaluation.Predict(f, xs);
                var (ap, ac) = AttackEvaluation.Predict(f, advs);
                long[] truth = ys.data<long>().ToArray();
                var labels = Enumerable.Range(0, kk).Select(i => new ExampleLabels(truth[i], cp[i], cc[i], ap[i], ac[i])).ToList();
                string file = what == "undefended" ? "examples.png" : "examples-adv-trained.png";
                AdversarialExamplesImage.Save(Path.Combine(dir, file), xs, advs, labels,
                    $"{modelName}{(what == "undefended" ? "" : " (adv. trained)")}, {p.GetValue(method)} {p.GetValue(norm)} ε = {F(shown)}: prediction (confidence)");
                txt.Append($"{file}: {what} {modelName}, {p.GetValue(method)} {p.GetValue(norm)} ε = {F(shown)} ([0, 1] scale); columns = first {kk} test images\n");
                txt.Append("column  true  clean prediction (confidence)  adversarial prediction (confidence)  L2  L∞\n");
                var d = advs.sub(xs).flatten(1);
                float[] l2s = d.pow(2).sum(1).sqrt().data<float>().ToArray(), linfs = d.abs().amax(1).data<float>().ToArray();
                foreach (var (l, i) in labels.Select((l, i) => (l, i)))
                    txt.Append($"{i,6}  {l.Label,4}  {l.CleanPrediction,5} ({l.CleanConfidence * 100,5:F1} %)              {l.AdvPrediction,5} ({l.AdvConfidence * 100,5:F1} %)                   {l2s[i]:F3}  {linfs[i]:F3}\n");
                txt.Append('\n');
            }
        });
        return cmd;
    }

    /// <summary>Trains this command's own model (softmax regression, or a fresh DomainCnn) on [0, 1] images.</summary>
    private static string ModelLabel(string modelName, int units) => modelName == "maxout" ? $"maxout ({units} units × 5 pieces, 2 layers)" : modelName;

    private static nn.Module<Tensor, Tensor> TrainOwn(string modelName, TensorDataset train, AdversarialTrainOptions o, Tensor testX, Tensor testY, int units)
    {
        using var x = AttackModels.UnitPixels(train.Data);
        string what = o.Alpha < 1 ? $"adversarial training (α {F(o.Alpha)}, FGSM L∞ ε {F(o.Eps)})" : "plain training";
        Console.Error.WriteLine($"{what} of a fresh {(modelName == "softmax" ? "softmax regression" : modelName == "maxout" ? $"maxout network ({units} units × 5 pieces)" : "domain CNN")} on {train.Name} ({train.Count} images), {o.Epochs} epochs, batch {o.Batch}, seed {o.Seed}");
        void Progress(AdversarialEpoch e) =>
            Console.Error.WriteLine($"  epoch {e.Epoch}/{e.Epochs}: objective {e.Loss:F4}, clean train accuracy {e.TrainAccuracy:P2}, {e.Elapsed.TotalSeconds:F0} s");
        var clock = Stopwatch.StartNew();
        void Steps(long s, long total) => Console.Error.WriteLine($"  step {s}/{total}, {clock.Elapsed.TotalSeconds:F0} s");
        nn.Module<Tensor, Tensor> net = modelName == "softmax"
            ? AdversarialTraining.Train(() => new SoftmaxRegression(), (mm, b) => mm.call(b), x, train.Labels!, o, progress: Progress)
            : modelName == "maxout"
            ? AdversarialTraining.Train(() => new MaxoutNetwork(units), (mm, b) => mm.call(b), x, train.Labels!, o, progress: Progress, steps: Steps)
            : AdversarialTraining.Train(() => new DomainCnn(), (mm, b) => mm.call(b.mul(2.0).sub(1.0)), x, train.Labels!, o with { Lr = 2e-3 }, progress: Progress, steps: Steps);
        Func<Tensor, Tensor> f = net is DomainCnn c ? AttackModels.OnUnitPixels(c) : net.call;
        long errors = 0;
        for (long i = 0; i < testX.shape[0]; i += 1000)
        {
            using var scope = NewDisposeScope();
            long b = Math.Min(1000, testX.shape[0] - i);
            errors += AttackEvaluation.Errors(f, testX.narrow(0, i, b), testY.narrow(0, i, b));
        }
        Console.Error.WriteLine($"  clean test accuracy {1 - (double)errors / testX.shape[0]:P2}");
        return net;
    }

    private static JsonObject Describe(AdversarialTrainOptions o) => new()
    {
        ["epochs"] = o.Epochs, ["batch"] = o.Batch, ["lr"] = o.Lr, ["alpha"] = o.Alpha, ["eps"] = o.Alpha < 1 ? o.Eps : null, ["seed"] = o.Seed,
    };

    /// <summary>Parses "0.05,0.1": each ε positive and finite, at most 1 under L∞ (the pixel range).</summary>
    internal static double[] ParseEps(string text, AttackNorm norm)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var list = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out list[i]) || !double.IsFinite(list[i]))
                throw new ArgumentException($"--eps '{text}' is not a comma-separated list of numbers (e.g. 0.05,0.1,0.3)");
            if (list[i] <= 0) throw new ArgumentException($"--eps values must be positive (got {parts[i]}); the clean error is always reported at ε = 0");
            if (norm == AttackNorm.Linf && list[i] > 1) throw new ArgumentException($"--eps {parts[i]} is larger than the [0, 1] pixel range under linf");
        }
        return list;
    }

    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static TensorDataset Open(string name, string split, string? dataDir) =>
        Datasets.Open(name, new DatasetOpenOptions { Split = split, DataDir = dataDir }, msg => Console.Error.WriteLine(msg));
}
