using GanSharp.Families;
using System.Text.Json.Nodes;
using GanSharp.Cli.Commands;
using GanSharp.Models;
using GanSharp.Training;
using Xunit;
using GanSharp.Runs;

namespace GanSharp.Tests.Cli;

/// <summary>
/// Options are declared once (<see cref="OptionCatalog"/>): every one is a train flag, a config key and a row of
/// 'gansharp list options', and the flag and the config key resolve to the same options.
/// </summary>
public class OptionCatalogTests
{
    /// <summary>A family defined only here, with options of its own: nothing outside this file names it.</summary>
    private sealed class ToyFamily : IGanFamily
    {
        public string Name => "toy-options";
        public string Description => "a family that only declares options (tests)";

        public string ResolveArch(GanOptions options, long[] exampleShape) => GanModels.ResolveImageArch(options, exampleShape, Name);

        public IReadOnlyList<OptionSpec> Options { get; } = new[]
        {
            OptionSpec.Of("toy-width", 3, "toy-options: width of the toy network (default 3)"),
            OptionSpec.Of("toy-mode", "plain", "toy-options: plain (default) or fancy", "plain", "fancy"),
            OptionSpec.Of("toy-scale", 0.5, "toy-options: a scale (default 0.5)"),
        };

        public GanSystem Create(GanOptions options, long[] exampleShape, int numClasses) =>
            throw new NotSupportedException("the toy family only declares options");
    }

    private static OptionCatalog WithToy() => OptionCatalog.For(GanFamilies.All.Values.Append(new ToyFamily()));

    private static (int Code, string Out, string Err) Run(params string[] args) => TestUtil.RunCli(args);

    /// <summary>A value other than the default: command-line tokens and the same value as JSON.</summary>
    private static (string[] Tokens, JsonNode Json) SampleValue(OptionSpec s)
    {
        var t = Nullable.GetUnderlyingType(s.Type) ?? s.Type;
        if (s.FlagValues is { } words) return ([words[1]], JsonValue.Create(words[1]));
        if (s.Type == typeof(bool))
            return s.Default!.GetValue<bool>() ? (["false"], JsonValue.Create(false)) : ([], JsonValue.Create(true));
        if (s.Type == typeof(bool?)) return (["true"], JsonValue.Create(true));
        if (t.IsEnum)
        {
            var name = Enum.GetNames(t).Select(System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName).First(n => n != s.Default!.GetValue<string>());
            return ([name], JsonValue.Create(name));
        }
        if (s.Choices is { } choices)
        {
            // An architecture of the model the test trains (the catalog lists every family's, in family-name order).
            var c = choices.First(x => x != s.Default?.GetValue<string>()
                && (s.Key != "arch" || GanFamilies.Get(s.Families?[0] ?? "dcgan").Architectures.Any(a => a.Name == x)));
            return ([c], JsonValue.Create(c));
        }
        if (t == typeof(string)) return (["some-value"], JsonValue.Create("some-value"));
        if (t == typeof(int)) { int v = s.Default!.GetValue<int>(); v = v == 0 ? 1 : v + 1; return ([v.ToString()], JsonValue.Create(v)); }
        if (t == typeof(long)) { long v = s.Default!.GetValue<long>() + 1; return ([v.ToString()], JsonValue.Create(v)); }
        if (t == typeof(double)) { double v = s.Default!.GetValue<double>(); v = v == 0 ? 0.5 : v / 4; return ([v.ToString("R")], JsonValue.Create(v)); }
        if (t == typeof(double[])) return (["0.25", "0.75"], new JsonArray(0.25, 0.75));
        throw new InvalidOperationException($"no sample value for {s.Key} ({s.Type.Name})");
    }

    public static IEnumerable<object[]> FlagOptions() =>
        WithToy().Options.Where(s => !s.Positional).Select(s => new object[] { s.Key });

