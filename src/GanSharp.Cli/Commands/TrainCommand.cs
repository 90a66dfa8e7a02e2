using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Training;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp train &lt;model&gt;`: a new run, or --resume of an existing one.</summary>
public sealed class TrainCommand
{
    // Flags that map one-to-one onto GanOptions keys (kebab-case). Declared once; the JSON layer does the rest.
    private readonly Option<string?> Data = new("--data") { Description = "Dataset: mnist, fashion-mnist, ring, grid, or a folder of images" };
    private readonly Option<string?> DataDir = new("--data-dir") { Description = "Directory with local MNIST-format IDX files (raw or .gz) instead of downloading" };
    private readonly Option<string?> Arch = new("--arch") { Description = "Architecture: dcgan28, dcgan32, dcgan64, mlp (default: fits the data)" };
    private readonly Option<int?> Size = new("--size") { Description = "Image size for image folders: 32 or 64" };
    private readonly Option<int?> Channels = new("--channels") { Description = "Channels for image folders: 1, 3 or 4" };
    private readonly Option<int?> Steps = new("--steps") { Description = "Generator updates in the whole run (default 2000)" };
    private readonly Option<int?> BatchSize = new("--batch") { Description = "Minibatch size (default 64)" };
    private readonly Option<int?> DSteps = new("--d-steps") { Description = "Discriminator updates per generator update, k (default 1)" };
    private readonly Option<string?> GLoss = new("--g-loss") { Description = "Generator loss: nonsaturating (default) or minimax" };
    private readonly Option<string?> Batches = new("--batches") { Description = "Real and fake through D: separate (default) or joint" };
    private readonly Option<double?> LrG = new("--lr-g") { Description = "Adam learning rate of G (default 2e-4)" };
    private readonly Option<double?> LrD = new("--lr-d") { Description = "Adam learning rate of D (default 2e-4)" };
    private readonly Option<double[]?> BetasG = new("--betas-g") { Description = "Adam betas of G (default 0.5 0.999)", AllowMultipleArgumentsPerToken = true, Arity = new ArgumentArity(2, 2) };
    private readonly Option<double[]?> BetasD = new("--betas-d") { Description = "Adam betas of D (default 0.5 0.999)", AllowMultipleArgumentsPerToken = true, Arity = new ArgumentArity(2, 2) };
    private readonly Option<string?> Prior = new("--prior") { Description = "Noise prior: gaussian (default), uniform, sphere" };
    private readonly Option<int?> ZDim = new("--z-dim") { Description = "Latent dimension (default 100)" };
    private readonly Option<int?> WidthG = new("--width-g") { Description = "Base width of G (default 64)" };
    private readonly Option<int?> WidthD = new("--width-d") { Description = "Base width of D (default 64)" };
    private readonly Option<string?> CondD = new("--cond-d") { Description = "cgan discriminator: concat (one-hot maps as input channels, default) or projection (Miyato & Koyama 2018)" };
    private readonly Option<int?> Depth = new("--depth") { Description = "Hidden layers of MLP networks (default 2)" };
    private readonly Option<long?> Seed = new("--seed") { Description = "Random seed: same seed and threads give the same losses (default 1)" };
    private readonly Option<int?> Threads = new("--threads") { Description = "Torch threads (default: 1 for MLP models, all cores otherwise)" };
    private readonly Option<int?> LogEvery = new("--log-every") { Description = "Write metrics.jsonl every N steps (default 10)" };
    private readonly Option<int?> SampleEvery = new("--sample-every") { Description = "Write a sample grid every N steps (default 250)" };
    private readonly Option<int?> CheckpointEvery = new("--checkpoint-every") { Description = "Write a checkpoint every N steps (default 500)" };
    private readonly Option<int?> Keep = new("--keep") { Description = "Step checkpoints to keep (default 3)" };
    private readonly Option<int?> EvalEvery = new("--eval-every") { Description = "Evaluate --metrics every N steps, appending to metrics.jsonl and keeping checkpoints/best.ckpt (default 0: off)" };
    private readonly Option<string?> MetricsList = new("--metrics") { Description = "Metrics for --eval-every, comma-separated; the first ranks the best checkpoint (default fid; see 'gansharp list')" };
    private readonly Option<int?> EvalSamples = new("--eval-samples") { Description = "Generated samples per evaluation (default 10000)" };
    private readonly Option<string?> Loss = new("--loss") { Description = "Adversarial loss: gan (default), wgan, wgan-gp, hinge, lsgan" };
    private readonly Option<double?> GpWeight = new("--gp-weight") { Description = "WGAN-GP penalty weight λ (default 10)" };
    private readonly Option<double?> R1 = new("--r1") { Description = "R1 penalty γ on real data (Mescheder et al. 2018; e.g. 10; default off)" };
    private readonly Option<double?> Clip = new("--clip") { Description = "WGAN weight clipping c (e.g. 0.01; default off)" };
    private readonly Option<string?> OptimizerKind = new("--optimizer") { Description = "adam (default) or rmsprop (WGAN)" };
    private readonly Option<double?> RealLabel = new("--real-label") { Description = "One-sided label smoothing: target for real data (e.g. 0.9; default 1)" };
    private readonly Option<double?> InstanceNoise = new("--instance-noise") { Description = "Std of gaussian noise on D's inputs, annealed to 0 over the run (default off)" };
    private readonly Option<bool> FeatureMatching = new("--feature-matching") { Description = "Generator loss = feature matching on D's hidden features (Salimans et al. 2016)" };
    private readonly Option<double?> Ema = new("--ema") { Description = "Moving average of G's weights with this decay (e.g. 0.999), used for sampling and evaluation" };
    private readonly Option<bool> MinibatchStd = new("--minibatch-std") { Description = "Minibatch standard-deviation feature in D (Karras et al. 2018)" };
    private readonly Option<int?> MinibatchDisc = new("--minibatch-disc") { Description = "Minibatch discrimination with B kernels in D (Salimans et al. 2016; e.g. 100)" };
    private readonly Option<bool> SpectralNorm = new("--spectral-norm") { Description = "Spectral normalization of D's layers (Miyato et al. 2018)" };
    private readonly Option<int?> Pack = new("--pack") { Description = "PacGAN: D judges m samples packed together (Lin et al. 2018; e.g. 2 or 4)" };
    private readonly Option<int?> Unrolled = new("--unrolled") { Description = "Unrolled GAN: G steps against D unrolled k steps (Metz et al. 2017)" };
    private readonly Option<bool> UnrolledFirstOrder = new("--unrolled-first-order") { Description = "Unroll without gradients through D's updates (cheaper)" };
    private readonly Option<int?> Maxout = new("--maxout") { Description = "Maxout units with this many pieces in MLP discriminators (PacGAN 2-D)" };
    private readonly Option<bool> MlpBatchNorm = new("--mlp-batch-norm") { Description = "BatchNorm in MLP generators (PacGAN 2-D)" };
    private readonly Option<int?> DepthD = new("--depth-d") { Description = "Hidden layers of an MLP discriminator when different from --depth" };
    private readonly Option<bool?> ChannelsLast = new("--channels-last") { Description = "Speed: channels-last layout for conv models (true/false; default: on for conv models on images of 64x64 and up)" };
    private readonly Option<bool?> FreezeD = new("--freeze-d") { Description = "Speed: no gradients for D's weights in the G step (true/false; default on; bit-identical)" };
    private readonly Option<bool?> FusedAdam = new("--fused-adam") { Description = "Speed: Adam over one flat buffer per network (true/false; default on; bit-identical)" };
    private readonly Option<bool?> Prefetch = new("--prefetch") { Description = "Speed: gather the next real batch on a background thread (true/false; default off: no gain measured for in-memory data; same batches)" };
    private readonly Option<bool?> FoldBatchNorm = new("--fold-batch-norm") { Description = "Speed: fold BatchNorm into convolutions when sampling (true/false; default off: no gain measured; within 1e-5)" };
    private readonly Option<bool> ReuseDFake = new("--reuse-d-fake") { Description = "Speed, CHANGES RESULTS: one D(G(z)) forward for both losses (opt-in)" };
    private readonly Option<int?> SampleCount = new("--sample-count") { Description = "Samples in each progress grid (default 64)" };
    private readonly Option<int?> Labels = new("--labels") { Description = "semisup: labelled training examples, n/10 per class (default 100)" };
    private readonly Option<string?> SemisupMode = new("--semisup-mode") { Description = "semisup: kplus1 (default) or dcgan-features" };

    private readonly Option<string?> Preset = new("--preset") { Description = "Named preset (see 'gansharp list'); layered: defaults < preset < --config < flags" };
    private readonly Option<FileInfo?> Config = new("--config") { Description = "JSON file of options (kebab-case keys, as in options.json)" };
    private readonly Option<string> Out = new("--out") { Description = "Directory that holds runs", DefaultValueFactory = _ => "runs" };
    private readonly Option<string?> Name = new("--name") { Description = "Run name: the run is written to OUT/NAME (default: <model>-<data>-<time>)" };
    private readonly Option<string?> Resume = new("--resume") { Description = "Continue the run in this directory from its latest checkpoint (only --steps may be raised)" };
    private readonly Option<bool> DryRun = new("--dry-run") { Description = "Run one step end to end, writing every kind of output" };

    private readonly (Option Option, string Key)[] Mapped;

    private TrainCommand()
    {
        Mapped = new (Option, string)[]
        {
        (Data, "data"), (DataDir, "data-dir"), (Arch, "arch"), (Size, "size"), (Channels, "channels"), (Steps, "steps"),
        (BatchSize, "batch"), (DSteps, "d-steps"), (GLoss, "g-loss"), (LrG, "lr-g"), (LrD, "lr-d"), (BetasG, "betas-g"),
        (BetasD, "betas-d"), (Prior, "prior"), (ZDim, "z-dim"), (WidthG, "width-g"), (WidthD, "width-d"), (CondD, "conditional-d"), (Depth, "depth"),
        (Seed, "seed"), (Threads, "threads"), (LogEvery, "log-every"), (SampleEvery, "sample-every"),
        (CheckpointEvery, "checkpoint-every"), (Keep, "keep"), (SampleCount, "sample-count"),
            (EvalEvery, "eval-every"), (MetricsList, "metrics"), (EvalSamples, "eval-samples"),
            (Loss, "loss"), (GpWeight, "gp-weight"), (R1, "r1"), (Clip, "clip"), (OptimizerKind, "optimizer"),
            (RealLabel, "real-label"), (InstanceNoise, "instance-noise"), (FeatureMatching, "feature-matching"), (Ema, "ema"),
            (MinibatchStd, "minibatch-std"), (MinibatchDisc, "minibatch-disc"), (SpectralNorm, "spectral-norm"), (Pack, "pack"),
            (Unrolled, "unrolled"), (UnrolledFirstOrder, "unrolled-first-order"), (Maxout, "maxout"),
            (MlpBatchNorm, "mlp-batch-norm"), (DepthD, "depth-d"),
            (Labels, "labels"), (SemisupMode, "semisup-mode"),
            (ChannelsLast, "channels-last"), (FreezeD, "freeze-d"), (FusedAdam, "fused-adam"), (Prefetch, "prefetch"),
            (FoldBatchNorm, "fold-batch-norm"), (ReuseDFake, "reuse-d-fake"),
        };
    }

    public static Command Create() => new TrainCommand().Build();

    private Command Build()
    {
        var model = new Argument<string>("model") { Description = "Model family (see 'gansharp list')" };
        model.AcceptOnlyFromAmong(Models.GanFamilies.All.Keys.Order(StringComparer.Ordinal).ToArray());
        GLoss.AcceptOnlyFromAmong("nonsaturating", "minimax");
        Batches.AcceptOnlyFromAmong("separate", "joint");
        Prior.AcceptOnlyFromAmong("gaussian", "uniform", "sphere");
        Arch.AcceptOnlyFromAmong("dcgan28", "dcgan32", "dcgan64", "dcgan28-deep", "weakd28", "mlp", "semisup-mlp", "semisup-conv");
        Loss.AcceptOnlyFromAmong("gan", "wgan", "wgan-gp", "hinge", "lsgan");
        OptimizerKind.AcceptOnlyFromAmong("adam", "rmsprop");
        CondD.AcceptOnlyFromAmong("concat", "projection");
        SemisupMode.AcceptOnlyFromAmong("kplus1", "dcgan-features");

        var cmd = new Command("train", """
            Train a GAN. The run directory OUT/NAME gets options.json, metrics.jsonl, samples/step-NNNNNN.png,
            loss.png and checkpoints/. Ctrl+C writes a checkpoint before stopping; --resume continues it.

            Examples:
              gansharp train dcgan --data mnist --steps 2000 --batch 64 --out runs --name mnist
              gansharp train dcgan --data ~/photos --size 64 --channels 3 --name photos
              gansharp train mlp --preset mlp-ring --name ring
              gansharp train cgan --data mnist --name cmnist
              gansharp train dcgan --resume runs/mnist --steps 4000
              gansharp train dcgan --data mnist --eval-every 1000 --metrics fid,modes --name evaluated
            """);
        cmd.Arguments.Add(model);
        foreach (var (o, _) in Mapped) cmd.Options.Add(o);
        cmd.Options.Add(Batches);
        cmd.Options.Add(Preset);
        cmd.Options.Add(Config);
        cmd.Options.Add(Out);
        cmd.Options.Add(Name);
        cmd.Options.Add(Resume);
        cmd.Options.Add(DryRun);
        cmd.SetAction(p => Execute(p, p.GetValue(model)!));
        return cmd;
    }

    private int Execute(ParseResult p, string model)
    {
        TorchRuntime.EnsureLoaded();
        var flags = new JsonObject();
        foreach (var (option, key) in Mapped)
        {
            object? v = p.GetResult(option) is { Implicit: false } r ? r.GetValueOrDefault<object?>() : null;
            if (v is null) continue;
            flags[key] = v switch
            {
                double[] a => new JsonArray(a.Select(x => (JsonNode)x).ToArray()),
                _ => JsonValue.Create(v),
            };
        }
        if (p.GetValue(Batches) is { } b) flags["separate-batches"] = b == "separate";

        string? resume = p.GetValue(Resume);
        TrainingRun run;
        TensorDataset data;
        if (resume is not null)
        {
            var allowed = new HashSet<string> { "steps", "data-dir" };
            var extra = flags.Select(kv => kv.Key).Where(k => !allowed.Contains(k)).ToList();
            if (extra.Count > 0 || p.GetValue(Preset) is not null || p.GetValue(Config) is not null)
                throw new ArgumentException($"only --steps (and --data-dir) can be given with --resume; the run keeps its options.json (got --{string.Join(", --", extra.DefaultIfEmpty("preset/--config"))})");
            var saved = RunDirectory.Open(resume).ReadOptions();
            if (saved.Model != model)
                throw new ArgumentException($"run '{resume}' trains model '{saved.Model}', not '{model}'");
            if (flags["data-dir"] is { } dd) saved.DataDir = dd.GetValue<string>();
            data = OpenData(saved);
            run = TrainingRun.Resume(resume, data, flags["steps"]?.GetValue<int>(), Log);
            Console.WriteLine($"resuming {run.Directory.Root} at step {run.Trainer.Step} of {run.Trainer.Options.Steps}");
        }
        else
        {
            JsonObject? config = null;
            if (p.GetValue(Config) is { } cf)
            {
                if (!cf.Exists) throw new ArgumentException($"config file '{cf.FullName}' does not exist");
                try { config = JsonNode.Parse(File.ReadAllText(cf.FullName))?.AsObject(); }
                catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
                {
                    throw new ArgumentException($"config file '{cf.FullName}' is not a JSON object ({e.Message})");
                }
            }
            flags["model"] = model;
            if (model == "mlp" && flags["arch"] is null) flags["arch"] = "mlp";
            string? preset = p.GetValue(Preset);
            if (preset is null && model == "dcgan" && config is null && (flags["data"] is null || flags["data"]!.GetValue<string>() == "mnist"))
                preset = "dcgan-mnist";
            if (preset is null && model == "cgan" && config is null)
                preset = flags["data"]?.GetValue<string>() switch { null or "mnist" => "cgan-mnist", "fashion-mnist" => "cgan-fashion", _ => null };
            if (preset is null && model == "semisup" && config is null)
                preset = flags["arch"]?.GetValue<string>() == "semisup-conv" ? "semisup-conv" : "semisup-mlp";
            var options = OptionLayers.Resolve(preset, config, flags);
            if (p.GetValue(DryRun)) { options.Steps = 1; options.SampleEvery = 1; options.CheckpointEvery = 1; options.LogEvery = 1; }
            string name = p.GetValue(Name) ?? $"{model}-{SafeName(options.Data)}-{DateTime.Now:yyyyMMdd-HHmmss}";
            string outDir = p.GetValue(Out)!;
            if (Directory.Exists(Path.Combine(outDir, name)) && Directory.EnumerateFileSystemEntries(Path.Combine(outDir, name)).Any())
                throw new ArgumentException($"run directory '{Path.Combine(outDir, name)}' already exists: pass --resume {Path.Combine(outDir, name)} to continue it, or choose another --name");
            data = OpenData(options);
            if (model == "cgan") Models.ConditionalGanFamily.RequireLabels(options.Data, data.NumClasses);
            run = TrainingRun.Create(options, data, outDir, name, Log);
            Console.WriteLine($"run {run.Directory.Root}: {options.Model} ({Models.GanModels.ResolveArch(options, data.ExampleShape)}) on {options.Data} ({data.Count} examples), {options.Steps} steps of batch {options.Batch}, {run.Threads} thread(s); speed knobs: {run.Trainer.Knobs.Describe()}");
        }

        using (data)
        using (run)
        {
            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                if (!cts.IsCancellationRequested) Console.Error.WriteLine("stopping after this step: writing a checkpoint");
                cts.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
            try
            {
                bool completed = TrainingProgress.Run(run, cts.Token);
                string ckpt = run.Checkpoints.LastPath ?? "(none)";
                var last = Directory.GetFiles(run.Directory.SamplesDir, "step-*.png").OrderBy(f => f, StringComparer.Ordinal).LastOrDefault();
                if (!completed)
                {
                    Console.WriteLine($"stopped at step {run.Trainer.Step}; checkpoint {ckpt}. Continue with: gansharp train {model} --resume {run.Directory.Root}");
                    return CliErrors.Interrupted;
                }
                Console.WriteLine($"done: {run.Trainer.Step} steps in {run.Trainer.Seconds:F0} s. Samples {last}, checkpoint {ckpt}");
                return 0;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
    }

    private static TensorDataset OpenData(GanOptions o) => TrainingRun.OpenData(o, Log);

    private static void Log(string message) => Console.Error.WriteLine(message);


    private static string SafeName(string data)
    {
        string leaf = Path.GetFileName(data.TrimEnd('/', '\\'));
        return string.Concat(leaf.Select(c => char.IsLetterOrDigit(c) || c == '-' ? c : '_'));
    }
}
