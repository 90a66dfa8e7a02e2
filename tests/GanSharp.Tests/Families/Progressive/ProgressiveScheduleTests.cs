using GanSharp.Families.Progressive;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Progressive;

public class ProgressiveScheduleTests
{
    [Fact]
    public void ImagesPerPhaseGivesTheStateAtEveryPhaseBoundary()
    {
        // 100 images per phase; batch 16 at 4 px (7 steps), 8 at 8 px (13), 4 at 16 px (25).
        var s = ProgressiveSchedule.FromImages([4, 8, 16], 100, [16, 8, 4]);
        Assert.Equal(new long[] { 7, 13, 13, 25, 25 }, s.Phases.Select(p => p.Steps));
        Assert.Equal(new[] { false, true, false, true, false }, s.Phases.Select(p => p.Fading));
        Assert.Equal(83, s.TotalSteps);
        Assert.Equal(new ProgressiveState(4, 1, 0, 0, false, 16), s.At(0));
        Assert.Equal(new ProgressiveState(4, 1, 96, 0, false, 16), s.At(6));
        Assert.Equal(new ProgressiveState(8, 0, 112, 1, true, 8), s.At(7));           // the fade to 8 starts at α = 0
        Assert.Equal(new ProgressiveState(8, 1.0 / 13, 120, 1, true, 8), s.At(8));
        Assert.Equal(new ProgressiveState(8, 12.0 / 13, 208, 1, true, 8), s.At(19));  // the fade's last step
        Assert.Equal(new ProgressiveState(8, 1, 216, 2, false, 8), s.At(20));         // stabilizing at 8
        Assert.Equal(new ProgressiveState(16, 0, 320, 3, true, 4), s.At(33));
        Assert.Equal(new ProgressiveState(16, 12.0 / 25, 368, 3, true, 4), s.At(45));   // mid-fade
        Assert.Equal(new ProgressiveState(16, 1, 420, 4, false, 4), s.At(58));
        Assert.Equal(new ProgressiveState(16, 1, 520, 4, false, 4), s.At(83));        // past the end: the last phase goes on
        Assert.Equal(520, s.TotalImages);
    }

    [Fact]
    public void StepsAloneAreSplitEvenlyAndOneBatchServesAll()
    {
        var s = ProgressiveSchedule.FromSteps([4, 8, 16, 32], 73, [32]);
        Assert.Equal(new long[] { 10, 10, 10, 10, 10, 10, 13 }, s.Phases.Select(p => p.Steps));
        Assert.Equal(73, s.TotalSteps);
        Assert.Equal(new ProgressiveState(8, 0.5, 15 * 32, 1, true, 32), s.At(15));
        Assert.Equal(new ProgressiveState(32, 0, 50 * 32, 5, true, 32), s.At(50));
        Assert.Equal(new ProgressiveState(32, 1, 60 * 32, 6, false, 32), s.At(60));
        var single = ProgressiveSchedule.FromSteps([32], 5, [8]);
        Assert.Equal(new ProgressiveState(32, 1, 24, 0, false, 8), single.At(3));
    }

    [Fact]
    public void BadSchedulesAreRejectedWithTheFix()
    {
        Assert.Contains("at least 5 steps", Assert.Throws<ArgumentOutOfRangeException>(() => ProgressiveSchedule.FromSteps([4, 8, 16], 4, [8])).Message);
        Assert.Contains("double", Assert.Throws<ArgumentException>(() => ProgressiveSchedule.FromImages([4, 16], 10, [8])).Message);
        Assert.Contains("one per resolution", Assert.Throws<ArgumentException>(() => ProgressiveSchedule.FromImages([4, 8, 16], 10, [8, 8])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ProgressiveSchedule.FromImages([6, 12], 10, [8]));
    }

    [Fact]
    public void RealsAreDownsampledAndBlendedDuringTheFade()
    {
        using var scope = NewDisposeScope();
        var x = arange(16, dtype: ScalarType.Float32).view(1, 1, 4, 4);
        var two = ProgressiveReals.Downsample(x, 2);
        Assert.Equal(new float[] { 2.5f, 4.5f, 10.5f, 12.5f }, two.data<float>().ToArray());   // 2×2 means
        var means = ProgressiveReals.Downsample(arange(32, dtype: ScalarType.Float32).view(1, 2, 4, 4), 1);
        Assert.Equal(new float[] { 7.5f, 23.5f }, means.data<float>().ToArray());             // to 1×1: channel means

        var coarse = ProgressiveOps.Upsample2x(ProgressiveOps.Downsample2x(x));
        Assert.True(ProgressiveReals.FadeIn(x, 0).equal(coarse).all().item<bool>());
        Assert.True(ProgressiveReals.FadeIn(x, 1).equal(x).all().item<bool>());
        Assert.True(allclose(ProgressiveReals.FadeIn(x, 0.25), coarse * 0.75 + x * 0.25, 1e-6, 1e-6));

        var full8 = rand(new long[] { 2, 3, 8, 8 }, generator: new Generator(2));
        var state = new ProgressiveState(4, 0.5, 0, 1, true, 2);
        var expected = ProgressiveReals.FadeIn(nn.functional.avg_pool2d(full8, 2), 0.5);
        Assert.True(ProgressiveReals.ForState(full8, state).equal(expected).all().item<bool>());
        Assert.True(ProgressiveReals.ForState(full8, state with { Fading = false, Alpha = 1 }).equal(nn.functional.avg_pool2d(full8, 2)).all().item<bool>());
    }
}