    [Theory]
    [MemberData(nameof(FlagOptions))]
    public void FlagAndConfigKeyGiveIdenticalOptionsThatDifferFromTheDefault(string key)
    {
        var catalog = WithToy();
        var spec = catalog.Find(key)!;
        string model = spec.Families?[0] ?? "dcgan";
        var (tokens, json) = SampleValue(spec);
        using var tmp = new TestUtil.TempDir();
        string config = Path.Combine(tmp.Path, "config.json");
        File.WriteAllText(config, new JsonObject { [key] = json }.ToJsonString());

        // --preset ttur in both: no family default preset (which only applies without --config) differs.
        var fromFlag = TrainCommand.ResolveOptions(catalog, new[] { "train", model, "--preset", "ttur", "--" + spec.Flag }.Concat(tokens).ToArray());
        var fromConfig = TrainCommand.ResolveOptions(catalog, "train", model, "--preset", "ttur", "--config", config);
        var plain = TrainCommand.ResolveOptions(catalog, "train", model, "--preset", "ttur");
        Assert.Equal(fromConfig.ToJson(), fromFlag.ToJson());
        Assert.False(JsonNode.DeepEquals(plain.ToJsonObject()[key], fromFlag.ToJsonObject()[key]), $"--{spec.Flag} {string.Join(" ", tokens)} left '{key}' at {plain.ToJsonObject()[key]?.ToJsonString()}");
        // ... and it survives options.json (written and read as a run does).
        Assert.Equal(fromFlag.ToJson(), GanOptions.FromJson(fromFlag.ToJson(), catalog).ToJson());
    }

    [Fact]
    public void EveryOptionIsATrainFlagAndARowOfListOptions()
    {
        var (code, help, err) = Run("train", "--help");
        Assert.True(code == 0, err);
        var (code2, list, err2) = Run("list", "options");
        Assert.True(code2 == 0, err2);
        var catalog = OptionCatalog.Default;
        Assert.Contains(catalog.Options, s => s.Key == "virtual-batch-norm");
        foreach (var s in catalog.Options.Where(s => !s.Positional))
        {
            Assert.Contains($"--{s.Flag} ", help);
            Assert.Contains($"  --{s.Flag} ", list);
        }
        // Every GanOptions property is an option (the catalog refuses an undeclared one) and is a config key.
        var keys = new GanOptions().ToJsonObject().Select(kv => kv.Key).ToList();
        Assert.Equal(keys, catalog.Options.Where(s => !s.IsFamilyOption).Select(s => s.Key).ToList());
        Assert.Contains("Options: ", Run("list").Out);
    }

    [Fact]
    public void ListOptionsShowsTypeDefaultAndFamilies()
    {
        var rows = ListCommand.OptionRows(WithToy()).ToDictionary(r => r.Name, r => r.Description);
        Assert.EndsWith("[concat|projection; default \"concat\"; only cgan]", rows["--cond-d"]);
        Assert.EndsWith("[separate|joint; default true]", rows["--batches (separate-batches)"]);
        Assert.EndsWith("[an integer; default 3; only toy-options]", rows["--toy-width"]);
        Assert.EndsWith("[true|false|null (auto); default auto]", rows["--fused-adam"]);
        Assert.EndsWith("[a string; default none]", rows["--data-dir"]);
    }

