using GanSharp.Data;
using GanSharp.Families;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Stability;

public class LrDecayTests
{
    [Fact]
    public void LinearDecayIsOneUntilTheLastFractionThenFallsLinearly()
    {
        // 10 steps, last half: steps 1–6 at 1 (step 6: 5/5), then 4/5, 3/5, 2/5, 1/5.
        double[] expected = { 1, 1, 1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2 };
        for (int s = 1; s <= 10; s++) Assert.Equal(expected[s - 1], Trainer.LinearDecay(s, 10, 0.5), 12);
        // Over the whole run: (T − s + 1) / T.
        Assert.Equal(1.0, Trainer.LinearDecay(1, 4, 1.0), 12);
        Assert.Equal(0.25, Trainer.LinearDecay(4, 4, 1.0), 12);
    }

    [Fact]
    public void BothOptimizersTakeTheDecayedRate()
    {
        using var data = GaussianMixture2D.Ring(256, 1);
        var o = TestUtil.TinyMlp(steps: 4);
        o.LrG = 1e-3; o.LrD = 2e-3; o.LrDecay = 0.5;
        set_num_threads(1);
        using var system = GanFamilies.Create(o, data.ExampleShape, 0);
        var trainer = new Trainer(system, data);
        double[] factor = { 1, 1, 1, 0.5 };   // steps 1–3 at 1 (step 3: 2/2), step 4: 1/2
        for (int s = 0; s < 4; s++)
        {
            trainer.TrainStep();
            Assert.Equal(2e-3 * factor[s], trainer.OptD.Lr, 15);
            Assert.Equal(1e-3 * factor[s], trainer.OptG.Lr, 15);
        }
    }

    [Fact]
    public void ARunWithDecayResumesBitForBit()
    {
        using var data = GaussianMixture2D.Ring(512, 1);
        TestUtil.AssertResumeEqualsUninterrupted(() => { var o = TestUtil.TinyMlp(steps: 12); o.LrDecay = 0.5; return o; }, data, stopAt: 8);
    }

    [Fact]
    public void ADecayFractionOutsideZeroToOneIsRefused()
    {
        var o = TestUtil.TinyMlp(); o.LrDecay = 1.5;
        var e = Assert.Throws<ArgumentException>(() => o.Validate());
        Assert.Contains("--lr-decay", e.Message);
    }
}
