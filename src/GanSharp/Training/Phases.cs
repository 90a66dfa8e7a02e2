using GanSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace GanSharp.Training;

/// <summary>
/// A network of a system: trainable ones are updated by an optimizer group; frozen ones (identity, feature or text
/// encoders) stay in eval mode with parameters that take no gradient, while gradients still flow through them to
/// their inputs.
/// </summary>
public sealed record NetworkEntry(string Name, nn.Module Module, bool Trainable);

/// <summary>
/// An optimizer over the parameters of one or more networks, with its own learning rate, betas and an optional
/// schedule (a multiplier of <see cref="Lr"/> as a function of the step about to run). Checkpoint tensors are
/// prefixed "opt" + name + ".".
/// </summary>
public sealed record OptimizerGroup(string Name, IReadOnlyList<string> Networks, OptimizerKind Kind, double Lr, double[] Betas)
{
    public Func<int, double>? LrSchedule { get; init; }

    /// <summary>Adam's ε (added to √v̂); a family may raise it (the semi-supervised GAN, after its authors' code).</summary>
    public double Eps { get; init; } = 1e-8;
}

/// <summary>
/// One part of a training step, in the style of stylegan2-ada's <c>accumulate_gradients</c> phases: it evaluates a
/// loss, descends it with one optimizer group, and logs what it returns. <see cref="Repeat"/> runs it k times
/// (Goodfellow et al.'s k discriminator steps), each on a fresh batch when <see cref="NewBatch"/>; otherwise it
/// reuses the step's last batch (its size and condition).
/// </summary>
public sealed record Phase(string Name, string Group, Func<PhaseContext, LossResult> Loss)
{
    public int Repeat { get; init; } = 1;
    public bool NewBatch { get; init; } = true;

    /// <summary>The metrics.jsonl key of the loss (default "loss_" + lower-case name).</summary>
    public string LossName { get; init; } = "loss_" + Name.ToLowerInvariant();

    /// <summary>Networks whose parameters skip autograd during this phase (the freeze-d knob: results unchanged).</summary>
    public IReadOnlyList<string> Freeze { get; init; } = Array.Empty<string>();

    /// <summary>Optimizer groups whose gradients are zeroed after the phase (gradients it left that nobody uses).</summary>
    public IReadOnlyList<string> ZeroAfter { get; init; } = Array.Empty<string>();

    /// <summary>Runs before the loss; disposed after the backward pass (e.g. an unrolled D restored).</summary>
    public Func<PhaseContext, IDisposable?>? Around { get; init; }

    /// <summary>Runs after each optimizer update (e.g. WGAN weight clipping).</summary>
    public Action<PhaseContext>? AfterUpdate { get; init; }

    /// <summary>
    /// Replaces the standard zero-grad / loss / backward / update sequence (a phase that updates several groups
    /// from one forward pass). Returns the logged values.
    /// </summary>
    public Func<PhaseContext, IReadOnlyDictionary<string, double>>? Custom { get; init; }

    /// <summary>
    /// The steps this phase runs on (null: every step). A family trained in stages (StackGAN's Stage-I, then
    /// Stage-II) gives each stage's phases a predicate of the step; an inactive phase draws no batch and updates nothing.
    /// </summary>
    public Func<int, bool>? ActiveAt { get; init; }

    /// <summary>The groups this phase updates (default: <see cref="Group"/>; a custom phase may update several).</summary>
    public IReadOnlyList<string>? UpdatedGroups { get; init; }

    internal IReadOnlyList<string> Updated => UpdatedGroups ?? new[] { Group };
}

/// <summary>What a phase's loss can reach: the current batch, the training generator, further batches, the optimizers.</summary>
public sealed class PhaseContext
{
    private readonly Trainer _trainer;

    internal PhaseContext(Trainer trainer, int step, bool measure)
    {
        _trainer = trainer;
        Step = step;
        Measure = measure;
    }

    public GanSystem System => _trainer.System;
    public GanOptions Options => _trainer.Options;

    /// <summary>The step being trained (1-based).</summary>
    public int Step { get; }

    /// <summary>True on steps whose gradient norms are logged.</summary>
    public bool Measure { get; }

    /// <summary>The batch of the current repeat (or the step's last batch).</summary>
    public Batch Batch { get; internal set; } = null!;

    /// <summary>The repeat index within the phase (0-based).</summary>
    public int Repeat { get; internal set; }

    /// <summary>The training noise generator.</summary>
    public Generator Rng => _trainer.Rng;

    /// <summary>Draws one more real batch (advancing the data position).</summary>
    public Batch NextBatch() => _trainer.NextBatch();

    public IOptimizer Optimizer(string group) => _trainer.Optimizer(group);

    /// <summary>Throws <see cref="NonFiniteLossException"/> unless the loss is finite; returns its value.</summary>
    public double Finite(Tensor loss, string name) => Trainer.Finite(loss, name, Step);

    /// <summary>The L2 norm of the gradients of a group's parameters.</summary>
    public double GradNorm(string group) => _trainer.GradNorm(group);
}

