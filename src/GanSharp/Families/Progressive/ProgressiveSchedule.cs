using static TorchSharp.torch;

namespace GanSharp.Families.Progressive;

/// <summary>One phase of progressive training: a fade-in to <see cref="Resolution"/>, or training (stabilizing) at it.</summary>
public sealed record ProgressivePhase(int Resolution, bool Fading, long Steps, int Batch);

/// <summary>
/// Where a step falls in the schedule: the resolution, the fade-in α (1 outside a fade), the images shown before
/// this step, the phase index, whether it fades, and the batch size of the phase.
/// </summary>
public readonly record struct ProgressiveState(int Resolution, double Alpha, long ImagesSeen, int Phase, bool Fading, int Batch);

/// <summary>
/// The phase schedule of progressive growing (Karras et al. 2018, section 3 and appendix A): train at the first
/// resolution, then for each next resolution fade it in (α from 0 towards 1) and then stabilize it; the last
/// stabilization continues after the schedule ends. In a fade of n steps, step k has α = k/n. Each resolution has
/// its own batch size (the phase's batch counts images). The state at any step is a pure function of the step,
/// so a checkpoint that stores the step resumes mid-fade exactly.
/// </summary>
public sealed class ProgressiveSchedule
{
    private readonly long[] _startStep;
    private readonly long[] _startImages;

    private ProgressiveSchedule(IReadOnlyList<ProgressivePhase> phases)
    {
        Phases = phases;
        _startStep = new long[phases.Count + 1];
        _startImages = new long[phases.Count + 1];
        for (int i = 0; i < phases.Count; i++)
        {
            _startStep[i + 1] = _startStep[i] + phases[i].Steps;
            _startImages[i + 1] = _startImages[i] + phases[i].Steps * phases[i].Batch;
        }
    }

    public IReadOnlyList<ProgressivePhase> Phases { get; }

    /// <summary>Steps in all phases together (training may go on at the last resolution after).</summary>
    public long TotalSteps => _startStep[^1];

    /// <summary>Images shown in all phases together.</summary>
    public long TotalImages => _startImages[^1];

    /// <summary>
    /// Phases of <paramref name="imagesPerPhase"/> images each (<c>--images-per-phase</c>): a phase takes
    /// ⌈images / batch⌉ steps at its resolution's batch size. <paramref name="batchSizes"/> has one entry per
    /// resolution, or one for all.
    /// </summary>
    public static ProgressiveSchedule FromImages(IReadOnlyList<int> resolutions, long imagesPerPhase, IReadOnlyList<int> batchSizes)
    {
        if (imagesPerPhase < 1)
            throw new ArgumentOutOfRangeException(nameof(imagesPerPhase), imagesPerPhase, "images per phase must be ≥ 1");
        return Build(resolutions, batchSizes, (_, batch) => (imagesPerPhase + batch - 1) / batch);
    }

