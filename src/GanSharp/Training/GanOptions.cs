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
    [Option("Model family (see 'gansharp list')", Positional = true)]
    public string Model { get; set; } = "dcgan";

    /// <summary>Architecture: dcgan28, dcgan32, dcgan64, dcgan128 (dcgan) or mlp (mlp). Empty: chosen from the data.</summary>
    [Option("Architecture: {choices} (default: fits the data)")]
    public string Arch { get; set; } = "";

    /// <summary>Dataset: mnist, fashion-mnist, ring, grid, or a folder of images.</summary>
    [Option("Dataset: mnist, fashion-mnist, ring, grid, or a folder of images")]
    public string Data { get; set; } = "mnist";

    /// <summary>Local directory with MNIST-format IDX files (raw or .gz), instead of downloading.</summary>
    [Option("Directory with local MNIST-format IDX files (raw or .gz) instead of downloading")]
    public string? DataDir { get; set; }

    /// <summary>Image size for image folders (32, 64 or 128; 28 for dcgan28).</summary>
    [Option("Image size for image folders: 32, 64 or 128 (28 with --arch dcgan28)")]
    public int Size { get; set; } = 64;

    /// <summary>Channels for image folders (1, 3 or 4).</summary>
    [Option("Channels for image folders: 1, 3 or 4 (4: RGBA, loaded with premultiplied alpha)")]
    public int Channels { get; set; } = 3;

    /// <summary>How a folder image that is not square becomes size×size (<see cref="GanSharp.Data.ResizeMode"/>).</summary>
    [Option("How image-folder pictures that are not square become --size: crop (default: the centred square), pad (borders; transparent with 4 channels) or stretch")]
    public GanSharp.Data.ResizeMode Resize { get; set; } = GanSharp.Data.ResizeMode.Crop;

    /// <summary>Examples a generated dataset makes (captioned shapes); 0: the dataset's own default.</summary>
    [Option("Examples to generate for generated datasets such as shapes (default 0: the dataset's default)")]
    public int DataCount { get; set; }

    /// <summary>The training set doubled with x-flips (stylegan2-ada's --mirror; <see cref="GanSharp.Augment.Mirror"/>).</summary>
    [Option("Double the training images with left-right mirrored copies (stylegan2-ada's --mirror)")]
    public bool Mirror { get; set; }

    /// <summary>Generator updates in the whole run.</summary>
    [Option("Generator updates in the whole run (default 2000)")]
    public int Steps { get; set; } = 2000;
    [Option("Minibatch size (default 64)")]
    public int Batch { get; set; } = 64;

    /// <summary>Discriminator updates per generator update (k in Goodfellow et al. Algorithm 1).</summary>
    [Option("Discriminator updates per generator update, k (default 1)")]
    public int DSteps { get; set; } = 1;

    [Option("Generator loss: nonsaturating (default) or minimax")]
    public GeneratorLossKind GLoss { get; set; } = GeneratorLossKind.NonSaturating;

    /// <summary>Real and fake minibatches through D separately (true; the DCGAN tip) or in one joint batch.</summary>
    [Option("Real and fake through D: separate (default) or joint", Flag = "batches", FlagValues = new[] { "separate", "joint" })]
    public bool SeparateBatches { get; set; } = true;

    [Option("Adam learning rate of G (default 2e-4)")]
    public double LrG { get; set; } = 2e-4;
    [Option("Adam learning rate of D (default 2e-4)")]
    public double LrD { get; set; } = 2e-4;

    /// <summary>Fraction of the run, at its end, over which both learning rates fall linearly to 0; 0: constant.</summary>
    [Option("Linear learning-rate decay to 0 over this last fraction of the run (e.g. 0.5; 0: constant)")]
    public double LrDecay { get; set; }
    [Option("Adam betas of G (default 0.5 0.999)")]
    public double[] BetasG { get; set; } = { 0.5, 0.999 };
    [Option("Adam betas of D (default 0.5 0.999)")]
    public double[] BetasD { get; set; } = { 0.5, 0.999 };

    /// <summary>Adversarial loss: gan (the value function, with --g-loss), wgan, wgan-gp, hinge or lsgan.</summary>
    [Option("Adversarial loss: gan (default), wgan, wgan-gp, hinge, lsgan")]
    public LossKind Loss { get; set; } = LossKind.Gan;

    /// <summary>Gradient-penalty weight λ of WGAN-GP.</summary>
    [Option("WGAN-GP penalty weight λ (default 10)")]
    public double GpWeight { get; set; } = 10;

    /// <summary>R1 penalty γ on real data (Mescheder et al. 2018); 0: off.</summary>
    [Option("R1 penalty γ on real data (Mescheder et al. 2018; e.g. 10; default off)")]
    public double R1 { get; set; }

    /// <summary>Lazy R1 (stylegan2-ada): the penalty every N steps with its weight scaled by N; 1 = every step.</summary>
    [Option("Lazy R1 (stylegan2-ada): the penalty every N steps, its weight scaled by N (default 1: every step)")]
    public int R1Every { get; set; } = 1;

    /// <summary>WGAN weight clipping c (critic weights kept in [−c, c]); 0: off.</summary>
    [Option("WGAN weight clipping c (e.g. 0.01; default off)")]
    public double Clip { get; set; }

    /// <summary>Optimizer of both networks: adam or rmsprop (WGAN).</summary>
    [Option("adam (default) or rmsprop (WGAN)")]
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>One-sided label smoothing: the real target (1: off; 0.9 in Salimans et al. 2016).</summary>
    [Option("One-sided label smoothing: target for real data (e.g. 0.9; default 1)")]
    public double RealLabel { get; set; } = 1.0;

    /// <summary>Instance noise: std of gaussian noise added to D's inputs, annealed linearly to 0 over the run; 0: off.</summary>
    [Option("Std of gaussian noise on D's inputs, annealed to 0 over the run (default off)")]
    public double InstanceNoise { get; set; }

    /// <summary>Augmentation of every image D sees, real and fake, in the D and the G step (issue 22): none, diffaugment or ada.</summary>
    [Option("Augment D's real and fake inputs: none (default), diffaugment (Zhao et al. 2020) or ada (Karras et al. 2020)", Families = new[] { "dcgan", "mlp", "cgan" }, Choices = new[] { "none", "diffaugment", "ada" })]
    public string Augment { get; set; } = "none";

    /// <summary>DiffAugment's policies, comma-separated, applied in order.</summary>
    [Option("DiffAugment policies, comma-separated: color, translation, cutout (default all three; with --augment diffaugment)", Families = new[] { "dcgan", "mlp", "cgan" })]
    public string AugmentPolicy { get; set; } = "color,translation,cutout";

    /// <summary>ADA's target for r_t = E[sign(D(real))]: p rises while r_t is above it.</summary>
    [Option("ADA target for E[sign(D(real))]: p rises above it, falls below (default 0.6; with --augment ada)", Families = new[] { "dcgan", "mlp", "cgan" })]
    public double AdaTarget { get; set; } = 0.6;

    /// <summary>ADA speed: thousands of images for p to go from 0 to 1 (stylegan2-ada: 500 for runs of millions of images).</summary>
    [Option("ADA speed: thousand images for p to go 0 → 1 (default 50, for runs of ~100k images; with --augment ada)", Families = new[] { "dcgan", "mlp", "cgan" })]
    public double AdaKimg { get; set; } = 50;

    /// <summary>Generator loss = feature matching on D's last hidden features (Salimans et al. 2016).</summary>
    [Option("Generator loss = feature matching on D's hidden features (Salimans et al. 2016)")]
    public bool FeatureMatching { get; set; }

    /// <summary>Exponential moving average of G's weights (decay, e.g. 0.999), used for sampling and evaluation; 0: off.</summary>
    [Option("Moving average of G's weights with this decay (e.g. 0.999), used for sampling and evaluation")]
    public double Ema { get; set; }

    /// <summary>Minibatch standard deviation feature in D (Karras et al. 2018).</summary>
    [Option("Minibatch standard-deviation feature in D (Karras et al. 2018)")]
    public bool MinibatchStd { get; set; }

    /// <summary>Minibatch discrimination kernels B in D (Salimans et al. 2016); 0: off.</summary>
    [Option("Minibatch discrimination with B kernels in D (Salimans et al. 2016; e.g. 100)")]
    public int MinibatchDisc { get; set; }

    /// <summary>Spectral normalization of D's weights (Miyato et al. 2018).</summary>
    [Option("Spectral normalization of D's layers (Miyato et al. 2018)")]
    public bool SpectralNorm { get; set; }

    /// <summary>PacGAN packing m: D judges m samples concatenated at its input (Lin et al. 2018); 1: off.</summary>
    [Option("PacGAN: D judges m samples packed together (Lin et al. 2018; e.g. 2 or 4)")]
    public int Pack { get; set; } = 1;

    /// <summary>Unrolled GAN steps k (Metz et al. 2017); 0: off.</summary>
    [Option("Unrolled GAN: G steps against D unrolled k steps (Metz et al. 2017)")]
    public int Unrolled { get; set; }

    /// <summary>Unroll without gradients through D's updates (the cheaper first-order variant).</summary>
    [Option("Unroll without gradients through D's updates (cheaper)")]
    public bool UnrolledFirstOrder { get; set; }

    /// <summary>Virtual batch normalization in G instead of BatchNorm (Salimans et al. 2016).</summary>
    [Option("Virtual batch normalization in G instead of BatchNorm (Salimans et al. 2016; dcgan28, dcgan28-deep, dcgan32, dcgan64, dcgan128)", Families = new[] { "dcgan" })]
    public bool VirtualBatchNorm { get; set; }

    /// <summary>Maxout pieces in MLP discriminators (PacGAN 2-D setting); 0: LeakyReLU.</summary>
    [Option("Maxout units with this many pieces in MLP discriminators (PacGAN 2-D)", Families = new[] { "mlp" })]
    public int Maxout { get; set; }

    /// <summary>BatchNorm in MLP generators (PacGAN 2-D setting).</summary>
    [Option("BatchNorm in MLP generators (PacGAN 2-D)", Families = new[] { "mlp" })]
    public bool MlpBatchNorm { get; set; }

    /// <summary>Where the run's networks, batches and latents live (issue 21): auto (CUDA when there is one), cpu or cuda.</summary>
    [Option("Device: auto (default: CUDA when this build and machine have it, else the CPU), cpu or cuda")]
    public DeviceKind Device { get; set; } = DeviceKind.Auto;

    [Option("Noise prior: gaussian (default), uniform, sphere")]
    public NoisePrior Prior { get; set; } = NoisePrior.Gaussian;
    [Option("Latent dimension (default 100)")]
    public int ZDim { get; set; } = 100;

    /// <summary>Base width (channels of the first/last conv layer, or MLP hidden size).</summary>
    [Option("Base width of G (default 64)")]
    public int WidthG { get; set; } = 64;
    [Option("Base width of D (default 64)")]
    public int WidthD { get; set; } = 64;

    /// <summary>dcgan28: a hidden fully connected layer between z and G's 7×7 map (0: none).</summary>
    [Option("dcgan28: a hidden FC layer of N units (BatchNorm, ReLU) between z and G's 7×7 map (0: none; 1024 in the dcgan-mnist preset, the main job, as in InfoGAN's MNIST G)", Families = new[] { "dcgan" })]
    public int FcG { get; set; }
    /// <summary>dcgan28: a hidden fully connected layer before D's logit (0: none).</summary>
    [Option("dcgan28: a hidden FC layer of N units (BatchNorm, LeakyReLU) before D's logit (0: none; 1024 in the dcgan-mnist preset, the main job, as in InfoGAN's MNIST D)", Families = new[] { "dcgan" })]
    public int FcD { get; set; }

    /// <summary>How the cgan discriminator reads the label: "concat" (one-hot maps as input channels) or "projection".</summary>
    [JsonPropertyName("cond-d")]
    [Option("cgan discriminator: concat (one-hot maps as input channels, default) or projection (Miyato & Koyama 2018)", Families = new[] { "cgan" }, Choices = new[] { "concat", "projection" }, LegacyKeys = new[] { "conditional-d" })]
    public string ConditionalD { get; set; } = "concat";

    /// <summary>Hidden layer count of MLP networks.</summary>
    [Option("Hidden layers of MLP networks (default 2)", Families = new[] { "mlp" })]
    public int Depth { get; set; } = 2;

    /// <summary>Hidden layer count of an MLP discriminator when it differs from G's (0: same as --depth).</summary>
    [Option("Hidden layers of an MLP discriminator when different from --depth", Families = new[] { "mlp" })]
    public int DepthD { get; set; }

    [Option("Random seed: same seed and threads give the same losses (default 1)")]
    public long Seed { get; set; } = 1;

    /// <summary>Torch intra-op threads; 0 picks (1 for tiny models, all cores otherwise).</summary>
    [Option("Torch threads (default: 1 for MLP models, all cores otherwise)")]
    public int Threads { get; set; }

    // ---- speed knobs (docs/performance.md). null = auto: the engine's measured default for the model family.

    /// <summary>Convolutional networks (and their inputs) in channels-last memory layout; equal to the stock path within float rounding. Auto: on for convolutional models.</summary>
    [Option("Speed: channels-last layout for conv models (true/false; default: on for conv models on images of 64x64 and up)")]
    public bool? ChannelsLast { get; set; }

    /// <summary>D's parameters excluded from autograd during the G step; bit-identical. Auto: on.</summary>
    [Option("Speed: no gradients for D's weights in the G step (true/false; default on; bit-identical)")]
    public bool? FreezeD { get; set; }

    /// <summary>Adam over one flat buffer per network (parameters and gradients are views into it); bit-identical. Auto: on.</summary>
    [Option("Speed: Adam over one flat buffer per network (true/false; default on; bit-identical)")]
    public bool? FusedAdam { get; set; }

    /// <summary>The next real batch gathered on a background thread into reused buffers; the same batches in the same order. Auto: off (no gain measured for in-memory datasets).</summary>
    [Option("Speed: gather the next real batch on a background thread (true/false; default off: no gain measured for in-memory data; same batches)")]
    public bool? Prefetch { get; set; }

    /// <summary>Sampling folds BatchNorm into the preceding convolution/linear layer (equal to unfolded within 1e-5). Auto: off (no gain measured here).</summary>
    [Option("Speed: fold BatchNorm into convolutions when sampling (true/false; default off: no gain measured; within 1e-5)")]
    public bool? FoldBatchNorm { get; set; }

    /// <summary>Opt-in, CHANGES RESULTS: one D(G(z)) forward serves both D's and G's loss (G is updated against D before D's update).</summary>
    [Option("Speed, CHANGES RESULTS: one D(G(z)) forward for both losses (opt-in)")]
    public bool ReuseDFake { get; set; }

    [Option("Write metrics.jsonl every N steps (default 10)")]
    public int LogEvery { get; set; } = 10;

    /// <summary>Also write a TensorBoard event file in the run directory (scalars of metrics.jsonl, sample grids as images).</summary>
    [Option("Also write a TensorBoard event file in the run directory: every metrics.jsonl number as a scalar, sample grids as images (off by default)")]
    public bool Tensorboard { get; set; }
    [Option("Write a sample grid every N steps (default 250)")]
    public int SampleEvery { get; set; } = 250;
    [Option("Write a checkpoint every N steps (default 500)")]
    public int CheckpointEvery { get; set; } = 500;

    /// <summary>How many step checkpoints to keep.</summary>
    [Option("Step checkpoints to keep (default 3)")]
    public int Keep { get; set; } = 3;

    /// <summary>Evaluate metrics every N steps during training (0: never).</summary>
    [Option("Evaluate --metrics every N steps, appending to metrics.jsonl and keeping checkpoints/best.ckpt (default 0: off)")]
    public int EvalEvery { get; set; }

    /// <summary>Metrics computed during training, comma-separated; the first one picks the `best` checkpoint.</summary>
    [Option("Metrics for --eval-every, comma-separated; the first ranks the best checkpoint (default fid; see 'gansharp list')")]
    public string Metrics { get; set; } = "fid";

    /// <summary>Generated samples per evaluation.</summary>
    [Option("Generated samples per evaluation (default 10000)")]
    public int EvalSamples { get; set; } = 10_000;

    /// <summary>Size of the fixed noise batch drawn for sample grids.</summary>
    [Option("Samples in each progress grid (default 64)")]
    public int SampleCount { get; set; } = 64;

    /// <summary>Stop when D wins outright for this many steps in a row (0: never); criteria per loss in <see cref="DWinsDetector"/>.</summary>
    [Option("Stop when D wins outright for this many steps in a row (gan: D(x)→1, D(G(z))→0; hinge: both margins passed; wgan: the critic gap keeps growing; default 1000; 0: never)")]
    public int DWinsSteps { get; set; } = 1000;

    /// <summary>Semi-supervised family: labelled training examples n (balanced, n/10 per class).</summary>
    [Option("semisup: labelled training examples, n/10 per class (default 100)", Families = new[] { "semisup" })]
    public int Labels { get; set; } = 100;

    /// <summary>Semi-supervised family: kplus1 (Salimans et al. 2016) or dcgan-features (unsupervised GAN, linear probe).</summary>
    [Option("semisup: kplus1 (default) or dcgan-features", Families = new[] { "semisup" }, Choices = new[] { "kplus1", "dcgan-features" })]
    public string SemisupMode { get; set; } = "kplus1";

    /// <summary>
    /// Values of family-declared options (<see cref="IGanFamily.Options"/>), by kebab-case key. Written inline into
    /// the options object of options.json and checkpoint headers, after the core options; read them with
    /// <see cref="Get{T}"/>. Only the options of the run's family are stored.
    /// </summary>
    [JsonIgnore]
    public JsonObject Extra { get; private set; } = new();

    /// <summary>
    /// The value of option <paramref name="key"/>: a family option from <see cref="Extra"/> (its declared default
    /// when unset), or a core option's property.
    /// </summary>
    public T Get<T>(string key)
    {
        if (Extra.TryGetPropertyValue(key, out var node))
            return node is null ? default! : node.Deserialize<T>(Json)!;
        var spec = OptionCatalog.Default.Find(key) ?? throw new ArgumentException($"unknown option '{key}'");
        if (spec.Property is { } p) return (T)p.GetValue(this)!;
        return spec.Default is null ? default! : spec.Default.Deserialize<T>(Json)!;
    }

    /// <summary>Sets family option <paramref name="key"/> (core options are set through their properties).</summary>
    public void Set<T>(string key, T value)
    {
        if (OptionCatalog.Default.Find(key) is { Property: not null })
            throw new ArgumentException($"option '{key}' is a GanOptions property: set it directly");
        Extra[key] = JsonSerializer.SerializeToNode(value, Json);
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string ToJson() => ToJsonObject().ToJsonString(Json);

    /// <summary>The kebab-case options object: core options, then <see cref="Extra"/>.</summary>
    public JsonObject ToJsonObject()
    {
        var o = JsonSerializer.SerializeToNode(this, Json)!.AsObject();
        foreach (var (k, v) in Extra) o[k] = v?.DeepClone();
        return o;
    }

    public static GanOptions FromJson(string json) => FromJson(json, OptionCatalog.Default);

    /// <summary>
    /// Reads an options object (options.json, a checkpoint header): legacy keys (<c>conditional-d</c>) are read as
    /// their option, family options go to <see cref="Extra"/>, an unknown key is a <see cref="JsonException"/> naming it.
    /// </summary>
    public static GanOptions FromJson(string json, OptionCatalog catalog)
    {
        var node = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("options are not a JSON object");
        var core = new JsonObject();
        var extra = new JsonObject();
        foreach (var (key, value) in node)
        {
            var spec = catalog.Find(key) ?? throw new JsonException($"unknown option '{key}'");
            (spec.IsFamilyOption ? extra : core)[spec.Key] = value?.DeepClone();
        }
        var o = core.Deserialize<GanOptions>(Json) ?? throw new JsonException("options are null");
        o.Extra = extra;
        return o;
    }

    /// <summary>Checks ranges; throws <see cref="ArgumentException"/> with one line naming the option.</summary>
    public void Validate(OptionCatalog? catalog = null)
    {
        catalog ??= OptionCatalog.Default;
        static void Positive(int v, string name)
        {
            if (v <= 0) throw new ArgumentException($"--{name} must be positive (got {v})");
        }
        if (DataCount < 0) throw new ArgumentException($"--data-count must be 0 (the dataset's default) or positive, got {DataCount}");
        Positive(Steps, "steps");
        Positive(Batch, "batch");
        Positive(DSteps, "d-steps");
        Positive(ZDim, "z-dim");
        Positive(WidthG, "width-g");
        Positive(WidthD, "width-d");
        if (FcG < 0 || FcD < 0) throw new ArgumentException($"--fc-g and --fc-d must be 0 (no hidden layer) or positive (got {FcG}, {FcD})");
        Positive(LogEvery, "log-every");
        Positive(SampleEvery, "sample-every");
        Positive(CheckpointEvery, "checkpoint-every");
        Positive(Keep, "keep");
        Positive(R1Every, "r1-every");
        Positive(SampleCount, "sample-count");
        if (DWinsSteps < 0) throw new ArgumentException($"--d-wins-steps must not be negative (got {DWinsSteps}; 0 turns the check off)");
        if (Pack < 1) throw new ArgumentException($"--pack must be at least 1 (got {Pack})");
        if (Batch % Pack != 0) throw new ArgumentException($"--batch {Batch} must be a multiple of --pack {Pack}");
        if (Unrolled < 0) throw new ArgumentException($"--unrolled must not be negative (got {Unrolled})");
        if (MinibatchDisc < 0 || Maxout < 0) throw new ArgumentException("--minibatch-disc and --maxout must not be negative");
        if (RealLabel <= 0 || RealLabel > 1) throw new ArgumentException($"--real-label must be in (0, 1] (got {RealLabel})");
        if (Ema < 0 || Ema >= 1) throw new ArgumentException($"--ema must be in [0, 1) (got {Ema})");
        if (InstanceNoise < 0 || Clip < 0 || R1 < 0 || GpWeight < 0) throw new ArgumentException("--instance-noise, --clip, --r1 and --gp-weight must not be negative");
        if (AdaTarget is < 0 or >= 1 || double.IsNaN(AdaTarget)) throw new ArgumentException($"--ada-target must be in [0, 1) (got {AdaTarget})");
        if (!(AdaKimg > 0) || double.IsInfinity(AdaKimg)) throw new ArgumentException($"--ada-kimg must be positive (got {AdaKimg})");
        if (Augment == "diffaugment" && AugmentPolicy.Split(',', StringSplitOptions.TrimEntries) is var policies
            && (policies.Any(p => !GanSharp.Augment.DiffAugment.KnownPolicies.Contains(p)) || policies.Distinct().Count() != policies.Length))
            throw new ArgumentException($"--augment-policy '{AugmentPolicy}' is not a list of distinct policies from {string.Join(",", GanSharp.Augment.DiffAugment.KnownPolicies)}");
        if (Augment != "none" && Unrolled > 0 && !UnrolledFirstOrder) throw new ArgumentException("--augment is not available with second-order --unrolled (its G loss calls D functionally); add --unrolled-first-order");
        if (FeatureMatching && Loss != LossKind.Gan) throw new ArgumentException("--feature-matching replaces the generator loss; use it with --loss gan");
        if (EvalEvery < 0) throw new ArgumentException($"--eval-every must not be negative (got {EvalEvery})");
        Positive(EvalSamples, "eval-samples");
        if (Depth < 0) throw new ArgumentException($"--depth must not be negative (got {Depth})");
        if (Threads < 0) throw new ArgumentException($"--threads must not be negative (got {Threads})");
        if (LrG <= 0 || LrD <= 0) throw new ArgumentException("learning rates must be positive");
        if (!(LrDecay >= 0 && LrDecay <= 1)) throw new ArgumentException($"--lr-decay must be a fraction of the run in [0, 1] (got {LrDecay})");
        foreach (var b in new[] { BetasG, BetasD })
            if (b is null || b.Length != 2 || b.Any(x => x < 0 || x >= 1))
                throw new ArgumentException("betas must be two numbers in [0, 1)");
        Positive(Labels, "labels");
        if (!catalog.Families.Any(f => f.Name == Model))
            throw new ArgumentException($"unknown model '{Model}': use one of {string.Join(", ", catalog.Families.Select(f => f.Name))}");
        // String options with a list of values (--arch: the registered architectures, --cond-d, --semisup-mode).
        foreach (var spec in catalog.Options)
            if (spec.Property is { } p && p.PropertyType == typeof(string) && spec.Choices is { } choices
                && p.GetValue(this) is string v && v != (spec.Default?.GetValue<string>() ?? "") && !choices.Contains(v))
                throw new ArgumentException($"unknown value '{v}' for --{spec.Flag}: use {string.Join(", ", choices)}");
    }
}

