using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using GanSharp.Data;
using GanSharp.Families;
using GanSharp.Models;
using GanSharp.Performance;
using GanSharp.Training;
using Xunit;

namespace GanSharp.Tests.Performance;

/// <summary>
/// The training loop collects young garbage every <see cref="NativeGarbage.Every"/> steps, so the native side of
/// finalizer-released TorchSharp objects (implicit Scalars) is freed within that many steps rather than whenever the
/// GC's large gen0 budget runs out (docs/reliability.md § Soak).
/// </summary>
public class NativeGarbageTests
{
    private static readonly ConcurrentDictionary<Guid, bool> Finalized = new();

    /// <summary>A finalizable object standing in for a TorchSharp Scalar dropped during a step.</summary>
    private sealed class Sentinel(Guid id)
    {
        ~Sentinel() => Finalized[id] = true;
    }

    private sealed class DropSentinelAtStep1(Guid id) : ITrainingObserver
    {
        public void OnStep(Trainer trainer, StepStats stats)
        {
            if (stats.Step == 1) Drop(id);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Drop(Guid id) => _ = new Sentinel(id);
    }

    [Fact]
    public void AGarbageObjectOfStep1IsFinalizedOnceTheLoopPassesTheCollectionStep()
    {
        using var data = GaussianMixture2D.Ring(512, 1);
        var o = TestUtil.TinyMlp(NativeGarbage.Every + 1);
        var (g, d) = GanModels.Build(o, data.ExampleShape);
        using var system = new GanSystem(g, d, o, data.ExampleShape);
        using var trainer = new Trainer(system, data);
        var id = Guid.NewGuid();
        trainer.Observers.Add(new DropSentinelAtStep1(id));
        for (int i = 0; i <= NativeGarbage.Every; i++) trainer.TrainStep();   // step Every + 1 collects first
        GC.WaitForPendingFinalizers();                                         // runs the queue; collects nothing itself
        Assert.True(Finalized.ContainsKey(id), $"the object dropped in step 1 was not finalized by step {NativeGarbage.Every + 1}");
    }
}
