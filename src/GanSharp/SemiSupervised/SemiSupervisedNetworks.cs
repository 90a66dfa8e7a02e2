using GanSharp.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.SemiSupervised;

/// <summary>
/// A discriminator that is a K-class classifier (Salimans et al. 2016, §5): K logits per example, the fake class's
/// logit fixed at 0. <see cref="Forward"/> also returns the intermediate features used by feature matching.
/// Its gaussian-noise layers draw from <see cref="Noise"/> (the training generator) when set.
/// </summary>
public abstract class SemiSupervisedDiscriminator : Module<Tensor, Tensor>
{
    protected SemiSupervisedDiscriminator(string name, int numClasses) : base(name) => NumClasses = numClasses;

    public int NumClasses { get; }

    /// <summary>The generator the noise layers draw from (null: the global torch generator).</summary>
    public torch.Generator? Noise { get; set; }

    /// <summary>(features of the feature-matching layer, N×K logits).</summary>
    public abstract (Tensor Features, Tensor Logits) Forward(Tensor x);

    public override Tensor forward(Tensor x) => Forward(x).Logits;

    protected GaussianNoise NoiseLayer(double std) => new(std, () => Noise);
}

/// <summary>
/// The permutation-invariant MNIST D of the paper's code: gaussian noise (std 0.3) on the [0, 1] input, weight-normed
/// dense layers 1000-500-250-250-250 (v ~ N(0, 0.1²); scale g not trained, as in the authors' code, but set by
/// <see cref="InitializeFromData"/>) with ReLU and noise (std 0.5) after each, then K logits (g trained). Features: the
/// last hidden layer (250), after its ReLU and before its noise (the authors' layers[-3]).
/// </summary>
public sealed class MlpClassifierD : SemiSupervisedDiscriminator
{
    private readonly Module<Tensor, Tensor> inNoise;
    private readonly ModuleList<WeightNormLinear> hidden;
    private readonly ModuleList<GaussianNoise> noises;
    private readonly WeightNormLinear @out;

    public static readonly int[] Widths = { 1000, 500, 250, 250, 250 };

    /// <summary>Std of the direction parameters v at construction (the authors' DenseLayer: Normal(0.1)).</summary>
    public const double InitStd = 0.1;

    public MlpClassifierD(long inputs, int numClasses) : base(nameof(MlpClassifierD), numClasses)
    {
        inNoise = NoiseLayer(0.3);
        hidden = new ModuleList<WeightNormLinear>();
        noises = new ModuleList<GaussianNoise>();
        long w = inputs;
        foreach (int h in Widths)
        {
            hidden.Add(new WeightNormLinear(w, h, InitStd, trainScale: false));  // h
            noises.Add(NoiseLayer(0.5));
            w = h;
        }
        @out = new WeightNormLinear(w, numClasses, InitStd);  // K
        RegisterComponents();
    }

    public override (Tensor Features, Tensor Logits) Forward(Tensor x)
    {
        var h = inNoise.call(x.flatten(1).add(1).mul(0.5)); // N × 784 in [0, 1] (+ noise)
        Tensor f = h;
        for (int i = 0; i < hidden.Count; i++)
        {
            f = functional.relu(hidden[i].call(h));       // N × Widths[i]
            h = noises[i].call(f);
        }
        return (f, @out.call(h));                         // (N × 250, N × K)
    }

    /// <summary>
    /// The authors' data-dependent initialization, layer by layer on the batch <paramref name="x"/> in training mode
    /// (noise on, drawn from <see cref="SemiSupervisedDiscriminator.Noise"/>): each layer's pre-activations are
    /// normalized to mean 0, std 1 (<see cref="WeightNormLinear.InitializeFromData"/>), and the next layer sees
    /// relu of those plus noise.
    /// </summary>
    public void InitializeFromData(Tensor x)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        bool was = training;
        train();
        var h = inNoise.call(x.flatten(1).add(1).mul(0.5));
        for (int i = 0; i < hidden.Count; i++)
            h = noises[i].call(functional.relu(hidden[i].InitializeFromData(h)));
        @out.InitializeFromData(h);
        train(was);
    }
}

/// <summary>
/// A dcgan28-like convolutional D with K outputs: noise 0.3 → WN conv 4×4/2 (w, 14×14) → LReLU 0.2 → noise 0.5 →
/// WN conv 4×4/2 (2w, 7×7) → LReLU → features (2w·7·7) → noise 0.5 → WN linear → K. Weight normalization instead of
/// BatchNorm, so that labelled, unlabelled and generated batches do not share batch statistics.
/// </summary>
public sealed class ConvClassifierD : SemiSupervisedDiscriminator
{
    private readonly Module<Tensor, Tensor> inNoise, noise1, noise2;
    private readonly WeightNormConv2d conv1, conv2;
    private readonly WeightNormLinear fc;