/// <summary>Layered configuration: defaults &lt; preset &lt; config file &lt; flags.</summary>
public static class OptionLayers
{
    /// <summary>Presets of the loss and optimizer that apply to any family (a family's own presets live in its file).</summary>
    public static readonly IReadOnlyDictionary<string, (string Description, string Json)> CorePresets =
        new Dictionary<string, (string, string)>
        {
            ["wgan"] = ("WGAN (Arjovsky et al. 2017) defaults: RMSProp 5e-5, clipping 0.01, 5 critic steps",
                """{"loss":"wgan","optimizer":"rmsprop","lr-g":5e-5,"lr-d":5e-5,"clip":0.01,"d-steps":5}"""),
            ["wgan-gp"] = ("WGAN-GP (Gulrajani et al. 2017) defaults: λ 10, 5 critic steps, Adam 1e-4 β (0, 0.9), no BatchNorm in the critic",
                """{"loss":"wgan-gp","gp-weight":10,"d-steps":5,"lr-g":1e-4,"lr-d":1e-4,"betas-g":[0.0,0.9],"betas-d":[0.0,0.9]}"""),
            ["ttur"] = ("Two time-scale update rule (Heusel et al. 2017): D learns faster, lr-d 4e-4, lr-g 1e-4",
                """{"lr-d":4e-4,"lr-g":1e-4}"""),
        };

