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

    /// <summary>Adversarial loss: gan (the value function, with --g-loss), wgan, wgan-gp, hinge or lsgan.</summary>
    public LossKind Loss { get; set; } = LossKind.Gan;

    /// <summary>Gradient-penalty weight λ of WGAN-GP.</summary>
    public double GpWeight { get; set; } = 10;

    /// <summary>R1 penalty γ on real data (Mescheder et al. 2018); 0: off.</summary>
    public double R1 { get; set; }

    /// <summary>Lazy R1 (stylegan2-ada): the penalty every N steps with its weight scaled by N; 1 = every step.</summary>
    public int R1Every { get; set; } = 1;

    /// <summary>WGAN weight clipping c (critic weights kept in [−c, c]); 0: off.</summary>
    public double Clip { get; set; }

    /// <summary>Optimizer of both networks: adam or rmsprop (WGAN).</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>One-sided label smoothing: the real target (1: off; 0.9 in Salimans et al. 2016).</summary>
    public double RealLabel { get; set; } = 1.0;

    /// <summary>Instance noise: std of gaussian noise added to D's inputs, annealed linearly to 0 over the run; 0: off.</summary>
    public double InstanceNoise { get; set; }

    /// <summary>Generator loss = feature matching on D's last hidden features (Salimans et al. 2016).</summary>
    public bool FeatureMatching { get; set; }

    /// <summary>Exponential moving average of G's weights (decay, e.g. 0.999), used for sampling and evaluation; 0: off.</summary>
    public double Ema { get; set; }

    /// <summary>Minibatch standard deviation feature in D (Karras et al. 2018).</summary>
    public bool MinibatchStd { get; set; }

    /// <summary>Minibatch discrimination kernels B in D (Salimans et al. 2016); 0: off.</summary>
    public int MinibatchDisc { get; set; }

    /// <summary>Spectral normalization of D's weights (Miyato et al. 2018).</summary>
    public bool SpectralNorm { get; set; }

    /// <summary>PacGAN packing m: D judges m samples concatenated at its input (Lin et al. 2018); 1: off.</summary>
    public int Pack { get; set; } = 1;

    /// <summary>Unrolled GAN steps k (Metz et al. 2017); 0: off.</summary>
    public int Unrolled { get; set; }

    /// <summary>Unroll without gradients through D's updates (the cheaper first-order variant).</summary>
    public bool UnrolledFirstOrder { get; set; }

    /// <summary>Virtual batch normalization in G instead of BatchNorm (Salimans et al. 2016).</summary>
    public bool VirtualBatchNorm { get; set; }

    /// <summary>Maxout pieces in MLP discriminators (PacGAN 2-D setting); 0: LeakyReLU.</summary>
    public int Maxout { get; set; }

    /// <summary>BatchNorm in MLP generators (PacGAN 2-D setting).</summary>
    public bool MlpBatchNorm { get; set; }

    public NoisePrior Prior { get; set; } = NoisePrior.Gaussian;
    public int ZDim { get; set; } = 100;

    /// <summary>Base width (channels of the first/last conv layer, or MLP hidden size).</summary>
    public int WidthG { get; set; } = 64;
    public int WidthD { get; set; } = 64;

    /// <summary>How the cgan discriminator reads the label: "concat" (one-hot maps as input channels) or "projection".</summary>
    public string ConditionalD { get; set; } = "concat";

    /// <summary>Hidden layer count of MLP networks.</summary>
    public int Depth { get; set; } = 2;

    /// <summary>Hidden layer count of an MLP discriminator when it differs from G's (0: same as --depth).</summary>
    public int DepthD { get; set; }

    public long Seed { get; set; } = 1;

    /// <summary>Torch intra-op threads; 0 picks (1 for tiny models, all cores otherwise).</summary>
    public int Threads { get; set; }

    // ---- speed knobs (docs/performance.md). null = auto: the engine's measured default for the model family.

    /// <summary>Convolutional networks (and their inputs) in channels-last memory layout; equal to the stock path within float rounding. Auto: on for convolutional models.</summary>
    public bool? ChannelsLast { get; set; }

    /// <summary>D's parameters excluded from autograd during the G step; bit-identical. Auto: on.</summary>
    public bool? FreezeD { get; set; }

    /// <summary>Adam over one flat buffer per network (parameters and gradients are views into it); bit-identical. Auto: on.</summary>
    public bool? FusedAdam { get; set; }

    /// <summary>The next real batch gathered on a background thread into reused buffers; the same batches in the same order. Auto: off (no gain measured for in-memory datasets).</summary>
    public bool? Prefetch { get; set; }

    /// <summary>Sampling folds BatchNorm into the preceding convolution/linear layer (equal to unfolded within 1e-5). Auto: off (no gain measured here).</summary>
    public bool? FoldBatchNorm { get; set; }

    /// <summary>Opt-in, CHANGES RESULTS: one D(G(z)) forward serves both D's and G's loss (G is updated against D before D's update).</summary>
    public bool ReuseDFake { get; set; }

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
        Positive(R1Every, "r1-every");
        Positive(SampleCount, "sample-count");
        if (Pack < 1) throw new ArgumentException($"--pack must be at least 1 (got {Pack})");
        if (Batch % Pack != 0) throw new ArgumentException($"--batch {Batch} must be a multiple of --pack {Pack}");
        if (Unrolled < 0) throw new ArgumentException($"--unrolled must not be negative (got {Unrolled})");
        if (MinibatchDisc < 0 || Maxout < 0) throw new ArgumentException("--minibatch-disc and --maxout must not be negative");
        if (RealLabel <= 0 || RealLabel > 1) throw new ArgumentException($"--real-label must be in (0, 1] (got {RealLabel})");
        if (Ema < 0 || Ema >= 1) throw new ArgumentException($"--ema must be in [0, 1) (got {Ema})");
        if (InstanceNoise < 0 || Clip < 0 || R1 < 0 || GpWeight < 0) throw new ArgumentException("--instance-noise, --clip, --r1 and --gp-weight must not be negative");
        if (FeatureMatching && Loss != LossKind.Gan) throw new ArgumentException("--feature-matching replaces the generator loss; use it with --loss gan");
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
        if (ConditionalD is not ("concat" or "projection"))
            throw new ArgumentException($"unknown conditional discriminator '{ConditionalD}': use concat or projection");
        if (Arch is not ("" or "dcgan28" or "dcgan32" or "dcgan64" or "dcgan28-deep" or "weakd28" or "mlp" or "semisup-mlp" or "semisup-conv"))
            throw new ArgumentException($"unknown architecture '{Arch}': use dcgan28, dcgan32, dcgan64, weakd28, mlp, semisup-mlp or semisup-conv");
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
            ["cgan-mnist"] = ("conditional GAN (dcgan28) on MNIST, 2000 steps of batch 64; grids show one digit class per row (10 × 8)",
                """{"model":"cgan","arch":"dcgan28","data":"mnist","steps":2000,"batch":64,"sample-count":80}"""),
            ["cgan-fashion"] = ("conditional GAN (dcgan28) on Fashion-MNIST, 3000 steps of batch 64; one class per row (10 × 8)",
                """{"model":"cgan","arch":"dcgan28","data":"fashion-mnist","steps":3000,"batch":64,"sample-count":80}"""),
            ["mlp-ring"] = ("MLP GAN on the 8-gaussian ring, z 64, 2×128 hidden, batch 256, 1 thread",
                """{"model":"mlp","arch":"mlp","data":"ring","z-dim":64,"width-g":128,"width-d":128,"depth":2,"batch":256,"steps":5000,"lr-g":1e-4,"lr-d":1e-4,"sample-every":1000,"checkpoint-every":1000,"sample-count":2500}"""),
            ["mlp-grid"] = ("MLP GAN on the 25-gaussian grid, z 64, 2×128 hidden, batch 256, 1 thread",
                """{"model":"mlp","arch":"mlp","data":"grid","z-dim":64,"width-g":128,"width-d":128,"depth":2,"batch":256,"steps":5000,"lr-g":1e-4,"lr-d":1e-4,"sample-every":1000,"checkpoint-every":1000,"sample-count":2500}"""),
            ["pacgan-2d"] = ("PacGAN 2-D setting (Lin et al. 2018): G 4×400 ReLU+BN, D 3 maxout×200 (5 pieces), z 2-D, batch 100, Adam 1e-4 β1 0.8; ring (use --data grid) at 20k steps; add --pack 4 for PacGAN4",
                """{"model":"mlp","arch":"mlp","data":"ring","z-dim":2,"width-g":400,"depth":4,"mlp-batch-norm":true,"width-d":200,"depth-d":3,"maxout":5,"batch":100,"lr-g":1e-4,"lr-d":1e-4,"betas-g":[0.8,0.999],"betas-d":[0.8,0.999],"steps":20000,"sample-every":2000,"checkpoint-every":2000,"sample-count":2500,"log-every":50}"""),
            ["stacked-mnist-weak-d"] = ("Unrolled-GAN Stacked MNIST setting (Metz et al. 2017; PacGAN Table 3): weakd28 with D = ¼ G (--width-d 4 for ½), z 256, batch 128, Adam D 2e-4 G 1e-4 β (0.5, 0.99); published schedule 500k steps, here 25k",
                """{"model":"dcgan","arch":"weakd28","data":"stacked-mnist","z-dim":256,"width-g":8,"width-d":2,"batch":128,"lr-d":2e-4,"lr-g":1e-4,"betas-g":[0.5,0.99],"betas-d":[0.5,0.99],"steps":25000,"sample-every":2500,"checkpoint-every":2500,"log-every":50}"""),
            ["stacked-mnist-dcgan"] = ("VEEGAN Stacked MNIST setting (PacGAN Table 2), shortened: dcgan28-deep (4-conv D 64..512, 5×5 ConvT G), 128,000 stacked images, batch 64, Adam 2e-4 β1 0.5, z 100 uniform, 5k steps",
                """{"model":"dcgan","arch":"dcgan28-deep","prior":"uniform","data":"stacked-mnist","z-dim":100,"batch":64,"lr-d":2e-4,"lr-g":2e-4,"steps":5000,"sample-every":1000,"checkpoint-every":1000,"log-every":50}"""),
            ["wgan"] = ("WGAN (Arjovsky et al. 2017) defaults: RMSProp 5e-5, clipping 0.01, 5 critic steps",
                """{"loss":"wgan","optimizer":"rmsprop","lr-g":5e-5,"lr-d":5e-5,"clip":0.01,"d-steps":5}"""),
            ["wgan-gp"] = ("WGAN-GP (Gulrajani et al. 2017) defaults: λ 10, 5 critic steps, Adam 1e-4 β (0, 0.9), no BatchNorm in the critic",
                """{"loss":"wgan-gp","gp-weight":10,"d-steps":5,"lr-g":1e-4,"lr-d":1e-4,"betas-g":[0.0,0.9],"betas-d":[0.0,0.9]}"""),
            ["ttur"] = ("Two time-scale update rule (Heusel et al. 2017): D learns faster, lr-d 4e-4, lr-g 1e-4",
                """{"lr-d":4e-4,"lr-g":1e-4}"""),
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
