using GanSharp.Losses;
using GanSharp.Models;
using GanSharp.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GanSharp.Families;

/// <summary>
/// The categorical latent code of InfoGAN (Chen et al. 2016, "InfoGAN: Interpretable Representation Learning by
/// Information Maximizing GANs"), as a dcgan option (--info-classes K): G's input is [z, one-hot(c)] with c uniform
/// over K values, and an auxiliary head Q on D's hidden features predicts c from G(z, c). The variational bound on
/// the mutual information I(c; G(z, c)) for a uniform categorical code is H(c) − CE(Q(G(z, c)), c), so both the D
/// step (updating D's body and Q) and the G step add λ · CE (--info-weight λ, the paper's 1 for discrete codes).
/// No labels are used: the model is unconditional. An unconditional G maps one connected latent space onto the
/// disconnected digit classes, and the latents between classes give ambiguous digits; a discrete code that Q must
/// read back from the image lets G put the classes on separate codes (the paper's MNIST code matches the digit
/// class with about 5 % error), as a conditional GAN's labels do.
/// </summary>
public sealed class InfoGanSystem : GanSystem
{
    public InfoGanSystem(Module<Tensor, Tensor> generator, Discriminator discriminator, Module<Tensor, Tensor> q, GanOptions options, long[] exampleShape, int classes, double weight)
        : base(options, exampleShape)
    {
        if (classes < 2) throw new ArgumentException($"--info-classes must be at least 2 (got {classes}); 0 turns the code off");
        if (weight < 0 || !double.IsFinite(weight)) throw new ArgumentException($"--info-weight must be a finite number ≥ 0 (got {weight})");
        Classes = classes;
        Weight = weight;
        AddNetwork("G", generator);
        AddNetwork("D", discriminator);
        AddNetwork("Q", q);
    }

    /// <summary>K: the values of the categorical code.</summary>
    public int Classes { get; }

    /// <summary>λ: the weight of the information term in both losses.</summary>
    public double Weight { get; }

    private Discriminator Disc => (Discriminator)D;
    private Module<Tensor, Tensor> Q => (Module<Tensor, Tensor>)Network("Q");

    /// <summary>Q is trained with D (Chen et al.: Q shares D's body; its head descends the information loss with D's optimizer).</summary>
    public override IReadOnlyList<OptimizerGroup> OptimizerGroups() => new[]
    {
        new OptimizerGroup("G", new[] { "G" }, Options.Optimizer, Options.LrG, Options.BetasG),
        new OptimizerGroup("D", new[] { "D", "Q" }, Options.Optimizer, Options.LrD, Options.BetasD),
    };

    /// <summary>The G phase with the freeze-d knob also freezes Q (its gradients in the G step are discarded anyway).</summary>
    protected override IReadOnlyList<Phase> BuildPhases() =>
        base.BuildPhases().Select(p => p.Name == "G" && p.Freeze.Count > 0 ? p with { Freeze = p.Freeze.Append("Q").ToArray() } : p).ToList();