    /// <summary>Named presets: partial option objects, the core ones and every registered family's.</summary>
    public static IReadOnlyDictionary<string, (string Description, string Json)> Presets
    {
        get
        {
            var all = new Dictionary<string, (string, string)>(CorePresets);
            foreach (var f in GanFamilies.All.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
                foreach (var (k, v) in f.Presets)
                    if (!all.TryAdd(k, v)) throw new InvalidOperationException($"preset '{k}' of the {f.Name} family is defined twice");
            return all;
        }
    }

    /// <summary>
    /// Merges the layers in order and deserializes. Keys are checked against <paramref name="catalog"/> (default:
    /// <see cref="OptionCatalog.Default"/>): an unknown key, a value of the wrong type or choice, and an option the
    /// model's family does not use (set in the config file or flags; presets are not checked) are each one line.
    /// </summary>
    public static GanOptions Resolve(string? preset, JsonObject? configFile, JsonObject? flags, OptionCatalog? catalog = null,
        string configSource = "config file", string flagsSource = "flags")
    {
        catalog ??= OptionCatalog.Default;
        var merged = catalog.Defaults(model: null);
        if (preset is not null)
        {
            if (!Presets.TryGetValue(preset, out var p))
                throw new ArgumentException($"unknown preset '{preset}': use one of {string.Join(", ", Presets.Keys)}");
            Apply(catalog, merged, JsonNode.Parse(p.Json)!.AsObject(), $"preset {preset}");
        }
        var explicitKeys = new List<string>();
        if (configFile is not null) explicitKeys.AddRange(Apply(catalog, merged, configFile, configSource));
        if (flags is not null) explicitKeys.AddRange(Apply(catalog, merged, flags, flagsSource));

        string model = merged["model"]?.GetValue<string>() ?? "";
        foreach (var key in explicitKeys.Distinct())
            if (catalog.Find(key) is { Families: { } families } spec && !families.Contains(model))
                throw new ArgumentException($"--{spec.Flag} is not used by the {model} model (it is an option of {string.Join(", ", families)})");
        ApplyModelArchitecture(merged, explicitKeys.Contains("arch"), catalog);
        // Keep the family options of this model only (the others are at their defaults: checked above).
        foreach (var spec in catalog.Options)
            if (spec.IsFamilyOption && !spec.Families!.Contains(model)) merged.Remove(spec.Key);
        try
        {
            var o = GanOptions.FromJson(merged.ToJsonString(), catalog);
            o.Validate(catalog);
            return o;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"invalid option value: {e.Message}");
        }
    }

