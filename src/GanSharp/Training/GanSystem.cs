using GanSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>What one loss evaluation produced: the loss to descend and optional statistics of D's outputs.</summary>
public sealed record LossResult(Tensor Loss, Tensor? DReal = null, Tensor? DFake = null);

/// <summary>
/// A GAN family as the training loop sees it: its two networks, how latents are drawn, and its losses on a
/// batch. The unconditional GAN of Goodfellow et al. 2014 is this class as it is; later families (class labels,
/// captions, paired images, growing networks) override the members that differ and keep the one loop.
/// </summary>
public class GanSystem : IDisposable
{
    public GanSystem(nn.Module<Tensor, Tensor> generator, nn.Module<Tensor, Tensor> discriminator, GanOptions options, long[] exampleShape)
    {
        G = generator;
        D = discriminator;
        Options = options;
        ExampleShape = exampleShape;
    }

    public nn.Module<Tensor, Tensor> G { get; }
    public nn.Module<Tensor, Tensor> D { get; }
    public GanOptions Options { get; }
    public long[] ExampleShape { get; }

    /// <summary>The moving average of G's weights, when --ema is on (sampling and evaluation use it).</summary>
    public GeneratorEma? Ema { get; set; }

    /// <summary>Called once by the <see cref="Trainer"/> with its training data (e.g. to choose a labelled subset).</summary>
    public virtual void Attach(GanSharp.Data.TensorDataset data) { }

    /// <summary>n latents from the configured prior.</summary>
    public virtual Tensor SampleLatent(long n, Generator? generator) =>
        NoisePriors.Sample(Options.Prior, n, Options.ZDim, generator);

    /// <summary>Conditions for n generated samples (e.g. random class labels); null for unconditional families.</summary>
    public virtual Tensor? SampleCondition(long n, Generator? generator) => null;

    /// <summary>The conditions of the fixed progress grid of n samples (e.g. one class per row); null when unconditional.</summary>
    public virtual Tensor? GridCondition(long n) => null;

    /// <summary>Images per row of the progress grid of n samples (e.g. samples per class); null: a square grid.</summary>
    public virtual int? GridColumns(long n) => null;

    /// <summary>G(z) (the condition is unused by unconditional families).</summary>
    public virtual Tensor Generate(Tensor z, Tensor? condition = null)
    {
        RefreshVirtualBatchNorm();
        return CallG(z);
    }

    /// <summary>The speed knobs with "auto" resolved for these networks (docs/performance.md).</summary>
    public Performance.SpeedKnobs Knobs => _knobs ??= Performance.SpeedKnobs.Resolve(Options, G, D, ExampleShape);
    private Performance.SpeedKnobs? _knobs;

    /// <summary>G's inference path while sampling (BatchNorm folded; set by <see cref="SampleGrids.Sample"/>), or null.</summary>
    internal nn.Module<Tensor, Tensor>? InferenceG { get; set; }

    /// <summary>
    /// Incremented whenever G's or D's weights change (every training step, every checkpoint load by the
    /// trainer); code that changes G's weights any other way must call <see cref="WeightsChanged"/>, so cached
    /// inference paths (the folded G) are rebuilt.
    /// </summary>
    public long WeightsVersion { get; private set; }

    public void WeightsChanged() => WeightsVersion++;

    private (long Version, bool Ema, Performance.FoldedSequential? Folded)? _foldCache;

    /// <summary>
    /// G with BatchNorm folded for the current weights (rebuilt only when <see cref="WeightsVersion"/> or the EMA
    /// swap changed), or null when G cannot be folded or the knob is off. Call with G in eval mode.
    /// </summary>
    internal Performance.FoldedSequential? FoldedG(bool emaSwapped)
    {
        if (!Knobs.FoldBatchNorm) return null;
        if (_foldCache is { } c && c.Version == WeightsVersion && c.Ema == emaSwapped) return c.Folded;
        _foldCache?.Folded?.Dispose();
        var folded = Performance.FoldedSequential.Fold(G, Knobs.ChannelsLast);
        _foldCache = (WeightsVersion, emaSwapped, folded);
        return folded;
    }

    /// <summary>G on its input: the folded inference path in eval mode when one is set, G itself otherwise.</summary>
    protected Tensor CallG(Tensor input) => !G.training && InferenceG is { } folded ? folded.call(input) : G.call(input);

    private Tensor? _vbnReference;

    /// <summary>
    /// Virtual batch norm (Salimans et al. 2016): in training, G's fixed reference batch of latents (drawn once
    /// from the run's seed) goes through G in reference mode before each forward, so every VBN layer normalizes
    /// with the current network's reference statistics. Eval mode keeps the last stored statistics.
    /// </summary>
    protected void RefreshVirtualBatchNorm()
    {
        if (!Options.VirtualBatchNorm || !G.training) return;
        var layers = G.modules().OfType<Layers.VirtualBatchNorm>().ToList();
        if (layers.Count == 0) return;
        if (_vbnReference is null)
        {
            using var g = new Generator((ulong)ShuffledBatches.MixSeed(Options.Seed, -6));
            _vbnReference = SampleLatent(Math.Min(Options.Batch, 64), g).DetachFromDisposeScope();
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var l in layers) l.ReferenceMode = true;
        try { G.call(_vbnReference); }
        finally { foreach (var l in layers) l.ReferenceMode = false; }
    }

