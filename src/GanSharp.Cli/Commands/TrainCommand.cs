using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Training;
using GanSharp.Families;
using GanSharp.Runs;

namespace GanSharp.Cli.Commands;

/// <summary>`gansharp train &lt;model&gt;`: a new run, or --resume of an existing one.</summary>
public sealed class TrainCommand
{
    // Every option's flag comes from the option catalog (GanOptions' [Option] properties and the families'
    // own options): declared once there, with its key, type, default, help and families.
    private readonly Option<string?> Preset = new("--preset") { Description = "Named preset (see 'gansharp list'); layered: defaults < preset < --config < flags" };
    private readonly Option<FileInfo?> Config = new("--config") { Description = "JSON file of options (kebab-case keys, as in options.json; see 'gansharp list options')" };
    private readonly Option<string> Out = new("--out") { Description = "Directory that holds runs", DefaultValueFactory = _ => "runs" };
    private readonly Option<string?> Name = new("--name") { Description = "Run name: the run is written to OUT/NAME (default: <model>-<data>-<time>)" };
    private readonly Option<string?> Resume = new("--resume") { Description = "Continue the run in this directory from its latest checkpoint (only --steps may be raised)" };
    private readonly Option<string?> InitFromSource = new("--init-from") { Description = "Start from trained weights: a run directory or .ckpt (every network the model shares with it) or a safetensors file (G)" };
    private readonly Option<bool> DryRun = new("--dry-run") { Description = "Run one step end to end, writing every kind of output" };

    private readonly OptionCatalog _catalog;
    private readonly Argument<string> _model = new("model") { Description = "Model family (see 'gansharp list')" };
    private readonly (Option Option, OptionSpec Spec)[] Mapped;

    private TrainCommand(OptionCatalog catalog)
    {
        _catalog = catalog;
        Mapped = catalog.Options.Where(s => !s.Positional).Select(s => (Flag(s), s)).ToArray();
    }

    public static Command Create() => Create(OptionCatalog.Default);

    /// <summary>The command with the flags of <paramref name="catalog"/> (tests pass one with a family of their own).</summary>
    public static Command Create(OptionCatalog catalog) => new TrainCommand(catalog).Build();

    /// <summary>
    /// The options a new run of <c>gansharp train ARGS</c> would get (presets, --config, flags), without training;
    /// a parse error or a bad option is an <see cref="ArgumentException"/>.
    /// </summary>
    public static GanOptions ResolveOptions(OptionCatalog catalog, params string[] args)
    {
        var t = new TrainCommand(catalog);
        var p = t.Build().Parse(args);
        if (p.Errors.Count > 0) throw new ArgumentException(p.Errors[0].Message);
        return t.ResolveNew(p, p.GetValue(t._model)!, t.Flags(p));
    }

    /// <summary>The System.CommandLine option of one catalog option, typed so that parse errors name the flag.</summary>
    private static Option Flag(OptionSpec s)
    {
        string name = "--" + s.Flag;
        var t = Nullable.GetUnderlyingType(s.Type) ?? s.Type;
        Option o;
        if (s.FlagValues is not null || t == typeof(string) || t.IsEnum)
        {
            var so = new Option<string?>(name);
            if ((s.FlagValues ?? s.Choices) is { } words) so.AcceptOnlyFromAmong(words.ToArray());
            // Enums also accept their lower-case member names (nonsaturating); help shows the kebab-case ones.
            if (t.IsEnum) so.HelpName = string.Join("|", Enum.GetNames(t).Select(JsonNamingPolicy.KebabCaseLower.ConvertName));
            o = so;
        }
        else if (s.Type == typeof(bool)) o = new Option<bool>(name);        // a flag that also takes true/false
        else if (s.Type == typeof(bool?)) o = new Option<bool?>(name);      // speed knobs: true|false, unset = auto
        else if (t == typeof(int)) o = new Option<int?>(name);
        else if (t == typeof(long)) o = new Option<long?>(name);
        else if (t == typeof(double)) o = new Option<double?>(name);
        else if (t == typeof(double[]))
        {
            int n = (s.Default as JsonArray)?.Count ?? 2;
            o = new Option<double[]?>(name) { AllowMultipleArgumentsPerToken = true, Arity = new ArgumentArity(n, n) };
        }
        else throw new InvalidOperationException($"option '{s.Key}' has type {s.Type.Name}, which has no command-line form");
        o.Description = s.Description;
        return o;
    }