    /// <summary>[z, one-hot(c)]: z from the prior (--z-dim), then c uniform over K values, both from <paramref name="generator"/>.</summary>
    public override Tensor SampleLatent(long n, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var z = base.SampleLatent(n, generator);
        var c = Devices.Randint(0, Classes, new[] { n }, generator, Device);
        return cat(new[] { z, OneHot(c) }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// G([z, one-hot(c)]); a given <paramref name="condition"/> (code values, length n) replaces the latents' code, so
    /// the progress grid and `gansharp sample` show one code per row. Training passes none: the codes drawn stay.
    /// </summary>
    public override Tensor Generate(Tensor z, Tensor? condition = null)
    {
        if (condition is null) return base.Generate(z);
        using var scope = NewDisposeScope();
        var latent = cat(new[] { z.narrow(1, 0, Options.ZDim), OneHot(condition.to_type(ScalarType.Int64)) }, 1);
        return base.Generate(latent).MoveToOuterDisposeScope();
    }

    /// <summary>Row i of the progress grid is code i: K rows of ceil(n / K) samples (what each code value draws).</summary>
    public override Tensor? GridCondition(long n) =>
        arange(Classes, dtype: ScalarType.Int64, device: Device).repeat_interleave(GridColumns(n)!.Value);

    public override int? GridColumns(long n) => (int)Math.Max(1, (n + Classes - 1) / Classes);

    /// <summary>The code c of latents made by <see cref="SampleLatent"/> (the index of the one-hot part).</summary>
    public Tensor Code(Tensor latent) => latent.narrow(1, Options.ZDim, Classes).argmax(1);

    /// <summary>Q's logits over the K code values for images x (through D's body).</summary>
    public Tensor CodeLogits(Tensor x) => Q.call(Disc.Features(x));

    /// <summary>D's adversarial loss plus λ · CE(Q(G(z, c)), c) on the same fake batch (one pass through D's body).</summary>
    public override LossResult DiscriminatorLoss(Batch batch, Generator generator, int step = 1)
    {
        long n = batch.Real.shape[0];
        var latent = SampleLatent(n, generator);
        Tensor fake;
        using (no_grad())
            fake = Generate(latent);
        var realIn = DInput(batch.Real, generator);
        var fakeIn = DInput(fake, generator);
        Tensor hReal, hFake;
        if (Options.SeparateBatches)
        {
            hReal = Disc.Features(realIn);
            hFake = Disc.Features(fakeIn);
        }
        else
        {
            var h = Disc.Features(cat(new[] { realIn, fakeIn }, 0));
            hReal = h.narrow(0, 0, n);
            hFake = h.narrow(0, n, n);
        }
        var realOut = Disc.Head.call(hReal).flatten(0);
        var fakeOut = Disc.Head.call(hFake).flatten(0);
        var adversarial = Loss.Discriminator(x => D.call(x), realIn, fakeIn, realOut, fakeOut, generator, step);
        var info = InfoLoss(Q.call(hFake), Code(latent));
        var logged = new Dictionary<string, Tensor>(adversarial.Logged) { ["loss_info_d"] = info.detach() };
        return WithAugmentStats(adversarial with { Loss = adversarial.Loss + Weight * info, Logged = logged }, realOut);
    }

    /// <summary>G's adversarial loss plus λ · CE(Q(G(z, c)), c).</summary>
    public override LossResult GeneratorLoss(Batch batch, Generator generator)
    {
        var latent = SampleLatent(batch.Real.shape[0], generator);
        var h = Disc.Features(DInput(Generate(latent), generator));
        var fakeOut = Disc.Head.call(h).flatten(0);
        var info = InfoLoss(Q.call(h), Code(latent));
        var loss = Loss.Generator(fakeOut) + Weight * info;
        return new LossResult(loss, DFake: Loss.MeanOutput(fakeOut)) { Logged = new Dictionary<string, Tensor> { ["loss_info_g"] = info.detach() } };
    }

    /// <summary>The variational information loss for a uniform categorical code: the cross-entropy of Q's logits against c.</summary>
    public static Tensor InfoLoss(Tensor logits, Tensor code) => functional.cross_entropy(logits, code);

    /// <summary>The shared D(G(z)) of --reuse-d-fake has no information term: refused.</summary>
    public override string? JointLossesUnsupported() => "--info-classes has its own losses";

    private Tensor OneHot(Tensor c) => functional.one_hot(c, Classes).to_type(ScalarType.Float32);

    /// <summary>
    /// Q for D features of width <paramref name="features"/>: FC 128 → BatchNorm → LeakyReLU 0.2 → FC K, the
    /// paper's MNIST Q head (Table 1 of its appendix), DCGAN initialization.
    /// </summary>
    public static Module<Tensor, Tensor> QHead(long features, int classes)
    {
        var q = Sequential(
            ("fc", Linear(features, 128, hasBias: false)),
            ("fc_bn", BatchNorm1d(128)),
            ("fc_lrelu", LeakyReLU(0.2)),
            ("out", Linear(128, classes)));
        Init.Dcgan(q);
        return q;
    }

    /// <summary>The options the code cannot be combined with, each refused in one line, or null.</summary>
    public static string? Unsupported(GanOptions o, string arch) =>
        arch is not ("dcgan28" or "dcgan32" or "dcgan64" or "dcgan128") ? $"--info-classes needs a DCGAN architecture (dcgan28, dcgan32, dcgan64, dcgan128), not {arch}" :
        o.Pack > 1 ? "--info-classes cannot be combined with --pack (Q reads one sample's code, a packed D sees several)" :
        o.MinibatchStd || o.MinibatchDisc > 0 ? "--info-classes cannot be combined with minibatch layers (Q reads D's per-sample features)" :
        o.FeatureMatching ? "--info-classes cannot be combined with --feature-matching" :
        o.Unrolled > 0 ? "--info-classes cannot be combined with --unrolled" :
        null;

    /// <summary>Builds G (input z-dim + K), D and Q for the options (dcgan family with --info-classes K).</summary>
    public static InfoGanSystem Create(GanOptions o, long[] exampleShape, string arch, int classes, double weight)
    {
        if (classes < 2) throw new ArgumentException($"--info-classes must be at least 2 (got {classes}); 0 turns the code off");
        if (Unsupported(o, arch) is { } why) throw new ArgumentException(why);
        manual_seed(o.Seed);
        int channels = (int)exampleShape[0];
        int size = (int)exampleShape[1];
        int zIn = o.ZDim + classes;
        var dOptions = GanModels.DiscriminatorOptionsFor(o);
        Module<Tensor, Tensor> g;
        Discriminator d;
        long features;
        if (arch == "dcgan28")
        {
            g = DcGan.Generator28(zIn, channels, o.WidthG, o.VirtualBatchNorm);
            d = DcGan.Discriminator28(channels, o.WidthD, dOptions);
            features = 2L * o.WidthD * 7 * 7;
        }
        else
        {
            g = DcGan.Generator(size, zIn, channels, o.WidthG, o.VirtualBatchNorm);
            d = DcGan.Discriminator(size, channels, o.WidthD, dOptions);
            features = (long)o.WidthD * (size / 8) * 4 * 4;   // c = w · 2^(blocks−1) on the 4×4 map, blocks = log2(size) − 2
        }
        var q = QHead(features, classes);
        return new InfoGanSystem(g, d, q, o, exampleShape, classes, weight);
    }
}