    /// <summary>Fraction of the run done (0 → 1), set by the trainer before each step: drives annealed schedules.</summary>
    public double Progress { get; set; }

    /// <summary>
    /// D's input: with instance noise (Sønderby et al. 2017; Arjovsky &amp; Bottou 2017), gaussian noise whose std
    /// anneals linearly from --instance-noise to 0 over the run, drawn from the training generator.
    /// </summary>
    protected Tensor DInput(Tensor x, Generator generator)
    {
        double sigma = Options.InstanceNoise * (1 - Progress);
        return sigma > 0 ? x + sigma * randn(x.shape, generator: generator) : x;
    }

    /// <summary>D's hidden features (for feature matching); D must be a <see cref="Models.Discriminator"/>.</summary>
    protected Tensor DFeatures(Tensor x) => D is Models.Discriminator d ? d.Features(x)
        : throw new InvalidOperationException("feature matching needs a GanSharp Discriminator (body → head)");

    /// <summary>
    /// D's loss on one real batch and as many generated samples (G run without gradients): the configured
    /// adversarial loss (with one-sided label smoothing for gan/lsgan), plus the WGAN-GP or R1 penalty. Real and
    /// fake go through D separately (default) or as one concatenated batch.
    /// </summary>
    public virtual LossResult DiscriminatorLoss(Batch batch, Generator generator)
    {
        long n = batch.Real.shape[0];
        Tensor fake;
        using (no_grad())
            fake = Generate(SampleLatent(n, generator), batch.Labels);
        var realIn = DInput(batch.Real, generator);
        var fakeIn = DInput(fake, generator);
        Tensor realOut, fakeOut;
        if (Options.SeparateBatches)
        {
            realOut = D.call(realIn);
            fakeOut = D.call(fakeIn);
        }
        else
        {
            var outputs = D.call(cat(new[] { realIn, fakeIn }, 0));
            long m = outputs.shape[0] / 2;
            realOut = outputs.narrow(0, 0, m);
            fakeOut = outputs.narrow(0, m, m);
        }
        var loss = GanLosses.Discriminator(Options.Loss, realOut, fakeOut, Options.RealLabel);
        if (Options.Loss == LossKind.WganGp)
            loss = loss + Options.GpWeight * Penalties.GradientPenalty(x => D.call(x), realIn, fakeIn, generator);
        if (Options.R1 > 0)
            loss = loss + Options.R1 / 2 * Penalties.R1(x => D.call(x), realIn);
        return new LossResult(loss, MeanOutput(realOut), MeanOutput(fakeOut));
    }

    /// <summary>The generator's loss on a fresh batch of latents: the configured loss, or feature matching.</summary>
    public virtual LossResult GeneratorLoss(Batch batch, Generator generator)
    {
        long n = batch.Real.shape[0];
        var fake = Generate(SampleLatent(n, generator), batch.Labels);
        if (Options.FeatureMatching)
        {
            var realFeatures = DFeatures(DInput(batch.Real, generator));
            var fakeFeatures = DFeatures(DInput(fake, generator));
            return new LossResult(GanLosses.FeatureMatching(realFeatures, fakeFeatures));
        }
        var fakeOut = D.call(DInput(fake, generator));
        return new LossResult(GanLosses.Generator(Options.Loss, fakeOut, Options.GLoss), DFake: MeanOutput(fakeOut));
    }

    /// <summary>
    /// Both losses from one G(z) and one D(G(z)) forward (the opt-in reuse-d-fake knob): D's loss as in
    /// <see cref="DiscriminatorLoss"/> (penalties on the detached samples) and G's configured loss on the same D
    /// outputs. The caller keeps the gradients apart.
    /// </summary>
    public virtual (LossResult D, LossResult G) JointLosses(Batch batch, Generator generator)
    {
        long n = batch.Real.shape[0];
        var fake = Generate(SampleLatent(n, generator), batch.Labels);
        var realIn = DInput(batch.Real, generator);
        var fakeIn = DInput(fake, generator);
        var realOut = D.call(realIn);
        var fakeOut = D.call(fakeIn);
        var loss = GanLosses.Discriminator(Options.Loss, realOut, fakeOut, Options.RealLabel);
        if (Options.Loss == LossKind.WganGp)
            loss = loss + Options.GpWeight * Penalties.GradientPenalty(x => D.call(x), realIn, fakeIn.detach(), generator);
        if (Options.R1 > 0)
            loss = loss + Options.R1 / 2 * Penalties.R1(x => D.call(x), realIn);
        var lossG = GanLosses.Generator(Options.Loss, fakeOut, Options.GLoss);
        return (new LossResult(loss, MeanOutput(realOut), MeanOutput(fakeOut)), new LossResult(lossG, DFake: MeanOutput(fakeOut)));
    }

    /// <summary>Mean D(x) as a probability for the gan loss, the mean raw output (critic value) otherwise.</summary>
    protected Tensor MeanOutput(Tensor output) =>
        Options.Loss == LossKind.Gan ? sigmoid(output.detach()).mean() : output.detach().mean();

    public virtual void Dispose()
    {
        _foldCache?.Folded?.Dispose();
        Ema?.Dispose();
        _vbnReference?.Dispose();
        G.Dispose();
        D.Dispose();
        GC.SuppressFinalize(this);
    }
}