    [Fact]
    public void VirtualBatchNormIsAFlagOfDcgan()
    {
        Assert.True(TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "dcgan", "--virtual-batch-norm").VirtualBatchNorm);
        Assert.False(TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "dcgan", "--virtual-batch-norm", "false").VirtualBatchNorm);
        var e = Assert.Throws<ArgumentException>(() => TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "mlp", "--virtual-batch-norm"));
        Assert.Equal("--virtual-batch-norm is not used by the mlp model (it is an option of dcgan)", e.Message);
    }

    [Fact]
    public void CondDGivenToDcganIsOneErrorLine()
    {
        using var tmp = new TestUtil.TempDir();
        var (code, _, err) = Run("train", "dcgan", "--cond-d", "projection", "--out", tmp.Path, "--name", "x");
        Assert.Equal(2, code);
        Assert.Equal("error: --cond-d is not used by the dcgan model (it is an option of cgan)", err.Trim());
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "x")));

        // The same from a config file; a preset that sets keys of other families is not checked.
        string config = Path.Combine(tmp.Path, "c.json");
        File.WriteAllText(config, """{ "labels": 50 }""");
        var e = Assert.Throws<ArgumentException>(() => TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "mlp", "--config", config));
        Assert.Equal("--labels is not used by the mlp model (it is an option of semisup)", e.Message);
        Assert.Equal(20000, TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "mlp", "--preset", "pacgan-2d").Steps);
        Assert.Equal("projection", TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "cgan", "--cond-d", "projection").ConditionalD);
    }

    [Fact]
    public void CondDIsStoredAsCondDAndTheOldConditionalDStillLoads()
    {
        var o = TestUtil.TinyDcgan(steps: 1);
        o.Model = "cgan";
        o.ConditionalD = "projection";
        var json = o.ToJsonObject();
        Assert.Equal("projection", json["cond-d"]!.GetValue<string>());
        Assert.False(json.ContainsKey("conditional-d"));

        // An options object as runs before the catalog wrote it.
        json.Remove("cond-d");
        json["conditional-d"] = "projection";
        Assert.Equal("projection", GanOptions.FromJson(json.ToJsonString()).ConditionalD);
        using var tmp = new TestUtil.TempDir();
        File.WriteAllText(Path.Combine(tmp.Path, "options.json"), new JsonObject { ["options"] = json.DeepClone() }.ToJsonString());
        var read = RunDirectory.Open(tmp.Path).ReadOptions();
        Assert.Equal("projection", read.ConditionalD);
        Assert.Equal(o.ToJson(), read.ToJson());
        // ... and in a config file (the legacy key is read as its option there too).
        string config = Path.Combine(tmp.Path, "c.json");
        File.WriteAllText(config, """{ "conditional-d": "projection" }""");
        Assert.Equal("projection", TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "cgan", "--config", config).ConditionalD);
    }

    [Fact]
    public void ACheckpointWhoseHeaderSaysConditionalDSamplesWithTheProjectionDiscriminator()
    {
        using var tmp = new TestUtil.TempDir();
        using var data = TestUtil.TinyImages(32);
        var o = TestUtil.TinyDcgan(steps: 1);
        o.Model = "cgan";
        o.ConditionalD = "projection";
        using (var run = TrainingRun.Create(o, data, tmp.Path, "c"))
        {
            run.Trainer.TrainStep();
            string path = run.Directory.SaveCheckpoint(run.Trainer, 1);
            var (header, tensors) = CheckpointFile.Load(path);
            var opts = header["options"]!.AsObject();
            Assert.True(opts.Remove("cond-d"));
            opts["conditional-d"] = "projection";
            string old = Path.Combine(tmp.Path, "old.ckpt");
            CheckpointFile.Save(old, header, tensors.Select(kv => (kv.Key, kv.Value)));
            foreach (var t in tensors.Values) t.Dispose();
            using var sampler = Sampler.Load(old);
            Assert.Equal("projection", sampler.Options.ConditionalD);
            Assert.IsType<ProjectionDiscriminator>(sampler.System.D);
        }
    }

    [Fact]
    public void AFamilyDeclaredOptionIsAFlagAndRoundTripsThroughOptionsJson()
    {
        var catalog = WithToy();
        var cmd = TrainCommand.Create(catalog);
        Assert.Contains(cmd.Options, o => o.Name == "--toy-width");

        var o = TrainCommand.ResolveOptions(catalog, "train", "toy-options", "--toy-width", "7", "--toy-mode", "fancy");
        Assert.Equal((7, "fancy", 0.5), (o.Get<int>("toy-width"), o.Get<string>("toy-mode"), o.Get<double>("toy-scale")));
        var json = o.ToJsonObject();
        Assert.Equal(7, json["toy-width"]!.GetValue<int>());          // inline, next to the core options
        Assert.Equal(0.5, json["toy-scale"]!.GetValue<double>());     // defaults of the run's family are recorded
        var back = GanOptions.FromJson(o.ToJson(), catalog);
        Assert.Equal(o.ToJson(), back.ToJson());
        Assert.Equal(7, back.Get<int>("toy-width"));
        Assert.Equal(1, back.Get<int>("d-steps"));                    // core options read the same way

        // Other families neither store nor accept it; a bad value is one line naming the option.
        Assert.False(TrainCommand.ResolveOptions(catalog, "train", "mlp").ToJsonObject().ContainsKey("toy-width"));
        var e = Assert.Throws<ArgumentException>(() => TrainCommand.ResolveOptions(catalog, "train", "dcgan", "--toy-width", "7"));
        Assert.Equal("--toy-width is not used by the dcgan model (it is an option of toy-options)", e.Message);
        e = Assert.Throws<ArgumentException>(() => OptionLayers.Resolve(null, new JsonObject { ["toy-mode"] = "odd" }, new JsonObject { ["model"] = "toy-options" }, catalog));
        Assert.Equal("unknown value 'odd' for option 'toy-mode' in config file: use plain, fancy", e.Message);
        e = Assert.Throws<ArgumentException>(() => OptionLayers.Resolve(null, new JsonObject { ["toy-width"] = "wide" }, new JsonObject { ["model"] = "toy-options" }, catalog));
        Assert.Equal("option 'toy-width' in config file must be an integer (got \"wide\")", e.Message);
        // Without the family registered its key is unknown, by name.
        var je = Assert.Throws<System.Text.Json.JsonException>(() => GanOptions.FromJson(o.ToJson()));
        Assert.Contains("unknown option 'toy-width'", je.Message);
    }

    [Fact]
    public void UnknownConfigKeyIsAnErrorNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => OptionLayers.Resolve(null, new JsonObject { ["packing"] = 4 }, null));
        Assert.Equal("unknown option 'packing' in config file", e.Message);
    }

    [Fact]
    public void TheMlpModelGetsTheMlpArchitectureFromOnePlace()
    {
        // CLI and sweep files share OptionLayers.ApplyModelArchitecture, which reads the family's architectures.
        Assert.Equal("mlp", TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "mlp", "--data", "ring").Arch);
        Assert.Equal("mlp", TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "mlp", "--preset", "dcgan-mnist").Arch);
        Assert.Equal("mlp", SweepSpec.Parse("""{ "name": "s", "base": { "model": "mlp" }, "configs": [ {} ] }""").Jobs[0].Options.Arch);
        var e = Assert.Throws<ArgumentException>(() => TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "mlp", "--arch", "dcgan28"));
        Assert.Equal("the mlp model uses architecture mlp, not 'dcgan28'", e.Message);
        e = Assert.Throws<ArgumentException>(() => TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "cgan", "--arch", "weakd28"));
        Assert.Equal("architecture 'weakd28' is not one of the cgan model's: use dcgan28, dcgan32, dcgan64", e.Message);
        // --batches is one mapping, for flags, config files and sweeps alike.
        Assert.False(TrainCommand.ResolveOptions(OptionCatalog.Default, "train", "mlp", "--batches", "joint").SeparateBatches);
        Assert.False(SweepSpec.Parse("""{ "name": "s", "base": { "model": "mlp", "batches": "joint" }, "configs": [ {} ] }""").Jobs[0].Options.SeparateBatches);
    }

    [Fact]
    public void ArchitectureIsCheckedAgainstTheOneList()
    {
        Assert.Equal(GanFamilies.Architectures.Select(a => a.Name).Order(), OptionCatalog.Default.Find("arch")!.Choices!.Order());
        Assert.Contains("semisup-conv", OptionCatalog.Default.Find("arch")!.Choices!);
        var o = TestUtil.TinyDcgan();
        o.Arch = "dcgan99";
        var e = Assert.Throws<ArgumentException>(() => o.Validate());
        Assert.StartsWith("unknown value 'dcgan99' for --arch: use ", e.Message);
        Assert.Contains("dcgan28, ", e.Message);
    }
}
