using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GanSharp.Losses;

namespace GanSharp.Training;

/// <summary>
/// Every option of a training run. Resolved in layers: these defaults &lt; a preset &lt; a config file &lt; flags
/// (see <see cref="OptionLayers"/>). Written to the run's options.json and into every checkpoint, so a
/// checkpoint describes itself.
/// </summary>
public sealed class GanOptions
{
    /// <summary>Model family: "dcgan" or "mlp".</summary>
    public string Model { get; set; } = "dcgan";

    /// <summary>Architecture: dcgan28, dcgan32, dcgan64 (dcgan) or mlp (mlp). Empty: chosen from the data.</summary>
    public string Arch { get; set; } = "";

    /// <summary>Dataset: mnist, fashion-mnist, ring, grid, or a folder of images.</summary>
    public string Data { get; set; } = "mnist";

    /// <summary>Local directory with MNIST-format IDX files (raw or .gz), instead of downloading.</summary>
    public string? DataDir { get; set; }

    /// <summary>Image size for image folders (32 or 64).</summary>
    public int Size { get; set; } = 64;

    /// <summary>Channels for image folders (1, 3 or 4).</summary>
    public int Channels { get; set; } = 3;

    /// <summary>Generator updates in the whole run.</summary>
    public int Steps { get; set; } = 2000;
    public int Batch { get; set; } = 64;

    /// <summary>Discriminator updates per generator update (k in Goodfellow et al. Algorithm 1).</summary>
    public int DSteps { get; set; } = 1;

    public GeneratorLossKind GLoss { get; set; } = GeneratorLossKind.NonSaturating;

    /// <summary>Real and fake minibatches through D separately (true; the DCGAN tip) or in one joint batch.</summary>
    public bool SeparateBatches { get; set; } = true;

    public double LrG { get; set; } = 2e-4;
    public double LrD { get; set; } = 2e-4;
    public double[] BetasG { get; set; } = { 0.5, 0.999 };
    public double[] BetasD { get; set; } = { 0.5, 0.999 };

    public NoisePrior Prior { get; set; } = NoisePrior.Gaussian;
    public int ZDim { get; set; } = 100;

    /// <summary>Base width (channels of the first/last conv layer, or MLP hidden size).</summary>
    public int WidthG { get; set; } = 64;
    public int WidthD { get; set; } = 64;

    /// <summary>Hidden layer count of MLP networks.</summary>
    public int Depth { get; set; } = 2;

    public long Seed { get; set; } = 1;

    /// <summary>Torch intra-op threads; 0 picks (1 for tiny models, all cores otherwise).</summary>
    public int Threads { get; set; }

    public int LogEvery { get; set; } = 10;
    public int SampleEvery { get; set; } = 250;
    public int CheckpointEvery { get; set; } = 500;

    /// <summary>How many step checkpoints to keep.</summary>
    public int Keep { get; set; } = 3;

    /// <summary>Evaluate metrics every N steps during training (0: never).</summary>
    public int EvalEvery { get; set; }

    /// <summary>Metrics computed during training, comma-separated; the first one picks the `best` checkpoint.</summary>
    public string Metrics { get; set; } = "fid";

    /// <summary>Generated samples per evaluation.</summary>
    public int EvalSamples { get; set; } = 10_000;

    /// <summary>Size of the fixed noise batch drawn for sample grids.</summary>
    public int SampleCount { get; set; } = 64;

    /// <summary>Semi-supervised family: labelled training examples n (balanced, n/10 per class).</summary>
    public int Labels { get; set; } = 100;

    /// <summary>Semi-supervised family: kplus1 (Salimans et al. 2016) or dcgan-features (unsupervised GAN, linear probe).</summary>
    public string SemisupMode { get; set; } = "kplus1";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public JsonObject ToJsonObject() => JsonSerializer.SerializeToNode(this, Json)!.AsObject();

    public static GanOptions FromJson(string json) =>
        JsonSerializer.Deserialize<GanOptions>(json, Json) ?? throw new JsonException("options are null");

    /// <summary>Checks ranges; throws <see cref="ArgumentException"/> with one line naming the option.</summary>
    public void Validate()
    {
        static void Positive(int v, string name)
        {
            if (v <= 0) throw new ArgumentException($"--{name} must be positive (got {v})");
        }
        Positive(Steps, "steps");
        Positive(Batch, "batch");
        Positive(DSteps, "d-steps");
        Positive(ZDim, "z-dim");
        Positive(WidthG, "width-g");
        Positive(WidthD, "width-d");
        Positive(LogEvery, "log-every");
        Positive(SampleEvery, "sample-every");
        Positive(CheckpointEvery, "checkpoint-every");
        Positive(Keep, "keep");
        Positive(SampleCount, "sample-count");
        if (EvalEvery < 0) throw new ArgumentException($"--eval-every must not be negative (got {EvalEvery})");
        Positive(EvalSamples, "eval-samples");
        if (Depth < 0) throw new ArgumentException($"--depth must not be negative (got {Depth})");
        if (Threads < 0) throw new ArgumentException($"--threads must not be negative (got {Threads})");
        if (LrG <= 0 || LrD <= 0) throw new ArgumentException("learning rates must be positive");
        foreach (var b in new[] { BetasG, BetasD })
            if (b.Length != 2 || b.Any(x => x < 0 || x >= 1))
                throw new ArgumentException("betas must be two numbers in [0, 1)");
        Positive(Labels, "labels");
        if (SemisupMode is not ("kplus1" or "dcgan-features"))
            throw new ArgumentException($"unknown semi-supervised mode '{SemisupMode}': use kplus1 or dcgan-features");
        Models.GanFamilies.Get(Model);
        if (Arch is not ("" or "dcgan28" or "dcgan32" or "dcgan64" or "mlp" or "semisup-mlp" or "semisup-conv"))
            throw new ArgumentException($"unknown architecture '{Arch}': use dcgan28, dcgan32, dcgan64, mlp, semisup-mlp or semisup-conv");
    }
}

