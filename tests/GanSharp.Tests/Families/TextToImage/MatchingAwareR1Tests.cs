using GanSharp.Families.TextToImage;
using GanSharp.Losses;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;
using T2I = GanSharp.Tests.Families.TextToImage.TextToImageFamilyTests;

namespace GanSharp.Tests.Families.TextToImage;

/// <summary>
/// --r1 γ on the matching-aware D of gan-cls and stackgan (Mescheder et al. 2018): D's loss adds γ/2 · N · E‖∇ₓ s_r‖²
/// on the {real, right text} pairs every N = --r1-every steps; the scores themselves are unchanged, and a run with the
/// penalty resumes bit for bit.
/// </summary>
public sealed class MatchingAwareR1Tests(PretrainedEncoderFixture encoder) : IClassFixture<PretrainedEncoderFixture>
{
    private GanOptions GanCls(int steps, double r1, int every = 1)
    {
        var o = T2I.TinyGanCls(encoder.Path, steps, "gan-cls");
        o.R1 = r1;
        o.R1Every = every;
        return o;
    }

    [Fact]
    public void ThePenaltyIsTheMeanSquaredInputGradientOfTheRealRightLogits()
    {
        // s_r(x) = Σ c·x² per image: ∇ₓ s_r = 2c·x, so ‖∇‖² = 4c²·Σx². Image 0: Σx² = 1 + 4 + 0 + 9 = 14; image 1:
        // Σx² = 0.25·4 = 1. With c = 0.5: 4·0.25·(14 + 1)/2 = 7.5.
        var x = tensor(new float[] { 1, -2, 0, 3, 0.5f, 0.5f, -0.5f, 0.5f }).view(2, 1, 2, 2).requires_grad_(true);
        var sr = x.pow(2).mul(0.5).flatten(1).sum(1);
        var penalty = Penalties.R1(sr, x);
        Assert.Equal(7.5, penalty.item<float>(), 5);
        // It stays in the graph: its own gradient is ∂/∂x of ½·Σ_i 4c²·Σx_i² (the batch mean), 4c²·x = x.
        var g = autograd.grad(new[] { penalty }, new[] { x })[0];
        Assert.Equal(new float[] { 1, -2, 0, 3, 0.5f, 0.5f, -0.5f, 0.5f }, g.flatten().data<float>().ToArray());
        // Images that record no gradients are refused in one line.
        var ex = Assert.Throws<ArgumentException>(() => Penalties.R1(sr, x.detach()));
        Assert.Contains("requires_grad_", ex.Message);
    }

    [Fact]
    public void DsLossAddsHalfGammaTimesThePenaltyOnTheStepsItIsDueAndTheScoresAreUnchanged()
    {
        using var data = T2I.Shapes(32, 16);
        using var tmp = new TestUtil.TempDir();
        const double gamma = 3;
        using (var off = TrainingRun.Create(GanCls(4, 0), data, tmp.Path, "off", heldOut: data)) Assert.True(off.Run());
        using (var every = TrainingRun.Create(GanCls(4, gamma), data, tmp.Path, "every", heldOut: data)) Assert.True(every.Run());
        using (var lazy = TrainingRun.Create(GanCls(4, gamma, every: 2), data, tmp.Path, "lazy", heldOut: data)) Assert.True(lazy.Run());
        var offLines = T2I.Metrics(Path.Combine(tmp.Path, "off"));
        var everyLines = T2I.Metrics(Path.Combine(tmp.Path, "every"));
        var lazyLines = T2I.Metrics(Path.Combine(tmp.Path, "lazy"));
        double Matching(System.Text.Json.Nodes.JsonObject l) => T2I.V(l, "loss_d_real") + 0.5 * (T2I.V(l, "loss_d_wrong") + T2I.V(l, "loss_d_fake"));
        Assert.All(offLines, l => Assert.False(l.ContainsKey("loss_r1")));
        Assert.Equal(4, everyLines.Count);
        foreach (var l in everyLines)
        {
            Assert.True(T2I.V(l, "loss_r1") > 0);
            Assert.Equal(T2I.V(l, "loss_d"), Matching(l) + gamma / 2 * T2I.V(l, "loss_r1"), 5);
        }
        // Lazy R1 (--r1-every 2): the penalty on steps 2 and 4 only, weighted γ/2 · 2.
        for (int i = 0; i < lazyLines.Count; i++)
        {
            var l = lazyLines[i];
            if ((i + 1) % 2 == 0) Assert.Equal(T2I.V(l, "loss_d"), Matching(l) + gamma * T2I.V(l, "loss_r1"), 5);
            else
            {
                Assert.False(l.ContainsKey("loss_r1"));
                Assert.Equal(T2I.V(l, "loss_d"), Matching(l), 5);
            }
        }
        // Step 1 from the same weights and batch: reading the input gradient changes none of the three pairs' scores.
        foreach (var k in new[] { "loss_d_real", "loss_d_wrong", "loss_d_fake", "d_real", "d_wrong", "d_fake" })
            Assert.Equal(T2I.V(offLines[0], k), T2I.V(everyLines[0], k));
        Assert.NotEqual(T2I.V(offLines[0], "loss_d"), T2I.V(everyLines[0], "loss_d"));
        // The penalty trains D: after step 1 the runs part.
        Assert.NotEqual(T2I.V(offLines[1], "loss_d_real"), T2I.V(everyLines[1], "loss_d_real"));
    }

    [Fact]
    public void GanClsWithR1ResumesBitForBit()
    {
        using var data = T2I.Shapes(32, 16);
        using var tmp = new TestUtil.TempDir();
        T2I.AssertResumesBitForBit(GanCls(4, 1, every: 2), data, data, tmp.Path, 2);
    }

    [Fact]
    public void BothStackGanDiscriminatorsTakeThePenalty()
    {
        using var data = T2I.Shapes(32, 32);
        using var tmp = new TestUtil.TempDir();
        var o = T2I.TinyStackGan(encoder.Path, 4, stage1Steps: 2);
        o.R1 = 2;
        o.CheckpointEvery = 2;
        T2I.AssertResumesBitForBit(o, data, data, tmp.Path, 1, 3);
        var lines = T2I.Metrics(Path.Combine(tmp.Path, "full"));
        foreach (var l in lines.Take(2))
            Assert.Equal(T2I.V(l, "loss_d"), T2I.V(l, "loss_d_real") + 0.5 * (T2I.V(l, "loss_d_wrong") + T2I.V(l, "loss_d_fake")) + T2I.V(l, "loss_r1"), 5);
        foreach (var l in lines.Skip(2))
            Assert.Equal(T2I.V(l, "loss_d2"), T2I.V(l, "loss_d2_real") + 0.5 * (T2I.V(l, "loss_d2_wrong") + T2I.V(l, "loss_d2_fake")) + T2I.V(l, "loss_d2_r1"), 5);
    }

    [Fact]
    public void GanClsWithoutDNormalizationResumesBitForBitAndTheSamplerRebuildsThatD()
    {
        using var data = T2I.Shapes(32, 16);
        using var tmp = new TestUtil.TempDir();
        var o = GanCls(4, 1);
        o.Set(TextToImageSystem.DNormOption, "none");
        T2I.AssertResumesBitForBit(o, data, data, tmp.Path, 2);
        using var sampler = Sampler.Load(Path.Combine(tmp.Path, "full"));
        Assert.Equal("none", ((MatchingAwareDiscriminator)sampler.System.Network("D")).Norm);
    }
}