    private Command Build()
    {
        _model.AcceptOnlyFromAmong(_catalog.Families.Select(f => f.Name).ToArray());

        var cmd = new Command("train", """
            Train a GAN. The run directory OUT/NAME gets options.json, metrics.jsonl, samples/step-NNNNNN.png,
            loss.png and checkpoints/. Ctrl+C writes a checkpoint before stopping; --resume continues it.
            Every option is also a --config key (see 'gansharp list options').

            Examples:
              gansharp train dcgan --data mnist --steps 2000 --batch 64 --out runs --name mnist
              gansharp train dcgan --data ~/photos --size 64 --channels 3 --name photos
              gansharp train mlp --preset mlp-ring --name ring
              gansharp train cgan --data mnist --name cmnist
              gansharp train dcgan --resume runs/mnist --steps 4000
              gansharp train dcgan --data mnist --eval-every 1000 --metrics fid,modes --name evaluated
            """);
        cmd.Arguments.Add(_model);
        cmd.Options.Add(Preset);
        cmd.Options.Add(Config);
        cmd.Options.Add(Out);
        cmd.Options.Add(Name);
        cmd.Options.Add(Resume);
        cmd.Options.Add(DryRun);
        cmd.Options.Add(InitFromSource);
        foreach (var (o, _) in Mapped) cmd.Options.Add(o);
        cmd.SetAction(p => Execute(p, p.GetValue(_model)!));
        return cmd;
    }

    /// <summary>The catalog options given on the command line, as the kebab-case JSON layer of <see cref="OptionLayers"/>.</summary>
    private JsonObject Flags(ParseResult p)
    {
        var flags = new JsonObject();
        foreach (var (option, spec) in Mapped)
        {
            object? v = p.GetResult(option) is { Implicit: false } r ? r.GetValueOrDefault<object?>() : null;
            if (v is null) continue;
            flags[spec.Key] = spec.FlagValues is not null ? spec.FromFlagWord((string)v) : JsonSerializer.SerializeToNode(v, v.GetType(), GanOptions.Json);
        }
        return flags;
    }

