namespace GanSharp.Performance;

/// <summary>
/// Keeps the native memory of finalizer-released TorchSharp objects flat over long loops.
/// <para>
/// TorchSharp frees the native side of a <c>Scalar</c> (made implicitly for every number passed to a tensor op:
/// <c>x.mul(0.5)</c>, Adam's betas, a loss's label value) only in its finalizer, and no dispose scope tracks it. The
/// GC sees only the small managed wrapper, so with .NET's large gen0 budget (tens of MB on a big-cache CPU) it may
/// not collect for thousands of steps while the native side piles up: the mlp2d engine's RSS grew from 304 to
/// 404 MiB over 4,000 steps with one gen0 collection in all (bench soak, docs/reliability.md), and the allocator
/// keeps the peak.
/// </para>
/// <para>
/// The training loop calls <see cref="AfterStep"/> at the start of each step, outside its dispose scope, so the last
/// step's temporaries are all unreachable: every <see cref="Every"/> steps it runs a gen0 collection, which queues those
/// wrappers' finalizers. A gen0 collection of the engine's small young heap costs well
/// under a millisecond, against at least <see cref="Every"/> training steps. It changes no number: determinism by
/// seed is untouched.
/// </para>
/// </summary>
public static class NativeGarbage
{
    /// <summary>Steps between gen0 collections.</summary>
    public const int Every = 64;

    /// <summary>After step <paramref name="step"/> (1-based; 0: none yet): a gen0 collection after every <see cref="Every"/>-th step.</summary>
    public static void AfterStep(int step)
    {
        if (step > 0 && step % Every == 0) Collect();
    }

    /// <summary>
    /// A full collection, for the points that already cost far more than one: after a progress grid and its loss plot
    /// (whose managed and SkiaSharp objects outlive two young collections, so only a full one frees them).
    /// </summary>
    public static void CollectFull()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        GC.WaitForPendingFinalizers();
    }

    /// <summary>A gen0 collection: the young finalizable wrappers go to the finalizer queue, which frees their native side.</summary>
    public static void Collect() => GC.Collect(1, GCCollectionMode.Forced, blocking: true, compacting: false);
}