    public ConvClassifierD(int channels, int width, int numClasses) : base(nameof(ConvClassifierD), numClasses)
    {
        inNoise = NoiseLayer(0.3);
        conv1 = new WeightNormConv2d(channels, width, 4, 2, 1, trainScale: false);  // w × 14 × 14
        noise1 = NoiseLayer(0.5);
        conv2 = new WeightNormConv2d(width, 2 * width, 4, 2, 1, trainScale: false); // 2w × 7 × 7
        noise2 = NoiseLayer(0.5);
        fc = new WeightNormLinear(2L * width * 7 * 7, numClasses);   // K
        RegisterComponents();
    }

    public override (Tensor Features, Tensor Logits) Forward(Tensor x)
    {
        var h = inNoise.call(x.add(1).mul(0.5));
        h = noise1.call(functional.leaky_relu(conv1.call(h), 0.2));
        var f = functional.leaky_relu(conv2.call(h), 0.2).flatten(1); // N × 2w·7·7
        return (f, fc.call(noise2.call(f)));
    }
}

/// <summary>Builds the semi-supervised family's networks.</summary>
public static class SemiSupervisedNetworks
{
    /// <summary>The semi-supervised networks (Salimans et al. 2016's MNIST MLP D, and a convolutional D).</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> Architectures = new[]
    {
        ("semisup-mlp", "semi-supervised MLP D 784-1000-500-250-250-250-10 (weight norm, gaussian noise) and MLP G (Salimans et al. 2016)"),
        ("semisup-conv", "semi-supervised convolutional D (dcgan28-like, weight norm, 10 outputs) and the dcgan28 G"),
    };

    public static string ResolveArch(GanOptions o, long[] exampleShape)
    {
        string arch = o.Arch == "" ? "semisup-mlp" : o.Arch;
        if (arch is not ("semisup-mlp" or "semisup-conv"))
            throw new ArgumentException($"the semisup model uses architecture semisup-mlp or semisup-conv, not '{arch}'");
        if (exampleShape.Length != 3 || exampleShape[1] != 28 || exampleShape[2] != 28)
            throw new ArgumentException($"the semisup model needs 28×28 images (MNIST), but '{o.Data}' has examples of shape [{string.Join(",", exampleShape)}]");
        return arch;
    }

    /// <summary>
    /// The paper's MLP G: z → 500 → 500 → 784 with BatchNorm and softplus, a weight-normed output layer and tanh
    /// (the paper's sigmoid, rescaled to [-1, 1]).
    /// </summary>
    public static Module<Tensor, Tensor> MlpGenerator(int zDim, long[] exampleShape)
    {
        long outDim = exampleShape.Aggregate(1L, (a, b) => a * b);
        return Sequential(
            ("fc1", Linear(zDim, 500, hasBias: false)),        // 500
            ("bn1", BatchNorm1d(500)),
            ("act1", Softplus()),
            ("fc2", Linear(500, 500, hasBias: false)),         // 500
            ("bn2", BatchNorm1d(500)),
            ("act2", Softplus()),
            ("out", new WeightNormLinear(500, outDim)),        // 784
            ("tanh", Tanh()),
            ("unflatten", Unflatten(1, exampleShape)));        // 1 × 28 × 28
    }

    /// <summary>Builds (G, D) after seeding the global torch generator with the run's seed.</summary>
    public static (Module<Tensor, Tensor> G, SemiSupervisedDiscriminator D) Build(GanOptions o, long[] exampleShape, int numClasses)
    {
        string arch = ResolveArch(o, exampleShape);
        manual_seed(o.Seed);
        var g = arch == "semisup-mlp" ? MlpGenerator(o.ZDim, exampleShape) : Models.DcGan.Generator28(o.ZDim, (int)exampleShape[0], o.WidthG);
        return (g, BuildD(arch, o, exampleShape, numClasses));
    }

    /// <summary>Examples the data-dependent initialization of the MLP D looks at (the authors' trainx[:500]).</summary>
    public const int InitExamples = 500;

    /// <summary>
    /// Data-dependent initialization of the MLP D (<see cref="MlpClassifierD.InitializeFromData"/>) on
    /// <see cref="InitExamples"/> training images drawn without labels by a generator of its own (seed-derived), so the
    /// training streams are untouched. The convolutional D keeps its plain initialization.
    /// </summary>
    public static void InitializeFromData(SemiSupervisedDiscriminator d, GanSharp.Data.TensorDataset data, long seed)
    {
        if (d is not MlpClassifierD mlp) return;
        using var g = new Generator((ulong)ShuffledBatches.MixSeed(seed, -12));
        using var scope = NewDisposeScope();
        var idx = randperm(data.Count, generator: g).narrow(0, 0, Math.Min(InitExamples, data.Count)); // cpu: indices into the CPU data set
        var device = mlp.parameters().First().device;
        var saved = mlp.Noise;
        mlp.Noise = g; // noise is drawn on the CPU and moved (Devices.Randn)
        try { mlp.InitializeFromData(data.Gather(idx).to(device)); }
        finally { mlp.Noise = saved; }
    }

    public static SemiSupervisedDiscriminator BuildD(string arch, GanOptions o, long[] exampleShape, int numClasses) => arch == "semisup-mlp"
        ? new MlpClassifierD(exampleShape.Aggregate(1L, (a, b) => a * b), numClasses)
        : new ConvClassifierD((int)exampleShape[0], o.WidthD, numClasses);
}
