using System.CommandLine;
using System.Diagnostics;
using GanSharp.Data;
using GanSharp.Metrics;
using static TorchSharp.torch;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp classifier train|test`: the domain classifiers behind the MNIST / Fashion-MNIST metrics.</summary>
public static class ClassifierCommand
{
    public static Command Create()
    {
        var cmd = new Command("classifier", "Train or test the domain classifiers used as feature networks (mnist-cnn, fashion-cnn).");
        cmd.Subcommands.Add(Train());
        cmd.Subcommands.Add(Test());
        return cmd;
    }

    private static Option<string> DataOption()
    {
        var data = new Option<string>("--data") { Description = "mnist or fashion-mnist", Required = true };
        data.AcceptOnlyFromAmong("mnist", "fashion-mnist");
        return data;
    }

    private static Command Train()
    {
        var data = DataOption();
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with local IDX files instead of the cache" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs (default 4)", DefaultValueFactory = _ => 4 };
        var batch = new Option<int>("--batch") { Description = "Minibatch size (default 128)", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Peak Adam learning rate, cosine decay to 0 (default 2e-3)", DefaultValueFactory = _ => 2e-3 };
        var seed = new Option<long>("--seed") { Description = "Random seed (default 1)", DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        var noAugment = new Option<bool>("--no-augment") { Description = "Turn off the random ±2-pixel shift of each minibatch" };
        var outFile = new Option<string>("--out") { Description = "Weights file to write (.ckpt)", Required = true };
        var cmd = new Command("train", """
            Train the domain classifier (small CNN, 128-D features) on a dataset's train split, report test accuracy,
            and write its weights. The committed mnist-cnn / fashion-cnn were made this way (see
            src/GanSharp/Metrics/Weights/README.md).

            Example:
              gansharp classifier train --data mnist --epochs 4 --seed 1 --out mnist-cnn.ckpt
            """);
        foreach (var o in new Option[] { data, dataDir, epochs, batch, lr, seed, threads, noAugment, outFile }) cmd.Options.Add(o);
        cmd.SetAction(p => Guard(() =>
        {
            string path = p.GetValue(outFile)!;
            if (!path.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--out must name a .ckpt file (got '{path}')");
            var o = new ClassifierTrainOptions
            {
                Epochs = p.GetValue(epochs), Batch = p.GetValue(batch), Lr = p.GetValue(lr), Seed = p.GetValue(seed),
                Augment = !p.GetValue(noAugment),
            };
            if (o.Epochs < 1 || o.Epochs > 1000) throw new ArgumentException($"--epochs must be between 1 and 1000 (got {o.Epochs})");
            if (o.Batch < 2 || o.Batch > 60000) throw new ArgumentException($"--batch must be between 2 and 60000 (got {o.Batch})");
            TorchRuntime.EnsureLoaded();
            if (p.GetValue(threads) is int t)
            {
                if (t < 1) throw new ArgumentException($"--threads must be positive (got {t})");
                set_num_threads(t);
            }
            string name = p.GetValue(data)!;
            using var train = Open(name, "train", p.GetValue(dataDir));
            using var test = Open(name, "test", p.GetValue(dataDir));
            Console.WriteLine($"training {DomainClassifier.Arch} on {train.Name} ({train.Count} images), {o.Epochs} epochs, batch {o.Batch}, seed {o.Seed}, {get_num_threads()} threads");
            var clock = Stopwatch.StartNew();
            using var net = ClassifierTrainer.Train(train, o, e =>
                Console.WriteLine($"epoch {e.Epoch}/{e.Epochs}: loss {e.Loss:F4}, train accuracy {e.TrainAccuracy:P2}, {e.Elapsed.TotalSeconds:F0} s"),
                (s, total) => Console.Error.WriteLine($"  step {s}/{total}, {clock.Elapsed.TotalSeconds:F0} s"));
            var wall = clock.Elapsed;
            var header = ClassifierTrainer.Header(name, o, 0, wall);
            string tmp = path + ".tmp.ckpt";
            DomainClassifier.Save(tmp, net, header);
            double acc;
            using (var c = DomainClassifier.Load(tmp)) acc = ClassifierTrainer.Accuracy(c, test);
            File.Delete(tmp);
            header = ClassifierTrainer.Header(name, o, acc, wall);
            DomainClassifier.Save(path, net, header);
            string hash;
            using (var c = DomainClassifier.Load(path)) hash = c.Hash;
            Console.WriteLine($"test accuracy {acc:P2} on {test.Name} ({test.Count} images); training took {wall.TotalSeconds:F0} s");
            Console.WriteLine($"wrote {path} ({new FileInfo(path).Length} bytes, sha256 {hash})");
            return 0;
        }));
        return cmd;
    }

    private static Command Test()
    {
        var data = DataOption();
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with local IDX files instead of the cache" };
        var weights = new Option<string>("--weights") { Description = "mnist-cnn, fashion-cnn, or a .ckpt weights file", Required = true };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)" };
        var cmd = new Command("test", """
            Print a classifier's accuracy on a dataset's test split.

            Examples:
              gansharp classifier test --weights mnist-cnn --data mnist
              gansharp classifier test --weights mnist-cnn.ckpt --data mnist
            """);
        foreach (var o in new Option[] { data, dataDir, weights, threads }) cmd.Options.Add(o);
        cmd.SetAction(p => Guard(() =>
        {
            TorchRuntime.EnsureLoaded();
            if (p.GetValue(threads) is int t)
            {
                if (t < 1) throw new ArgumentException($"--threads must be positive (got {t})");
                set_num_threads(t);
            }
            using var net = FeatureNetworks.Load(p.GetValue(weights)!);
            using var test = Open(p.GetValue(data)!, "test", p.GetValue(dataDir));
            double acc = ClassifierTrainer.Accuracy(net, test);
            Console.WriteLine($"{net.Name} (sha256 {net.Hash}): test accuracy {acc:P2} on {test.Name} ({test.Count} images)");
            return 0;
        }));
        return cmd;
    }

    /// <summary>A damaged or unknown feature network is bad input: one line, exit code 2.</summary>
    private static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (FeatureNetworkException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return CliErrors.BadInput;
        }
    }

    private static TensorDataset Open(string name, string split, string? dataDir) =>
        Datasets.Open(name, new DatasetOpenOptions { Split = split, DataDir = dataDir }, m => Console.Error.WriteLine(m));
}