    /// <summary>
    /// <paramref name="totalSteps"/> split evenly over the 2·R − 1 phases (<c>--steps</c> alone); the remainder goes
    /// to the last phase.
    /// </summary>
    public static ProgressiveSchedule FromSteps(IReadOnlyList<int> resolutions, long totalSteps, IReadOnlyList<int> batchSizes)
    {
        int phases = 2 * (resolutions?.Count ?? 0) - 1;
        if (phases > 0 && totalSteps < phases)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"{totalSteps} steps cannot cover {phases} phases: use at least {phases} steps or --images-per-phase");
        long each = phases > 0 ? totalSteps / phases : 0;
        return Build(resolutions!, batchSizes, (i, _) => i == phases - 1 ? totalSteps - each * (phases - 1) : each);
    }

    /// <summary>
    /// A schedule of the given phases (as a checkpoint stores them, so a resume keeps the schedule the run started
    /// with even when --steps is raised). Checked as the other constructors check theirs.
    /// </summary>
    public static ProgressiveSchedule FromPhases(IReadOnlyList<ProgressivePhase> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        if (phases.Count == 0) throw new ArgumentException("a progressive schedule needs at least one phase", nameof(phases));
        for (int i = 0; i < phases.Count; i++)
        {
            var p = phases[i];
            ProgressiveConfig.Log2(p.Resolution);
            if (p.Steps < 0 || p.Batch < 1)
                throw new ArgumentException($"phase {i} has {p.Steps} steps of batch {p.Batch}", nameof(phases));
            bool fades = i > 0 && p.Resolution == 2 * phases[i - 1].Resolution && !phases[i - 1].Fading;
            bool stabilizes = (i == 0 && !p.Fading) || (i > 0 && !p.Fading && p.Resolution == phases[i - 1].Resolution && phases[i - 1].Fading);
            if (!(p.Fading ? fades : stabilizes))
                throw new ArgumentException($"phase {i} ({p.Resolution}×{p.Resolution}, {(p.Fading ? "fade-in" : "stabilization")}) does not follow phase {i - 1}", nameof(phases));
        }
        return new ProgressiveSchedule(phases);
    }

    static ProgressiveSchedule Build(IReadOnlyList<int> resolutions, IReadOnlyList<int> batchSizes, Func<int, int, long> steps)
    {
        ArgumentNullException.ThrowIfNull(resolutions);
        ArgumentNullException.ThrowIfNull(batchSizes);
        if (resolutions.Count == 0)
            throw new ArgumentException("a progressive schedule needs at least one resolution", nameof(resolutions));
        for (int i = 0; i < resolutions.Count; i++)
        {
            ProgressiveConfig.Log2(resolutions[i]);
            if (i > 0 && resolutions[i] != 2 * resolutions[i - 1])
                throw new ArgumentException($"resolutions must double from one to the next, got {string.Join(", ", resolutions)}", nameof(resolutions));
        }
        if (batchSizes.Count != 1 && batchSizes.Count != resolutions.Count)
            throw new ArgumentException($"give one batch size, or one per resolution ({resolutions.Count}); got {batchSizes.Count}", nameof(batchSizes));
        if (batchSizes.Any(b => b < 1))
            throw new ArgumentOutOfRangeException(nameof(batchSizes), string.Join(", ", batchSizes), "batch sizes must be ≥ 1");
        int Batch(int r) => batchSizes.Count == 1 ? batchSizes[0] : batchSizes[r];
        var phases = new List<ProgressivePhase>();
        for (int r = 0; r < resolutions.Count; r++)
        {
            if (r > 0) phases.Add(new ProgressivePhase(resolutions[r], true, steps(phases.Count, Batch(r)), Batch(r)));
            phases.Add(new ProgressivePhase(resolutions[r], false, steps(phases.Count, Batch(r)), Batch(r)));
        }
        return new ProgressiveSchedule(phases);
    }

    /// <summary>The state at (zero-based) <paramref name="step"/>; past the end, the last phase continues with α = 1.</summary>
    public ProgressiveState At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be ≥ 0");
        int i = 0;
        while (i < Phases.Count - 1 && step >= _startStep[i + 1]) i++;
        var phase = Phases[i];
        long k = step - _startStep[i];
        double alpha = phase.Fading && k < phase.Steps ? (double)k / phase.Steps : 1.0;
        bool fading = phase.Fading && k < phase.Steps;
        return new ProgressiveState(phase.Resolution, alpha, _startImages[i] + k * phase.Batch, i, fading, phase.Batch);
    }
}

/// <summary>Real images for the current phase (Karras et al. 2018: reals are shown at the current resolution and blended during a fade).</summary>
public static class ProgressiveReals
{
    /// <summary>Box-filter downsampling of N×C×H×W images to <paramref name="resolution"/> (H/resolution must be a whole number).</summary>
    public static Tensor Downsample(Tensor images, int resolution)
    {
        long h = images.shape[2], w = images.shape[3];
        if (h % resolution != 0 || w % resolution != 0 || h / resolution != w / resolution)
            throw new ArgumentException($"{h}x{w} images cannot be box-filtered to {resolution}x{resolution}", nameof(images));
        long f = h / resolution;
        return f == 1 ? images.alias() : nn.functional.avg_pool2d(images, f);
    }

    /// <summary>
    /// The fade-in blend for reals at the current resolution: lerp(u(d(x)), x, α) with d = 2×2 average, u = nearest
    /// ×2, so at α = 0 the reals look exactly like the previous resolution (as G's output does) and at α = 1 they are x.
    /// </summary>
    public static Tensor FadeIn(Tensor images, double alpha) =>
        ProgressiveOps.FadeIn(ProgressiveOps.Upsample2x(ProgressiveOps.Downsample2x(images)), images, alpha);

    /// <summary>Full-resolution reals → the batch D sees at <paramref name="state"/>: downsampled, blended while fading.</summary>
    public static Tensor ForState(Tensor images, ProgressiveState state)
    {
        using var scope = NewDisposeScope();
        var x = Downsample(images, state.Resolution);
        return (state.Fading ? FadeIn(x, state.Alpha) : x).MoveToOuterDisposeScope();
    }
}