/// <summary>Layered configuration: defaults &lt; preset &lt; config file &lt; flags.</summary>
public static class OptionLayers
{
    /// <summary>Named presets: partial option objects.</summary>
    public static readonly IReadOnlyDictionary<string, (string Description, string Json)> Presets =
        new Dictionary<string, (string, string)>
        {
            ["dcgan-mnist"] = ("DCGAN (dcgan28) on MNIST, 2000 steps of batch 64: recognizable digits in a few minutes on 2 cores",
                """{"model":"dcgan","arch":"dcgan28","data":"mnist","steps":2000,"batch":64}"""),
            ["dcgan-fashion"] = ("DCGAN (dcgan28) on Fashion-MNIST, 3000 steps of batch 64",
                """{"model":"dcgan","arch":"dcgan28","data":"fashion-mnist","steps":3000,"batch":64}"""),
            ["mlp-ring"] = ("MLP GAN on the 8-gaussian ring, z 64, 2×128 hidden, batch 256, 1 thread",
                """{"model":"mlp","arch":"mlp","data":"ring","z-dim":64,"width-g":128,"width-d":128,"depth":2,"batch":256,"steps":5000,"lr-g":1e-4,"lr-d":1e-4,"sample-every":1000,"checkpoint-every":1000,"sample-count":2500}"""),
            ["mlp-grid"] = ("MLP GAN on the 25-gaussian grid, z 64, 2×128 hidden, batch 256, 1 thread",
                """{"model":"mlp","arch":"mlp","data":"grid","z-dim":64,"width-g":128,"width-d":128,"depth":2,"batch":256,"steps":5000,"lr-g":1e-4,"lr-d":1e-4,"sample-every":1000,"checkpoint-every":1000,"sample-count":2500}"""),
            ["semisup-mlp"] = ("Semi-supervised GAN (Salimans et al. 2016) on permutation-invariant MNIST: weight-normed MLP D 784-1000-500-250-250-250-10, feature matching, 100 labels, batch 100, Adam 0.003, 300 epochs, 1 thread",
                """{"model":"semisup","arch":"semisup-mlp","data":"mnist","labels":100,"batch":100,"threads":1,"steps":180000,"z-dim":100,"prior":"uniform","lr-g":0.003,"lr-d":0.003,"log-every":50,"sample-every":3000,"checkpoint-every":600,"sample-count":100}"""),
            ["semisup-conv"] = ("Semi-supervised GAN on MNIST with a convolutional D (dcgan28-like, weight-normed, 10 outputs) and the dcgan28 G, 100 labels, batch 100, Adam 0.003",
                """{"model":"semisup","arch":"semisup-conv","data":"mnist","labels":100,"batch":100,"steps":180000,"z-dim":100,"prior":"uniform","lr-g":0.003,"lr-d":0.003,"log-every":50,"sample-every":3000,"checkpoint-every":600,"sample-count":100}"""),
        };

    /// <summary>
    /// Merges the layers in order and deserializes. Unknown keys anywhere are an error naming the key.
    /// </summary>
    public static GanOptions Resolve(string? preset, JsonObject? configFile, JsonObject? flags)
    {
        var merged = new GanOptions().ToJsonObject();
        if (preset is not null)
        {
            if (!Presets.TryGetValue(preset, out var p))
                throw new ArgumentException($"unknown preset '{preset}': use one of {string.Join(", ", Presets.Keys)}");
            Apply(merged, JsonNode.Parse(p.Json)!.AsObject(), $"preset {preset}");
        }
        if (configFile is not null) Apply(merged, configFile, "config file");
        if (flags is not null) Apply(merged, flags, "flags");
        try
        {
            var o = merged.Deserialize<GanOptions>(GanOptions.Json)!;
            o.Validate();
            return o;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"invalid option value: {e.Message}");
        }
    }

    private static void Apply(JsonObject target, JsonObject layer, string source)
    {
        foreach (var (key, value) in layer)
        {
            if (!target.ContainsKey(key))
                throw new ArgumentException($"unknown option '{key}' in {source}");
            target[key] = value?.DeepClone();
        }
    }
}
