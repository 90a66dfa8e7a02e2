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

    /// <summary>Called once by the <see cref="Trainer"/> with its training data (e.g. to choose a labelled subset).</summary>
    public virtual void Attach(GanSharp.Data.TensorDataset data) { }

    /// <summary>n latents from the configured prior.</summary>
    public virtual Tensor SampleLatent(long n, Generator? generator) =>
        NoisePriors.Sample(Options.Prior, n, Options.ZDim, generator);

    /// <summary>Conditions for n generated samples (e.g. random class labels); null for unconditional families.</summary>
    public virtual Tensor? SampleCondition(long n, Generator? generator) => null;

    /// <summary>The conditions of the fixed progress grid of n samples (e.g. one class per row); null when unconditional.</summary>
    public virtual Tensor? GridCondition(long n) => null;

    /// <summary>G(z) (the condition is unused by unconditional families).</summary>
    public virtual Tensor Generate(Tensor z, Tensor? condition = null) => G.call(z);

    /// <summary>
    /// −[log D(x) + log(1 − D(G(z)))] on one real batch and as many generated samples. G is run without
    /// gradients. Real and fake go through D separately (default) or as one concatenated batch.
    /// </summary>
    public virtual LossResult DiscriminatorLoss(Batch batch, Generator generator)
    {
        long n = batch.Real.shape[0];
        Tensor fake;
        using (no_grad())
            fake = Generate(SampleLatent(n, generator), batch.Labels);
        Tensor realLogits, fakeLogits;
        if (Options.SeparateBatches)
        {
            realLogits = D.call(batch.Real);
            fakeLogits = D.call(fake);
        }
        else
        {
            var logits = D.call(cat(new[] { batch.Real, fake }, 0));
            realLogits = logits.narrow(0, 0, n);
            fakeLogits = logits.narrow(0, n, n);
        }
        var loss = AdversarialLoss.Discriminator(realLogits, fakeLogits);
        return new LossResult(loss, sigmoid(realLogits.detach()).mean(), sigmoid(fakeLogits.detach()).mean());
    }

    /// <summary>The generator's loss (non-saturating or minimax) on a fresh batch of latents.</summary>
    public virtual LossResult GeneratorLoss(Batch batch, Generator generator)
    {
        long n = batch.Real.shape[0];
        var fakeLogits = D.call(Generate(SampleLatent(n, generator), batch.Labels));
        return new LossResult(AdversarialLoss.Generator(fakeLogits, Options.GLoss), DFake: sigmoid(fakeLogits.detach()).mean());
    }

    public virtual void Dispose()
    {
        G.Dispose();
        D.Dispose();
        GC.SuppressFinalize(this);
    }
}