    /// <summary>
    /// The architecture against the model's family (<see cref="IGanFamily.Architectures"/>): a family with
    /// a single architecture (mlp) always gets it, and an explicit other --arch is refused; an --arch that is not
    /// one of a family's architectures is refused. The one place of this rule for the CLI, config files and sweeps.
    /// </summary>
    public static void ApplyModelArchitecture(JsonObject options, bool archExplicit, OptionCatalog catalog)
    {
        string model = options["model"]?.GetValue<string>() ?? "";
        var family = catalog.Families.FirstOrDefault(f => f.Name == model);
        if (family is null || family.Architectures.Count == 0) return;
        var names = family.Architectures.Select(a => a.Name).ToList();
        string arch = options["arch"]?.GetValue<string>() ?? "";
        if (names.Count == 1 && (arch == "" || !archExplicit))
            options["arch"] = names[0];
        else if (arch != "" && !names.Contains(arch))
            throw new ArgumentException(names.Count == 1
                ? $"the {model} model uses architecture {names[0]}, not '{arch}'"
                : $"architecture '{arch}' is not one of the {model} model's: use {string.Join(", ", names)}");
    }

    /// <summary>Writes one layer over <paramref name="target"/>; returns the option keys it set.</summary>
    private static List<string> Apply(OptionCatalog catalog, JsonObject target, JsonObject layer, string source)
    {
        var keys = new List<string>();
        foreach (var (key, value) in layer)
        {
            var spec = catalog.Find(key) ?? throw new ArgumentException($"unknown option '{key}' in {source}");
            target[spec.Key] = spec.Check(value, source);
            keys.Add(spec.Key);
        }
        return keys;
    }
}