    /// <summary>Options of a new run: a family's default preset unless --preset or --config is given, then --config, then flags.</summary>
    private GanOptions ResolveNew(ParseResult p, string model, JsonObject flags)
    {
        JsonObject? config = null;
        if (p.GetValue(Config) is { } cf)
        {
            if (!cf.Exists) throw new ArgumentException($"config file '{cf.FullName}' does not exist");
            try { config = JsonNode.Parse(File.ReadAllText(cf.FullName))?.AsObject(); }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new ArgumentException($"config file '{cf.FullName}' is not a JSON object ({e.Message})");
            }
        }
        flags["model"] = model;
        string? preset = p.GetValue(Preset);
        if (preset is null && config is null)
            preset = _catalog.Families.First(f => f.Name == model).DefaultPreset(flags["data"]?.GetValue<string>(), flags["arch"]?.GetValue<string>());
        return OptionLayers.Resolve(preset, config, flags, _catalog);
    }

    private int Execute(ParseResult p, string model)
    {
        TorchRuntime.EnsureLoaded();
        var flags = Flags(p);

        string? resume = p.GetValue(Resume);
        TrainingRun run;
        TensorDataset data;
        TensorDataset? heldOut;
        if (resume is not null)
        {
            var allowed = new HashSet<string> { "steps", "data-dir", "device" };
            var extra = flags.Select(kv => kv.Key).Where(k => !allowed.Contains(k)).Select(k => _catalog.Find(k)?.Flag ?? k).ToList();
            if (p.GetValue(InitFromSource) is not null)
                throw new ArgumentException("--init-from starts a new run; a resumed run continues from its own checkpoint");
            if (extra.Count > 0 || p.GetValue(Preset) is not null || p.GetValue(Config) is not null)
                throw new ArgumentException($"only --steps (and --data-dir, --device) can be given with --resume; the run keeps its options.json (got --{string.Join(", --", extra.DefaultIfEmpty("preset/--config"))})");
            var saved = RunDirectory.Open(resume).ReadOptions();
            if (saved.Model != model)
                throw new ArgumentException($"run '{resume}' trains model '{saved.Model}', not '{model}'");
            if (flags["data-dir"] is { } dd) saved.DataDir = dd.GetValue<string>();
            (data, heldOut) = OpenDataWithHeldOut(saved);
            run = TrainingRun.Resume(resume, data, flags["steps"]?.GetValue<int>(), Log, heldOut,
                flags["device"] is { } dv ? Devices.Parse(dv.GetValue<string>()) : null);
            Console.WriteLine($"resuming {run.Directory.Root} at step {run.Trainer.Step} of {run.Trainer.Options.Steps}");
        }
        else
        {
            var options = ResolveNew(p, model, flags);
            int plannedSteps = options.Steps;               // the small-data warning judges the real budget, also on --dry-run
            if (p.GetValue(DryRun)) { options.Steps = 1; options.SampleEvery = 1; options.CheckpointEvery = 1; options.LogEvery = 1; }
            string name = p.GetValue(Name) ?? $"{model}-{SafeName(options.Data)}-{DateTime.Now:yyyyMMdd-HHmmss}";
            string outDir = p.GetValue(Out)!;
            if (RunDirectory.HoldsRun(Path.Combine(outDir, name)))
                throw new ArgumentException($"run directory '{Path.Combine(outDir, name)}' already exists: pass --resume {Path.Combine(outDir, name)} to continue it, or choose another --name");
            (data, heldOut) = OpenDataWithHeldOut(options);
            if (BatchFit.ToData(options, data.Count, options.Data) is { } fitted) Console.Error.WriteLine("warning: " + fitted);
            run = TrainingRun.Create(options, data, outDir, name, Log, heldOut);
            if (p.GetValue(InitFromSource) is { } init)
            {
                try
                {
                    var nets = GanSharp.Interop.InitFrom.Apply(run.System, init);
                    GanSharp.Interop.InitFrom.WriteProvenance(run.Directory.Root, init, nets);
                    Console.WriteLine($"initialized {string.Join(", ", nets)} from {init}");
                }
                catch
                {
                    run.Dispose();
                    Directory.Delete(Path.Combine(outDir, name), recursive: true); // nothing trained yet: leave no half-made run
                    throw;
                }
            }
            Console.WriteLine($"run {run.Directory.Root}: {options.Model} ({GanModels.ResolveArch(options, data.ExampleShape)}) on {options.Data} ({data.Count} examples), {options.Steps} steps of batch {options.Batch}, {run.Threads} thread(s); speed knobs: {run.Trainer.Knobs.Describe()}");
            if (options.Augment == "none" && data.IsImage && data.ExampleShape.Length == 3
                && GanSharp.Augment.SmallDataWarning.Check(data.Count, (int)data.ExampleShape[^1], plannedSteps, options.Batch) is { } small)
                Console.Error.WriteLine("warning: " + small);
        }

        using (data)
        using (heldOut)
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

    private static (TensorDataset Train, TensorDataset? HeldOut) OpenDataWithHeldOut(GanOptions o) => TrainingRun.OpenDataWithHeldOut(o, Log);

    private static void Log(string message) => Console.Error.WriteLine(message);


    private static string SafeName(string data)
    {
        string leaf = Path.GetFileName(data.TrimEnd('/', '\\'));
        return string.Concat(leaf.Select(c => char.IsLetterOrDigit(c) || c == '-' ? c : '_'));
    }
}
